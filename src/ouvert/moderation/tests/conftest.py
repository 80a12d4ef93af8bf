import pytest
from django.core.cache import cache

# The organisation, its moderator, dataset and challenge the page tests share.
from ouvert.participation.tests.pages import challenge, dataset, moderator, org  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate limits count in the cache: each test starts with none used."""
    cache.clear()
    yield
    cache.clear()
