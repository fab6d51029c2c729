import datetime

import pytest
from django.core.management import call_command
from django.db.models import Count

from alerts import services as alert_services
from alerts.models import EventFanout, Follow
from cases.dates import partial_date_bounds
from cases.models import (
    Authority,
    Case,
    CaseParty,
    CaseRelation,
    Event,
    ExecutiveDecision,
    Outcome,
    Person,
    RulingDecision,
    Source,
    Statement,
    StatusCategory,
)
from cases.services import POSITION_GAP

pytestmark = pytest.mark.django_db

SIZES = {"cases": 60, "events": 600, "big_cases": 1, "big_case_events": 120, "followers": 5}


def _generate(seed: int) -> tuple[list[tuple], list[tuple]]:
    call_command("generate_data", seed=seed, stdout=open("/dev/null", "w"), **SIZES)
    cases = sorted(
        Case.objects.annotate(n=Count("events")).values_list("reference", "title", "stage", "requesting_state", "n")
    )
    events = sorted(
        Event.objects.values_list(
            "case__reference", "position", "kind", "occurred_on", "date_precision", "decision", "category", "note"
        )
    )
    return cases, events


def _wipe():
    Follow.objects.all().delete()
    Event.objects.all().delete()
    Statement.objects.all().delete()
    CaseParty.objects.all().delete()
    Case.all_objects.update(last_event=None)
    Case.all_objects.all().delete()
    for model in (Person, Authority, Source):
        model.objects.all().delete()


def test_the_same_seed_gives_the_same_data():
    first = _generate(seed=5)
    _wipe()
    assert _generate(seed=5) == first
    _wipe()
    assert _generate(seed=6) != first


@pytest.fixture
def generated():
    _generate(seed=1)


def test_generated_data_keeps_the_rules_of_the_record(generated):
    assert Case.objects.count() == 60
    assert Event.objects.count() == 600 + 120
    for case in Case.objects.all():
        latest_move = case.events.filter(kind="stage_change").timeline_order().first()
        if latest_move:
            assert latest_move.to_stage == case.stage
            assert case.stage_entered_on == latest_move.occurred_on
            assert case.stage_entered_precision == latest_move.date_precision
            assert case.stage_entered_approximate == latest_move.date_approximate
        latest = case.events.timeline_order().first()
        assert case.last_event == latest
        assert case.person_sought is not None
        assert case.person_sought.name in case.search_text
    follows = Follow.objects.filter(case__reference="gen-000000")
    assert follows.count() == 5
    assert all(f.user.groups.filter(name="viewer").exists() for f in follows)
    assert not Event.objects.filter(kind="ruling", authority__isnull=True).exists()
    assert not Case.objects.exclude(after_surrender="").exclude(outcome=Outcome.EXTRADITED).exists()


def test_events_carry_their_interval_and_a_place_in_date_order(generated):
    for case in Case.objects.all():
        timeline = list(case.events.timeline_order(newest_first=False))
        assert [e.position for e in timeline] == [POSITION_GAP * n for n in range(1, len(timeline) + 1)]
        assert [e.occurred_on for e in timeline] == sorted(e.occurred_on for e in timeline)
        for event in timeline:
            bounds = partial_date_bounds(event.occurred_on, precision=event.date_precision, approximate=event.date_approximate)
            assert (event.date_earliest, event.date_latest) == (bounds.earliest, bounds.latest)
    assert Event.objects.filter(date_approximate=True).exists()


def test_generated_data_uses_the_second_generation_vocabulary(generated):
    assert not Event.objects.filter(kind="status", category="").exists()
    assert Event.objects.filter(kind="status").exclude(category=StatusCategory.OTHER).exists()
    decisions = Event.objects.filter(kind="executive_decision")
    assert decisions.exists()
    assert set(decisions.values_list("decision", flat=True)) <= set(ExecutiveDecision.values)
    assert set(decisions.values_list("authority__kind", flat=True)) == {"executive"}
    assert decisions.filter(official__isnull=False).exists()
    assert set(Event.objects.filter(kind="ruling").values_list("decision", flat=True)) <= set(RulingDecision.values)
    reported = Statement.objects.filter(reported_speech=True)
    assert reported.exists() and not reported.exclude(quote="").exists() and not reported.filter(gist="").exists()
    assert Statement.objects.filter(channel="").exists()
    assert Event.objects.exclude(note="").exists()
    assert {"court", "executive", "prosecutor", "police", "international", "legislature"} <= set(
        Authority.objects.values_list("kind", flat=True)
    )
    assert Event.objects.filter(authority__kind__in=["police", "prosecutor", "international"]).exists()
    assert CaseRelation.objects.exists()


def test_generated_history_is_not_sent_to_followers_as_news(generated):
    assert EventFanout.objects.count() == Event.objects.count()
    # Ten minutes on, when the sweep would take any event still without its marker.
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=10)
    assert alert_services.events_fan_out_missed(now=later) == 0
