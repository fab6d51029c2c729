"""A small fixed-window throttle on Django's cache (CACHE_URL: Redis in production, so that every
web process counts together)."""

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 3600


def throttle_hit(keys: list[str], *, limit: int | None = None) -> bool:
    """Count one request against every key; False once any of them is over the limit this hour."""
    limit = settings.PASSWORD_RESET_LIMIT if limit is None else limit
    allowed = True
    for key in keys:
        cache_key = f"throttle:{key}"
        cache.add(cache_key, 0, WINDOW_SECONDS)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # Expired between add and incr.
            cache.set(cache_key, 1, WINDOW_SECONDS)
            count = 1
        allowed = allowed and count <= limit
    return allowed
