"""The case list's FilterSet: each facet of the second-generation record, and bad values ignored."""

import datetime

import pytest
from django.http import QueryDict

from cases import services
from cases.filters import CaseFilter, decision_choices
from cases.models import Case, ExecutiveDecision, RulingDecision
from tests.factories import AuthorityFactory, CaseFactory, EventFactory

pytestmark = pytest.mark.django_db


def _filtered(query: str) -> set[str]:
    filterset = CaseFilter(QueryDict(query), queryset=Case.objects.all())
    assert filterset.is_valid(), filterset.form.errors
    return set(filterset.qs.values_list("reference", flat=True))


@pytest.fixture
def closed_cases(db):
    CaseFactory(reference="surrendered", outcome="extradited", after_surrender="convicted", closed_on=datetime.date(2024, 1, 1))
    CaseFactory(reference="refused", outcome="refused", closed_on=datetime.date(2024, 1, 1))
    CaseFactory(reference="following-trial", outcome="extradited", after_surrender="on_trial")
    CaseFactory(reference="open")


def test_closed_cases_by_whether_the_person_was_extradited(closed_cases):
    assert _filtered("status=closed_extradited") == {"surrendered"}
    assert _filtered("status=closed_not_extradited") == {"refused"}
    assert _filtered("status=closed") == {"surrendered", "refused"}
    assert _filtered("status=open") == {"following-trial", "open"}


def test_cases_by_outcome_and_what_happened_after_surrender(closed_cases):
    assert _filtered("outcome=extradited") == {"surrendered", "following-trial"}
    assert _filtered("after_surrender=on_trial") == {"following-trial"}


def test_cases_by_a_decision_of_either_vocabulary():
    court, ministry = AuthorityFactory(), AuthorityFactory(kind="executive", level="")
    EventFactory(case=CaseFactory(reference="convicted"), kind="ruling", authority=court, decision="convicted")
    EventFactory(case=CaseFactory(reference="ordered"), kind="executive_decision", authority=ministry,
                 decision="extradition_ordered")
    EventFactory(case=CaseFactory(reference="other-ruling"), kind="ruling", authority=court, decision="other")
    assert _filtered("decision=ruling:convicted") == {"convicted"}
    assert _filtered("decision=executive_decision:extradition_ordered") == {"ordered"}
    # The two vocabularies share the column, not the meaning: a court's "other" is not a government's.
    assert _filtered("decision=executive_decision:other") == set()


def test_the_decision_filter_offers_every_decision_of_both_vocabularies():
    offered = {value for _group, options in decision_choices() for value, _label in options}
    expected = {f"ruling:{v}" for v in RulingDecision.values} | {f"executive_decision:{v}" for v in ExecutiveDecision.values}
    assert offered == expected


def test_cases_by_status_category():
    EventFactory(case=CaseFactory(reference="interpol"), category="interpol_notice")
    EventFactory(case=CaseFactory(reference="other"), category="other")
    assert _filtered("category=interpol_notice") == {"interpol"}


def test_cases_by_confidence_of_an_entry():
    EventFactory(case=CaseFactory(reference="disputed"), confidence="disputed")
    EventFactory(case=CaseFactory(reference="reported"), confidence="reported")
    assert _filtered("confidence=disputed") == {"disputed"}


def test_cases_by_the_kind_of_authority_that_acted():
    EventFactory(case=CaseFactory(reference="police"), kind="custody", custody_change="arrested",
                 authority=AuthorityFactory(kind="police", level=""))
    EventFactory(case=CaseFactory(reference="court"), kind="ruling", authority=AuthorityFactory(), decision="affirmed")
    assert _filtered("authority_kind=police") == {"police"}


def test_deleted_events_do_not_count_for_the_event_facets():
    event = EventFactory(case=CaseFactory(reference="gone"), confidence="disputed")
    services.event_delete(event=event, by=None)
    assert _filtered("confidence=disputed") == set()


