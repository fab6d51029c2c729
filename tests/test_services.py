import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from cases import services
from cases.models import Case, Event, Stage
from tests.factories import AuthorityFactory, PersonFactory, SourceFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 2, 1)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2025, 2, 1, 12, tzinfo=datetime.UTC), tick=False):
        yield


# Stage changes ------------------------------------------------------------------------------


def test_stage_change_moves_the_case_and_records_the_move(case, analyst):
    event = services.case_change_stage(
        case=case, to_stage=Stage.SURRENDER_PENDING, reason="Cert denied", occurred_on=datetime.date(2025, 1, 21), by=analyst
    )
    case.refresh_from_db()
    assert case.stage == Stage.SURRENDER_PENDING
    assert case.stage_entered_on == datetime.date(2025, 1, 21)
    assert (event.kind, event.from_stage, event.to_stage) == ("stage_change", Stage.REQUEST_MADE, Stage.SURRENDER_PENDING)
    assert event.summary == "Cert denied"
    assert event.recorded_by == analyst


def test_stage_change_writes_an_audit_row_with_who_and_why(case, analyst):
    services.case_change_stage(
        case=case, to_stage=Stage.ARREST, reason="Provisional arrest", occurred_on=datetime.date(2025, 1, 2), by=analyst
    )
    # Time is frozen, so history rows are told apart by their id, not their date.
    before, after = case.history.order_by("history_id")
    assert before.stage == Stage.REQUEST_MADE
    assert (after.stage, after.history_user, after.history_change_reason) == (Stage.ARREST, analyst, "Provisional arrest")


def test_stage_change_to_the_current_stage_is_refused_and_changes_nothing(case, analyst):
    with pytest.raises(ValidationError) as error:
        services.case_change_stage(
            case=case, to_stage=case.stage, reason="Again", occurred_on=datetime.date(2025, 1, 2), by=analyst
        )
    assert "to_stage" in error.value.message_dict
    assert not case.events.exists()


def test_stage_can_move_backwards(case, analyst):
    services.case_change_stage(case=case, to_stage=Stage.COMMITTED, reason="Certified", occurred_on=datetime.date(2025, 1, 1), by=analyst)
    services.case_change_stage(case=case, to_stage=Stage.HEARING, reason="Remanded for a new hearing", occurred_on=datetime.date(2025, 1, 20), by=analyst)
    case.refresh_from_db()
    assert case.stage == Stage.HEARING


def test_stage_change_needs_a_reason(case, analyst):
    with pytest.raises(ValidationError) as error:
        services.case_change_stage(case=case, to_stage=Stage.ARREST, reason="  ", occurred_on=TODAY, by=analyst)
    assert "summary" in error.value.message_dict


def test_stage_change_cannot_be_dated_before_the_current_stage_began(case, analyst):
    with pytest.raises(ValidationError) as error:
        services.case_change_stage(case=case, to_stage=Stage.ARREST, reason="Late", occurred_on=datetime.date(2024, 1, 1), by=analyst)
    assert "occurred_on" in error.value.message_dict
    case.refresh_from_db()
    assert case.stage == Stage.REQUEST_MADE


def test_current_stage_is_always_the_latest_change(case, analyst):
    for on, stage in [(datetime.date(2024, 9, 1), Stage.ARREST), (datetime.date(2024, 10, 1), Stage.HEARING), (datetime.date(2024, 11, 1), Stage.COMMITTED)]:
        services.case_change_stage(case=case, to_stage=stage, reason="Moved", occurred_on=on, by=analyst)
    latest = case.events.filter(kind=Event.Kind.STAGE_CHANGE).timeline_order().first()
    assert Case.objects.get(pk=case.pk).stage == latest.to_stage == Stage.COMMITTED


# Events ----------------------------------------------------------------------------------------


def test_ruling_is_recorded_with_its_sources_and_becomes_the_latest_event(case, analyst):
    source = SourceFactory()
    event = services.event_record(
        case=case, kind=Event.Kind.RULING, authority=AuthorityFactory(), decision="cert_denied",
        occurred_on=datetime.date(2025, 1, 21), summary="Declined to hear", sources=[source], by=analyst,
    )
    case.refresh_from_db()
    assert list(event.sources.all()) == [source]
    assert case.last_event == event
    assert case.last_activity_on == datetime.date(2025, 1, 21)


def test_a_ruling_in_the_future_is_refused(case, analyst):
    with pytest.raises(ValidationError) as error:
        services.event_record(
            case=case, kind=Event.Kind.RULING, authority=AuthorityFactory(), decision="affirmed",
            occurred_on=TODAY + datetime.timedelta(days=1), summary="Too soon", by=analyst,
        )
    assert "occurred_on" in error.value.message_dict


def test_a_scheduled_hearing_can_be_in_the_future(case, analyst):
    event = services.event_record(
        case=case, kind=Event.Kind.HEARING, authority=AuthorityFactory(), hearing_status="scheduled",
        occurred_on=TODAY + datetime.timedelta(days=30), summary="Hearing listed", by=analyst,
    )
    assert event.pk


def test_reported_before_it_happened_is_refused(case, analyst):
    with pytest.raises(ValidationError) as error:
        services.event_record(
            case=case, kind=Event.Kind.STATUS, occurred_on=datetime.date(2025, 1, 21),
            reported_on=datetime.date(2025, 1, 20), summary="Odd", by=analyst,
        )
    assert "reported_on" in error.value.message_dict


