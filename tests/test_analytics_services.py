"""What the figures read is kept with each case's record: every change that the services make to a
timeline or a case rebuilds its stays and milestones, and they are always what a rebuild of every
case from scratch (the nightly sweep) gives."""

import datetime
import logging

import pytest
from django.core.management import call_command

from analytics import services as analytics
from analytics.models import Milestones, Stay
from cases import services
from cases.models import Case, Event, Outcome, Stage

pytestmark = pytest.mark.django_db
D = datetime.date


def _derived():
    stays = sorted(Stay.objects.values_list("case_id", "stage", "finished", "days"))
    milestones = sorted(Milestones.objects.values_list("case_id", "first_arrested_on", "first_surrendered_on"))
    return stays, milestones


def _rebuilt_from_scratch():
    kept = _derived()
    Stay.objects.all().delete()
    Milestones.objects.all().delete()
    analytics.matters_derive_all(batch=2)
    rebuilt = _derived()
    assert rebuilt == kept, "the rows kept with the record differ from a rebuild of every case"
    return rebuilt


@pytest.fixture
def case(db):
    return services.case_create(
        title="A (GB → IN)", reference="a", requesting_state="IN", requested_state="GB", offences="Fraud",
        stage=Stage.REQUEST_MADE, stage_entered_on=D(2020, 1, 1), opened_on=D(2020, 1, 1), by=None,
    )


def _move(case, stage, on):
    return services.case_change_stage(case=case, to_stage=stage, reason="as reported", occurred_on=on, by=None)


def test_each_stage_change_ends_the_running_stay_and_starts_the_next(case):
    assert _derived() == ([], [])
    _move(case, Stage.ARREST, D(2020, 3, 1))
    assert _rebuilt_from_scratch()[0] == [(case.pk, Stage.ARREST, False, 0), (case.pk, Stage.REQUEST_MADE, True, 60)]
    _move(case, Stage.HEARING, D(2020, 3, 11))
    stays, milestones = _rebuilt_from_scratch()
    assert stays == [
        (case.pk, Stage.ARREST, True, 10), (case.pk, Stage.HEARING, False, 0), (case.pk, Stage.REQUEST_MADE, True, 60),
    ]
    assert milestones == [(case.pk, D(2020, 3, 1), None)]


def test_closing_a_case_finishes_its_last_stay_and_reopening_runs_it_again(case):
    _move(case, Stage.ARREST, D(2020, 3, 1))
    services.case_close(case=case, outcome=Outcome.REFUSED, closed_on=D(2020, 4, 1), by=None)
    assert (case.pk, Stage.ARREST, True, 31) in _rebuilt_from_scratch()[0]
    services.case_reopen(case=Case.objects.get(pk=case.pk), reason="appeal allowed", on=D(2020, 5, 1), by=None)
    assert (case.pk, Stage.ARREST, False, 0) in _rebuilt_from_scratch()[0]


def test_a_corrected_arrest_date_and_a_deleted_surrender_move_the_milestones(case):
    arrest = services.event_record(
        case=case, kind=Event.Kind.CUSTODY, by=None, occurred_on=D(2020, 2, 1), summary="Arrested in London",
        custody_change=Event.CustodyChange.ARRESTED,
    )
    surrender = services.event_record(
        case=case, kind=Event.Kind.CUSTODY, by=None, occurred_on=D(2021, 2, 1), summary="Flown to Delhi",
        custody_change=Event.CustodyChange.SURRENDERED,
    )
    assert _rebuilt_from_scratch()[1] == [(case.pk, D(2020, 2, 1), D(2021, 2, 1))]
    services.event_update(event=Event.objects.get(pk=arrest.pk), by=None, occurred_on=D(2020, 2, 3))
    assert _rebuilt_from_scratch()[1] == [(case.pk, D(2020, 2, 3), D(2021, 2, 1))]
    services.event_delete(event=Event.objects.get(pk=surrender.pk), by=None)
    assert _rebuilt_from_scratch()[1] == [(case.pk, D(2020, 2, 3), None)]


def test_a_case_reopened_to_a_later_opening_day_recounts_its_first_stay(case):
    _move(case, Stage.ARREST, D(2020, 3, 1))
    services.case_update(case=Case.objects.get(pk=case.pk), by=None, opened_on=D(2020, 2, 1))
    assert (case.pk, Stage.REQUEST_MADE, True, 29) in _rebuilt_from_scratch()[0]


def test_other_cases_rows_are_left_alone(case):
    other = services.case_create(
        title="B (US → IN)", reference="b", requesting_state="IN", requested_state="US", offences="Fraud",
        stage=Stage.REQUEST_MADE, stage_entered_on=D(2021, 1, 1), opened_on=D(2021, 1, 1), by=None,
    )
    _move(other, Stage.ARREST, D(2021, 1, 5))
    _move(case, Stage.ARREST, D(2020, 3, 1))
    stays = _rebuilt_from_scratch()[0]
    assert {row[0] for row in stays} == {case.pk, other.pk}
    assert (other.pk, Stage.REQUEST_MADE, True, 4) in stays


def test_a_rebuild_that_fails_is_logged_and_the_record_is_kept(case, monkeypatch, caplog):
    def broken(cases):
        raise RuntimeError("disk full")

    monkeypatch.setattr(analytics, "_stays_write", broken)
    with caplog.at_level(logging.ERROR, logger="analytics.services"):
        _move(case, Stage.ARREST, D(2020, 3, 1))
    assert Case.objects.get(pk=case.pk).stage == Stage.ARREST
    assert "rebuilding the stays of case" in caplog.text
    # Its savepoint undid the half-done rebuild: no milestone was written without its stays.
    assert _derived() == ([], [])
    monkeypatch.undo()
    analytics.matters_derive_all()
    assert _derived()[0] == [(case.pk, Stage.ARREST, False, 0), (case.pk, Stage.REQUEST_MADE, True, 60)]


def test_generated_data_comes_with_its_stays_and_milestones(db):
    call_command("generate_data", cases=30, events=300, big_cases=1, big_case_events=50, stdout=open("/dev/null", "w"))
    stays, milestones = _rebuilt_from_scratch()
    assert stays and milestones
    assert {row[0] for row in stays} <= set(Case.all_objects.values_list("pk", flat=True))


def test_the_nightly_task_rebuilds_rows_lost_to_a_failure(case):
    from analytics import tasks

    _move(case, Stage.ARREST, D(2020, 3, 1))
    Stay.objects.all().delete()
    assert tasks.matters_derive_all() == 1
    assert _derived()[0] == [(case.pk, Stage.ARREST, False, 0), (case.pk, Stage.REQUEST_MADE, True, 60)]
