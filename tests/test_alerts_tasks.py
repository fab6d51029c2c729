"""The tasks run in-process here (Task.apply); the real worker is in test_alerts_integration."""

import datetime
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from alerts import services, tasks
from alerts.models import Alert
from cases.models import Event, Stage
from tests.factories import AlertFactory, DeadlineFactory, EventFactory, FollowFactory

pytestmark = pytest.mark.django_db


def test_the_fan_out_task_writes_the_events_outbox_and_a_second_run_writes_nothing(case, analyst, publish):
    readers = [FollowFactory(case=case).user for _ in range(2)]
    FollowFactory(case=case, user=analyst)
    event = EventFactory(
        case=case, kind=Event.Kind.STAGE_CHANGE, from_stage=Stage.ARREST, to_stage=Stage.HEARING, recorded_by=analyst
    )
    assert tasks.event_alerts_fan_out.apply(args=[event.pk, analyst.pk]).get() is True
    assert tasks.event_alerts_fan_out.apply(args=[event.pk, analyst.pk]).get() is False
    assert sorted(Alert.objects.filter(event=event).values_list("recipient_id", flat=True)) == sorted(u.pk for u in readers)


def test_the_fan_out_tasks_are_acknowledged_only_once_run():
    # A worker killed mid fan-out leaves the message to be delivered again (the marker makes it safe).
    assert tasks.event_alerts_fan_out.acks_late and tasks.case_alerts_fan_out.acks_late


def test_the_case_fan_out_task_calls_its_service():
    with mock.patch.object(services, "case_alerts_queue", return_value=True) as queue:
        assert tasks.case_alerts_fan_out.apply(args=[7, 3]).get() is True
    queue.assert_called_once_with(case_id=7, actor_id=3)


def test_event_task_sends_the_events_pending_emails(mailoutbox):
    alert = AlertFactory()
    AlertFactory()  # another event's
    assert tasks.event_alerts_send.apply(args=[alert.event_id]).get() == 1
    assert [m.to for m in mailoutbox] == [[alert.recipient.email]]


def test_alerts_task_sends_the_given_rows(mailoutbox):
    alerts = [AlertFactory(), AlertFactory()]
    assert tasks.alerts_send.apply(args=[[a.pk for a in alerts]]).get() == 2


def test_a_task_asks_to_be_retried_with_the_rows_left_and_the_backoff(settings):
    settings.ALERTS_RETRY_BACKOFF = 45
    alert = AlertFactory()
    failing = services.DeliveryResult(retry=[alert.pk], retry_in=45)
    with (
        mock.patch.object(services, "alerts_deliver", return_value=failing),
        mock.patch.object(tasks.alerts_send, "retry", side_effect=Retry()) as retry,
        pytest.raises(Retry),
    ):
        tasks.alerts_send.run([alert.pk])
    retry.assert_called_once_with(countdown=45, args=[[alert.pk]])


def test_no_retry_once_every_row_is_sent_or_failed():
    done = services.DeliveryResult(sent=[1], failed=[2])
    with (
        mock.patch.object(services, "event_alerts_deliver", return_value=done),
        mock.patch.object(tasks.event_alerts_send, "retry") as retry,
    ):
        assert tasks.event_alerts_send.run(5) == 1
    retry.assert_not_called()


def test_smtp_failure_in_a_task_records_the_attempt(settings):
    alert = AlertFactory()

    class Down:
        def open(self):
            raise ConnectionRefusedError("refused")

        def close(self):
            pass

    with (
        mock.patch.object(services.mail, "mailers", {"default": Down()}),
        mock.patch.object(tasks.event_alerts_send, "retry", side_effect=Retry()),
        pytest.raises(Retry),
    ):
        tasks.event_alerts_send.run(alert.event_id)
    alert.refresh_from_db()
    assert (alert.status, alert.attempts) == (Alert.Status.PENDING, 1)
    assert "refused" in alert.last_error


def test_beat_tasks_call_their_services():
    with mock.patch.object(services, "alerts_sweep", return_value=3):
        assert tasks.alerts_sweep.apply().get() == 3
    with mock.patch.object(services, "deadline_reminders_queue", return_value=2):
        assert tasks.deadline_reminders_send.apply().get() == 2
    with mock.patch.object(services, "digests_queue", return_value=1):
        assert tasks.digests_send.apply().get() == 1


def test_the_reminder_task_writes_reminders(case, settings):
    FollowFactory(case=case)
    DeadlineFactory(case=case, due_on=timezone.localdate() + datetime.timedelta(days=1))
    with mock.patch.object(tasks.alerts_send, "apply_async"):
        tasks.deadline_reminders_send.apply()
    assert Alert.objects.filter(kind=Alert.Kind.REMINDER, lead_days=1).count() == 1


def test_beat_schedule_names_real_tasks(settings):
    from tracker.celery import app

    # As a worker starts: every app's tasks module is found (autodiscovery), not only those imported.
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
    digest = settings.CELERY_BEAT_SCHEDULE["alerts-daily-digest"]["schedule"]
    assert digest.hour == {settings.ALERTS_DIGEST_HOUR}