def test_cases_by_whether_they_have_related_matters():
    first, second, alone = CaseFactory(reference="first"), CaseFactory(reference="second"), CaseFactory(reference="alone")
    services.case_relate(case=first, related_case=second, relation="parallel", by=None)
    assert _filtered("related=yes") == {"first", "second"}
    assert _filtered("related=no") == {alone.reference}


def test_a_link_to_a_deleted_case_does_not_count_as_related():
    kept, deleted = CaseFactory(reference="kept"), CaseFactory(reference="deleted")
    services.case_relate(case=kept, related_case=deleted, relation="parallel", by=None)
    services.case_delete(case=deleted, by=None)
    assert _filtered("related=yes") == set()


@pytest.mark.parametrize("query", ["decision=convicted", "decision=ruling:nonsense", "status=extradited", "related=maybe"])
def test_values_outside_the_choices_are_refused_not_applied(query):
    CaseFactory()
    assert not CaseFilter(QueryDict(query), queryset=Case.objects.all()).is_valid()


# The person filter: an id from links, or a name as people write it (cases.names) ------------------


@pytest.fixture
def people_on_cases(db):
    from cases.models import CaseParty

    for reference, name, variants in [
        ("modi", "Nirav Deepak Modi", []),
        ("rana", "Tahawwur Rana", [("Tahawwur Hussain Rana", "full")]),
        ("polanski", "Roman Polański", []),
        ("choksi", "Mehul Chinubhai Choksi", []),
    ]:
        case = CaseFactory(reference=reference)
        person = services.person_create(name=name, variants=variants, by=None)
        services.case_add_party(case=case, person=person, role=CaseParty.Role.PERSON_SOUGHT, by=None)


@pytest.mark.parametrize(
    ("query", "reference"),
    [
        ("person=nirav+modi", "modi"),  # a short form, the middle name left out
        ("person=modi+nirav", "modi"),  # another order
        ("person=hussain", "rana"),  # a word of a name variant
        ("person=Polanski", "polanski"),  # without the accent
        ("person=Neerav+Modi", "modi"),  # another romanisation
        ("person=Tahawur+Rana", "rana"),  # a misspelling
        ("person=Chokshi", "choksi"),
    ],
)
def test_cases_by_a_person_as_people_write_the_name(people_on_cases, query, reference):
    assert _filtered(query) == {reference}


def test_cases_by_a_persons_id_from_a_link(people_on_cases):
    from cases.models import Person

    assert _filtered(f"person={Person.objects.get(name='Roman Polański').pk}") == {"polanski"}


def test_no_case_for_a_name_no_one_has(people_on_cases):
    assert _filtered("person=Vladimir+Kovalenko") == set()


def test_the_person_filter_suggests_the_recorded_name_for_a_misspelling(people_on_cases):
    misspelt = CaseFilter(QueryDict("person=Tahawur+Rana"), queryset=Case.objects.all())
    exact = CaseFilter(QueryDict("person=Tahawwur+Rana"), queryset=Case.objects.all())
    assert misspelt.person_suggestion == "Tahawwur Rana" and exact.person_suggestion is None


@pytest.mark.parametrize(
    ("after", "before", "expected"),
    [
        ("2024", "Mar 2025", {"in-march", "in-2024"}),  # a month or a year stands for all of it
        ("April 2025", "", {"in-april"}),
        ("", "31/12/2024", {"in-2024"}),
        ("2025-03-31", "2025-03-31", {"in-march"}),
    ],
)
def test_cases_by_last_event_between_dates_written_as_analysts_write_them(after, before, expected):
    for reference, on in (("in-2024", datetime.date(2024, 6, 1)), ("in-march", datetime.date(2025, 3, 31)),
                          ("in-april", datetime.date(2025, 4, 1))):
        CaseFactory(reference=reference, last_activity_on=on)
    assert _filtered(f"last_event_after={after}&last_event_before={before}") == expected


def test_an_unreadable_last_event_date_is_a_form_error():
    filterset = CaseFilter(QueryDict("last_event_after=31+Feb+2025"), queryset=Case.objects.all())
    assert not filterset.is_valid() and "last_event" in filterset.errors
