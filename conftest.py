"""Test set-up shared by every app's tests."""

from __future__ import annotations

import os
import tempfile

# Each test run gets its own data directory, so files written by tests never touch ./var.
os.environ.setdefault("OUVERT_HOME", tempfile.mkdtemp(prefix="ouvert-test-"))
os.environ.setdefault("OUVERT_EMAIL_URL", "console:")
if os.environ.get("OUVERT_TEST_DATABASE_URL") and os.environ.get("OUVERT_TEST_ON_POSTGRES"):
    os.environ["OUVERT_DATABASE_URL"] = os.environ["OUVERT_TEST_DATABASE_URL"]
