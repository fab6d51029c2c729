"""The benchmark: the production stack (gunicorn, a Celery worker, PostgreSQL, Redis) on generated
data, driven by a small concurrent HTTP client, with a local SMTP sink catching the alerts.

A project command rather than one of ``cases``: it measures every app together.

Prints, per scenario, the median and 95th-percentile latency one request at a time, requests per
second under concurrency, and SQL queries per request; then checks the budgets and, with
--record, appends the results to BENCHMARKS.md. `make bench` runs it; `--smoke` is the tiny version
CI runs so that the command never rots.
"""

import argparse
import datetime
import json
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from alerts.models import Alert, Follow
from cases import roles
from cases.models import Case, Event, Stage

ROOT = Path(settings.BASE_DIR)
FULL = {"cases": 100_000, "events": 1_000_000, "big_cases": 3, "big_case_events": 10_000, "followers": 1000}
# What analysts type in the header's search box: a name, a misspelt one, words of an event.
HEADER_SUGGESTIONS = [
    ("7a. header suggestions, a name", "Nirav Modi"),
    ("7b. header suggestions, a misspelt name", "Tahawur Rana"),
    ("7c. header suggestions, event words", "prison conditions"),
]
# The case list's person filter as analysts type names: a recorded name, a short form in another
# order (the record has a middle name), a misspelling. Budget: within 1.5x the unfiltered list.
PERSON_FILTERS = [
    ("1d. case list, person: exact name", "Nirav Deepak Modi"),
    ("1e. case list, person: short form", "modi nirav"),
    ("1f. case list, person: misspelt", "Neerav Modi"),
]
# The case list's free text: a court's name (generated courts are named "GB supreme court 3";
# real names carry no number, so it is left out), found among the words of thousands of cases'
# timelines; and "26/11", the common name of the Mumbai attacks, a token the search keeps whole.
# Budget: within 1.5x the unfiltered list.
FREE_TEXT = [
    ("1g. case list, free text: a court name", "GB supreme court"),
    ("1h. case list, free text: 26/11", "26/11"),
]
SMOKE = {"cases": 200, "events": 2_000, "big_cases": 1, "big_case_events": 1_000, "followers": 100}
# Ten times the data, for the scale run (--scale): the same famous cases, ten times the others.
LARGE = {**FULL, "cases": 1_000_000, "events": 10_000_000}
SMOKE_LARGE = {**SMOKE, "cases": 2_000, "events": 20_000}
# The figures the scale run compares between the two sizes, by the start of their names, and how
# much slower they may be at ten times the data.
SCALE_SCENARIOS = ("1a.", "1b.", "1c.", "2.", "1d.", "1e.", "1f.", "7a. analytics", "7b. analytics", "7c. analytics",
                   "7d. analytics", "7e. analytics")
SCALE_BUDGET = 1.5
WORKER_NICENESS = 10


# -- a tiny HTTP client with a cookie jar ------------------------------------------------------------


