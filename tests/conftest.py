import os

import pytest

# Playwright runs an event loop in the test thread; Django refuses ORM calls there unless told it is fine.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded evidence goes to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache(request):
    """Rate-limit counters live in the (database) cache; each database test starts with none."""
    if request.node.get_closest_marker("django_db") is None:
        yield
        return
    from django.core.cache import cache

    cache.clear()
    yield
