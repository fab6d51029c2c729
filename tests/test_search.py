"""The free-text search, on whichever database the suite runs (CI runs it on SQLite and PostgreSQL)."""

import datetime

import pytest
from django.http import QueryDict

from cases import services
from cases.filters import CaseFilter
from cases.models import Case, CaseParty

pytestmark = pytest.mark.django_db
DAY = datetime.date(2025, 1, 21)


def _found(text: str) -> set[str]:
    return set(CaseFilter(QueryDict(f"q={text}"), queryset=Case.objects.all()).qs.values_list("reference", flat=True))


@pytest.fixture
def rana(analyst):
    case = services.case_create(title="Tahawwur Rana (US → India)", reference="rana", requesting_state="IN",
                                requested_state="US", offences="Terrorism", by=analyst)
    person = services.person_create(name="Tahawwur Rana", variants=[("Tahawwur Hussain Rana", "full")], by=analyst)
    services.case_add_party(case=case, person=person, role=CaseParty.Role.PERSON_SOUGHT, by=analyst)
    services.case_create(title="Nirav Modi (UK → India)", reference="modi", requesting_state="IN",
                         requested_state="GB", offences="Bank fraud", by=analyst)
    return case


def test_finds_by_title_offence_and_a_name_variant_prefix(rana):
    assert _found("tahawwur") == {"rana"}
    assert _found("terror") == {"rana"}
    assert _found("huss") == {"rana"}
    assert _found("fraud") == {"modi"}


def test_every_word_must_match_somewhere(rana):
    assert _found("hussain fraud") == set()
    assert _found("hussain terrorism") == {"rana"}


def test_finds_words_of_a_new_event_and_forgets_a_deleted_one(rana, analyst):
    event = services.event_record(case=rana, kind="status", occurred_on=DAY, summary="Certiorari denied", by=analyst)
    assert _found("certiorari") == {"rana"}
    services.event_delete(event=event, by=analyst)
    assert _found("certiorari") == set()


def test_finds_an_edited_statement_quote(rana, analyst):
    statement = services.statement_record(
        cases=[rana], government="IN", body="MEA", channel="briefing", quote="We will keep you updated.",
        occurred_on=DAY, summary="Briefing", by=analyst,
    )
    assert _found("updated") == {"rana"}
    event = statement.events.get()
    services.event_update(event=event, statement_changes={"quote": "Procedural issues remain."}, by=analyst)
    assert _found("procedural") == {"rana"}
    assert _found("updated") == set()


def test_finds_a_case_after_its_person_gains_a_spelling(rana, analyst):
    person = rana.parties.get().person
    services.person_add_name(person=person, name="Tahavvur Rana", kind="transliteration", by=analyst)
    assert _found("tahavvur") == {"rana"}


@pytest.mark.parametrize("text", ["!!!", "'; DROP TABLE x; --", ":*", "a & b | !c", "(", "\\"])
def test_punctuation_never_breaks_the_query(rana, text):
    _found(text.replace("&", "%26"))
