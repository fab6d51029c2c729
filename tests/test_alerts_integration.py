"""
End to end: a real Celery worker (in a thread) and a real SMTP server (aiosmtpd on 127.0.0.1).

The broker is CELERY_BROKER_URL when it is Redis (CI's second pass gives a dedicated database),
otherwise an in-memory one (see conftest). Every wait has a timeout, so nothing hangs. The change's
commit only publishes the fan-out: the worker writes the outbox rows, then sends them.
"""

import datetime
import email
import socket
import threading
import time
from email import policy
from unittest import mock

import pytest
from django.db import OperationalError as DatabaseLocked
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from kombu.exceptions import OperationalError

from alerts import services, tasks
from alerts.models import Alert, CaseFanout, EventFanout, Follow
from cases import services as case_services
from cases.models import Case, Stage
from tests.factories import CaseFactory, FollowFactory, ReaderFactory

pytestmark = [pytest.mark.django_db(transaction=True)]

WAIT = 20  # seconds: generous for a loaded CI machine, and never forever


def wait_for(predicate, *, timeout=WAIT, message="condition"):
    """The predicate's first truthy result, asked every 50 ms until the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = predicate()
            if result:
                return result
        except DatabaseLocked as error:
            # SQLite may still refuse a read while the worker holds its write lock past the busy
            # timeout on a loaded machine ("database is locked"): ask again, as a reader would.
            if "locked" not in str(error):
                raise
        time.sleep(0.05)
    raise AssertionError(f"Timed out after {timeout}s waiting for {message}.")


def read(query, *, timeout=WAIT):
    """A read made while the worker may be writing the same table (a retry running): asked again
    while the table is locked, so only a real error fails the test."""
    found = []
    wait_for(lambda: found.append(query()) or True, timeout=timeout, message="a read of a table the worker writes")
    return found[-1]


class Inbox:
    """The aiosmtpd handler: keeps every message the server accepted."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(parsed)
        return "250 Message accepted for delivery"

    def __len__(self):
        with self.lock:
            return len(self.messages)


