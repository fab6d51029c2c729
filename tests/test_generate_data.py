import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Max
from django.utils import timezone

from alerts import services as alert_services
from alerts.models import EventFanout, Follow
from cases import services
from cases.dates import DatePrecision, partial_date_bounds
from cases.models import (
    Authority,
    Case,
    CaseParty,
    CaseRelation,
    Event,
    ExecutiveDecision,
    Outcome,
    Person,
    PersonName,
    RulingDecision,
    Source,
    Statement,
    StatusCategory,
)
from cases.search import SEARCH_INDEXES, WORD_TABLE, case_search
from cases.services import POSITION_GAP
from exchange.exports import export_document, export_json
from exchange.imports import ImportResult, import_bytes

pytestmark = pytest.mark.django_db

SIZES = {"cases": 60, "events": 600, "big_cases": 1, "big_case_events": 120, "followers": 5}


def _generate(seed: int, sizes: dict = SIZES) -> tuple[list[tuple], list[tuple]]:
    call_command("generate_data", seed=seed, stdout=open("/dev/null", "w"), **sizes)
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


# What the services would accept ------------------------------------------------------------------


def _check_stage_moves(case: Case) -> None:
    """The checks case_change_stage makes, move after move, from the stage case_create opened the case at."""
    moves = list(case.events.filter(kind=Event.Kind.STAGE_CHANGE).timeline_order(newest_first=False))
    stage = moves[0].from_stage if moves else case.stage
    # case_create dates the stage a case is opened at from its opening day.
    entered = partial_date_bounds(case.opened_on, precision=DatePrecision.DAY)
    for move in moves:
        assert move.from_stage == stage and move.to_stage != stage and move.summary.strip(), move
        assert not move.date_bounds.certainly_before(entered), (
            f"{case.reference}: a move dated {move.date_display} is certainly before its stage's start {entered}")
        stage, entered = move.to_stage, move.date_bounds
    assert case.stage == stage
    if not moves:
        assert (case.stage_entered_on, case.stage_entered_precision) == (case.opened_on, DatePrecision.DAY)


def _check_closing(case: Case, *, today: datetime.date) -> None:
    """What case_close refuses (a closing day after today) and what it writes (an entry on that day)."""
    if case.closed_on is None:
        return
    assert case.outcome and case.closed_on <= today, (case.reference, case.outcome, case.closed_on)
    assert case.events.filter(
        kind=Event.Kind.STATUS, category=StatusCategory.CASE_CLOSURE, occurred_on=case.closed_on,
        summary=f"Case closed: {case.get_outcome_display().lower()}.",
    ).exists(), f"{case.reference} is closed with no entry saying so"


def _check_with_the_services(*, today: datetime.date) -> None:
    """Every generated record against what the services check before they write one like it."""
    # What _save_validated runs before every write, but for the constraints and uniqueness, which
    # the database itself holds (the generated rows were inserted, so they hold).
    for model in (Person, PersonName, Authority, Source, Statement, CaseParty, CaseRelation, Case, Event):
        for row in model.objects.all():
            row.full_clean(validate_unique=False, validate_constraints=False)
    for statement in Statement.objects.all():
        # statement_record's own refusals.
        assert statement.quote or (statement.reported_speech and statement.gist), statement
    for event in Event.objects.all():
        services._check_not_in_future(event)
        services._check_decision_vocabulary(event)
    for case in Case.objects.all():
        _check_stage_moves(case)
        _check_closing(case, today=today)


def test_every_generated_record_passes_the_checks_the_services_make(generated):
    assert Case.objects.closed().exists() and Event.objects.filter(kind="stage_change", date_precision="year").exists()
    _check_with_the_services(today=timezone.localdate())


def test_generated_on_a_day_before_the_end_of_its_history_nothing_is_dated_after_that_day():
    noon = datetime.datetime(2024, 3, 15, 12, tzinfo=datetime.UTC)
    with time_machine.travel(noon, tick=False):
        _generate(seed=2)
        _check_with_the_services(today=noon.date())
    assert Case.objects.closed().exists()
    assert Event.objects.aggregate(latest=Max("occurred_on"))["latest"] <= noon.date()
    assert Case.objects.aggregate(latest=Max("closed_on"))["latest"] <= noon.date()


# Small enough to import through the services in seconds, large enough to hold closed cases,
# moves known only to the month or year, statements and namesakes.
IMPORTED = {"cases": 12, "events": 90, "big_cases": 1, "big_case_events": 30, "followers": 0}


def _export_and_import_again() -> tuple[str, ImportResult]:
    """The export of a small generated data set, and the result of importing it into an empty database."""
    _generate(seed=3, sizes=IMPORTED)
    partial_moves = Event.objects.filter(kind="stage_change").exclude(date_precision="day")
    assert Case.objects.closed().exists() and partial_moves.exists()
    # The cases and what they name; not the catalogue of hundreds of authorities no event names,
    # which would add nothing but time.
    exported = export_json(export_document())
    _wipe()
    return exported, import_bytes(exported.encode(), format="json")


def test_generated_data_exports_and_imports_into_an_empty_database():
    _exported, result = _export_and_import_again()
    assert result.ok, [str(problem) for problem in result.problems[:20]]
    assert (Case.objects.count(), Event.objects.count()) == (12, 90 + 30)


def test_generated_data_comes_back_from_the_import_unchanged():
    exported, _result = _export_and_import_again()
    assert export_json(export_document()) == exported


@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN indexes are PostgreSQL's")
def test_the_search_indexes_are_built_again_after_the_words_are_written():

    def indexes():
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [["cases_case", WORD_TABLE]])
            return sorted(cursor.fetchall())

    before = indexes()
    assert {name for name, _ in before} >= set(SEARCH_INDEXES)
    _generate(seed=1)
    assert indexes() == before
    case = Case.objects.order_by("pk").last()
    surname = case.person_sought.name.split()[-1]
    assert case in case_search(Case.objects.all(), surname)
