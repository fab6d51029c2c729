"""
Where a form sends the user afterwards: the page it was opened from (``?next=``), when that page is
this site's. Anything else (another host, a scheme-relative ``//`` address, plain HTTP from an HTTPS
page) is ignored, so that a link cannot turn the app into a redirector.
"""

from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request, fallback: str) -> str:
    """The request's ``next`` (posted, else in the query string) if it is safe, else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback
