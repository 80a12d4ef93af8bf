"""Test set-up shared by every app's tests (settings: ``ouvert.settings_test``)."""

import pytest


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request under /en/ must not leak into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
