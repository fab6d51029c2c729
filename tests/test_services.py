import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from cases import selectors, services
from cases.models import (
    AfterSurrender,
    Authority,
    Case,
    CaseRelation,
    Confidence,
    Event,
    ExecutiveDecision,
    Outcome,
    Stage,
)
from cases.signals import event_recorded
from tests.factories import AuthorityFactory, CaseFactory, PersonFactory, SourceFactory

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


# Partial dates: intervals, the stage-order check and the timeline's order -------------------------

DAY, MONTH, YEAR = "day", "month", "year"


def _status(case, on, precision=DAY, summary="", by=None):
    return services.event_record(
        case=case, kind=Event.Kind.STATUS, category="other", occurred_on=on, date_precision=precision,
        summary=summary or f"{precision} {on}", by=by,
    )


def _order(case):
    return list(case.events.timeline_order(newest_first=False).values_list("summary", flat=True))


def test_a_year_precision_stage_change_is_not_refused_as_before_a_day_in_that_year(analyst):
    case = CaseFactory(stage_entered_on=None)
    services.case_change_stage(case=case, to_stage=Stage.ARREST, reason="Arrested", occurred_on=datetime.date(2016, 2, 1), by=analyst)
    services.case_change_stage(
        case=case, to_stage=Stage.HEARING, reason="Hearings began", occurred_on=datetime.date(2016, 1, 1),
        date_precision=YEAR, by=analyst,
    )
    case.refresh_from_db()
    assert (case.stage, case.stage_entered_precision, case.stage_entered_display) == (Stage.HEARING, YEAR, "2016")


def test_a_stage_change_certainly_before_the_current_stage_is_refused_with_dates_at_their_precision(analyst):
    case = CaseFactory(stage_entered_on=None)
    services.case_change_stage(
        case=case, to_stage=Stage.ARREST, reason="Arrested", occurred_on=datetime.date(2018, 8, 1), date_precision=MONTH, by=analyst
    )
    with pytest.raises(ValidationError) as error:
        services.case_change_stage(
            case=case, to_stage=Stage.HEARING, reason="x", occurred_on=datetime.date(2018, 7, 31), by=analyst
        )
    assert "in Aug 2018" in error.value.message_dict["occurred_on"][0]
    assert "31 Jul 2018" in error.value.message_dict["occurred_on"][0]


def test_events_record_their_interval(case, analyst):
    event = _status(case, datetime.date(2018, 8, 1), MONTH)
    assert (event.date_earliest, event.date_latest) == (datetime.date(2018, 8, 1), datetime.date(2018, 8, 31))


def test_a_month_logged_after_a_day_within_it_stays_after_it(case, analyst):
    _status(case, datetime.date(2022, 11, 9), summary="9 Nov")
    _status(case, datetime.date(2022, 11, 1), MONTH, summary="Nov")
    assert _order(case) == ["9 Nov", "Nov"]


def test_a_day_logged_after_its_month_stays_after_it(case, analyst):
    _status(case, datetime.date(2022, 11, 1), MONTH, summary="Nov")
    _status(case, datetime.date(2022, 11, 9), summary="9 Nov")
    assert _order(case) == ["Nov", "9 Nov"]


def test_an_event_logged_late_goes_before_every_event_certainly_after_it(case, analyst):
    _status(case, datetime.date(2022, 11, 1), MONTH, summary="Nov")
    _status(case, datetime.date(2022, 12, 5), summary="5 Dec")
    _status(case, datetime.date(2023, 1, 1), YEAR, summary="2023")
    _status(case, datetime.date(2022, 11, 20), summary="20 Nov")
    _status(case, datetime.date(2021, 1, 1), YEAR, summary="2021")
    assert _order(case) == ["2021", "Nov", "20 Nov", "5 Dec", "2023"]


def test_the_case_latest_event_is_the_last_on_the_timeline(case, analyst):
    _status(case, datetime.date(2022, 11, 9), summary="9 Nov")
    month = _status(case, datetime.date(2022, 11, 1), MONTH, summary="Nov")
    case.refresh_from_db()
    assert case.last_event == month


