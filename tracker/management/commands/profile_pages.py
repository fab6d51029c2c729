"""Where a page's time goes: each page rendered in this process through the whole middleware stack,
timed, with its SQL, template and Python time apart, and the costliest functions under a profiler.

A companion to ``benchmark`` (which times pages from outside, over HTTP): run it on the benchmark's
database to decide what to take out of a page before measuring again.

    DATABASE_URL=postgres://.../tracker_bench manage.py profile_pages --samples 30
"""

import cProfile
import io
import pstats
import statistics
import time
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.management.base import BaseCommand
from django.db import connection
from django.template import base as template_base
from django.test import Client
from django.test.utils import override_settings

from cases import roles
from cases.models import Case


@contextmanager
def _sql_timer(totals: dict):
    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            totals["sql"] += time.perf_counter() - started
            totals["queries"] += 1

    with connection.execute_wrapper(wrapper):
        yield


@contextmanager
def _template_timer(totals: dict):
    """Time the outermost template renders only (includes and inherited blocks are inside them)."""
    original = template_base.Template.render
    depth = [0]

    def render(self, context):
        depth[0] += 1
        started = time.perf_counter()
        try:
            return original(self, context)
        finally:
            depth[0] -= 1
            if depth[0] == 0:
                totals["template"] += time.perf_counter() - started

    template_base.Template.render = render
    try:
        yield
    finally:
        template_base.Template.render = original


CACHE_METHODS = ("get", "get_many", "set", "set_many", "add", "delete", "delete_many", "incr", "touch", "has_key")


@contextmanager
def _cache_timer(totals: dict):
    """Time the default cache's calls: with a shared cache (Redis) each is a round trip and an unpickling."""
    backend = type(caches["default"])
    originals = {name: getattr(backend, name) for name in CACHE_METHODS}

    def timed(original):
        def method(self, *args, **kwargs):
            started = time.perf_counter()
            try:
                return original(self, *args, **kwargs)
            finally:
                totals["cache"] += time.perf_counter() - started
                totals["cache_calls"] += 1

        return method

    for name, original in originals.items():
        setattr(backend, name, timed(original))
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(backend, name, original)


class Command(BaseCommand):
    help = "Profile the main pages in-process: total, SQL and template time per page, and the costliest functions."

    def add_arguments(self, parser):
        parser.add_argument("--samples", type=int, default=30)
        parser.add_argument("--top", type=int, default=12, help="Functions to list per page, by own time.")
        parser.add_argument("paths", nargs="*", help="Pages to profile; the list, a filtered list and the largest case by default.")

    def handle(self, *args, samples, top, paths, **options):
        user, _ = get_user_model().objects.get_or_create(username="profile-analyst")
        roles.user_set_role(user=user, role=roles.ANALYST)
        if not paths:
            big = Case.objects.order_by("reference").first()
            paths = ["/", "/?stage=hearing&requesting_state=IN&status=open", "/?q=modi"]
            if big:
                paths.append(big.get_absolute_url())
        with override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False):
            client = Client()
            client.force_login(user)
            rows = [self._profile(client, path, samples, top) for path in paths]
        self.stdout.write("\n| page | median ms | SQL ms | queries | cache ms | cache calls | templates ms | other Python ms |")
        self.stdout.write("|---|---:|---:|---:|---:|---:|---:|---:|")
        for path, total, sql, queries, cache, cache_calls, template in rows:
            self.stdout.write(f"| `{path}` | {total:.1f} | {sql:.1f} | {queries} | {cache:.1f} | {cache_calls} | {template:.1f} "
                              f"| {total - sql - cache - template:.1f} |")

    def _profile(self, client: Client, path: str, samples: int, top: int):
        for _ in range(3):  # warm: imports, template loaders, the database's cache
            client.get(path, secure=True)
        measured = []
        for _ in range(samples):
            totals = {"sql": 0.0, "queries": 0, "template": 0.0, "cache": 0.0, "cache_calls": 0}
            with _sql_timer(totals), _template_timer(totals), _cache_timer(totals):
                started = time.perf_counter()
                response = client.get(path, secure=True)
                totals["total"] = time.perf_counter() - started
            assert response.status_code == 200, (path, response.status_code)
            measured.append(totals)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(max(5, samples // 3)):
            client.get(path, secure=True)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
        self.stdout.write(f"\n## {path}\n")
        self.stdout.write("\n".join(line for line in out.getvalue().splitlines() if line.strip())[-(top + 2) * 120:])

        def median(key):
            return statistics.median(m[key] for m in measured) * (1 if key in ("queries", "cache_calls") else 1000)

        return (path, median("total"), median("sql"), int(median("queries")), median("cache"), int(median("cache_calls")),
                median("template"))
