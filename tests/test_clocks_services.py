"""Clocks computed from the record: the contract's three matters, more rules, and every way a clock ends."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from alerts import services as alert_services
from alerts.calendar import deadlines_ical
from alerts.models import Alert, Deadline
from cases import services as case_services
from cases.models import Authority, DatePrecision, Event, Outcome
from clocks import services
from clocks.models import Clock
from tests.factories import AuthorityFactory, CaseFactory, EventFactory, FollowFactory, ReaderFactory, TreatyFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def frozen_today():
    # Reminder deadlines are kept for clocks whose last day is recent or ahead: fix "today".
    with time_machine.travel(datetime.datetime(2026, 12, 1, 12, tzinfo=datetime.UTC), tick=False):
        yield


def record(case, by, kind, **fields):
    return case_services.event_record(case=case, kind=kind, by=by, **fields)


def clocks_of(case, rule_id=None):
    clocks = Clock.objects.filter(case=case).order_by("due_earliest", "id")
    return list(clocks.filter(rule_id=rule_id) if rule_id else clocks)


@pytest.fixture
def rana(db):
    treaty = TreatyFactory(name="India–US Extradition Treaty (1997)", countries=["IN", "US"])
    return CaseFactory(title="Tahawwur Rana (US → India)", requesting_state="IN", requested_state="US", treaty=treaty)


@pytest.fixture
def us_court(db):
    return AuthorityFactory(name="US District Court, C.D. Cal.", country="US", kind=Authority.Kind.COURT,
                            level=Authority.Level.FIRST_INSTANCE)


@pytest.fixture
def home_secretary(db):
    return AuthorityFactory(name="Home Secretary", country="GB", kind=Authority.Kind.EXECUTIVE,
                            level=Authority.Level.EXECUTIVE)


@pytest.fixture
def uk_case(db):
    return CaseFactory(title="Nirav Modi (UK → India)", requesting_state="IN", requested_state="GB")


# The contract --------------------------------------------------------------------------------------


def test_a_provisional_arrest_starts_the_treaty_clock_for_the_formal_request(rana, analyst):
    record(rana, analyst, "custody", custody_change="provisionally_arrested", occurred_on=D(2020, 6, 10),
           summary="Arrested in Los Angeles on India's request for provisional arrest.")
    [clock] = clocks_of(rana, "in-us-1997-art12-formal-request")
    assert (clock.due_earliest, clock.due_latest) == (D(2020, 8, 9), D(2020, 8, 9))
    assert clock.state(D(2020, 7, 1)) == Clock.State.RUNNING
    assert clock.days_left(D(2020, 7, 1)) == 39
    assert clock.state(D(2020, 8, 10)) == Clock.State.LAPSED

    request = record(rana, analyst, "filing", filing_type="request", filed_by="India", occurred_on=D(2020, 8, 3),
                     summary="India's formal extradition request reached the State Department.")
    clock.refresh_from_db()
    assert (clock.settled, clock.settled_by_id) == (Clock.Settled.MET, request.pk)
    assert clock.state(D(2020, 8, 10)) == Clock.State.MET


def test_a_request_after_the_time_limit_meets_it_late(rana, analyst):
    record(rana, analyst, "custody", custody_change="provisionally_arrested", occurred_on=D(2020, 6, 10),
           summary="Arrested.")
    record(rana, analyst, "filing", filing_type="request", occurred_on=D(2020, 8, 20), summary="Request filed.")
    [clock] = clocks_of(rana, "in-us-1997-art12-formal-request")
    assert clock.settled == Clock.Settled.MET_LATE
    assert clock.state(D(2021, 1, 1)) == Clock.State.LAPSED


def test_a_home_secretarys_order_opens_the_appeal_window_and_the_surrender_clock(uk_case, home_secretary, analyst):
    record(uk_case, analyst, "executive_decision", decision="extradition_ordered", authority=home_secretary,
           occurred_on=D(2019, 2, 3), summary="The Home Secretary ordered extradition.")
    [appeal] = clocks_of(uk_case, "gb-ea2003-s108-appeal-notice")
    [surrender] = clocks_of(uk_case, "gb-ea2003-s117-surrender")
    assert appeal.due_earliest == D(2019, 2, 16)
    assert surrender.due_earliest == D(2019, 3, 2)
    assert appeal.state(D(2019, 2, 10)) == surrender.state(D(2019, 2, 10)) == Clock.State.RUNNING

    appeal_filed = record(uk_case, analyst, "filing", filing_type="appeal", occurred_on=D(2019, 2, 12),
                          summary="Notice of application for leave to appeal lodged in the High Court.")
    appeal.refresh_from_db()
    surrender.refresh_from_db()
    assert (appeal.settled, appeal.settled_by_id) == (Clock.Settled.MET, appeal_filed.pk)
    assert (surrender.settled, surrender.settled_by_id) == (Clock.Settled.STOPPED, appeal_filed.pk)
    assert surrender.state(D(2019, 2, 13)) == Clock.State.STOPPED


def test_a_us_committal_starts_the_two_month_clock_of_section_3188(rana, us_court, analyst):
    record(rana, analyst, "ruling", decision="certified", authority=us_court, occurred_on=D(2023, 5, 16),
           summary="Magistrate Judge certified extraditability and committed Rana.")
    [clock] = clocks_of(rana, "us-18usc3188-release")
    assert clock.due_earliest == D(2023, 7, 16)
    assert clock.rule.consequence_display == "may apply for release; not automatic"
    record(rana, analyst, "custody", custody_change="surrendered", occurred_on=D(2025, 4, 9),
           summary="Surrendered to an NIA team.")
    clock.refresh_from_db()
    assert clock.settled == Clock.Settled.MET_LATE


def test_committed_is_a_ruling_decision_the_clock_understands(rana, us_court, analyst):
    record(rana, analyst, "ruling", decision="committed", authority=us_court, occurred_on=D(2023, 5, 16),
           summary="Committed to await surrender.")
    assert [clock.due_earliest for clock in clocks_of(rana, "us-18usc3188-release")] == [D(2023, 7, 16)]


# More rules ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requesting", "requested", "kind", "fields", "authority", "rule_id", "due"),
    [
        # Extradition Act 1962 (India) s.34B(2): 60 days from the date of arrest.
        ("US", "IN", "custody", {"custody_change": "provisionally_arrested"}, None,
         "in-ea1962-s34b-provisional-arrest", D(2021, 3, 1)),
        # The India–US treaty runs the other way too.
        ("US", "IN", "custody", {"custody_change": "provisionally_arrested"}, None,
         "in-us-1997-art12-formal-request", D(2021, 3, 1)),
        # s.24: two months after committal.
        ("GB", "IN", "ruling", {"decision": "committed"}, ("IN", "court", "first_instance"),
         "in-ea1962-s24-surrender", D(2021, 2, 28)),
        # Canada s.40(1): 90 days after committal; s.50(1): 30 days after the decision.
        ("US", "CA", "ruling", {"decision": "committed"}, ("CA", "court", "first_instance"),
         "ca-ea1999-s40-minister-decision", D(2021, 3, 31)),
        ("US", "CA", "ruling", {"decision": "committed"}, ("CA", "court", "first_instance"),
         "ca-ea1999-s50-appeal", D(2021, 1, 30)),
        # Canada s.57(3): 30 days after the Minister's decision; s.69(b): 45 days after the order.
        ("US", "CA", "executive_decision", {"decision": "surrender_authorised"}, ("CA", "executive", "executive"),
         "ca-ea1999-s57-judicial-review", D(2021, 1, 30)),
        ("US", "CA", "executive_decision", {"decision": "surrender_authorised"}, ("CA", "executive", "executive"),
         "ca-ea1999-s69-surrender", D(2021, 2, 14)),
        # Switzerland IMAC Art. 50(1): 18 days after arrest.
        ("US", "CH", "custody", {"custody_change": "arrested"}, None, "ch-imac-art50-request", D(2021, 1, 18)),
        # UK Part 1, s.28: 7 days starting with the day of the discharge.
        ("PL", "GB", "ruling", {"decision": "discharged"}, ("GB", "court", "first_instance"),
         "gb-ea2003-s28-authority-appeal", D(2021, 1, 6)),
        # The arrest-warrant Framework Decision, Art. 17(3) and 23(2) (partly verified).
        ("PL", "DE", "custody", {"custody_change": "arrested"}, None, "eu-fd2002-art17-decision", D(2021, 3, 1)),
        ("PL", "DE", "ruling", {"decision": "order_made"}, ("DE", "court", "first_instance"),
         "eu-fd2002-art23-surrender", D(2021, 1, 10)),
    ],
)
def test_each_rule_computes_its_last_day(analyst, requesting, requested, kind, fields, authority, rule_id, due):
    case = CaseFactory(requesting_state=requesting, requested_state=requested)
    if authority:
        country, authority_kind, level = authority
        fields["authority"] = AuthorityFactory(country=country, kind=authority_kind, level=level)
    record(case, analyst, kind, occurred_on=D(2020, 12, 31), summary="The trigger.", **fields)
    assert [clock.due_earliest for clock in clocks_of(case, rule_id)] == [due]


def test_an_act_of_another_states_authority_starts_no_clock(rana, analyst):
    indian_court = AuthorityFactory(country="IN", kind=Authority.Kind.COURT, level=Authority.Level.FIRST_INSTANCE)
    record(rana, analyst, "ruling", decision="committed", authority=indian_court, occurred_on=D(2023, 5, 16),
           summary="An Indian court's order.")
    assert clocks_of(rana, "us-18usc3188-release") == []


def test_a_case_naming_another_treaty_gets_no_clock_of_the_bilateral_one(analyst):
    multilateral = TreatyFactory(name="A convention", countries=["IN", "US", "FR"])
    other = TreatyFactory(name="Another bilateral", countries=["US", "FR"])
    named_multilateral = CaseFactory(requesting_state="IN", requested_state="US", treaty=multilateral)
    named_other = CaseFactory(requesting_state="IN", requested_state="US", treaty=other)
    for case in (named_multilateral, named_other):
        record(case, analyst, "custody", custody_change="provisionally_arrested", occurred_on=D(2020, 6, 10),
               summary="Arrested.")
    assert len(clocks_of(named_multilateral, "in-us-1997-art12-formal-request")) == 1
    assert clocks_of(named_other, "in-us-1997-art12-formal-request") == []


# Partial dates, changes, endings -------------------------------------------------------------------


def test_a_trigger_known_to_the_month_gives_a_window(rana, analyst):
    record(rana, analyst, "custody", custody_change="provisionally_arrested", occurred_on=D(2020, 6, 1),
           date_precision=DatePrecision.MONTH, summary="Arrested in June 2020.")
    [clock] = clocks_of(rana, "in-us-1997-art12-formal-request")
    assert (clock.due_earliest, clock.due_latest) == (D(2020, 7, 31), D(2020, 8, 29))
    assert clock.is_window
    # Running until the latest day it can be; the days left count to the earliest.
    assert clock.state(D(2020, 8, 15)) == Clock.State.RUNNING
    assert clock.days_left(D(2020, 7, 30)) == 1


def test_correcting_the_triggers_date_moves_the_clock_and_its_deadline(rana, analyst):
    arrest = record(rana, analyst, "custody", custody_change="provisionally_arrested",
                    occurred_on=D(2026, 11, 20), summary="Arrested.")
    [clock] = clocks_of(rana, "in-us-1997-art12-formal-request")
    assert clock.deadline.due_on == D(2027, 1, 19)
    case_services.event_update(event=arrest, by=analyst, occurred_on=D(2026, 11, 25))
    clock.refresh_from_db()
    assert clock.due_earliest == D(2027, 1, 24)
    assert Deadline.objects.get(pk=clock.deadline_id).due_on == D(2027, 1, 24)


def test_deleting_the_trigger_removes_the_clock_and_its_deadline(rana, analyst):
    arrest = record(rana, analyst, "custody", custody_change="provisionally_arrested",
                    occurred_on=D(2026, 11, 20), summary="Arrested.")
    [clock] = clocks_of(rana, "in-us-1997-art12-formal-request")
    deadline_id = clock.deadline_id
    case_services.event_delete(event=arrest, by=analyst)
    assert clocks_of(rana) == []
    assert not Deadline.objects.filter(pk=deadline_id).exists()


def test_deleting_the_event_that_met_a_clock_runs_it_again(rana, analyst):
    record(rana, analyst, "custody", custody_change="provisionally_arrested", occurred_on=D(2026, 11, 20),
           summary="Arrested.")
    request = record(rana, analyst, "filing", filing_type="request", occurred_on=D(2026, 11, 28),
                     summary="Request received.")
    [clock] = clocks_of(rana, "in-us-1997-art12-formal-request")
    assert clock.settled == Clock.Settled.MET and clock.deadline.is_done
    case_services.event_delete(event=request, by=analyst)
    clock.refresh_from_db()
    assert clock.settled == ""
    assert not Deadline.objects.get(pk=clock.deadline_id).is_done


def test_a_new_trigger_supersedes_the_old_clock(uk_case, home_secretary, analyst):
    record(uk_case, analyst, "executive_decision", decision="extradition_ordered", authority=home_secretary,
           occurred_on=D(2019, 2, 3), summary="First order.")
    second = record(uk_case, analyst, "executive_decision", decision="extradition_ordered",
                    authority=home_secretary, occurred_on=D(2019, 5, 1), summary="A new order after the first was withdrawn.")
    first, latest = clocks_of(uk_case, "gb-ea2003-s117-surrender")
    assert (first.settled, first.settled_by_id) == (Clock.Settled.SUPERSEDED, second.pk)
    assert latest.settled == "" and latest.due_earliest == D(2019, 5, 28)


def test_closing_the_case_stops_its_running_clocks(rana, analyst):
    record(rana, analyst, "custody", custody_change="provisionally_arrested", occurred_on=D(2026, 11, 20),
           summary="Arrested.")
    case_services.case_close(case=rana, outcome=Outcome.WITHDRAWN, closed_on=D(2026, 11, 30), by=analyst)
    [clock] = clocks_of(rana)
    assert clock.settled == Clock.Settled.CASE_CLOSED
    assert clock.state(D(2026, 12, 1)) == Clock.State.STOPPED
    assert clock.deadline.is_done


def test_recomputing_twice_changes_nothing(rana, analyst):
    record(rana, analyst, "custody", custody_change="provisionally_arrested", occurred_on=D(2026, 11, 20),
           summary="Arrested.")
    before = [(c.pk, c.due_earliest, c.settled, c.deadline_id) for c in clocks_of(rana)]
    services.case_clocks_recompute(case_id=rana.pk)
    assert [(c.pk, c.due_earliest, c.settled, c.deadline_id) for c in clocks_of(rana)] == before
    assert Deadline.objects.filter(case=rana).count() == 1


def test_an_old_matter_gets_its_clocks_but_no_reminder_deadlines(rana, analyst):
    record(rana, analyst, "custody", custody_change="provisionally_arrested", occurred_on=D(2020, 6, 10),
           summary="Arrested.")
    [clock] = clocks_of(rana)
    assert clock.deadline_id is None


# The analyst's corrections ------------------------------------------------------------------------


@pytest.fixture
def running(rana, analyst):
    record(rana, analyst, "custody", custody_change="provisionally_arrested", occurred_on=D(2026, 11, 20),
           summary="Arrested.")
    return clocks_of(rana)[0]


def test_setting_a_clock_aside_keeps_the_reason_in_its_history_and_ends_its_reminders(running, analyst):
    clock = services.clock_override(clock=running, by=analyst, not_applicable=True,
                                    reason="Arrested on a domestic charge, not on the treaty request.")
    assert clock.state(D(2026, 12, 1)) == Clock.State.NOT_APPLICABLE
    assert Deadline.objects.get(pk=clock.deadline_id).is_done
    latest = clock.history.latest()
    assert (latest.history_user, latest.not_applicable) == (analyst, True)
    assert latest.override_reason.startswith("Arrested on a domestic charge")


def test_correcting_the_last_day_moves_the_deadline(running, analyst):
    clock = services.clock_override(clock=running, by=analyst, corrected_due_on=D(2027, 2, 1),
                                    reason="Time extended by agreement.")
    assert clock.due_first == clock.due_last == D(2027, 2, 1)
    assert Deadline.objects.get(pk=clock.deadline_id).due_on == D(2027, 2, 1)
    assert "Time extended by agreement." in Deadline.objects.get(pk=clock.deadline_id).notes


def test_a_correction_survives_recomputation(running, analyst):
    services.clock_override(clock=running, by=analyst, corrected_due_on=D(2027, 2, 1), reason="Extended.")
    services.case_clocks_recompute(case_id=running.case_id)
    running.refresh_from_db()
    assert running.corrected_due_on == D(2027, 2, 1)


def test_undoing_a_correction_goes_back_to_the_computed_day(running, analyst):
    services.clock_override(clock=running, by=analyst, not_applicable=True, reason="Not on the treaty request.")
    clock = services.clock_override(clock=running, by=analyst, reason="It was on the treaty request after all.")
    assert clock.state(D(2026, 12, 1)) == Clock.State.RUNNING
    assert not Deadline.objects.get(pk=clock.deadline_id).is_done
    assert clock.history.count() == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"not_applicable": True, "reason": "  "}, "override_reason"),
        ({"not_applicable": True, "corrected_due_on": D(2027, 1, 1), "reason": "Both."}, "corrected_due_on"),
    ],
)
def test_a_correction_needs_a_reason_and_one_meaning(running, analyst, kwargs, field):
    with pytest.raises(ValidationError) as error:
        services.clock_override(clock=running, by=analyst, **kwargs)
    assert field in error.value.message_dict
    running.refresh_from_db()
    assert not running.not_applicable and running.corrected_due_on is None


# Reminders and the calendar ----------------------------------------------------------------------


def test_a_running_clock_is_reminded_to_followers_with_the_rule_cited(running, rana, mailoutbox):
    FollowFactory(user=ReaderFactory(email="desk@example.org"), case=rana)
    deadline = Deadline.objects.get(pk=running.deadline_id)
    assert deadline.computed and deadline.kind == Deadline.Kind.TIME_LIMIT
    assert "Art. 12(4)" in deadline.title
    assert "wikisource.org" in deadline.notes and "may be discharged" in deadline.notes
    written = alert_services.deadline_reminders_queue(today=deadline.due_on - datetime.timedelta(days=1))
    assert written == 1
    reminder = Alert.objects.get(deadline=deadline)
    assert reminder.kind == Alert.Kind.REMINDER
    alert_services.alerts_deliver(alert_ids=[reminder.pk])
    [email] = mailoutbox
    assert email.to == ["desk@example.org"]
    assert "Formal request after provisional arrest (Art. 12(4))" in email.subject
    assert "Extradition Treaty between India and the United States (1997), Art. 12(4)" in email.body
    calendar = deadlines_ical(deadlines=[deadline]).replace("\r\n ", "")
    assert "Formal request after provisional arrest" in calendar
    assert "Art. 12(4)" in calendar


def test_the_nightly_sweep_computes_clocks_for_events_written_around_the_services(rana):
    # Written as a bulk load writes rows: no service, no announcement, no clock yet.
    EventFactory(case=rana, kind="custody", custody_change="provisionally_arrested", occurred_on=D(2026, 11, 20),
                 summary="Arrested.", category="")
    assert clocks_of(rana) == []
    assert services.clocks_recompute_all() >= 1
    assert [clock.rule_id for clock in clocks_of(rana)] == ["in-us-1997-art12-formal-request"]


def test_a_failing_computation_keeps_the_record(rana, analyst, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("rules unreadable")

    monkeypatch.setattr(services, "case_clocks_recompute", broken)
    event = record(rana, analyst, "custody", custody_change="provisionally_arrested", occurred_on=D(2026, 11, 20),
                   summary="Arrested.")
    assert Event.objects.filter(pk=event.pk).exists()
    assert clocks_of(rana) == []
    assert "recomputing the clocks of case" in caplog.text


def test_recomputing_reads_only_the_events_a_rule_may_look_at(rana, analyst, django_assert_max_num_queries):
    for day in range(1, 29):
        EventFactory(case=rana, occurred_on=D(2026, 10, day), summary=f"Status {day}.")
    record(rana, analyst, "custody", custody_change="provisionally_arrested", occurred_on=D(2026, 11, 20),
           summary="Arrested.")
    with django_assert_max_num_queries(8):
        services.case_clocks_recompute(case_id=rana.pk)
