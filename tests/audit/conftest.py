import pytest


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    """Tests read the dashboard's context, which a cached page does not have; the cache has its own test."""
    settings.AUDIT_PAGE_CACHE_SECONDS = 0
