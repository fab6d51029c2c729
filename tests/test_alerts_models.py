import datetime

import pytest
from django.db import IntegrityError, transaction

from alerts.models import Alert, Deadline, Follow, reminder_days_parse
from cases.models import Event, Stage
from tests.factories import AlertFactory, DeadlineFactory, EventFactory, FollowFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_user_follows_a_case_once(case):
    follow = FollowFactory(case=case)
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(user=follow.user, case=case)


def test_one_alert_per_recipient_per_event():
    alert = AlertFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(recipient=alert.recipient, event=alert.event, case=alert.case, kind="event", channel="email")


def test_one_reminder_per_recipient_per_deadline_and_lead_time():
    deadline, user = DeadlineFactory(), UserFactory()
    fields = {
        "recipient": user, "deadline": deadline, "deadline_due_on": deadline.due_on, "case": deadline.case,
        "kind": "reminder", "channel": "email",
    }
    Alert.objects.create(lead_days=7, **fields)
    Alert.objects.create(lead_days=1, **fields)  # another lead time is another reminder
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(lead_days=7, **fields)


def test_one_overdue_notice_and_one_digest_per_day():
    deadline, user = DeadlineFactory(), UserFactory()
    overdue = {"recipient": user, "deadline": deadline, "deadline_due_on": deadline.due_on, "kind": "overdue", "channel": "email"}
    Alert.objects.create(**overdue)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(**overdue)
    Alert.objects.create(recipient=user, kind="digest", channel="email", digest_on=datetime.date(2025, 2, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(recipient=user, kind="digest", channel="email", digest_on=datetime.date(2025, 2, 1))


def test_the_same_reminder_for_a_moved_date_is_another_reminder():
    deadline, user = DeadlineFactory(due_on=datetime.date(2025, 2, 10)), UserFactory()
    fields = {"recipient": user, "deadline": deadline, "kind": "reminder", "channel": "email", "lead_days": 1}
    Alert.objects.create(deadline_due_on=datetime.date(2025, 2, 10), **fields)
    Alert.objects.create(deadline_due_on=datetime.date(2025, 3, 10), **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(**fields)  # a reminder must say which date it was for


def test_an_event_alert_needs_its_event():
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(recipient=UserFactory(), kind="event", channel="email")


def test_message_id_uses_the_site_domain(settings):
    settings.SITE_URL = "https://tracker.example.org"
    alert = AlertFactory()
    assert alert.message_id == f"<alert-{alert.pk}@tracker.example.org>"


def test_headline_says_what_the_alert_is_about():
    stage = EventFactory(kind=Event.Kind.STAGE_CHANGE, from_stage=Stage.HEARING, to_stage=Stage.COMMITTED)
    assert AlertFactory(event=stage).headline == "Stage changed: Extradition hearing → Committed / found extraditable"
    deadline = DeadlineFactory(title="Hearing", due_on=datetime.date(2025, 2, 10))
    overdue = AlertFactory(kind="overdue", event=None, case=deadline.case, deadline=deadline)
    assert overdue.headline == "Overdue: Hearing (was due 10 Feb 2025)"


def test_reminder_days_are_read_largest_first_without_repeats():
    assert reminder_days_parse(" 1,7, 7,0") == [7, 1, 0]


def test_deadline_days_left_and_str():
    deadline = DeadlineFactory.build(title="Formal request due", due_on=datetime.date(2025, 3, 1))
    assert deadline.days_left(datetime.date(2025, 2, 27)) == 2
    assert str(deadline) == "01 Mar 2025: Formal request due"


def test_follow_and_deadline_keep_their_history(case):
    follow = FollowFactory(case=case)
    follow.delivery = Follow.Delivery.DIGEST
    follow.save()
    assert follow.history.count() == 2
    deadline = DeadlineFactory(case=case)
    assert deadline.history.count() == 1
    assert Deadline.objects.open().get() == deadline


def test_an_event_has_one_fan_out_marker():
    from alerts.models import EventFanout

    event = EventFactory()
    EventFanout.objects.create(event=event, fanned_out_at=datetime.datetime(2025, 2, 1, tzinfo=datetime.UTC))
    with pytest.raises(IntegrityError), transaction.atomic():
        EventFanout.objects.create(event=event, fanned_out_at=datetime.datetime(2025, 2, 2, tzinfo=datetime.UTC))


@pytest.mark.django_db(transaction=True)
def test_the_migration_marks_the_events_recorded_before_it_as_fanned_out():
    """Their alerts were written by the code of the time: the sweep must not write them again."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("alerts", "0002_reminder_per_date")])
    event = EventFactory()
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    # Every app's latest migration: going back unapplied what depends on alerts (the clocks) too.
    executor.migrate(executor.loader.graph.leaf_nodes())
    from alerts.models import EventFanout

    marker = EventFanout.objects.get(event=event)
    assert marker.fanned_out_at == Event.objects.get(pk=event.pk).recorded_at
