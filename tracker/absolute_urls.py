"""
Absolute addresses, built one way: every link that leaves the app (emails, feeds, calendars, the
API, the addresses a user copies) starts with ``SITE_URL``, never with the request's Host header,
which a client chooses and which differs behind a proxy.
"""

from urllib.parse import urlsplit

from django.conf import settings


def absolute_url(path: str) -> str:
    """``SITE_URL`` followed by a path from ``reverse()`` or ``get_absolute_url()`` ("/cases/x/")."""
    if not path.startswith("/"):
        raise ValueError(f"An absolute address is built from a path starting with '/', not {path!r}.")
    return settings.SITE_URL + path


def site_hostname() -> str:
    """The host name of ``SITE_URL``, for identifiers that must be unique to this installation
    (Message-ID, iCalendar UID, Atom tag: URIs)."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"
