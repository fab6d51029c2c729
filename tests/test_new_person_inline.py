"""A person field takes a new name inline: a name nobody on file has is added with the record; a
name close to someone's is asked about first, with a box to tick beside the field."""

import datetime

import pytest
from django.urls import reverse

from cases.forms import CasePartyForm, NewPerson
from cases.models import Person, Stage, Statement
from tests.factories import CaseFactory, PersonFactory, event_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(db):
    return CaseFactory(reference="rana", stage=Stage.SURRENDER_PENDING, stage_entered_on=datetime.date(2025, 1, 21))


def _statement(client, case, **fields):
    data = event_form_data(
        date="14 Feb 2025", summary="The ministry spoke", government="IN", body="Ministry of External Affairs",
        quote="We welcome the decision.",
    ) | fields
    return client.post(reverse("cases:event_create", args=[case.reference, "statement"]), data)


def test_a_name_nobody_has_is_a_new_person(db):
    form = CasePartyForm({"person": "  Randhir   Jaiswal ", "role": "victim"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["person"] == NewPerson("Randhir Jaiswal")
    assert "person_is_new" not in form.fields


def test_a_name_on_file_is_that_person(db):
    person = PersonFactory(name="Randhir Jaiswal")
    form = CasePartyForm({"person": "randhir jaiswal", "role": "victim"})
    assert form.is_valid() and form.cleaned_data["person"] == person


def test_a_statement_s_new_speaker_is_added_with_it_in_one_field(analyst_client, case):
    response = _statement(analyst_client, case, speaker="Randhir Jaiswal", speaker_title="Spokesperson")
    assert response.status_code == 302
    statement = Statement.objects.get()
    assert statement.speaker.name == "Randhir Jaiswal"


def test_a_name_close_to_someone_s_is_asked_about_then_added_when_ticked(analyst_client, case):
    PersonFactory(name="Tahawwur Hussain Rana")
    response = _statement(analyst_client, case, speaker="Tahawur Rana")
    assert response.status_code == 200
    form = response.context["form"]
    assert "Did you mean" in form.errors["speaker"][0]
    assert "Add “Tahawur Rana” as a new person" in response.content.decode()
    assert list(form.fields).index("speaker_is_new") == list(form.fields).index("speaker") + 1
    assert Person.objects.count() == 1

    response = _statement(analyst_client, case, speaker="Tahawur Rana", speaker_is_new="on")
    assert response.status_code == 302
    assert Statement.objects.get().speaker.name == "Tahawur Rana"
    assert Person.objects.count() == 2


def test_a_case_is_opened_with_a_new_person_sought_in_one_field(analyst_client):
    response = analyst_client.post(reverse("cases:case_create"), {
        "title": "Mehul Choksi (Belgium → India)", "reference": "choksi", "requesting_state": "IN",
        "requested_state": "BE", "offences": "Fraud", "stage": Stage.ARREST, "person_sought": "Mehul Choksi",
    })
    assert response.status_code == 302
    assert Person.objects.get().name == "Mehul Choksi"
