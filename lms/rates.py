"""Fixed-window rate counters kept in the cache (no database): the certificate verify page and the
admin's password reset count requests with it."""

from django.core.cache import cache


def window_exceeded(key: str, *, limit: int, window: int) -> bool:
    """Count one more request under ``key`` and say whether it is past ``limit`` in this ``window``
    (seconds, from the first request of the window)."""
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit
