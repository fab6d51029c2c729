import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cases.models import Case, CaseRelation, Event, ExecutiveDecision, Person, RulingDecision, Stage
from tests.factories import (
    AuthorityFactory,
    CaseFactory,
    CasePartyFactory,
    EventFactory,
    PersonFactory,
    PersonNameFactory,
    StatementFactory,
)

pytestmark = pytest.mark.django_db


def test_person_is_found_by_a_name_variant():
    rana = PersonFactory(name="Tahawwur Rana")
    PersonNameFactory(person=rana, name="Tahawwur Hussain Rana")
    PersonFactory(name="Someone Else")
    assert list(Person.objects.matching("hussain")) == [rana]
    assert list(Person.objects.matching("tahawwur")) == [rana]


def test_person_matching_nothing_for_blank_text():
    PersonFactory()
    assert not Person.objects.matching("  ").exists()


def test_requesting_and_requested_state_must_differ():
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(requesting_state="IN", requested_state="IN")


def test_a_closed_case_needs_an_outcome():
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(outcome="", closed_on=datetime.date(2024, 1, 1))


def test_an_open_case_may_already_know_its_extradition_outcome():
    case = CaseFactory(outcome="extradited", after_surrender="on_trial", closed_on=None)
    assert case.is_open


def test_after_surrender_without_an_extradition_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(outcome="refused", after_surrender="convicted")


def test_a_verbatim_statement_without_a_quote_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementFactory(quote="", reported_speech=False)


def test_reported_speech_without_a_quote_is_kept():
    statement = StatementFactory(quote="", reported_speech=True, gist="India would liaise with the US side")
    assert str(statement).endswith("said India would liaise with the US side")


def test_an_executive_decision_with_a_court_decision_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        EventFactory(kind=Event.Kind.EXECUTIVE_DECISION, decision="convicted", authority=AuthorityFactory())


def test_a_status_update_needs_its_category():
    with pytest.raises(IntegrityError), transaction.atomic():
        EventFactory(kind=Event.Kind.STATUS, category="")


def test_a_court_needs_its_level_and_a_ministry_does_not():
    AuthorityFactory(kind="executive", level="", name="Home Office")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuthorityFactory(kind="court", level="", name="Some court")


def test_a_case_cannot_be_related_to_itself_in_the_database():
    case = CaseFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseRelation.objects.create(case=case, related_case=case, relation="parallel")


def test_open_and_closed_querysets():
    open_case = CaseFactory()
    closed_case = CaseFactory(outcome="withdrawn", closed_on=datetime.date(2024, 1, 1))
    assert list(Case.objects.open()) == [open_case]
    assert list(Case.objects.closed()) == [closed_case]


def test_a_ruling_without_a_court_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        EventFactory(kind=Event.Kind.RULING, decision="affirmed", authority=None)


def test_a_month_only_date_not_on_the_first_fails_validation():
    event = EventFactory.build(case=CaseFactory(), occurred_on=datetime.date(2025, 4, 12), date_precision="month")
    with pytest.raises(ValidationError) as error:
        event.full_clean()
    assert "occurred_on" in error.value.message_dict


def test_a_month_only_event_sorts_within_its_month_and_shows_as_the_month():
    case = CaseFactory()
    march = EventFactory(case=case, occurred_on=datetime.date(2025, 3, 30))
    april = EventFactory(case=case, occurred_on=datetime.date(2025, 4, 1), date_precision="month")
    may = EventFactory(case=case, occurred_on=datetime.date(2025, 5, 2))
    assert list(case.events.timeline_order(newest_first=False)) == [march, april, may]
    assert list(case.events.timeline_order()) == [may, april, march]
    assert april.date_display == "Apr 2025"


def test_case_person_sought_is_the_party_with_that_role():
    case = CaseFactory()
    CasePartyFactory(case=case, role="witness")
    sought = CasePartyFactory(case=case, role="person_sought")
    assert case.person_sought == sought.person


# -- check constraints, asked in one query ----------------------------------------------------------


def _constraint_errors(validate) -> dict | None:
    try:
        validate()
    except ValidationError as error:
        return error.message_dict
    return None


_CHOICE_OR_BLANK = {
    "kind": Event.Kind.values,
    "decision": ["", *RulingDecision.values[:2], *ExecutiveDecision.values[:2], "made-up"],
    "hearing_status": ["", "held"],
    "filing_type": ["", "appeal"],
    "custody_change": ["", "arrested"],
    "category": ["", "health"],
    "from_stage": ["", *Stage.values[:3]],
    "to_stage": ["", *Stage.values[:3]],
}


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.fixed_dictionaries({name: st.sampled_from(choices) for name, choices in _CHOICE_OR_BLANK.items()}),
       with_authority=st.booleans(), with_statement=st.booleans())
def test_an_events_checks_decide_as_djangos_one_query_a_check(case, values, with_authority, with_statement):
    event = Event(case=case, occurred_on=datetime.date(2025, 1, 1), summary="x", **values)
    if with_authority:
        event.authority = AuthorityFactory.build(pk=1)
    if with_statement:
        event.statement_id = 1
    ours = _constraint_errors(event.validate_constraints)
    assert ours == _constraint_errors(lambda: models.Model.validate_constraints(event))


def test_the_checks_are_asked_in_one_query(case):
    event = Event(case=case, kind=Event.Kind.STAGE_CHANGE, from_stage="hearing", to_stage="hearing", summary="x")
    with CaptureQueriesContext(connection) as queries:
        errors = _constraint_errors(event.validate_constraints)
    assert errors == {"__all__": ["A stage change must move the case to a different stage."]}
    # Inside a transaction, in a savepoint of its own (as Django asks each check).
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["SAVEPOINT", "SELECT", "RELEASE"]


def test_a_check_on_an_excluded_field_is_skipped_as_django_skips_it(case):
    event = Event(case=case, kind=Event.Kind.HEARING, hearing_status="", summary="x")
    assert _constraint_errors(event.validate_constraints) == {"__all__": ["A hearing needs its status (scheduled, held, adjourned…)."]}
    assert _constraint_errors(lambda: event.validate_constraints(exclude={"hearing_status"})) is None


def test_a_cases_checks_name_other_columns_too():
    case = CaseFactory.build(requesting_state="IN", requested_state="IN", after_surrender="tried")
    assert _constraint_errors(case.validate_constraints) == _constraint_errors(lambda: models.Model.validate_constraints(case))
    assert set(_constraint_errors(case.validate_constraints)["__all__"]) == {
        "The requesting and requested states must differ.",
        "What happened after surrender applies only to a person who was extradited.",
    }
