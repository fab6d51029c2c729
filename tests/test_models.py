import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cases.models import Case, Event, Person
from tests.factories import CaseFactory, CasePartyFactory, EventFactory, PersonFactory, PersonNameFactory

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


def test_a_closed_case_needs_an_outcome_and_a_date():
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(outcome="extradited", closed_on=None)


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