class SmtpServer:
    """A real SMTP server on a free local port that a test can stop and start again on the same port."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.inbox = Inbox()
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, ready_timeout=10)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings):
    server = SmtpServer()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5},
        }
    }
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fast_retries(settings):
    settings.ALERTS_RETRY_BACKOFF = 0.3
    settings.ALERTS_RETRY_BACKOFF_MAX = 1.0
    settings.ALERTS_MAX_ATTEMPTS = 20


@pytest.fixture(scope="module")
def celery_worker(celery_broker_for_tests):
    """One worker thread for the module: stopping one takes seconds (it polls the broker)."""
    app = celery_broker_for_tests
    # Tasks left in the queue by an earlier, interrupted run would be run by this worker.
    app.control.purge()
    finished = []

    def count(sender=None, **kwargs):
        # The alert tasks only: a change also queues the search index's tidying (cases.tasks).
        if sender.name.startswith("alerts."):
            finished.append(sender.name)

    task_postrun.connect(count, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=15) as running:
            running.finished = finished
            yield running
    finally:
        task_postrun.disconnect(count)
        app.control.purge()


@pytest.fixture
def worker(celery_worker):
    celery_worker.finished.clear()
    yield celery_worker
    # Let a task still running finish before the database is emptied under it.
    wait_for(lambda: not celery_worker_busy(celery_worker), timeout=10, message="the worker to go idle")


def celery_worker_busy(worker) -> bool:
    from celery.worker import state

    return bool(state.active_requests)


@pytest.fixture
def follower(db):
    return ReaderFactory(username="follower", email="follower@example.org")


@pytest.fixture
def rana(db):
    from django.utils import timezone

    case = CaseFactory(title="Rana (US→India)", stage=Stage.SURRENDER_PENDING, stage_entered_on=datetime.date(2025, 1, 21))
    # Opened before the test and announced: its events are news, not part of a new case.
    CaseFanout.objects.create(case=case, fanned_out_at=timezone.now())
    return case


def the_outbox_row(event):
    """The event's row, once the worker's fan-out has written it."""
    return wait_for(lambda: Alert.objects.filter(event=event).first(), message="the worker to write the outbox row")


def change_stage(case, by):
    return case_services.case_change_stage(
        case=case, to_stage=Stage.SURRENDERED, reason="Flown to New Delhi", occurred_on=datetime.date(2025, 4, 10), by=by
    )


def test_stage_change_reaches_the_inbox_once(smtp, worker, rana, follower, analyst):
    FollowFactory(user=follower, case=rana)
    event = change_stage(rana, analyst)

    wait_for(lambda: len(smtp.inbox) >= 1, message="the email")
    wait_for(lambda: "alerts.tasks.event_alerts_send" in worker.finished, message="the task to finish")
    time.sleep(0.3)  # a duplicate, if any, would arrive now
    assert len(smtp.inbox) == 1
    # The worker wrote the outbox, then sent it.
    assert worker.finished[:2] == ["alerts.tasks.event_alerts_fan_out", "alerts.tasks.event_alerts_send"]
    message = smtp.inbox.messages[0]
    alert = Alert.objects.get(event=event, recipient=follower)
    assert message["Subject"] == "Rana (US→India): surrender pending → surrendered"
    assert message["To"] == "follower@example.org"
    assert message["Message-ID"] == alert.message_id
    assert message["List-Unsubscribe"].startswith("<http") and "/alerts/unsubscribe/" in message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert {part.get_content_type() for part in message.walk()} >= {"text/plain", "text/html"}
    assert (alert.status, alert.attempts) == (Alert.Status.SENT, 1)
    # The analyst who made the change follows nothing and got nothing; the author is never alerted.
    assert not Alert.objects.filter(recipient=analyst).exists()


def test_smtp_down_then_back_delivers_once_after_retries(smtp, fast_retries, worker, rana, follower, analyst):
    FollowFactory(user=follower, case=rana)
    smtp.stop()
    event = change_stage(rana, analyst)
    alert = the_outbox_row(event)

    # One read for the check and the assertions: the worker goes on retrying (and writing the row)
    # meanwhile, so a second read could meet the table locked, or a row that has moved on.
    failing = wait_for(
        lambda: (row := Alert.objects.get(pk=alert.pk)).attempts >= 2 and row, message="two failed attempts"
    )
    assert failing.status == Alert.Status.PENDING
    assert "Connection" in failing.last_error or "refused" in failing.last_error.lower()
    assert len(smtp.inbox) == 0

    smtp.start()
    wait_for(lambda: Alert.objects.get(pk=alert.pk).status == Alert.Status.SENT, message="the retry to deliver")
    time.sleep(0.5)
    assert len(smtp.inbox) == 1


def test_an_smtp_outage_longer_than_the_attempts_keeps_the_mail_pending_until_the_server_is_back(
    smtp, settings, worker, rana, follower, analyst
):
    settings.ALERTS_RETRY_BACKOFF, settings.ALERTS_RETRY_BACKOFF_MAX = 0.1, 0.3
    settings.ALERTS_MAX_ATTEMPTS = 3
    FollowFactory(user=follower, case=rana)
    smtp.stop()
    event = change_stage(rana, analyst)
    written = the_outbox_row(event)

    alert = wait_for(
        lambda: (row := Alert.objects.get(pk=written.pk)).attempts >= 5 and row, message="more failed attempts than allowed"
    )
    assert alert.status == Alert.Status.PENDING and alert.last_error
    smtp.start()
    wait_for(lambda: Alert.objects.get(pk=alert.pk).status == Alert.Status.SENT, message="the mail to go once the server is back")
    time.sleep(0.5)
    assert len(smtp.inbox) == 1


def test_task_run_twice_sends_one_email(smtp, worker, rana, follower, analyst):
    FollowFactory(user=follower, case=rana)
    event = change_stage(rana, analyst)
    wait_for(lambda: len(smtp.inbox) == 1, message="the first email")
    # Once the first run has marked the row sent, so that the repeats below meet a sent row.
    wait_for(lambda: "alerts.tasks.event_alerts_send" in worker.finished, message="the first task to finish")

    # The same tasks again (a redelivery, a sweep that raced the first run): the fan-out too.
    worker.finished.clear()
    tasks.event_alerts_fan_out.delay(event.pk, analyst.pk)
    tasks.event_alerts_send.delay(event.pk)
    tasks.alerts_send.delay(list(Alert.objects.filter(event=event).values_list("id", flat=True)))
    wait_for(lambda: len(worker.finished) >= 3, message="the repeated tasks to run")
    time.sleep(0.3)  # a send queued by a second fan-out, if any, would run now
    assert len(smtp.inbox) == 1
    assert Alert.objects.get(event=event).attempts == 1
    assert worker.finished.count("alerts.tasks.event_alerts_send") == 1


def test_broker_down_at_the_change_saves_it_and_the_sweep_delivers_later(smtp, worker, rana, follower, analyst):
    from django.utils import timezone

    FollowFactory(user=follower, case=rana)
    broken = OperationalError("Error 111 connecting to the broker. Connection refused.")
    with mock.patch.object(tasks.event_alerts_fan_out, "apply_async", side_effect=broken) as publish:
        event = change_stage(rana, analyst)
    assert publish.called
    assert Case.objects.get(pk=rana.pk).stage == Stage.SURRENDERED
    time.sleep(0.3)
    assert not Alert.objects.filter(event=event).exists() and len(smtp.inbox) == 0

    # Beat's sweep, once the broker is back and the grace left to the fan-out task has passed.
    later = timezone.now() + datetime.timedelta(minutes=5)
    services.alerts_sweep(now=later)
    wait_for(lambda: len(smtp.inbox) == 1, message="the swept email")
    alert = Alert.objects.get(event=event)
    wait_for(lambda: Alert.objects.get(pk=alert.pk).status == Alert.Status.SENT, message="the row to be marked sent")
    assert services.alerts_sweep(now=later) == 0
    time.sleep(0.3)
    assert len(smtp.inbox) == 1


def test_one_task_sends_to_many_followers_over_one_connection(smtp, worker, rana, analyst):
    users = [ReaderFactory(email=f"reader{n}@example.org") for n in range(20)]
    for user in users:
        FollowFactory(user=user, case=rana, delivery=Follow.Delivery.INSTANT)
    event = change_stage(rana, analyst)

    wait_for(lambda: len(smtp.inbox) == 20, message="twenty emails")
    wait_for(lambda: "alerts.tasks.event_alerts_send" in worker.finished, message="the task to finish")
    assert worker.finished.count("alerts.tasks.event_alerts_fan_out") == 1
    assert worker.finished.count("alerts.tasks.event_alerts_send") == 1
    assert sorted(m["To"] for m in smtp.inbox.messages) == sorted(u.email for u in users)
    assert Alert.objects.filter(event=event, status=Alert.Status.SENT).count() == 20


def test_an_announcement_lost_after_the_commit_is_delivered_once_by_the_sweep(smtp, worker, rana, follower, analyst):
    from django.utils import timezone

    from cases.signals import event_recorded

    FollowFactory(user=follower, case=rana)
    # The process dies between the change's commit and publishing the fan-out: nobody hears of the event.
    assert event_recorded.disconnect(dispatch_uid="alerts.event_recorded_receive")
    try:
        event = change_stage(rana, analyst)
    finally:
        event_recorded.connect(services.event_recorded_receive, dispatch_uid="alerts.event_recorded_receive")
    time.sleep(0.3)
    assert not Alert.objects.filter(event=event).exists() and len(smtp.inbox) == 0

    # Beat's sweep, a few minutes later (past the grace left to the announcement), then again.
    later = timezone.now() + datetime.timedelta(minutes=5)
    assert services.events_fan_out_missed(now=later) == 1
    wait_for(lambda: len(smtp.inbox) == 1, message="the swept event's email")
    wait_for(lambda: "alerts.tasks.event_alerts_send" in worker.finished, message="the task to finish")
    assert services.events_fan_out_missed(now=later) == 0
    time.sleep(0.3)
    assert len(smtp.inbox) == 1
    assert Alert.objects.get(event=event).status == Alert.Status.SENT


def test_the_sweep_racing_the_queued_fan_out_sends_one_email(smtp, worker, rana, follower, analyst):
    from django.utils import timezone

    FollowFactory(user=follower, case=rana)
    event = change_stage(rana, analyst)
    # Beat's sweep at once, as if the fan-out task had waited past the grace: the two race.
    services.events_fan_out_missed(now=timezone.now() + datetime.timedelta(minutes=5))

    wait_for(lambda: len(smtp.inbox) >= 1, message="the email")
    wait_for(lambda: "alerts.tasks.event_alerts_fan_out" in worker.finished, message="the fan-out task to finish")
    time.sleep(0.5)  # a second email, if any, would arrive now
    assert len(smtp.inbox) == 1
    assert read(lambda: (Alert.objects.filter(event=event).count(), EventFanout.objects.filter(event=event).count())) == (1, 1)


# Saved searches: the same outbox, the same worker ---------------------------------------------------


def record_status(case, by, summary):
    return case_services.event_record(
        case=case, kind="status", by=by, summary=summary, category="interpol_notice", occurred_on=datetime.date(2025, 4, 12)
    )


def test_a_saved_search_sends_one_email_for_a_new_matching_event(smtp, worker, rana, follower, analyst):
    case_services.case_refresh_search_text(cases=[rana])
    search = services.saved_search_create(user=follower, name="Interpol notices", query="q=Interpol")
    event = record_status(rana, analyst, "Interpol published a red notice.")

    wait_for(lambda: len(smtp.inbox) >= 1, message="the email")
    wait_for(lambda: "alerts.tasks.event_alerts_send" in worker.finished, message="the task to finish")
    time.sleep(0.3)  # a duplicate, if any, would arrive now
    assert len(smtp.inbox) == 1
    message = smtp.inbox.messages[0]
    alert = Alert.objects.get(event=event)
    assert (alert.saved_search_id, alert.status) == (search.pk, Alert.Status.SENT)
    assert message["To"] == "follower@example.org"
    assert message["Message-ID"] == alert.message_id
    assert "matches your saved search “Interpol notices”" in message.get_body(("plain",)).get_content()
    assert "/alerts/searches/unsubscribe/" in message["List-Unsubscribe"]


def test_a_saved_search_sends_nothing_for_a_new_event_that_does_not_match(smtp, worker, rana, follower, analyst):
    case_services.case_refresh_search_text(cases=[rana])
    services.saved_search_create(user=follower, name="UK cases", query="requested_state=GB")
    unmatched = record_status(rana, analyst, "Interpol published a red notice.")
    assert not Alert.objects.filter(event=unmatched).exists()
    # Something that does send, after it: once it has arrived, the worker has had its chance.
    FollowFactory(user=ReaderFactory(email="sentinel@example.org"), case=rana)
    change_stage(rana, analyst)

    wait_for(lambda: len(smtp.inbox) >= 1, message="the sentinel email")
    wait_for(lambda: "alerts.tasks.event_alerts_send" in worker.finished, message="the task to finish")
    time.sleep(0.3)
    assert [m["To"] for m in smtp.inbox.messages] == ["sentinel@example.org"]