def test_an_entry_can_be_moved_where_the_dates_overlap(case, analyst):
    day = _status(case, datetime.date(2022, 11, 9), summary="9 Nov")
    month = _status(case, datetime.date(2022, 11, 1), MONTH, summary="Nov")
    services.event_move_step(event=month, later=False, by=analyst)
    assert _order(case) == ["Nov", "9 Nov"]
    services.event_move(event=month, after=day, by=analyst)
    assert _order(case) == ["9 Nov", "Nov"]


def test_an_entry_cannot_be_moved_against_what_the_dates_make_certain(case, analyst):
    _status(case, datetime.date(2022, 10, 30), summary="30 Oct")
    month = _status(case, datetime.date(2022, 11, 1), MONTH, summary="Nov")
    with pytest.raises(ValidationError) as error:
        services.event_move_step(event=month, later=False, by=analyst)
    assert "30 Oct" in error.value.messages[0]
    assert _order(case) == ["30 Oct", "Nov"]


def test_moving_the_first_entry_earlier_is_refused(case, analyst):
    first = _status(case, datetime.date(2022, 11, 1), summary="first")
    with pytest.raises(ValidationError):
        services.event_move_step(event=first, later=False, by=analyst)


def test_a_redated_event_takes_its_new_place(case, analyst):
    moved = _status(case, datetime.date(2020, 1, 5), summary="moved")
    _status(case, datetime.date(2021, 1, 5), summary="2021")
    services.event_update(event=moved, by=analyst, occurred_on=datetime.date(2022, 1, 5))
    assert _order(case) == ["2021", "moved"]


def test_many_entries_placed_between_two_neighbours_renumber_the_timeline(case, analyst):
    _status(case, datetime.date(2022, 1, 1), YEAR, summary="2022")
    _status(case, datetime.date(2023, 1, 1), summary="2023")
    # Each goes right before "2023": the gap halves every time until it runs out.
    for n in range(25):
        _status(case, datetime.date(2022, 6, 1), MONTH, summary=f"jun {n}")
    order = _order(case)
    assert order[0] == "2022" and order[-1] == "2023"
    assert order[1:-1] == [f"jun {n}" for n in range(25)]


# Statements in reported speech -------------------------------------------------------------------


def _statement(cases, **fields):
    defaults = dict(government="IN", body="Ministry of External Affairs", occurred_on=datetime.date(2025, 1, 31), summary="MEA on Rana")
    return services.statement_record(cases=cases, **{**defaults, **fields})


def test_a_statement_in_reported_speech_needs_no_quote_or_channel(case, analyst):
    statement = _statement([case], reported_speech=True, gist="India would liaise closely with the US side.", by=analyst)
    assert (statement.quote, statement.channel, statement.reported_speech) == ("", "", True)
    assert "said India would liaise" in str(statement)


def test_a_verbatim_statement_without_a_quote_is_refused(case, analyst):
    with pytest.raises(ValidationError) as error:
        _statement([case], quote="  ", by=analyst)
    assert "quote" in error.value.message_dict


def test_reported_speech_must_say_what_was_said(case, analyst):
    with pytest.raises(ValidationError) as error:
        _statement([case], reported_speech=True, by=analyst)
    assert "gist" in error.value.message_dict


def test_one_statement_can_be_put_on_a_second_case(case, analyst):
    other = CaseFactory()
    statement = _statement([case], quote="We are working on it.", channel="briefing", by=analyst)
    services.statement_add_cases(statement=statement, cases=[other], occurred_on=datetime.date(2025, 1, 31), summary="Also", by=analyst)
    assert sorted(statement.events.values_list("case_id", flat=True)) == sorted([case.pk, other.pk])
    with pytest.raises(ValidationError):
        services.statement_add_cases(statement=statement, cases=[other], occurred_on=datetime.date(2025, 1, 31), summary="Again")


# Executive decisions, the criminal process, who acted ----------------------------------------------


