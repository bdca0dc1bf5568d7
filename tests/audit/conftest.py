import pytest


@pytest.fixture(autouse=True)
def no_stored_pages(settings):
    """Tests read the dashboard's context, which a stored page does not have; stored pages have their own tests."""
    settings.AUDIT_STORED_PAGES = False
