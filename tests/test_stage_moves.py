"""Moving a case to another stage from the case page: nothing is chosen for the analyst, the current
stage is said, and a move back along the usual path is made only once confirmed."""

import datetime

import pytest
from django.urls import reverse

from cases.forms import StageChangeForm
from cases.models import Case, Stage, stage_move_is_back, stages_ahead
from tests.factories import CaseFactory, event_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(db):
    return CaseFactory(reference="rana", stage=Stage.SURRENDER_PENDING, stage_entered_on=datetime.date(2025, 1, 21))


def _post(client, case, **fields):
    data = event_form_data(date="10 Apr 2025", summary="As reported", **fields)
    return client.post(reverse("cases:case_stage_change", args=[case.reference]), data)


@pytest.mark.parametrize(
    ("from_stage", "to_stage", "back"),
    [
        (Stage.SURRENDER_PENDING, Stage.BEFORE_REQUEST, True),
        (Stage.APPEAL, Stage.HEARING, True),  # an appeal court sends the case back to be heard again
        (Stage.HEARING, Stage.COMMITTED, False),
        (Stage.EXECUTIVE_ORDER, Stage.APPEAL, False),  # the order of these differs by forum
        (Stage.APPEAL, Stage.EXECUTIVE_ORDER, False),
        (Stage.REFUSED, Stage.APPEAL, False),  # the requesting state appeals a refusal
        (Stage.SURRENDER_PENDING, Stage.STAYED, False),
        (Stage.STAYED, Stage.HEARING, False),
    ],
)
def test_which_moves_go_back(from_stage, to_stage, back):
    assert stage_move_is_back(from_stage, to_stage) is back


def test_the_path_ahead_of_a_stage():
    assert stages_ahead(Stage.HEARING) == [
        Stage.COMMITTED, Stage.EXECUTIVE_ORDER, Stage.SURRENDER_PENDING, Stage.SURRENDERED, Stage.AFTER_SURRENDER,
    ]
    assert stages_ahead(Stage.COMMITTED)[0] == Stage.EXECUTIVE_ORDER
    assert stages_ahead(Stage.REFUSED) == []


def test_the_form_chooses_nothing_and_says_the_current_stage(pending):
    form = StageChangeForm(case=pending)
    choices = [value for value, _ in form.fields["to_stage"].choices]
    assert choices[0] == "" and Stage.SURRENDER_PENDING not in choices
    assert "Surrender pending" in form.fields["to_stage"].help_text
    assert "confirm_back" not in form.fields


def test_saving_without_choosing_a_stage_moves_nothing(analyst_client, pending):
    response = _post(analyst_client, pending, to_stage="")
    assert response.status_code == 200
    assert response.context["form"].errors["to_stage"] == ["Choose the stage the case has moved to."]
    assert Case.objects.get(pk=pending.pk).stage == Stage.SURRENDER_PENDING


def test_a_move_back_asks_to_confirm_then_is_made(analyst_client, pending):
    response = _post(analyst_client, pending, to_stage=Stage.BEFORE_REQUEST)
    assert response.status_code == 200
    assert "tick the box to confirm" in response.context["form"].errors["confirm_back"][0]
    assert Case.objects.get(pk=pending.pk).stage == Stage.SURRENDER_PENDING
    assert "Yes, move the case back from “Surrender pending” to “Before request”" in response.content.decode()

    response = _post(analyst_client, pending, to_stage=Stage.BEFORE_REQUEST, confirm_back="on")
    assert response.status_code == 302
    assert Case.objects.get(pk=pending.pk).stage == Stage.BEFORE_REQUEST


def test_a_move_forward_needs_no_confirmation(analyst_client, pending):
    assert _post(analyst_client, pending, to_stage=Stage.SURRENDERED).status_code == 302
    assert Case.objects.get(pk=pending.pk).stage == Stage.SURRENDERED


def test_the_current_stage_cannot_be_chosen_again(analyst_client, pending):
    response = _post(analyst_client, pending, to_stage=Stage.SURRENDER_PENDING)
    assert "to_stage" in response.context["form"].errors
    assert Case.objects.get(pk=pending.pk).stage == Stage.SURRENDER_PENDING


def test_a_stage_change_writes_the_case_row_once_with_its_latest_event():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases import services

    case = CaseFactory(stage=Stage.HEARING, opened_on=datetime.date(2024, 1, 1))
    with CaptureQueriesContext(connection) as queries:
        event = services.case_change_stage(case=case, to_stage=Stage.APPEAL, reason="Appeal lodged",
                                           occurred_on=datetime.date(2024, 5, 2), by=None)
    # Each update of the row re-indexes all of the case's search words on PostgreSQL.
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "cases_case"')]
    assert len(updates) == 1
    stored = Case.objects.get(pk=case.pk)
    assert (stored.stage, stored.last_event_id, stored.last_activity_on) == (Stage.APPEAL, event.pk, event.occurred_on)
    assert (case.last_event, case.last_activity_on) == (event, event.occurred_on)
