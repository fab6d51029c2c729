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