class Browser:
    """One logged-in user: a keep-alive connection and the session and CSRF cookies."""

    def __init__(self, port: int):
        self.port, self.cookies, self.conn = port, {}, None

    def request(
        self, method: str, path: str, body: dict | None = None, extra_headers: dict | None = None
    ) -> tuple[int, dict, bytes, float]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Host": "127.0.0.1"}
        headers.update(extra_headers or {})
        data = None
        if body is not None:
            data = urlencode(body, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = HTTPConnection("127.0.0.1", self.port, timeout=60)
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                content = response.read()
                break
            except (ConnectionError, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        elapsed = time.perf_counter() - started
        for value in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(value).items():
                self.cookies[key] = morsel.value
        return response.status, dict(response.headers), content, elapsed

    def csrf(self, path: str) -> str:
        _, _, content, _ = self.request("GET", path)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        if not match:
            raise CommandError(f"No CSRF token on {path}")
        return match.group(1).decode()

    def login(self, username: str, password: str) -> "Browser":
        token = self.csrf("/accounts/login/")
        status, _, _, _ = self.request(
            "POST", "/accounts/login/", {"csrfmiddlewaretoken": token, "username": username, "password": password}
        )
        if status != 302:
            raise CommandError(f"Login as {username} failed ({status})")
        return self


# -- results --------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    latencies: list = field(default_factory=list)
    queries: list = field(default_factory=list)
    rps: float | None = None
    errors: int = 0
    note: str = ""
    # Latencies of the unfiltered list, measured between this scenario's own requests (see _paired).
    baseline: list = field(default_factory=list)

    @property
    def baseline_ms(self) -> float | None:
        return statistics.median(self.baseline) * 1000 if self.baseline else None

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")

    @property
    def p95_ms(self) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000

    @property
    def max_queries(self) -> int | None:
        return max(self.queries) if self.queries else None


def _peak_mb(pid: int) -> float:
    """A process's peak resident memory (VmHWM) so far, in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """A local SMTP server that counts what arrives and when, and notices any message twice."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.lock, self.message_ids, self.duplicates, self.last_at = threading.Lock(), set(), 0, None
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                found = re.search(rb"^Message-ID:\s*(\S+)", envelope.content, re.M | re.I)
                with sink.lock:
                    key = found.group(1) if found else secrets.token_bytes(8)
                    if key in sink.message_ids:
                        sink.duplicates += 1
                    sink.message_ids.add(key)
                    sink.last_at = time.perf_counter()
                return "250 OK"

        self.port = _free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.message_ids)

    def stop(self):
        self.controller.stop()


class Command(BaseCommand):
    help = "Benchmark the app on PostgreSQL with gunicorn and a Celery worker (see BENCHMARKS.md)."

    def add_arguments(self, parser):
        parser.add_argument("--smoke", action="store_true", help="Tiny data, one short pass (CI).")
        parser.add_argument("--samples", type=int, default=40, help="Sequential requests per scenario.")
        parser.add_argument("--duration", type=float, default=10.0, help="Seconds of concurrent load per scenario.")
        parser.add_argument("--concurrency", type=int, default=4)
        parser.add_argument("--load-users", type=int, default=50, help="Concurrent users in the mixed load test.")
        parser.add_argument("--load-seconds", type=float, default=120.0)
        parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes.")
        parser.add_argument("--regenerate", action="store_true", help="Generate data even if some is there.")
        parser.add_argument("--record", action="store_true", help="Append the results to BENCHMARKS.md.")
        parser.add_argument(
            "--scale", metavar="LARGE_DATABASE_URL",
            help="The scale run: the list, the case page, the person filter and the analytics on this database "
                 "(100,000 cases) and then on LARGE_DATABASE_URL (1,000,000 cases, generated there if empty), "
                 f"each figure within {SCALE_BUDGET}x of the smaller one's.")
        # One size of the scale run, in a process of its own; its figures go to a JSON file.
        parser.add_argument("--scale-part", choices=["full", "large"], help=argparse.SUPPRESS)
        parser.add_argument("--json", dest="json_path", help=argparse.SUPPRESS)

    def handle(self, *args, smoke, samples, duration, concurrency, load_users, load_seconds, workers, regenerate, record,
               scale=None, scale_part=None, json_path=None, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://... (a throwaway database).")
        if scale:
            return self._scale_run(scale, smoke=smoke, samples=samples, duration=duration, workers=workers, record=record)
        if smoke:
            samples, duration, concurrency, load_users, load_seconds, workers = 5, 1.0, 2, 5, 3.0, 2
        self.sizes = SMOKE if smoke else FULL
        self.scale_part = scale_part
        if scale_part:
            self.sizes = {"full": SMOKE if smoke else FULL, "large": SMOKE_LARGE if smoke else LARGE}[scale_part]
        self.samples, self.duration, self.concurrency = samples, duration, concurrency
        self.warmup = 2 * workers + 2
        self._prepare_data(regenerate)
        self.passwords = self._users()
        self.tmp = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
        self.sink = SmtpSink()
        self.processes, self.memory_trace = [], []
        try:
            self.port = _free_port()
            env = self._environment()
            subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
            self._start(["celery", "-A", "tracker", "purge", "-f"], env, wait=True)
            subprocess.run([sys.executable, "manage.py", "shell", "-c", "from django.core.cache import cache; cache.clear()"],
                           cwd=ROOT, env=env, check=True)
            self.gunicorn = self._start([sys.executable, "-m", "gunicorn", "tracker.wsgi", "--workers", str(workers),
                                         "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning"], env)
            # At a lower priority than the web workers, as the README's deployment runs it where both
            # share a machine's cores: mail and exports wait for the pages, not the other way round.
            self.worker = self._start(
                ["nice", "-n", str(WORKER_NICENESS), sys.executable, "-m", "celery", "-A", "tracker", "worker",
                 "--pool", "solo", "--loglevel", "WARNING"], env)
            self._wait_for_server()
            self._wait_for_worker(env)
            results = self._run_scenarios(load_users, load_seconds)
            memory = self._web_memory_mb()
        finally:
            for process in self.processes:
                process.terminate()
            for process in self.processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
            self.sink.stop()
            shutil.rmtree(self.tmp, ignore_errors=True)
        if scale_part:
            Path(json_path).write_text(json.dumps({"data": self._data_line(), "results": [
                {"name": r.name, "median_ms": r.median_ms, "p95_ms": r.p95_ms, "queries": r.max_queries} for r in results]}))
            return
        report = self._report(results, memory, smoke)
        self.stdout.write(report)
        if record:
            _record(report)
            self.stdout.write(self.style.SUCCESS("Appended to BENCHMARKS.md"))

    # -- setup ------------------------------------------------------------------------------------

    def _prepare_data(self, regenerate: bool) -> None:
        if regenerate or Case.objects.count() < self.sizes["cases"]:
            if Case.all_objects.exists():
                raise CommandError("The database holds other data: point DATABASE_URL at an empty throwaway database.")
            self.stdout.write(f"Generating data: {self.sizes} ...")
            call_command("generate_data", **self.sizes, stdout=self.stdout)
        self.big = Case.objects.get(reference="gen-000000")
        self.other = Case.objects.get(reference=f"gen-{self.sizes['big_cases']:06d}")

    def _users(self) -> dict:
        passwords = {}
        for username, role in (("bench-analyst", roles.ANALYST), ("bench-admin", roles.ADMINISTRATOR)):
            user, _ = get_user_model().objects.get_or_create(username=username, defaults={"email": f"{username}@example.org"})
            passwords[username] = secrets.token_urlsafe(16)
            user.set_password(passwords[username])
            user.save()
            roles.user_set_role(user=user, role=role)
        from rest_framework.authtoken.models import Token

        self.api_token = Token.objects.get_or_create(user=get_user_model().objects.get(username="bench-analyst"))[0].key
        return passwords

    def _environment(self) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)}
        env.update({
            "DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false", "SESSION_COOKIE_SECURE": "false", "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0", "EMAIL_URL": f"smtp://127.0.0.1:{self.sink.port}",
            "DATABASE_URL": os.environ["DATABASE_URL"], "QUERY_COUNT_HEADER": "true", "VAR_DIR": str(self.tmp),
            "STATIC_ROOT": str(self.tmp / "static"), "LOGIN_FAILURE_LIMIT": "1000",
            "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13"),
            # Shared by the web workers, as in production: cached permissions and pictures are then
            # forgotten by all of them when a role or a record changes.
            "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/11"),
            "SITE_URL": f"http://127.0.0.1:{self.port}",
        })
        return env

    def _start(self, command: list[str], env: dict, wait: bool = False):
        if wait:
            subprocess.run([sys.executable, "-m", *command], cwd=ROOT, env=env, check=False, capture_output=True)
            return
        process = subprocess.Popen(command, cwd=ROOT, env=env)
        self.processes.append(process)
        return process

    def _wait_for_server(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, *_ = Browser(self.port).request("GET", "/accounts/login/")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise CommandError("gunicorn did not answer within 60 s")

    def _wait_for_worker(self, env: dict) -> None:
        """Until the Celery worker answers: it starts beside the first scenario otherwise, and its
        imports took both cores from the first pages measured."""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            ping = subprocess.run([sys.executable, "-m", "celery", "-A", "tracker", "inspect", "ping", "--timeout", "2"],
                                  cwd=ROOT, env=env, capture_output=True)
            if ping.returncode == 0:
                return
            time.sleep(0.5)
        raise CommandError("The Celery worker did not answer within 90 s")

    def _browser(self, username="bench-analyst") -> Browser:
        return Browser(self.port).login(username, self.passwords[username])

    # -- measuring --------------------------------------------------------------------------------

    def _sequential(self, name: str, call, expected: int | None = None) -> Result:
        """``expected``: the status every answer must have (302 for a form that saved), else any below 400."""
        result = Result(name)
        # Warm every gunicorn worker (each keeps its own connection and template cache), not just one.
        for _ in range(self.warmup):
            call()
        for _ in range(self.samples):
            status, headers, _, elapsed = call()
            if status >= 400 or (expected is not None and status != expected):
                result.errors += 1
            result.latencies.append(elapsed)
            if "X-Query-Count" in headers:
                result.queries.append(int(headers["X-Query-Count"]))
        return result

    def _throughput(self, result: Result, make_call) -> Result:
        # Log every client in first: logging in is slow by design and is not what is measured.
        calls = [make_call() for _ in range(self.concurrency)]
        stop_at = time.perf_counter() + self.duration
        counts = [0] * self.concurrency

        def worker(index):
            call = calls[index]
            while time.perf_counter() < stop_at:
                status, *_ = call()
                counts[index] += 1
                if status >= 400:
                    result.errors += 1

        started = time.perf_counter()
        with ThreadPoolExecutor(self.concurrency) as pool:
            list(pool.map(worker, range(self.concurrency)))
        result.rps = sum(counts) / (time.perf_counter() - started)
        return result

    def _get_scenario(self, name: str, path: str, username="bench-analyst", headers: dict | None = None) -> Result:
        browser = self._browser(username)
        result = self._sequential(name, lambda: browser.request("GET", path, extra_headers=headers))

        def make_call():
            own = self._browser(username)
            return lambda: own.request("GET", path, extra_headers=headers)

        return self._throughput(result, make_call)

    def _paired(self, name: str, path: str, baseline: str = "/") -> Result:
        """A variant of the case list, one request at a time, each followed by the unfiltered list:
        load from elsewhere on the machine then weighs on both alike, and their ratio holds."""
        browser = self._browser()
        for _ in range(self.warmup):
            browser.request("GET", path)
            browser.request("GET", baseline)
        result = Result(name)
        for _ in range(self.samples):
            status, headers, _, elapsed = browser.request("GET", path)
            result.errors += status >= 400
            result.latencies.append(elapsed)
            if "X-Query-Count" in headers:
                result.queries.append(int(headers["X-Query-Count"]))
            status, _, _, elapsed = browser.request("GET", baseline)
            result.errors += status >= 400
            result.baseline.append(elapsed)
        result.note = f"unfiltered list between its requests: median {result.baseline_ms:.1f} ms"

        def make_call():
            own = self._browser()
            return lambda: own.request("GET", path)

        return self._throughput(result, make_call)

    def _run_scenarios(self, load_users: int, load_seconds: float) -> list[Result]:
        big, results = self.big, []
        stage_filter = {"stage": Stage.HEARING, "requesting_state": "IN", "status": "open"}
        ours = [
            ("1a. case list, no filter", "/"),
            ("1b. case list, three filters", "/?" + urlencode(stage_filter)),
            ("1c. case list, free-text search", "/?q=modi"),
            (f"2. case page, {Event.objects.filter(case=big).count()} events", big.get_absolute_url()),
        ]
        admin = [
            ("5a. admin: case changelist", "/admin/cases/case/"),
            ("5b. admin: case changelist, three filters", "/admin/cases/case/?" + urlencode(
                {"stage__exact": Stage.HEARING, "requesting_state__exact": "IN", "outcome__exact": ""})),
            ("5c. admin: case changelist, search", "/admin/cases/case/?q=modi"),
            ("5d. admin: event changelist of the big case", "/admin/cases/event/?" + urlencode({"q": big.reference})),
        ]
        for name, path in ours:
            results.append(self._get_scenario(name, path))
        self._trace_memory("pages")
        if self.scale_part:
            for name, text in PERSON_FILTERS:
                results.append(self._paired(name, "/?" + urlencode({"person": text})))
            return results + self._analytics()
        results.extend(self._timeline_pages())
        results.extend(self._api_pages())
        self._trace_memory("timeline and API pages")
        for name, text in PERSON_FILTERS:
            results.append(self._paired(name, "/?" + urlencode({"person": text})))
        for name, text in FREE_TEXT:
            results.append(self._get_scenario(name, "/?" + urlencode({"q": text})))
        # The header's search box as htmx asks it while one types: cases, people and events at once.
        for name, text in HEADER_SUGGESTIONS:
            results.append(self._get_scenario(name, "/search/?" + urlencode({"q": text}), headers={"HX-Request": "true"}))
        self._trace_memory("searches")
        results.append(self._delivery())
        results.extend(self._writes())
        self._trace_memory("writes")
        # The stage changes above queued emails; let the worker finish so it does not share the CPU
        # with the admin's measurements.
        self._wait_for_outbox()
        for name, path in admin:
            results.append(self._get_scenario(name, path, username="bench-admin"))
        self._trace_memory("admin")
        results.append(self._mixed_load(load_users, load_seconds))
        self._trace_memory("mixed load")
        results.extend(self._exports())
        self._trace_memory("exports")
        results.extend(self._analytics())
        self._trace_memory("analytics")
        return results

    def _trace_memory(self, after: str) -> None:
        """The largest web worker's memory after each part of the run: which part raised it."""
        sizes = self._web_memory_mb()
        self.memory_trace.append((after, max(sizes.values()) if sizes else float("nan")))

    def _timeline_pages(self) -> list[Result]:
        """The big case's timeline as "load older entries" asks for it: its first page and its 100th,
        reached by following the cursor as a reader would."""
        from cases import selectors

        cursor = None
        for _ in range(99):
            page = selectors.case_timeline_page(case=self.big, after=cursor)
            if not page.has_next:  # the smoke run's big case is smaller
                break
            cursor = page.next_cursor
        headers = {"HX-Request": "true", "HX-Target": "timeline-more"}
        path = self.big.get_absolute_url()
        return [
            self._get_scenario("2a. case timeline, page 1", path, headers=headers),
            self._get_scenario("2b. case timeline, page 100", f"{path}?after={cursor}", headers=headers),
        ]

    def _api_pages(self) -> list[Result]:
        """The API's event list: its first page and its 200th, reached by following ``next``."""
        headers = {"Authorization": f"Token {self.api_token}"}
        first = "/api/events/?page_size=50"
        browser, path, page = Browser(self.port), first, 1
        while page < 200:  # fewer on the smoke run's small data
            status, _, content, _ = browser.request("GET", path, extra_headers=headers)
            if status != 200:
                raise CommandError(f"The API answered {status} on {path}")
            link = json.loads(content)["next"]
            if link is None:
                break
            path, page = link[link.index("/api/"):], page + 1
        results = []
        for name, target in (("8a. API events, page 1", first), (f"8b. API events, page {page}", path)):
            client = Browser(self.port)
            result = self._sequential(name, lambda client=client, target=target: client.request("GET", target, extra_headers=headers))
            results.append(self._throughput(result, lambda target=target: (
                lambda own=Browser(self.port): own.request("GET", target, extra_headers=headers))))
        return results

    def _exports(self) -> list[Result]:
        """Exports: one large case and a filtered list streamed in the request, then everything by the
        worker (the list's "Export JSON" with no filter), timed until its file is ready."""
        from exchange.models import ExportFile

        browser, results = self._browser(), []
        big_events = Event.objects.filter(case=self.big).count()
        for name, path in ((f"9a. export one case, {big_events} events (streamed)",
                            f"/exchange/export/?format=json&case={self.big.reference}"),
                           ("9b. export the list filtered to one state and stage (streamed)",
                            "/exchange/export/?format=csv&requested_state=GB&stage=hearing")):
            result = Result(name)
            for _ in range(3):
                status, headers, content, elapsed = browser.request("GET", path)
                result.errors += status != 200
                result.latencies.append(elapsed)
                if "X-Query-Count" in headers:
                    result.queries.append(int(headers["X-Query-Count"]))
            result.note = f"{len(content) / 2**20:.1f} MB"
            results.append(result)
        before = ExportFile.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        started = time.perf_counter()
        status, headers, content, elapsed = browser.request("GET", "/exchange/export/?format=json")
        result = Result("9c. export everything (worker)", queries=[int(headers.get("X-Query-Count", 0))])
        self.export_worker_peak_mb = _peak_mb(self.worker.pid)
        if status == 200:  # small enough to stream in the request (the smoke run's data)
            result.latencies.append(elapsed)
            result.note = f"streamed in the request: {len(content) / 2**20:.1f} MB"
            return [*results, result]
        result.errors += status != 302
        export = None
        while time.perf_counter() - started < 1800:
            export = ExportFile.objects.filter(pk__gt=before).order_by("pk").first()
            if export and export.state in (ExportFile.State.DONE, ExportFile.State.FAILED):
                break
            time.sleep(1)
        finished = time.perf_counter() - started
        result.latencies.append(finished)
        done = export is not None and export.state == ExportFile.State.DONE
        result.errors += not done
        # The file is in the worker's storage, under its VAR_DIR (this process's settings point elsewhere).
        stored = self.tmp / "media" / export.file.name if done else None
        size = stored.stat().st_size / 2**20 if stored and stored.exists() else 0
        self.export_worker_peak_mb = _peak_mb(self.worker.pid)
        result.note = (f"request {elapsed * 1000:.0f} ms; file {size:.0f} MB ready after {finished:.0f} s; "
                       f"worker peak RSS {self.export_worker_peak_mb:.0f} MB")
        results.append(result)
        return results

    def _analytics(self) -> list[Result]:
        """Each analytics figure computed afresh (the page caches them; this is what a stage change
        costs the next reader), over every matter and over one requested state, in this process
        against the same database."""
        from analytics import selectors as figures

        everything, british = Case.objects.all(), Case.objects.filter(requested_state="GB")
        computations = [
            ("7a. analytics: time in each stage", lambda cases: figures.stage_durations(cases)),
            ("7b. analytics: time to surrender (Kaplan–Meier, from arrest)", lambda cases: figures.time_to_surrender(cases)),
            ("7b. analytics: time to surrender (Kaplan–Meier, from request)",
             lambda cases: figures.time_to_surrender(cases, start="request")),
            ("7c. analytics: how matters ended", lambda cases: figures.endings(cases)),
            ("7d. analytics: longest-stuck open matters", lambda cases: figures.longest_stuck(cases)),
            ("7e. analytics: stage changes per month", lambda cases: figures.stage_changes_per_month(cases)),
        ]
        results = []
        for name, compute in computations:
            for label, cases in (("all matters", everything), ("requested by the UK", british)):
                result = Result(f"{name}, {label}")
                compute(cases)  # warm: imports, the database's cache
                for _ in range(max(3, min(self.samples, 7))):
                    started = time.perf_counter()
                    compute(cases)
                    result.latencies.append(time.perf_counter() - started)
                results.append(result)
        return results

    def _event_form(self, browser: Browser, case: Case, **fields) -> dict:
        token = browser.csrf(case.get_absolute_url())
        data = {"csrfmiddlewaretoken": token, "date_precision": "day", "confidence": "reported",
                "sources-TOTAL_FORMS": "0", "sources-INITIAL_FORMS": "0", "sources-MIN_NUM_FORMS": "0",
                "sources-MAX_NUM_FORMS": "10", "date": datetime.date.today().isoformat()}
        data.update(fields)
        return data

    def _writes(self) -> list[Result]:
        browser = self._browser()
        status_path = f"/cases/{self.other.reference}/events/new/status/"
        form = self._event_form(browser, self.other, summary="Benchmark status update", category="other")
        logging = self._sequential("3a. log an event (POST)", lambda: browser.request("POST", status_path, form), expected=302)
        stages = [Stage.SURRENDER_PENDING, Stage.STAYED]
        turn = {"n": 0}
        stage_path = f"/cases/{self.big.reference}/stage/"

        # Whether the worker had emails of the earlier changes to send as each request was made: the
        # budget is for the request while mail is being sent, which shares the machine's cores.
        # Asked before the request, so not counted in its time.
        sending = []

        def change():
            sending.append(Alert.objects.pending_email().filter(case=self.big).exists())
            turn["n"] += 1
            data = self._event_form(browser, self.big, summary="Benchmark stage change", to_stage=stages[turn["n"] % 2])
            return browser.request("POST", stage_path, data)

        # Each stage change sends an email to every follower: a few samples are enough.
        self.samples, samples = min(self.samples, 10), self.samples
        followers = Follow.objects.filter(case=self.big).count()
        moving = self._sequential(f"3b. stage change, {followers} followers (POST)", change, expected=302)
        measured = sending[-self.samples:]
        self.samples = samples
        moving.note = (
            "the request only: the worker writes the outbox and sends the emails; "
            f"it had mail to send during {sum(measured)} of {len(measured)} samples"
        )
        return [logging, moving]

    def _wait_for_outbox(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while Alert.objects.filter(status=Alert.Status.PENDING).exists() and time.monotonic() < deadline:
            time.sleep(0.5)

    def _delivery(self) -> Result:
        """One stage change on the followed case; time until the last of its emails arrives."""
        followers = Follow.objects.filter(case=self.big, delivery=Follow.Delivery.INSTANT).count()
        browser = self._browser()
        target = Stage.INACTIVE if self.big.stage != Stage.INACTIVE else Stage.HEARING
        data = self._event_form(browser, self.big, summary="Benchmark delivery", to_stage=target)
        before = self.sink.count
        started = time.perf_counter()
        status, *_ = browser.request("POST", f"/cases/{self.big.reference}/stage/", data)
        deadline = started + 120
        while self.sink.count - before < followers and time.perf_counter() < deadline:
            time.sleep(0.05)
        arrived = self.sink.count - before
        elapsed = (self.sink.last_at or time.perf_counter()) - started
        result = Result(f"4. deliver {followers} alert emails, one worker", latencies=[elapsed])
        result.rps = arrived / elapsed if elapsed else None
        result.errors = (followers - arrived) + self.sink.duplicates + (status >= 400)
        result.note = f"{arrived} arrived, {self.sink.duplicates} twice; rps = emails per second"
        return result

    def _mixed_load(self, users: int, seconds: float) -> Result:
        """Many analysts at once browsing and logging events: no request may fail, no write be lost."""
        result = Result(f"6. mixed load, {users} users")
        before = Event.objects.filter(case=self.other).count()
        posted, lock = [0], threading.Lock()

        browsers = [self._browser() for _ in range(users)]
        stop_at = time.perf_counter() + seconds

        def user(index):
            browser = browsers[index]
            form = self._event_form(browser, self.other, summary=f"Load test entry from user {index}", category="other")
            paths = ["/", "/?q=modi", self.big.get_absolute_url(), self.other.get_absolute_url()]
            n = 0
            while time.perf_counter() < stop_at:
                n += 1
                if n % 5 == 0:
                    status, _, _, elapsed = browser.request("POST", f"/cases/{self.other.reference}/events/new/status/", form)
                    with lock:
                        if status == 302:
                            posted[0] += 1
                        elif status < 400:
                            result.errors += 1  # the form was shown again: the entry was refused
                else:
                    status, _, _, elapsed = browser.request("GET", paths[n % len(paths)])
                with lock:
                    result.latencies.append(elapsed)
                    if status >= 400:
                        result.errors += 1

        started = time.perf_counter()
        with ThreadPoolExecutor(users) as pool:
            list(pool.map(user, range(users)))
        result.rps = len(result.latencies) / (time.perf_counter() - started)
        stored = Event.objects.filter(case=self.other).count() - before
        lost = posted[0] - stored
        result.errors += abs(lost)
        result.note = f"{posted[0]} events posted, {stored} stored"
        return result

    def _web_memory_mb(self) -> dict:
        children = subprocess.run(["pgrep", "-P", str(self.gunicorn.pid)], capture_output=True, text=True).stdout.split()
        sizes = {}
        for pid in children:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"VmRSS:\s+(\d+) kB", status)
            if match:
                sizes[pid] = int(match.group(1)) / 1024
        return sizes

    # -- the scale run ----------------------------------------------------------------------------

    def _scale_run(self, large_url: str, *, smoke: bool, samples: int, duration: float, workers: int, record: bool) -> None:
        """Each size measured by a benchmark process of its own, one after the other on the same
        machine and code, then compared figure by figure."""
        parts = {}
        with tempfile.TemporaryDirectory(prefix="tracker-scale-") as tmp:
            for part, url in (("full", os.environ["DATABASE_URL"]), ("large", large_url)):
                out = Path(tmp) / f"{part}.json"
                command = [sys.executable, "manage.py", "benchmark", "--scale-part", part, "--json", str(out),
                           "--samples", str(samples), "--duration", str(duration), "--workers", str(workers)]
                if smoke:
                    command.append("--smoke")
                self.stdout.write(f"Scale run: the {part} size on {urlsplit(url).path.lstrip('/')} ...")
                if url != os.environ["DATABASE_URL"]:
                    where = urlsplit(url)
                    subprocess.run(["createdb", "-h", where.hostname or "127.0.0.1", "-p", str(where.port or 5432),
                                    "-U", where.username or "postgres", where.path.lstrip("/")],
                                   capture_output=True, check=False)  # already there: fine
                    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT,
                                   env={**os.environ, "DATABASE_URL": url}, check=True)
                subprocess.run(command, cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, check=True)
                parts[part] = json.loads(out.read_text())
        report = _scale_report(parts["full"], parts["large"], smoke=smoke)
        self.stdout.write(report)
        if record:
            _record(report)
            self.stdout.write(self.style.SUCCESS("Appended to BENCHMARKS.md"))

    def _data_line(self) -> str:
        return f"{Case.objects.count():,} cases, {Event.objects.count():,} events"

    # -- report -----------------------------------------------------------------------------------

    def _report(self, results: list[Result], memory: dict, smoke: bool) -> str:
        cores, mem_gb = os.cpu_count(), os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg = cursor.fetchone()[0]
        lines = [
            f"### {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC{' (smoke run: tiny data, not for budgets)' if smoke else ''}",
            "",
            f"Machine: {cores} cores, {mem_gb:.0f} GiB, {platform.system()} {platform.machine()}, Python {platform.python_version()}, "
            f"PostgreSQL {pg}. Data: {self._data_line()}. "
            f"gunicorn with {len(memory) or '?'} workers; one Celery worker (solo pool, nice {WORKER_NICENESS}); Redis broker.",
            "",
            "| scenario | median ms | p95 ms | req/s (concurrent) | SQL queries | errors | note |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        for r in results:
            rps = f"{r.rps:.1f}" if r.rps is not None else "–"
            lines.append(f"| {r.name} | {r.median_ms:.1f} | {r.p95_ms:.1f} | {rps} | {r.max_queries if r.max_queries is not None else '–'} | {r.errors} | {r.note} |")
        lines += ["", "Ours against the admin on the same data (our median ÷ the admin's):", ""]
        for ours, theirs in (("1a", "5a"), ("1b", "5b"), ("1c", "5c"), ("2.", "5d")):
            mine = next((r for r in results if r.name.startswith(ours)), None)
            admin = next((r for r in results if r.name.startswith(theirs)), None)
            if mine and admin:
                lines.append(f"- {mine.name} / {admin.name}: {mine.median_ms / admin.median_ms:.2f}")
        rss = max(memory.values()) if memory else float("nan")
        lines += ["", f"Web worker resident memory after the run: {rss:.0f} MB (largest of {len(memory)}).", ""]
        if getattr(self, "memory_trace", None):
            lines += ["After each part: " + "; ".join(f"{after} {mb:.0f} MB" for after, mb in self.memory_trace) + ".", ""]
        lines += ["Budgets:", ""] + self._budgets(results, rss)
        return "\n".join(lines) + "\n"

    def _budgets(self, results: list[Result], rss: float) -> list[str]:
        def find(prefix):
            return next(r for r in results if r.name.startswith(prefix))

        checks = []
        for prefix in ("1a", "1b", "1c", "2."):
            r = find(prefix)
            checks.append((f"{r.name}: median ≤ 25 ms, p95 ≤ 50 ms", r.median_ms <= 25 and r.p95_ms <= 50))
        # Every page and API call read over HTTP; the writes (POST) are left out: they keep the edit
        # history, the search words, the clocks and the figures in the change's transaction.
        counted = [r for r in results if r.max_queries is not None and "(POST)" not in r.name]
        over = [f"{r.name} ({r.max_queries})" for r in counted if r.max_queries > 12]
        checks.append((f"Every page and API call ≤ 12 queries ({len(counted)} measured)"
                       + (f"; over: {', '.join(over)}" if over else ""), not over))
        for ours, theirs in (("1a", "5a"), ("1b", "5b"), ("1c", "5c")):
            checks.append((f"{find(ours).name}: at most half the admin's time",
                           find(ours).median_ms <= find(theirs).median_ms / 2))
        for name, _text in HEADER_SUGGESTIONS:
            r = find(name)
            checks.append((f"{r.name}: median < 50 ms", r.median_ms < 50))
        unfiltered = find("1a")
        for name, _text in [*PERSON_FILTERS, *FREE_TEXT]:
            r = find(name)
            # Against the unfiltered list measured between its own requests where there is one.
            base = r.baseline_ms or unfiltered.median_ms
            checks.append((f"{r.name}: median within 1.5× the unfiltered list's ({1.5 * base:.0f} ms)",
                           r.median_ms <= 1.5 * base))
        first, hundredth = find("2a"), find("2b")
        checks.append((f"{hundredth.name}: median within 1.2× page 1's ({1.2 * first.median_ms:.1f} ms)",
                       hundredth.median_ms <= 1.2 * first.median_ms))
        first, later = find("8a"), find("8b")
        checks.append((f"{later.name}: median within 1.2× page 1's ({1.2 * first.median_ms:.1f} ms)",
                       later.median_ms <= 1.2 * first.median_ms))
        moving, delivery = find("3b"), find("4.")
        checks.append((f"{moving.name}: p95 ≤ 100 ms while mail is being sent", moving.p95_ms <= 100))
        checks.append((f"{delivery.name}: all within 10 s, none twice", delivery.errors == 0 and delivery.latencies[0] < 10))
        checks.append((f"Web worker ≤ 150 MB resident after every scenario, exports included ({rss:.0f} MB)", rss <= 150))
        everything = find("9c")
        peak = getattr(self, "export_worker_peak_mb", float("nan"))
        checks.append((f"{everything.name}: file ready within 120 s ({everything.latencies[0]:.0f} s), "
                       f"worker peak ≤ 300 MB ({peak:.0f} MB)",
                       everything.errors == 0 and everything.latencies[0] <= 120 and peak <= 300))
        load = find("6.")
        checks.append((f"{load.name}: no request failed, no write lost", load.errors == 0))
        for r in results:
            if r.name.startswith("7"):
                checks.append((f"{r.name}: median < 500 ms", r.median_ms < 500))
        return [f"- {'PASS' if ok else 'MISS'}: {text}" for text, ok in checks]


def _scale_key(name: str) -> str:
    # The case page's name says how many events the big case has, which grows as the run posts.
    return re.sub(r"\d[\d,]* events", "N events", name)


def _scale_report(full: dict, large: dict, *, smoke: bool) -> str:
    """The two sizes side by side, and the budget: each figure within SCALE_BUDGET of the smaller size's."""
    larger = {_scale_key(r["name"]): r for r in large["results"]}
    lines = [
        f"### {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC: scale run{' (smoke: tiny data, not for budgets)' if smoke else ''}",
        "",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}. Smaller: {full['data']}; "
        f"larger: {large['data']}. Each size on its own gunicorn and worker, one after the other.",
        "",
        "| scenario | median ms, smaller | median ms, larger | larger ÷ smaller | p95 ms, larger | SQL queries, larger |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    checks = []
    for r in full["results"]:
        other = larger.get(_scale_key(r["name"]))
        if other is None or not r["name"].startswith(SCALE_SCENARIOS):
            continue
        ratio = other["median_ms"] / r["median_ms"] if r["median_ms"] else float("nan")
        queries = other["queries"] if other["queries"] is not None else "–"
        lines.append(f"| {_scale_key(r['name'])} | {r['median_ms']:.1f} | {other['median_ms']:.1f} | {ratio:.2f} | "
                     f"{other['p95_ms']:.1f} | {queries} |")
        checks.append((f"{_scale_key(r['name'])}: {ratio:.2f}× at ten times the data (≤ {SCALE_BUDGET}×)", ratio <= SCALE_BUDGET))
    lines += ["", "Budgets:", ""] + [f"- {'PASS' if ok else 'MISS'}: {text}" for text, ok in checks]
    return "\n".join(lines) + "\n"


def _record(report: str) -> None:
    path = ROOT / "BENCHMARKS.md"
    existing = path.read_text() if path.exists() else ""
    marker = "## Results\n"
    if marker in existing:
        head, tail = existing.split(marker, 1)
        path.write_text(head + marker + "\n" + report + "\n" + tail)
    else:
        path.write_text(existing + "\n" + marker + "\n" + report)
