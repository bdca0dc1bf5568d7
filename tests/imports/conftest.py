import pytest


@pytest.fixture(autouse=True)
def imports_dir(settings, tmp_path):
    """Uploads of each test go to a folder of its own."""
    settings.IMPORTS_DIR = tmp_path / "imports"
    return settings.IMPORTS_DIR