def test_an_executive_decision_names_the_ministry_and_the_official(case, analyst):
    home_office = services.authority_get_or_create(name="Home Office", country="GB", kind=Authority.Kind.EXECUTIVE)
    minister = PersonFactory(name="Priti Patel")
    event = services.event_record(
        case=case, kind=Event.Kind.EXECUTIVE_DECISION, authority=home_office, official=minister,
        decision=ExecutiveDecision.EXTRADITION_ORDERED, decision_detail="after the court sent the case",
        occurred_on=datetime.date(2021, 4, 15), summary="Home Secretary orders extradition", by=analyst,
    )
    assert (event.decision_label, event.official, event.authority.kind) == ("Extradition ordered", minister, "executive")


def test_an_executive_decision_with_a_court_decision_is_refused(case, analyst):
    ministry = services.authority_get_or_create(name="Federal Office of Justice", country="CH", kind=Authority.Kind.EXECUTIVE)
    with pytest.raises(ValidationError) as error:
        services.event_record(
            case=case, kind=Event.Kind.EXECUTIVE_DECISION, authority=ministry, decision=Event.Decision.CONVICTED,
            occurred_on=datetime.date(2010, 7, 12), summary="x", by=analyst,
        )
    assert "decision" in error.value.message_dict


def test_a_conviction_is_a_ruling_with_its_detail(case, analyst):
    court = AuthorityFactory(name="TADA Court, Mumbai", country="IN")
    event = services.event_record(
        case=case, kind=Event.Kind.RULING, authority=court, decision=Event.Decision.CONVICTED,
        decision_detail="1993 Bombay blasts", occurred_on=datetime.date(2017, 6, 16), summary="Convicted", by=analyst,
    )
    assert event.decision_label == "Convicted"


def test_any_event_can_name_its_acting_authority_and_carry_a_note(case, analyst):
    police = services.authority_get_or_create(name="Metropolitan Police", country="GB", kind=Authority.Kind.POLICE)
    event = services.event_record(
        case=case, kind=Event.Kind.CUSTODY, custody_change=Event.CustodyChange.SURRENDERED,
        custody_change_then=Event.CustodyChange.ARRESTED, authority=police, note="day inferred from ‘on Friday’",
        confidence=Confidence.CORROBORATED, occurred_on=datetime.date(2025, 1, 31), summary="Handed over", by=analyst,
    )
    event.refresh_from_db()
    assert (event.authority, event.note, event.custody_change_then, event.confidence) == (
        police, "day inferred from ‘on Friday’", "arrested", "corroborated",
    )


def test_a_status_update_without_a_category_is_filed_as_other(case, analyst):
    event = services.event_record(case=case, kind=Event.Kind.STATUS, occurred_on=datetime.date(2025, 1, 1), summary="x", by=analyst)
    assert event.category == "other"


# Outcome, closure and what happened after surrender ----------------------------------------------


def test_an_extradited_persons_trial_is_followed_on_the_open_case(case, analyst):
    services.case_set_outcome(case=case, outcome=Outcome.EXTRADITED, after_surrender=AfterSurrender.CONVICTED, by=analyst)
    case.refresh_from_db()
    assert (case.is_open, case.outcome, case.after_surrender) == (True, "extradited", "convicted")


def test_after_surrender_needs_an_extradition(case, analyst):
    with pytest.raises(ValidationError) as error:
        services.case_set_outcome(case=case, outcome=Outcome.REFUSED, after_surrender=AfterSurrender.ACQUITTED, by=analyst)
    assert "after_surrender" in error.value.message_dict


def test_closing_after_surrender_keeps_both_outcomes_and_lists_apart(case, analyst):
    refused = CaseFactory()
    services.case_close(case=case, outcome=Outcome.EXTRADITED, after_surrender=AfterSurrender.DIED, closed_on=datetime.date(2025, 1, 2), by=analyst)
    services.case_close(case=refused, outcome=Outcome.REFUSED, closed_on=datetime.date(2025, 1, 2), by=analyst)
    closed = Case.objects.closed()
    assert list(closed.filter(outcome=Outcome.EXTRADITED)) == [case]
    assert list(closed.filter(outcome__in=Outcome.without_extradition())) == [refused]
    assert case.events.get(category="case_closure").summary.startswith("Case closed: extradited")


