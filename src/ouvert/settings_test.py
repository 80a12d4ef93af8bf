"""Settings for the test suite: a throw-away data directory, and PostgreSQL on request.

Every app package under the repository's ``tests/apps/`` (apps that exist for the test suite
only) is installed too, as ``tests.apps.<name>``: a new test app needs no edit outside itself.

``OUVERT_TEST_ON_POSTGRES=1`` with ``OUVERT_TEST_DATABASE_URL`` runs the suite on PostgreSQL
(``make test`` does so when the URL is set).
"""

import os
import sys
import tempfile
from pathlib import Path

os.environ["OUVERT_HOME"] = tempfile.mkdtemp(prefix="ouvert-test-")
os.environ.setdefault("OUVERT_EMAIL_URL", "console:")
os.environ.pop("OUVERT_DATABASE_URL", None)
if os.environ.get("OUVERT_TEST_ON_POSTGRES") == "1":
    if not os.environ.get("OUVERT_TEST_DATABASE_URL"):
        raise RuntimeError("OUVERT_TEST_ON_POSTGRES=1 needs OUVERT_TEST_DATABASE_URL")
    os.environ["OUVERT_DATABASE_URL"] = os.environ["OUVERT_TEST_DATABASE_URL"]

from ouvert.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - WhiteNoise warns when it is missing
# Searches read the index into memory before answering, in the test's transaction (see
# ouvert.catalog.search.memory); test_search.py also runs its tests on the database alone.
OUVERT_SEARCH_MEMORY = "always"
OUVERT_TASKS = "immediate"  # tasks run on commit, in the test's process; worker tests override it


def _compile_stale_catalogues() -> None:
    """Compile the translation catalogues whose ``.po`` is newer than their ``.mo`` (after a merge
    or a rebase), now, before Django reads them: it does while it sets up, and a process reads
    each ``.mo`` once (Python's ``gettext`` keeps it for the process's life, whatever Django's
    caches are told). Compiled later in the run (the tests of ``compiletranslations`` do), the
    new strings would reach no test of that run: pages checked in French would show them
    untranslated, in the first run after the merge only."""
    from ouvert.core.management.commands.compiletranslations import compile_po, po_files

    for po_path in po_files():
        compile_po(po_path)


_compile_stale_catalogues()

# Apps of the test suite only (``tests/apps/<name>/apps.py``), importable from the repository's root.
REPOSITORY = Path(__file__).resolve().parents[2]
TEST_APPS = sorted(f"tests.apps.{path.parent.name}" for path in (REPOSITORY / "tests" / "apps").glob("*/apps.py"))
if TEST_APPS and str(REPOSITORY) not in sys.path:
    sys.path.insert(0, str(REPOSITORY))
INSTALLED_APPS = [*INSTALLED_APPS, *TEST_APPS]  # noqa: F405 - a new list: ouvert.settings keeps its own
