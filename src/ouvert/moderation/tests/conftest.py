import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate limits count in the cache: each test starts with none used."""
    cache.clear()
    yield
    cache.clear()