def test_reopening_keeps_an_extradition_but_clears_another_outcome(case, analyst):
    services.case_close(case=case, outcome=Outcome.WITHDRAWN, closed_on=datetime.date(2025, 1, 2), by=analyst)
    services.case_reopen(case=case, reason="Request renewed", on=datetime.date(2025, 1, 3), by=analyst)
    case.refresh_from_db()
    assert (case.is_open, case.outcome) == (True, "")


# Related matters and treaties ---------------------------------------------------------------------


def test_a_relation_is_stored_once_and_read_from_both_cases(case, analyst):
    sweden = CaseFactory(title="Assange (UK → Sweden)")
    services.case_relate(case=case, related_case=sweden, relation=CaseRelation.Relation.SUPERSEDED_BY, note="x", by=analyst)
    assert [(label, other) for label, other, _link in selectors.case_related_matters(case=case)] == [("Superseded by", sweden)]
    assert [(label, other) for label, other, _link in selectors.case_related_matters(case=sweden)] == [("Supersedes", case)]


def test_relating_two_cases_again_replaces_the_link_either_way_round(case, analyst):
    other = CaseFactory()
    services.case_relate(case=case, related_case=other, relation=CaseRelation.Relation.PARALLEL, by=analyst)
    services.case_relate(case=other, related_case=case, relation=CaseRelation.Relation.SAME_PERSON, by=analyst)
    assert list(CaseRelation.objects.values_list("case_id", "relation")) == [(other.pk, "same_person")]


def test_a_case_cannot_be_related_to_itself(case, analyst):
    with pytest.raises(ValidationError):
        services.case_relate(case=case, related_case=case, relation=CaseRelation.Relation.PARALLEL, by=analyst)


def test_a_treaty_can_have_a_long_name_and_a_case_a_legal_basis_without_one(case, analyst):
    name = "Convention " + "on extradition between the member states " * 8
    treaty = services.treaty_create(name=name, countries=["PT", "IN"], in_force_on=datetime.date(2003, 1, 1), by=analyst)
    assert services.treaty_get_or_create(name=name) == treaty
    services.case_update(case=case, by=analyst, treaty=None, legal_basis="Extradition Act 1962, s. 3 (notified arrangement)")
    case.refresh_from_db()
    assert (case.treaty, case.legal_basis) == (None, "Extradition Act 1962, s. 3 (notified arrangement)")


# The announcement ---------------------------------------------------------------------------------


def test_a_recorded_event_is_announced_once_after_commit(case, analyst, django_capture_on_commit_callbacks):
    heard = []

    def listener(sender, event_id, actor_id, **kwargs):
        heard.append((event_id, actor_id))

    event_recorded.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            event = _status(case, datetime.date(2025, 1, 2), by=analyst)
            assert heard == []
    finally:
        event_recorded.disconnect(listener)
    assert heard == [(event.pk, analyst.pk)]


def test_a_refused_change_announces_nothing(case, analyst, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(ValidationError):
            services.case_change_stage(case=case, to_stage=case.stage, reason="x", occurred_on=datetime.date(2025, 1, 2), by=analyst)
    assert callbacks == []


def test_a_stage_change_cannot_be_moved_past_another(analyst):
    case = CaseFactory(stage_entered_on=None)
    services.case_change_stage(
        case=case, to_stage=Stage.ARREST, reason="first", occurred_on=datetime.date(2018, 1, 1), date_precision=YEAR, by=analyst
    )
    second = services.case_change_stage(
        case=case, to_stage=Stage.HEARING, reason="second", occurred_on=datetime.date(2018, 6, 1), date_precision=MONTH, by=analyst
    )
    with pytest.raises(ValidationError) as error:
        services.event_move_step(event=second, later=False, by=analyst)
    assert "another stage change" in error.value.messages[0]
    assert _order(case) == ["first", "second"]


def test_a_stage_change_can_move_past_other_entries(analyst):
    case = CaseFactory(stage_entered_on=None)
    _status(case, datetime.date(2018, 6, 9), summary="9 Jun")
    move = services.case_change_stage(
        case=case, to_stage=Stage.HEARING, reason="move", occurred_on=datetime.date(2018, 6, 1), date_precision=MONTH, by=analyst
    )
    services.event_move_step(event=move, later=False, by=analyst)
    assert _order(case) == ["move", "9 Jun"]
