"""Who is on the other end of a request, when the app may stand behind reverse proxies."""

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address: with PROXY_COUNT trusted proxies in front, the address the outermost
    of them saw, i.e. the PROXY_COUNT-th entry from the right of X-Forwarded-For.

    Entries further left were sent by the client and can be forged, so they are never used."""
    remote = request.META.get("REMOTE_ADDR")
    if not settings.PROXY_COUNT:
        return remote
    forwarded = [ip.strip() for ip in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if ip.strip()]
    if len(forwarded) < settings.PROXY_COUNT:
        return remote
    return forwarded[-settings.PROXY_COUNT][:45]
