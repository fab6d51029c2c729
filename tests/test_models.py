import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cases.models import Case, CaseRelation, Event, Person
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
