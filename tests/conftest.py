import os

# Playwright's sync API keeps an event loop running in the main thread, and Django then refuses
# every ORM call made in that thread; the browser tests make such calls between page actions.
# Set before Django's first database query, so here, at the top of the first conftest loaded.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import datetime
import io
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.factories import CaseFactory, UserFactory


@pytest.fixture
def analyst(db):
    return UserFactory(username="test-analyst")


@pytest.fixture
def case(db):
    return CaseFactory(stage_entered_on=datetime.date(2024, 8, 15))


@pytest.fixture
def analyst_client(client, db):
    """The test client, logged in as an analyst ("ana")."""
    from cases import roles
    from tests.factories import user_in_role

    client.force_login(user_in_role(roles.ANALYST, "ana"))
    return client


@pytest.fixture
def viewer_client(client, db):
    """The test client, logged in as a viewer ("vera"), who is ``client.user``."""
    from cases import roles
    from tests.factories import user_in_role

    client.user = user_in_role(roles.VIEWER, "vera")
    client.force_login(client.user)
    return client


@pytest.fixture(scope="session", autouse=True)
def celery_broker_for_tests():
    """Tests never publish to the broker a local `make run` worker reads (var/broker).

    CI's second pass gives a dedicated Redis database, used as is; otherwise an in-memory broker."""
    from tracker.celery import app

    if not str(app.conf.broker_url).startswith("redis://"):
        app.conf.broker_url = "memory://"
        # The memory transport polls; the default second per poll would slow every wait on a task.
        app.conf.broker_transport_options = {"polling_interval": 0.02}
    yield app


class AlertsBroker:
    """What the alert tasks publish, recorded; and an idle worker that runs the fan-out messages."""

    def __init__(self, tasks, mocks):
        self.waiting, self.worker_stopped = [], False
        self.fan_out, self.case_fan_out, self.event, self.alerts = mocks
        self.fan_out.side_effect = self._published(tasks.event_alerts_fan_out)
        self.case_fan_out.side_effect = self._published(tasks.case_alerts_fan_out)

    def _published(self, task):
        def publish(args=(), **kwargs):
            self.waiting.append((task, tuple(args)))
            if not self.worker_stopped:
                from django.db import transaction

                # Once the callback that published it has returned, as a worker takes it from the
                # queue; run inside the publish, a failing task would be logged as a refused publish.
                transaction.on_commit(self.work)

        return publish

    def work(self) -> int:
        """Run the fan-out messages waiting, in-process, as the worker would; returns how many ran.

        Call it inside the test's commit (a captureOnCommitCallbacks block that executes), so that
        the sending each fan-out queues after its own commit is published in turn."""
        ran = 0
        while self.waiting:
            task, args = self.waiting.pop(0)
            task.apply(args=args, throw=True)
            ran += 1
        return ran


@pytest.fixture
def publish():
    """The broker of the alert tasks, replaced: ``publish.fan_out``, ``publish.case_fan_out``,
    ``publish.event`` and ``publish.alerts`` are the mocks of the tasks' ``apply_async``.

    It stands in for an idle worker too: each fan-out message is run in-process (``Task.apply``)
    right after the commit callback that published it, so that a test of what the outbox holds
    goes through the real path (the request publishes, the worker writes the rows and queues the
    sending). ``publish.worker_stopped = True`` leaves the messages in ``publish.waiting`` until
    ``publish.work()``."""
    from unittest import mock

    from alerts import tasks

    names = ("event_alerts_fan_out", "case_alerts_fan_out", "event_alerts_send", "alerts_send")
    patches = [mock.patch.object(getattr(tasks, name), "apply_async") for name in names]
    mocks = [patch.start() for patch in patches]
    try:
        yield AlertsBroker(tasks, mocks)
    finally:
        for patch in patches:
            patch.stop()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """A deliberately slow hash costs ~0.3 s per user created; tests need no protection from brute force."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def login_throttling_off(settings, request):
    """Django's test client logs in without a request, which the lockout backend refuses;
    tests of throttling itself are marked `login_throttling` and keep it on."""
    if "login_throttling" not in request.keywords:
        settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def demo_is_the_rana_file(request, monkeypatch):
    """`load_demo` loads the Rana file only, which most tests are about; the whole workspace of
    matters (a minute to load) only in tests marked `demo_workspace`."""
    if "demo_workspace" not in request.keywords:
        from exchange.management.commands import load_demo

        monkeypatch.setattr(load_demo, "demo_files", lambda: [load_demo.DEMO_FILE])


@pytest.fixture(autouse=True)
def empty_cache():
    """Throttles count in the cache: each test starts with none counted."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def two_factor_not_required(settings, request):
    """Tests log administrators in directly; tests of two-factor login are marked `two_factor`."""
    if "two_factor" not in request.keywords:
        settings.TWO_FACTOR_REQUIRED_FOR_ADMINS = False