def test_a_ruling_without_a_decision_fails_validation(case, analyst):
    with pytest.raises(ValidationError):
        services.event_record(
            case=case, kind=Event.Kind.RULING, authority=AuthorityFactory(), occurred_on=datetime.date(2025, 1, 2), summary="?", by=analyst
        )
    assert not case.events.exists()


def test_fields_of_another_kind_are_refused(case, analyst):
    with pytest.raises(TypeError):
        services.event_record(
            case=case, kind=Event.Kind.STATUS, decision="affirmed", occurred_on=datetime.date(2025, 1, 2), summary="x", by=analyst
        )


def test_stage_changes_cannot_be_logged_as_plain_events(case, analyst):
    with pytest.raises(ValueError):
        services.event_record(case=case, kind=Event.Kind.STAGE_CHANGE, occurred_on=TODAY, summary="x", by=analyst)


def test_an_older_event_does_not_replace_the_latest(case, analyst):
    newer = services.event_record(case=case, kind="status", occurred_on=datetime.date(2025, 1, 30), summary="new", by=analyst)
    services.event_record(case=case, kind="status", occurred_on=datetime.date(2024, 5, 1), summary="backfilled", by=analyst)
    case.refresh_from_db()
    assert case.last_event == newer


def test_event_update_keeps_the_old_version_in_history(case, analyst):
    event = services.event_record(case=case, kind="status", occurred_on=datetime.date(2025, 1, 30), summary="first", by=analyst)
    services.event_update(event=event, summary="corrected", by=analyst)
    assert [h.summary for h in event.history.order_by("history_date")] == ["first", "corrected"]


def test_the_stages_of_a_stage_change_cannot_be_edited(case, analyst):
    event = services.case_change_stage(case=case, to_stage=Stage.ARREST, reason="x", occurred_on=TODAY, by=analyst)
    with pytest.raises(ValidationError):
        services.event_update(event=event, occurred_on=datetime.date(2025, 1, 1), by=analyst)


def test_statement_concerning_two_cases_appears_on_both_timelines(case, analyst):
    other = Case.objects.create(
        title="Other", reference="other", requesting_state="IN", requested_state="GB", offences="Fraud"
    )
    speaker = PersonFactory(name="Randhir Jaiswal")
    statement = services.statement_record(
        cases=[case, other], government="IN", body="Ministry of External Affairs", speaker=speaker,
        speaker_title="Spokesperson", channel="briefing", quote="  We will keep you updated. ",
        occurred_on=datetime.date(2025, 1, 31), summary="Update", by=analyst,
    )
    assert statement.quote == "We will keep you updated."
    assert {e.case for e in statement.events.all()} == {case, other}


def test_statement_without_a_quote_is_refused(case, analyst):
    with pytest.raises(ValidationError) as error:
        services.statement_record(
            cases=[case], government="IN", body="MEA", channel="briefing", quote="   ",
            occurred_on=datetime.date(2025, 1, 31), summary="Update", by=analyst,
        )
    assert "quote" in error.value.message_dict
    assert not case.events.exists()


# Cases, people, sources --------------------------------------------------------------------------


def test_source_without_an_address_is_matched_by_title_publisher_and_date():
    first = services.source_get_or_create(title="Report", publisher="Paper", published_on=TODAY)
    again = services.source_get_or_create(title="Report", publisher="Paper", published_on=TODAY)
    assert first == again


def test_source_with_an_address_is_matched_by_it():
    first = services.source_get_or_create(url="https://example.org/a", title="A")
    assert services.source_get_or_create(url="https://example.org/a", title="A (updated title)") == first


def test_person_is_created_with_name_variants(analyst):
    person = services.person_create(name="Tahawwur Rana", variants=[("Tahawwur Hussain Rana", "full")], by=analyst)
    assert [n.name for n in person.names.all()] == ["Tahawwur Hussain Rana"]
    assert person.history.latest().history_user == analyst


def test_case_create_starts_at_the_given_stage_without_a_stage_change(analyst):
    case = services.case_create(
        title="T", reference="t", requesting_state="IN", requested_state="US", offences="x",
        stage=Stage.APPEAL, opened_on=datetime.date(2020, 6, 10), by=analyst,
    )
    assert case.stage == Stage.APPEAL
    assert case.stage_entered_on == datetime.date(2020, 6, 10)
    assert not case.events.exists()


def test_case_create_refuses_a_bad_reference(analyst):
    with pytest.raises(ValidationError) as error:
        services.case_create(title="T", reference="not a slug", requesting_state="IN", requested_state="US", offences="x", by=analyst)
    assert "reference" in error.value.message_dict


def test_closing_a_case_records_the_outcome_on_the_timeline(case, analyst):
    event = services.case_close(case=case, outcome="withdrawn", closed_on=datetime.date(2025, 1, 30), note="Plea deal.", by=analyst)
    case.refresh_from_db()
    assert not case.is_open and case.outcome == "withdrawn"
    assert event.summary == "Case closed: request withdrawn. Plea deal."


def test_reopening_an_open_case_is_refused(case, analyst):
    with pytest.raises(ValidationError):
        services.case_reopen(case=case, reason="x", on=TODAY, by=analyst)
