"""Diagnostics for the benchmark: how many SQL queries a request made, in a response header.

Installed only when QUERY_COUNT_HEADER is set, so production pays nothing for it."""

from django.db import connections


class QueryCountHeaderMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connections["default"].execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Query-Count"] = str(count)
        return response


class PrivateNoStoreMiddleware:
    """Pages seen by a logged-in user, and every API and private-feed answer, are for that user only:
    no browser cache, proxy or back button keeps them (an API token or a private feed address shown
    on a page must not outlive the session). Public pages (login, static files) are left as they are."""

    PRIVATE_PREFIXES = ("/api/", "/exchange/feeds/", "/alerts/calendar/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith(self.PRIVATE_PREFIXES):
            response["Cache-Control"] = "no-store, private"
            response.headers.pop("Expires", None)
        return response