# Browser tests (marked `browser`) ------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Where the browser tests leave screenshots (git-ignored).
TEST_RESULTS_DIR = Path(__file__).resolve().parent.parent / "test-results"


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session: starting it costs more than most tests.

    The system's Chromium is used (`playwright install` needs the network); without it the browser
    tests are skipped, with the reason, rather than passed."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Chromium is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class BrowserConsole:
    """What the pages of one test wrote to the console, and the errors the page itself threw."""

    messages: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    checked: bool = False

    # A missing favicon is the browser's own request, not the app's fault.
    IGNORED = re.compile(r"favicon")

    def record(self, kind: str, text: str, where: str = "") -> None:
        line = f"{kind}: {text}" + (f" ({where})" if where else "")
        self.messages.append(line)
        if kind in ("error", "pageerror") and not self.IGNORED.search(line):
            self.errors.append(line)

    def assert_clean(self) -> None:
        self.checked = True
        assert not self.errors, "The browser console reported errors:\n" + "\n".join(self.errors)


# Turns Content Security Policy violations into console errors with the directive and the blocked
# resource named, whatever Chromium itself prints about them.
_REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  const blocked = e.blockedURI || "inline code";
  console.error(`CSP violation: ${e.violatedDirective} blocked ${blocked} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def browser_console():
    console = BrowserConsole()
    yield console
    if not console.checked:
        console.assert_clean()


@pytest.fixture
def new_page(browser, live_server, browser_console):
    """Open a page in a fresh browser context (its own cookies), e.g. new_page(java_script_enabled=False).

    Every page's console goes to `browser_console`; the test fails on any error there."""
    contexts = []

    def open_page(**context_options):
        context = browser.new_context(base_url=live_server.url, **context_options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.add_init_script(_REPORT_CSP_VIOLATIONS)
        page.on("console", lambda msg: browser_console.record(msg.type, msg.text, msg.location.get("url", "")))
        page.on("pageerror", lambda error: browser_console.record("pageerror", str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A page in a fresh browser context, against the live server."""
    return new_page()


@pytest.fixture
def test_results_dir():
    TEST_RESULTS_DIR.mkdir(exist_ok=True)
    return TEST_RESULTS_DIR


# Demo data and logins, as `make run` loads them --------------------------------------------------

TESTS_DIR = Path(__file__).resolve().parent
DEMO_DIR = TESTS_DIR.parent / "cases" / "demo"

# The demo as it first was: the Rana case on 31 January 2025, three events. The browser stories log
# what happened next, so they start from it rather than from today's demo.
FIRST_DEMO = TESTS_DIR / "data" / "rana-2025-01-31-v2.json"


def _load_demo(*args) -> dict:
    """Load a demo as `make run` does and return the logins it prints: {"Analyst": (user, password), ...}."""
    from django.core.management import call_command

    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    logins = dict(
        (role, (username, password))
        for role, username, password in re.findall(r"^Demo login \((\w+)\): (\S+) / (\S+)$", out.getvalue(), re.M)
    )
    assert {"Analyst", "Viewer"} <= set(logins), f"load_demo did not print both demo logins:\n{out.getvalue()}"
    return logins


@pytest.fixture
def demo_logins(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return _load_demo("--file", str(FIRST_DEMO))


@pytest.fixture
def current_demo_logins(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return _load_demo()


@pytest.fixture
def workspace_logins(settings, tmp_path):
    """Rana and the four UK matters of one demo file: refused, settled, withdrawn, linked, censored."""
    settings.VAR_DIR = tmp_path
    return _load_demo("--file", str(DEMO_DIR / "rana.json"),
                      "--file", str(DEMO_DIR / "matters" / "assange-mckinnon-pinochet.json"))


@pytest.fixture
def axe_violations():
    """axe-core's report of a page as it is now, empty when it finds nothing: axe_violations(page).

    axe is injected as a script, which the app's CSP rightly refuses: open the page with
    new_page(bypass_csp=True)."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def report(page) -> str:
        results = axe.run(page)
        return "" if results.violations_count == 0 else results.generate_report()

    return report
