import datetime
import smtplib
from unittest import mock

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import OperationalError as DatabaseRefused
from django.db import connection, transaction
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from kombu.exceptions import OperationalError

from alerts import services, tasks
from alerts.models import Alert, AlertAttempt, CaseFanout, Deadline, EventFanout, Follow
from cases import services as case_services
from cases.models import Event, ExecutiveDecision, Stage
from cases.signals import event_recorded
from tests.factories import (
    AlertFactory,
    DeadlineFactory,
    EventFactory,
    FollowFactory,
    AuthorityFactory,
    CaseFactory,
    ReaderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2025, 2, 1, 12, tzinfo=datetime.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def committed():
    """Run what the commit of a test's change would run: the announcement, the fan-out it publishes
    (run by the `publish` fixture's stand-in worker), then the queueing of the sending.

    Tests run inside a transaction that is never committed, so on_commit callbacks are captured
    and run at the end of the block."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def change_stage(case, by, to_stage=Stage.SURRENDERED):
    with committed():
        return case_services.case_change_stage(
            case=case, to_stage=to_stage, reason="Flown to New Delhi", occurred_on=datetime.date(2025, 1, 30), by=by
        )


@pytest.fixture
def announcement_lost():
    """The fan-out is not subscribed: as if the process died between the commit and publishing it."""
    assert event_recorded.disconnect(dispatch_uid="alerts.event_recorded_receive")
    yield
    event_recorded.connect(services.event_recorded_receive, dispatch_uid="alerts.event_recorded_receive")


# Past ALERTS_SWEEP_AFTER: the sweep no longer leaves the test's events to their announcement.
LATER = NOW + datetime.timedelta(minutes=10)


# Following ---------------------------------------------------------------------------------


def test_following_twice_keeps_one_follow(case, analyst):
    first = services.case_follow(user=analyst, case=case)
    second = services.case_follow(user=analyst, case=case)
    assert first == second
    assert Follow.objects.filter(user=analyst, case=case).count() == 1


def test_unfollow_removes_the_follow_and_records_who(case, analyst):
    follow = services.case_follow(user=analyst, case=case)
    services.case_unfollow(user=analyst, case=case)
    assert not Follow.objects.filter(pk=follow.pk).exists()
    assert follow.history.latest("history_id").history_user == analyst


def test_follow_update_saves_valid_choices_and_refuses_others(case, analyst):
    follow = services.case_follow(user=analyst, case=case)
    services.follow_update(follow=follow, delivery=Follow.Delivery.DIGEST, scope=Follow.Scope.ALL, by=analyst)
    follow.refresh_from_db()
    assert (follow.delivery, follow.scope) == ("digest", "all")
    with pytest.raises(ValidationError):
        services.follow_update(follow=follow, delivery="pigeon", scope=Follow.Scope.ALL)


def test_unsubscribe_turns_email_off_for_one_case_only(case, analyst):
    other = FollowFactory(user=analyst)
    services.case_follow(user=analyst, case=case)
    assert services.follows_unsubscribe(user=analyst, case=case) == 1
    assert Follow.objects.get(user=analyst, case=case).delivery == Follow.Delivery.NONE
    assert Follow.objects.get(pk=other.pk).delivery == Follow.Delivery.INSTANT
    # Repeating the click changes nothing more.
    assert services.follows_unsubscribe(user=analyst, case=case) == 0


def test_unsubscribe_without_a_case_turns_every_email_off(analyst):
    FollowFactory(user=analyst)
    FollowFactory(user=analyst, delivery=Follow.Delivery.DIGEST)
    services.follows_unsubscribe(user=analyst, case=None)
    assert set(Follow.objects.filter(user=analyst).values_list("delivery", flat=True)) == {"none"}


# Writing the outbox ------------------------------------------------------------------------


def test_stage_change_writes_one_alert_per_follower_but_not_for_the_author(case, analyst, publish):
    readers = [FollowFactory(case=case).user for _ in range(3)]
    FollowFactory(case=case, user=analyst)
    event = change_stage(case, analyst)
    alerts = Alert.objects.filter(event=event)
    assert sorted(alerts.values_list("recipient_id", flat=True)) == sorted(user.pk for user in readers)
    assert set(alerts.values_list("kind", "channel", "status")) == {("event", "email", "pending")}


def test_event_without_followers_writes_nothing_and_queues_nothing(case, analyst, publish, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        change_stage(case, analyst)
    assert not Alert.objects.exists()
    assert not publish.event.called


def test_channel_follows_each_followers_delivery(case, analyst, publish):
    instant = FollowFactory(case=case, delivery=Follow.Delivery.INSTANT).user
    digest = FollowFactory(case=case, delivery=Follow.Delivery.DIGEST).user
    in_app = FollowFactory(case=case, delivery=Follow.Delivery.NONE).user
    no_address = FollowFactory(case=case, user=ReaderFactory(email="")).user
    event = change_stage(case, analyst)
    got = {a.recipient_id: (a.channel, a.status) for a in Alert.objects.filter(event=event)}
    assert got == {
        instant.pk: ("email", "pending"),
        digest.pk: ("digest", "pending"),
        in_app.pk: ("in_app", "in_app"),
        no_address.pk: ("in_app", "in_app"),
    }


def test_inactive_users_are_not_alerted(case, analyst, publish):
    FollowFactory(case=case, user=ReaderFactory(is_active=False))
    change_stage(case, analyst)
    assert not Alert.objects.exists()


def test_followers_who_may_not_read_cases_are_not_alerted(case, analyst, publish):
    no_role = FollowFactory(case=case, user=UserFactory()).user
    demoted = FollowFactory(case=case).user
    demoted.groups.clear()
    direct = UserFactory()
    direct.user_permissions.add(Permission.objects.get(codename="view_case", content_type__app_label="cases"))
    FollowFactory(case=case, user=direct)
    superuser = FollowFactory(case=case, user=UserFactory(is_superuser=True)).user
    event = change_stage(case, analyst)
    recipients = set(Alert.objects.filter(event=event).values_list("recipient_id", flat=True))
    assert recipients == {direct.pk, superuser.pk}
    assert no_role.pk not in recipients and demoted.pk not in recipients


@pytest.mark.parametrize(
    ("scope", "kinds_alerted"),
    [
        (Follow.Scope.STAGES, {"stage_change"}),
        (Follow.Scope.MAJOR, {"stage_change", "ruling", "executive_decision", "statement"}),
        (Follow.Scope.ALL, {"stage_change", "ruling", "executive_decision", "statement", "hearing"}),
    ],
)
def test_each_scope_alerts_about_its_event_kinds(case, analyst, publish, scope, kinds_alerted):
    reader = FollowFactory(case=case, scope=scope).user
    change_stage(case, analyst)
    with committed():
        case_services.event_record(
            case=case, kind=Event.Kind.RULING, by=analyst, occurred_on=datetime.date(2025, 1, 31),
            summary="Cert denied", authority=AuthorityFactory(), decision=Event.Decision.CERT_DENIED,
        )
        case_services.event_record(
            case=case, kind=Event.Kind.EXECUTIVE_DECISION, by=analyst, occurred_on=datetime.date(2025, 1, 31),
            summary="Surrender authorised", authority=AuthorityFactory(kind="executive", level=""),
            decision=ExecutiveDecision.SURRENDER_AUTHORISED,
        )
        case_services.statement_record(
            cases=[case], government="IN", body="Ministry of External Affairs", channel="briefing",
            quote="We welcome it.", occurred_on=datetime.date(2025, 1, 31), summary="MEA welcomes", by=analyst,
        )
        case_services.event_record(
            case=case, kind=Event.Kind.HEARING, by=analyst, occurred_on=datetime.date(2025, 2, 20),
            summary="Status hearing", hearing_status=Event.HearingStatus.SCHEDULED,
        )
    assert set(Alert.objects.filter(recipient=reader).values_list("event__kind", flat=True)) == kinds_alerted


def test_nothing_is_written_or_queued_before_the_commit(case, analyst, publish, django_capture_on_commit_callbacks):
    for _ in range(3):
        FollowFactory(case=case)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = case_services.case_change_stage(
            case=case, to_stage=Stage.SURRENDERED, reason="Flown", occurred_on=datetime.date(2025, 1, 30), by=analyst
        )
    assert not Alert.objects.exists() and not EventFanout.objects.exists()
    assert not publish.fan_out.called and not publish.event.called
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:  # the commit
            callback()
    publish.fan_out.assert_called_once_with(args=(event.pk, analyst.pk), retry_policy=services.PUBLISH_RETRY_POLICY)
    assert Alert.objects.filter(event=event).count() == 3
    publish.event.assert_called_once_with(args=(event.pk,), retry_policy=services.PUBLISH_RETRY_POLICY)


def test_the_case_record_announces_each_new_event_once_with_its_author(case, analyst, django_capture_on_commit_callbacks):
    heard = []

    def listener(sender, *, event_id, actor_id, **kwargs):
        heard.append((event_id, actor_id))

    event_recorded.connect(listener)
    try:
        event = change_stage(case, analyst)
    finally:
        event_recorded.disconnect(listener)
    assert heard == [(event.pk, analyst.pk)]


def test_a_rolled_back_change_announces_nothing(case, analyst, publish):
    FollowFactory(case=case)
    heard = mock.Mock()
    event_recorded.connect(heard)
    try:
        with committed(), pytest.raises(RuntimeError), transaction.atomic():
            case_services.case_change_stage(
                case=case, to_stage=Stage.SURRENDERED, reason="Flown", occurred_on=datetime.date(2025, 1, 30), by=analyst
            )
            raise RuntimeError("something later in the same transaction failed")
    finally:
        event_recorded.disconnect(heard)
    heard.assert_not_called()
    assert not Event.all_objects.filter(case=case).exists()
    assert not Alert.objects.exists() and not EventFanout.objects.exists()
    assert not publish.fan_out.called and not publish.event.called


def test_fanning_an_event_out_twice_writes_one_set_of_rows(case, analyst, publish):
    for _ in range(3):
        FollowFactory(case=case)
    event = change_stage(case, analyst)
    with committed():
        assert services.event_alerts_queue(event_id=event.pk, actor_id=analyst.pk) is False
    assert Alert.objects.filter(event=event).count() == 3
    assert EventFanout.objects.filter(event=event).count() == 1
    publish.event.assert_called_once()  # the repeat queued nothing either


def test_an_event_whose_announcement_never_ran_is_fanned_out_by_the_sweep(case, analyst, publish, announcement_lost):
    reader = FollowFactory(case=case).user
    FollowFactory(case=case, user=analyst)
    event = change_stage(case, analyst)
    assert not Alert.objects.exists()
    with committed():
        services.alerts_sweep(now=LATER)
    # The author is still not alerted: the sweep takes them from who recorded the event.
    assert list(Alert.objects.filter(event=event).values_list("recipient_id", flat=True)) == [reader.pk]
    assert EventFanout.objects.filter(event=event).exists()
    publish.event.assert_called_once_with(args=(event.pk,), retry_policy=services.PUBLISH_RETRY_POLICY)
    # The next sweep finds nothing left to do.
    with committed():
        assert services.events_fan_out_missed(now=LATER) == 0
    assert Alert.objects.filter(event=event).count() == 1


def test_a_fan_out_task_that_fails_for_good_leaves_no_marker_and_the_sweep_writes_the_rows(case, analyst, publish):
    FollowFactory(case=case)
    publish.worker_stopped = True
    event = change_stage(case, analyst)
    [(task, args)] = publish.waiting
    refused = DatabaseRefused("database went away")
    with mock.patch.object(services, "_event_outbox_write", side_effect=refused) as write:
        assert task.apply(args=args).failed()
    assert write.call_count == 1 + task.max_retries  # tried again soon, then left to the sweep
    assert Event.objects.filter(pk=event.pk).exists()
    assert not EventFanout.objects.exists() and not Alert.objects.exists()
    with committed():
        assert services.events_fan_out_missed(now=LATER) == 1
    assert Alert.objects.filter(event=event).count() == 1


def test_the_sweep_leaves_a_just_recorded_event_to_its_own_announcement(case, analyst, publish, announcement_lost):
    FollowFactory(case=case)
    change_stage(case, analyst)
    with committed():
        assert services.events_fan_out_missed(now=NOW + datetime.timedelta(seconds=30)) == 0
    assert not Alert.objects.exists()


def test_the_sweep_leaves_events_older_than_its_window_alone(case, analyst, publish, announcement_lost, settings):
    settings.ALERTS_FANOUT_DAYS = 3
    FollowFactory(case=case)
    change_stage(case, analyst)
    with committed():
        assert services.events_fan_out_missed(now=NOW + datetime.timedelta(days=4)) == 0
    assert not Alert.objects.exists()


def test_the_sweep_searches_only_after_the_newest_marker_older_than_its_window(case, analyst, publish, announcement_lost, settings):
    settings.ALERTS_FANOUT_DAYS = 3
    FollowFactory(case=case)
    old = EventFactory(case=case, kind=Event.Kind.STAGE_CHANGE, from_stage=Stage.ARREST, to_stage=Stage.HEARING)
    EventFanout.objects.create(event=old, fanned_out_at=NOW - datetime.timedelta(days=5))
    event = change_stage(case, analyst)
    with CaptureQueriesContext(connection) as queries, committed():
        assert services.events_fan_out_missed(now=LATER) == 1
    search = next(q["sql"] for q in queries if 'FROM "cases_event"' in q["sql"] and "EXISTS" in q["sql"].upper())
    assert f'"cases_event"."id" > {old.pk}' in search
    assert Alert.objects.filter(event=event).count() == 1


def test_an_event_deleted_before_its_fan_out_alerts_nobody(case, analyst, publish, announcement_lost):
    FollowFactory(case=case)
    event = change_stage(case, analyst)
    Event.all_objects.filter(pk=event.pk).update(deleted_at=NOW)
    with committed():
        assert services.event_alerts_queue(event_id=event.pk, actor_id=analyst.pk) is True
    assert not Alert.objects.exists()
    assert EventFanout.objects.filter(event=event).exists()


def test_no_task_when_no_follower_wants_an_instant_email(case, analyst, publish, django_capture_on_commit_callbacks):
    FollowFactory(case=case, delivery=Follow.Delivery.DIGEST)
    FollowFactory(case=case, delivery=Follow.Delivery.NONE)
    with django_capture_on_commit_callbacks(execute=True):
        change_stage(case, analyst)
    assert Alert.objects.count() == 2
    assert not publish.event.called


def test_broker_down_when_the_sending_is_queued_is_logged_and_does_not_raise(case, analyst, publish, caplog):
    FollowFactory(case=case)
    publish.event.side_effect = OperationalError("refused")
    event = change_stage(case, analyst)
    assert Alert.objects.get(event=event).status == Alert.Status.PENDING
    assert "the sweep will send it later" in caplog.text


def test_broker_down_at_the_commit_saves_the_change_and_the_sweep_writes_the_alerts_later(case, analyst, publish, caplog):
    reader = FollowFactory(case=case).user
    publish.fan_out.side_effect = OperationalError("Error 111 connecting to the broker. Connection refused.")
    event = change_stage(case, analyst)  # does not raise
    assert Event.objects.filter(pk=event.pk, case__stage=Stage.SURRENDERED).exists()
    assert "Could not queue event_alerts_fan_out" in caplog.text
    assert not Alert.objects.exists() and not EventFanout.objects.exists()
    with committed():
        services.alerts_sweep(now=LATER)  # beat's, once the broker is back
    alert = Alert.objects.get(event=event)
    assert (alert.recipient, alert.status) == (reader, Alert.Status.PENDING)
    publish.event.assert_called_once_with(args=(event.pk,), retry_policy=services.PUBLISH_RETRY_POLICY)


# Off the web path: the request publishes one message, the worker writes the rows ------------------


def test_a_stage_change_with_many_followers_writes_no_alert_and_publishes_one_fan_out_after_commit(
    case, analyst, publish, django_capture_on_commit_callbacks
):
    for _ in range(30):
        FollowFactory(case=case)
    publish.worker_stopped = True
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = case_services.case_change_stage(
            case=case, to_stage=Stage.SURRENDERED, reason="Flown", occurred_on=datetime.date(2025, 1, 30), by=analyst
        )
    assert not publish.fan_out.called
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:  # the commit
            callback()
    publish.fan_out.assert_called_once_with(args=(event.pk, analyst.pk), retry_policy=services.PUBLISH_RETRY_POLICY)
    assert not Alert.objects.exists() and not EventFanout.objects.exists()
    assert not publish.event.called and not publish.alerts.called
    # The worker then writes them, and queues the sending.
    with django_capture_on_commit_callbacks(execute=True):
        assert publish.work() == 1
    assert Alert.objects.filter(event=event).count() == 30
    publish.event.assert_called_once_with(args=(event.pk,), retry_policy=services.PUBLISH_RETRY_POLICY)


def test_the_fan_out_task_run_twice_writes_one_row_per_follower_and_queues_the_sending_once(
    case, analyst, publish, django_capture_on_commit_callbacks
):
    readers = [FollowFactory(case=case).user for _ in range(3)]
    publish.worker_stopped = True
    event = change_stage(case, analyst)
    [(task, args)] = publish.waiting
    with django_capture_on_commit_callbacks(execute=True):
        assert task.apply(args=args).get() is True
        assert task.apply(args=args).get() is False  # a redelivery
    assert sorted(Alert.objects.filter(event=event).values_list("recipient_id", flat=True)) == sorted(u.pk for u in readers)
    assert EventFanout.objects.filter(event=event).count() == 1
    publish.event.assert_called_once()


def test_the_sweep_reaching_an_event_before_its_queued_task_leaves_the_task_nothing_to_do(
    case, analyst, publish, django_capture_on_commit_callbacks
):
    FollowFactory(case=case)
    publish.worker_stopped = True
    event = change_stage(case, analyst)
    # The queue is long: the task waits past the grace, and the sweep fans the event out first.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.events_fan_out_missed(now=LATER) == 1
        assert publish.work() == 1
    assert Alert.objects.filter(event=event).count() == 1
    publish.event.assert_called_once()


def test_a_new_case_publishes_its_fan_out_and_the_worker_writes_its_rows(analyst, publish):
    with committed():
        case = case_services.case_create(
            title="Rana (US → India)", reference="rana", requesting_state="IN", requested_state="US",
            offences="Terrorism", stage=Stage.REQUEST_MADE, by=analyst,
        )
    publish.case_fan_out.assert_called_once_with(args=(case.pk, analyst.pk), retry_policy=services.PUBLISH_RETRY_POLICY)
    assert CaseFanout.objects.filter(case=case).exists()


def _stage_change_request_queries(client, case, followers: int) -> int:
    for _ in range(followers):
        FollowFactory(case=case)
    data = {
        "to_stage": Stage.SURRENDERED, "summary": "Flown to New Delhi", "date": "2025-01-30", "confidence": "reported",
        "sources-TOTAL_FORMS": "0", "sources-INITIAL_FORMS": "0", "sources-MIN_NUM_FORMS": "0", "sources-MAX_NUM_FORMS": "10",
    }
    with CaptureQueriesContext(connection) as queries, TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("cases:case_stage_change", args=[case.reference]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Event.objects.filter(case=case, kind=Event.Kind.STAGE_CHANGE).count() == 1
    assert not Alert.objects.filter(case=case).exists()
    return len(queries)


def test_the_stage_change_request_costs_the_same_queries_for_1_and_50_followers(analyst_client, publish):
    publish.worker_stopped = True
    cases = [CaseFactory(stage=Stage.SURRENDER_PENDING, stage_entered_on=datetime.date(2024, 8, 15)) for _ in range(2)]
    one = _stage_change_request_queries(analyst_client, cases[0], 1)
    fifty = _stage_change_request_queries(analyst_client, cases[1], 50)
    assert one == fifty
    assert publish.fan_out.call_count == 2 and not publish.event.called


def _queue_queries(case, actor, followers: int) -> list[str]:
    CaseFanout.objects.create(case=case, fanned_out_at=NOW)  # a case opened earlier, already announced
    for _ in range(followers):
        FollowFactory(case=case)
    event = EventFactory(case=case, kind=Event.Kind.STAGE_CHANGE, from_stage=Stage.ARREST, to_stage=Stage.HEARING)
    with CaptureQueriesContext(connection) as queries:
        services.event_alerts_queue(event_id=event.pk, actor_id=actor.pk)
    assert Alert.objects.filter(event=event).count() == followers
    return [q["sql"] for q in queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))]


def test_queueing_costs_the_same_queries_for_5_and_50_followers(analyst, publish):
    assert len(_queue_queries(CaseFactory(), analyst, 5)) == len(_queue_queries(CaseFactory(), analyst, 50))


def test_a_fan_out_is_one_read_the_marker_one_insert_select_and_the_saved_searches(analyst, publish):
    read, marker, rows, searches = _queue_queries(CaseFactory(), analyst, 20)
    assert read.startswith("SELECT")
    assert marker.startswith("INSERT INTO alerts_eventfanout") and "ON CONFLICT" in marker
    assert rows.startswith("INSERT INTO alerts_alert") and "SELECT" in rows
    # With no saved search to check, one read finds none and nothing more is asked.
    assert searches.startswith("SELECT") and "alerts_savedsearch" in searches


# Sending -----------------------------------------------------------------------------------


def test_deliver_sends_marks_sent_and_sets_the_message_id(mailoutbox):
    alert = AlertFactory()
    result = services.alerts_deliver(alert_ids=[alert.pk])
    alert.refresh_from_db()
    assert result.sent == [alert.pk]
    assert (alert.status, alert.sent_at, alert.attempts) == (Alert.Status.SENT, NOW, 1)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].extra_headers["Message-ID"] == alert.message_id
    assert mailoutbox[0].to == [alert.recipient.email]


def test_deliver_twice_sends_once(mailoutbox):
    alert = AlertFactory()
    services.alerts_deliver(alert_ids=[alert.pk])
    second = services.alerts_deliver(alert_ids=[alert.pk])
    assert second.skipped == [alert.pk]
    assert len(mailoutbox) == 1


def test_deliver_leaves_in_app_digest_and_failed_rows_alone(mailoutbox):
    rows = [
        AlertFactory(channel=Alert.Channel.IN_APP, status=Alert.Status.IN_APP),
        AlertFactory(channel=Alert.Channel.DIGEST),
        AlertFactory(status=Alert.Status.FAILED),
    ]
    result = services.alerts_deliver(alert_ids=[row.pk for row in rows])
    assert result.sent == [] and len(mailoutbox) == 0


def test_a_reader_whose_address_was_removed_is_not_emailed(mailoutbox):
    alert = AlertFactory(recipient=UserFactory(email=""))
    services.alerts_deliver(alert_ids=[alert.pk])
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.IN_APP
    assert mailoutbox == []


class BrokenMailer:
    """A mail connection whose sends fail with the given error (or per recipient)."""

    def __init__(self, error, only_for=None):
        self.error, self.only_for, self.sent = error, only_for, []

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        for message in messages:
            if self.only_for is None or message.to[0] in self.only_for:
                raise self.error
            self.sent.append(message)
        return len(messages)


def test_a_failed_send_is_recorded_in_its_own_transaction_and_retried_later(settings):
    settings.ALERTS_RETRY_BACKOFF = 30
    alert = AlertFactory()
    broken = BrokenMailer(smtplib.SMTPServerDisconnected("gone"))
    with mock.patch.object(services.mail, "mailers", {"default": broken}):
        result = services.alerts_deliver(alert_ids=[alert.pk])
    alert.refresh_from_db()
    assert (alert.status, alert.attempts) == (Alert.Status.PENDING, 1)
    assert "SMTPServerDisconnected: gone" in alert.last_error
    assert alert.next_attempt_at == NOW + datetime.timedelta(seconds=30)
    assert (result.retry, result.retry_in) == ([alert.pk], 30)


def test_the_last_attempt_at_a_message_the_server_refuses_marks_the_row_failed(settings):
    settings.ALERTS_MAX_ATTEMPTS = 3
    alert = AlertFactory(attempts=2)
    refused = smtplib.SMTPRecipientsRefused({alert.recipient.email: (550, b"no such user")})
    with mock.patch.object(services.mail, "mailers", {"default": BrokenMailer(refused)}):
        result = services.alerts_deliver(alert_ids=[alert.pk])
    alert.refresh_from_db()
    assert (alert.status, alert.attempts) == (Alert.Status.FAILED, 3)
    assert result.failed == [alert.pk] and result.retry == []
    assert list(alert.attempt_log.values_list("outcome", flat=True)) == [AlertAttempt.Outcome.GAVE_UP]


@pytest.mark.parametrize("error", [smtplib.SMTPServerDisconnected("gone"), ConnectionRefusedError("refused")])
def test_an_outage_longer_than_the_attempts_leaves_the_row_pending_at_the_longest_interval(settings, error):
    settings.ALERTS_MAX_ATTEMPTS, settings.ALERTS_RETRY_BACKOFF_MAX = 3, 1800
    alert = AlertFactory(attempts=6)
    with mock.patch.object(services.mail, "mailers", {"default": BrokenMailer(error)}):
        result = services.alerts_deliver(alert_ids=[alert.pk])
    alert.refresh_from_db()
    assert (alert.status, alert.attempts) == (Alert.Status.PENDING, 7)
    assert alert.next_attempt_at == NOW + datetime.timedelta(seconds=1800)
    assert result.retry == [alert.pk] and result.failed == []


def test_an_unreachable_server_fails_a_row_only_after_the_outage_limit(settings):
    settings.ALERTS_OUTAGE_GIVE_UP_HOURS = 72
    alert = AlertFactory(attempts=40)
    Alert.objects.filter(pk=alert.pk).update(created_at=NOW - datetime.timedelta(hours=72))
    with mock.patch.object(services.mail, "mailers", {"default": BrokenMailer(ConnectionRefusedError("refused"))}):
        result = services.alerts_deliver(alert_ids=[alert.pk])
    assert result.failed == [alert.pk]
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.FAILED


def test_every_failed_attempt_is_logged_with_its_error(settings):
    alert = AlertFactory()
    for error in (ConnectionRefusedError("refused"), smtplib.SMTPServerDisconnected("gone")):
        with mock.patch.object(services.mail, "mailers", {"default": BrokenMailer(error)}):
            services.alerts_deliver(alert_ids=[alert.pk])
    assert [(a.outcome, a.error) for a in alert.attempt_log.all()] == [
        (AlertAttempt.Outcome.FAILED, "ConnectionRefusedError: refused"),
        (AlertAttempt.Outcome.FAILED, "SMTPServerDisconnected: gone"),
    ]


def test_pending_mail_resumes_after_a_long_outage_without_a_manual_step(settings, django_capture_on_commit_callbacks):
    """Down for six hours (longer than any task's retries): once the server is back, the sweep's
    next run sends what waited, and nobody had to resend it."""
    settings.ALERTS_MAX_ATTEMPTS, settings.ALERTS_RETRY_BACKOFF_MAX = 3, 1800
    alert = AlertFactory()
    down = BrokenMailer(ConnectionRefusedError("refused"))
    up = BrokenMailer(None, only_for=set())
    moment = NOW
    for _hour in range(12):
        moment += datetime.timedelta(minutes=30)
        with time_machine.travel(moment, tick=False), mock.patch.object(services.mail, "mailers", {"default": down}):
            services.alerts_deliver(alert_ids=[alert.pk])
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.PENDING
    with (
        time_machine.travel(moment + datetime.timedelta(hours=1), tick=False),
        mock.patch.object(services.mail, "mailers", {"default": up}),
        mock.patch.object(tasks.alerts_send, "apply_async", side_effect=lambda args, **kw: tasks.alerts_send(*args)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.alerts_sweep() == 1
    alert.refresh_from_db()
    assert (alert.status, alert.attempts) == (Alert.Status.SENT, 13)
    assert len(up.sent) == 1


def test_a_refused_address_fails_that_row_only():
    good, bad = AlertFactory(), AlertFactory(recipient=UserFactory(email="nobody@invalid.example"))
    mailer = BrokenMailer(smtplib.SMTPRecipientsRefused({"nobody@invalid.example": (550, b"no")}), only_for={"nobody@invalid.example"})
    with mock.patch.object(services.mail, "mailers", {"default": mailer}):
        result = services.alerts_deliver(alert_ids=[bad.pk, good.pk])
    assert result.sent == [good.pk] and result.retry == [bad.pk]
    assert Alert.objects.get(pk=good.pk).status == Alert.Status.SENT
    assert Alert.objects.get(pk=bad.pk).attempts == 1


def test_server_gone_mid_run_counts_an_attempt_on_every_row_left():
    first, second = AlertFactory(), AlertFactory()
    with mock.patch.object(services.mail, "mailers", {"default": BrokenMailer(ConnectionRefusedError("refused"))}):
        result = services.alerts_deliver(alert_ids=[first.pk, second.pk])
    assert sorted(result.retry) == sorted([first.pk, second.pk])
    assert set(Alert.objects.values_list("attempts", flat=True)) == {1}


def test_retry_delay_doubles_and_is_capped(settings):
    settings.ALERTS_RETRY_BACKOFF, settings.ALERTS_RETRY_BACKOFF_MAX = 30, 100
    assert [services.alert_retry_delay(attempts=n) for n in (1, 2, 3, 4)] == [30, 60, 100, 100]


# Sweep and retry ---------------------------------------------------------------------------


def test_sweep_queues_only_emails_pending_past_their_time(publish, django_capture_on_commit_callbacks):
    stale = AlertFactory(next_attempt_at=NOW - datetime.timedelta(minutes=10))
    AlertFactory(next_attempt_at=NOW)  # just written: its own task is on the way
    AlertFactory(next_attempt_at=NOW - datetime.timedelta(minutes=10), status=Alert.Status.SENT)
    AlertFactory(next_attempt_at=NOW - datetime.timedelta(minutes=10), channel=Alert.Channel.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.alerts_sweep(older_than=datetime.timedelta(minutes=2)) == 1
    publish.alerts.assert_called_once_with(args=([stale.pk],), retry_policy=services.PUBLISH_RETRY_POLICY)
    stale.refresh_from_db()
    assert stale.next_attempt_at == NOW  # not queued again by the next sweep


def test_admin_retry_gives_failed_rows_fresh_attempts_and_keeps_their_history(
    publish, django_capture_on_commit_callbacks, settings
):
    settings.ALERTS_MAX_ATTEMPTS = 6
    failed = AlertFactory(status=Alert.Status.FAILED, attempts=6, last_error="boom")
    AlertAttempt.objects.create(alert=failed, outcome=AlertAttempt.Outcome.GAVE_UP, error="boom")
    sent = AlertFactory(status=Alert.Status.SENT)
    operator = UserFactory(is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.alerts_retry(alerts=Alert.objects.all(), by=operator) == 1
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (Alert.Status.PENDING, 6, "boom")
    assert failed.attempts_limit == 12
    assert [(a.outcome, a.by) for a in failed.attempt_log.all()] == [
        (AlertAttempt.Outcome.GAVE_UP, None), (AlertAttempt.Outcome.RESENT, operator)
    ]
    assert Alert.objects.get(pk=sent.pk).status == Alert.Status.SENT
    publish.alerts.assert_called_once_with(args=([failed.pk],), retry_policy=services.PUBLISH_RETRY_POLICY)


# Deadlines and reminders -------------------------------------------------------------------


def test_deadline_create_stores_reminders_in_one_form(case, analyst):
    deadline = services.deadline_create(
        case=case, kind=Deadline.Kind.TIME_LIMIT, title="Formal request due", due_on=datetime.date(2025, 3, 1),
        reminder_days="1, 7,7", by=analyst,
    )
    assert deadline.reminder_days == "7,1"
    assert deadline.created_by == analyst
    assert deadline.history.latest().history_user == analyst


def test_deadline_create_uses_the_default_reminders(case, analyst, settings):
    settings.ALERTS_REMINDER_DAYS = [14, 2]
    deadline = services.deadline_create(
        case=case, kind=Deadline.Kind.HEARING, title="Hearing", due_on=datetime.date(2025, 3, 1), by=analyst
    )
    assert deadline.reminder_offsets == [14, 2]


@pytest.mark.parametrize("value", ["soon", "7;1", "400"])
def test_deadline_with_bad_reminders_is_refused(case, analyst, value):
    with pytest.raises(ValidationError):
        services.deadline_create(
            case=case, kind=Deadline.Kind.HEARING, title="Hearing", due_on=datetime.date(2025, 3, 1),
            reminder_days=value, by=analyst,
        )


@pytest.mark.parametrize(
    ("due_in_days", "expected"),
    [
        (10, None),
        (7, ("reminder", 7)),
        (3, ("reminder", 7)),  # recorded late: the 7-day reminder still goes, once
        (1, ("reminder", 1)),
        (0, ("reminder", 1)),
        (-1, ("overdue", None)),
    ],
)
def test_which_notice_a_deadline_calls_for(due_in_days, expected):
    deadline = DeadlineFactory.build(due_on=TODAY + datetime.timedelta(days=due_in_days), reminder_days="7,1")
    assert services.deadline_reminder_due(deadline=deadline, today=TODAY) == expected


def test_a_done_deadline_calls_for_nothing():
    deadline = DeadlineFactory.build(due_on=TODAY - datetime.timedelta(days=1), done_at=NOW)
    assert services.deadline_reminder_due(deadline=deadline, today=TODAY) is None


def test_reminders_go_to_every_follower_once(case, publish, django_capture_on_commit_callbacks):
    readers = [FollowFactory(case=case).user for _ in range(2)]
    digest_reader = FollowFactory(case=case, delivery=Follow.Delivery.DIGEST).user
    deadline = DeadlineFactory(case=case, due_on=TODAY + datetime.timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deadline_reminders_queue(today=TODAY) == 3
    reminders = Alert.objects.filter(deadline=deadline, kind=Alert.Kind.REMINDER, lead_days=7)
    assert sorted(reminders.values_list("recipient_id", flat=True)) == sorted(u.pk for u in [*readers, digest_reader])
    assert reminders.get(recipient=digest_reader).channel == Alert.Channel.DIGEST
    queued = publish.alerts.call_args.kwargs["args"][0]
    assert sorted(queued) == sorted(reminders.filter(channel="email").values_list("id", flat=True))
    # Beat runs every quarter hour: the same day again writes nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        services.deadline_reminders_queue(today=TODAY)
    assert Alert.objects.filter(deadline=deadline).count() == 3


def test_reminder_timing_over_the_days_before_and_after(case, publish):
    reader = FollowFactory(case=case).user
    deadline = DeadlineFactory(case=case, due_on=datetime.date(2025, 2, 10), reminder_days="7,1")
    for day in range(1, 15):
        services.deadline_reminders_queue(today=datetime.date(2025, 2, day))
    notices = list(
        Alert.objects.filter(recipient=reader, deadline=deadline).order_by("created_at", "id").values_list("kind", "lead_days")
    )
    assert notices == [("reminder", 7), ("reminder", 1), ("overdue", None)]


def test_done_deadlines_get_no_reminder_and_pending_ones_are_cancelled(case, analyst, publish):
    FollowFactory(case=case)
    deadline = DeadlineFactory(case=case, due_on=TODAY + datetime.timedelta(days=1))
    services.deadline_reminders_queue(today=TODAY)
    services.deadline_mark_done(deadline=deadline, by=analyst)
    assert set(deadline.alerts.values_list("status", flat=True)) == {Alert.Status.CANCELLED}
    services.deadline_reminders_queue(today=TODAY + datetime.timedelta(days=2))
    assert not deadline.alerts.filter(kind=Alert.Kind.OVERDUE).exists()
    deadline.refresh_from_db()
    assert (deadline.done_at, deadline.done_by) == (NOW, analyst)


def test_a_moved_deadline_is_reminded_of_again_and_old_reminders_are_cancelled(case, analyst, publish):
    reader = FollowFactory(case=case).user
    deadline = DeadlineFactory(case=case, due_on=TODAY + datetime.timedelta(days=1), reminder_days="7,1")
    services.deadline_reminders_queue(today=TODAY)
    Alert.objects.filter(kind=Alert.Kind.REMINDER).update(status=Alert.Status.SENT)
    # The hearing is adjourned by a month, the day before; a reminder still waiting is now wrong.
    AlertFactory(recipient=UserFactory(), kind=Alert.Kind.REMINDER, event=None, case=case, deadline=deadline, lead_days=7)
    services.deadline_update(deadline=deadline, due_on=TODAY + datetime.timedelta(days=30), by=analyst)
    assert Alert.objects.filter(status=Alert.Status.CANCELLED).count() == 1
    for day in range(0, 31):
        services.deadline_reminders_queue(today=TODAY + datetime.timedelta(days=day))
    notices = list(
        Alert.objects.filter(recipient=reader).order_by("id").values_list("kind", "lead_days", "deadline_due_on")
    )
    new_date = TODAY + datetime.timedelta(days=30)
    assert notices == [
        ("reminder", 1, TODAY + datetime.timedelta(days=1)),
        ("reminder", 7, new_date),
        ("reminder", 1, new_date),
    ]


def test_a_reminder_claimed_after_its_deadline_was_done_is_not_sent(case, analyst, mailoutbox):
    deadline = DeadlineFactory(case=case, due_on=TODAY + datetime.timedelta(days=1))
    alert = AlertFactory(kind=Alert.Kind.REMINDER, event=None, case=case, deadline=deadline, lead_days=1)
    Deadline.objects.filter(pk=deadline.pk).update(done_at=NOW)
    services.alerts_deliver(alert_ids=[alert.pk])
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.CANCELLED
    assert mailoutbox == []


# Digests -----------------------------------------------------------------------------------


def test_digest_bundles_each_followers_waiting_items(case, analyst, publish, django_capture_on_commit_callbacks):
    reader = FollowFactory(case=case, delivery=Follow.Delivery.DIGEST, scope=Follow.Scope.ALL).user
    FollowFactory(case=case, delivery=Follow.Delivery.INSTANT)  # gets emails, not a digest
    change_stage(case, analyst)
    with committed():
        case_services.event_record(case=case, kind=Event.Kind.STATUS, by=analyst, occurred_on=TODAY, summary="Landed")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.digests_queue(on=TODAY) == 1
    digest = Alert.objects.get(kind=Alert.Kind.DIGEST)
    assert (digest.recipient, digest.channel, digest.status, digest.digest_on) == (reader, "email", "pending", TODAY)
    assert digest.items.count() == 2
    assert publish.alerts.call_args.kwargs["args"] == ([digest.pk],)


def test_no_digest_when_nothing_happened(case, publish):
    FollowFactory(case=case, delivery=Follow.Delivery.DIGEST)
    assert services.digests_queue(on=TODAY) == 0
    assert not Alert.objects.exists()


def test_digest_twice_on_one_day_writes_one(case, analyst, publish):
    FollowFactory(case=case, delivery=Follow.Delivery.DIGEST)
    change_stage(case, analyst)
    services.digests_queue(on=TODAY)
    assert services.digests_queue(on=TODAY) == 0
    assert Alert.objects.filter(kind=Alert.Kind.DIGEST).count() == 1


def test_sending_a_digest_marks_its_items_sent(case, analyst, publish, mailoutbox):
    FollowFactory(case=case, delivery=Follow.Delivery.DIGEST)
    change_stage(case, analyst)
    services.digests_queue(on=TODAY)
    digest = Alert.objects.get(kind=Alert.Kind.DIGEST)
    services.alerts_deliver(alert_ids=[digest.pk])
    assert len(mailoutbox) == 1
    assert set(Alert.objects.values_list("status", flat=True)) == {Alert.Status.SENT}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are a PostgreSQL feature; SQLite locks the file")
def test_a_row_another_worker_is_sending_is_skipped_not_sent_twice(mailoutbox):
    import threading

    from django.db import connection as thread_connection
    from django.db import transaction

    alert = AlertFactory()
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                Alert.objects.select_for_update().get(pk=alert.pk)
                locked.set()
                release.wait(10)
        finally:
            thread_connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert locked.wait(10)
    try:
        result = services.alerts_deliver(alert_ids=[alert.pk])
    finally:
        release.set()
        thread.join(10)
    assert result.skipped == [alert.pk]
    assert mailoutbox == []
