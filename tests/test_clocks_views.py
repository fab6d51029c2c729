"""The clocks in the browser: the case page's "Time limits", the Clocks page, corrections, the rules."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from cases import roles
from cases import services as case_services
from cases.models import Authority
from clocks.models import Clock
from tests.factories import AuthorityFactory, CaseFactory, TreatyFactory, user_in_role

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 12, 1, 12, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def analyst_user(db):
    return user_in_role(roles.ANALYST, "ana")


@pytest.fixture
def analyst_client(client, analyst_user):
    client.force_login(analyst_user)
    return client


@pytest.fixture
def viewer_client(client):
    client.force_login(user_in_role(roles.VIEWER, "vic"))
    return client


@pytest.fixture
def arrested(analyst_user):
    """A US case whose provisional arrest on 20 Nov 2026 started the treaty's 60-day clock."""
    case = CaseFactory(title="Tahawwur Rana (US → India)", requesting_state="IN", requested_state="US",
                       treaty=TreatyFactory(name="India–US Extradition Treaty (1997)", countries=["IN", "US"]))
    case_services.event_record(case=case, kind="custody", custody_change="provisionally_arrested",
                               occurred_on=D(2026, 11, 20), summary="Arrested in Los Angeles.", by=analyst_user)
    return case


def test_the_case_page_shows_the_clock_with_its_rule_cited(viewer_client, arrested):
    page = viewer_client.get(arrested.get_absolute_url()).content.decode()
    assert "Time limits" in page
    assert "Formal request after provisional arrest" in page
    assert "19 Jan 2027" in page and "49 days left" in page
    assert 'href="https://en.wikisource.org/wiki/Page:Extradition_Treaty_between_the_U.S.A._and_India.djvu/20"' in page
    assert "Art. 12(4)" in page
    # A viewer reads the clock but is not offered to correct it.
    assert "Correct or set aside" not in page


def test_the_computed_deadline_is_not_listed_twice_on_the_case_page(viewer_client, arrested):
    page = viewer_client.get(arrested.get_absolute_url()).content.decode()
    assert page.count("Formal request after provisional arrest") == 1


def test_a_case_without_clocks_says_why(viewer_client):
    case = CaseFactory(requesting_state="IN", requested_state="US")
    page = viewer_client.get(case.get_absolute_url()).content.decode()
    assert "None computed" in page


def test_the_clocks_page_lists_what_falls_due_and_filters_by_rule_and_state(viewer_client, arrested):
    listed = viewer_client.get(reverse("clocks:clock_list")).content.decode()
    assert "Tahawwur Rana (US → India)" in listed and "Formal request after provisional arrest" in listed
    assert "0 fall due in the next 7 days, 0 in the next 30" in listed
    soon = viewer_client.get(reverse("clocks:clock_list"), {"window": "30"}).content.decode()
    assert "No clock matches." in soon
    later = viewer_client.get(reverse("clocks:clock_list"), {"rule_id": "gb-ea2003-s117-surrender"}).content.decode()
    assert "No clock matches." in later
    by_state = viewer_client.get(reverse("clocks:clock_list"), {"requested_state": "US", "window": "open"}).content.decode()
    assert "Tahawwur Rana (US → India)" in by_state


def test_the_clocks_page_shows_what_lapsed(viewer_client, analyst_user):
    case = CaseFactory(title="Lapsed matter", requesting_state="IN", requested_state="US")
    case_services.event_record(case=case, kind="custody", custody_change="provisionally_arrested",
                               occurred_on=D(2026, 9, 20), summary="Arrested.", by=analyst_user)
    lapsed = viewer_client.get(reverse("clocks:clock_list"), {"window": "lapsed"}).content.decode()
    assert "Lapsed matter" in lapsed and "Lapsed" in lapsed and "passed 12 days ago" in lapsed


def test_the_clocks_page_refuses_a_filter_it_does_not_know_with_a_message(viewer_client, arrested):
    response = viewer_client.get(reverse("clocks:clock_list"), {"window": "fortnight"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_an_analyst_sets_a_clock_aside_with_a_reason(analyst_client, arrested):
    clock = Clock.objects.get(case=arrested)
    page = analyst_client.get(arrested.get_absolute_url()).content.decode()
    assert clock.get_edit_url() in page
    response = analyst_client.post(clock.get_edit_url(), {"not_applicable": "on", "override_reason": "Domestic arrest."})
    assert response.status_code == 302
    clock.refresh_from_db()
    assert clock.not_applicable and clock.override_reason == "Domestic arrest."
    page = analyst_client.get(arrested.get_absolute_url()).content.decode()
    assert "Not applicable" in page and "Domestic arrest." in page
    history = analyst_client.get(clock.get_edit_url()).content.decode()
    assert "Domestic arrest." in history and "ana" in history


def test_a_correction_without_a_reason_is_refused_and_loses_nothing(analyst_client, arrested):
    clock = Clock.objects.get(case=arrested)
    response = analyst_client.post(clock.get_edit_url(), {"corrected_due_on": "2027-02-01", "override_reason": ""})
    assert response.status_code == 200
    body = response.content.decode()
    assert "This field is required." in body and 'value="2027-02-01"' in body
    clock.refresh_from_db()
    assert clock.corrected_due_on is None


def test_a_viewer_cannot_correct_a_clock(viewer_client, arrested):
    clock = Clock.objects.get(case=arrested)
    assert viewer_client.post(clock.get_edit_url(), {"not_applicable": "on", "override_reason": "x"}).status_code == 403


def test_a_computed_deadline_cannot_be_edited_or_marked_done_by_hand(analyst_client, arrested):
    clock = Clock.objects.get(case=arrested)
    for url in (reverse("alerts:deadline_edit", args=[clock.deadline_id]),):
        response = analyst_client.get(url, follow=True)
        assert "is computed from the case" in response.content.decode()
    response = analyst_client.post(reverse("alerts:deadline_done", args=[clock.deadline_id]), follow=True)
    assert "is computed from the case" in response.content.decode()
    clock.deadline.refresh_from_db()
    assert not clock.deadline.is_done


def test_the_rules_page_lists_each_rule_with_its_source(viewer_client):
    page = viewer_client.get(reverse("clocks:rule_list")).content.decode()
    assert "18 U.S.C. § 3188" in page and "uscode.house.gov" in page
    assert "Partly verified" in page  # the arrest-warrant rules say so
    assert "14 days starting with the day of" in page
    assert "Custody change: provisionally arrested" in page
    assert "Executive decision: extradition ordered, by a government or ministry" in page
    assert "Stopped by: filing: appeal" in page


def test_an_order_recorded_shows_both_uk_clocks_on_the_case_page(analyst_client):
    case = CaseFactory(requesting_state="IN", requested_state="GB")
    home_office = AuthorityFactory(name="Home Office", country="GB", kind=Authority.Kind.EXECUTIVE,
                                   level=Authority.Level.EXECUTIVE)
    case_services.event_record(case=case, kind="executive_decision", decision="extradition_ordered",
                               authority=home_office, occurred_on=D(2026, 11, 27), summary="Order signed.", by=None)
    page = analyst_client.get(case.get_absolute_url()).content.decode()
    assert "10 Dec 2026" in page  # s.108: 14 days starting with 27 Nov
    assert "24 Dec 2026" in page  # s.117: 28 days starting with 27 Nov


def test_a_window_shows_the_days_left_to_both_its_ends(viewer_client, analyst_user):
    case = CaseFactory(requesting_state="IN", requested_state="US")
    case_services.event_record(case=case, kind="custody", custody_change="provisionally_arrested",
                               occurred_on=D(2026, 11, 1), date_precision="month", summary="Arrested in November.",
                               by=analyst_user)
    page = viewer_client.get(case.get_absolute_url()).content.decode()
    # November 2026 + 60 days: between 31 Dec 2026 and 29 Jan 2027.
    assert "between <strong>31 Dec 2026</strong> and <strong>29 Jan 2027</strong>" in page
    assert "30 to 59 days left" in page


def test_dates_known_to_the_month_are_shown_so(viewer_client, analyst_user):
    case = CaseFactory(requesting_state="IN", requested_state="US")
    case_services.event_record(case=case, kind="custody", custody_change="provisionally_arrested",
                               occurred_on=D(2026, 10, 1), date_precision="month", summary="Arrested in October.",
                               by=analyst_user)
    case_services.event_record(case=case, kind="filing", filing_type="request", occurred_on=D(2026, 11, 1),
                               date_precision="month", summary="Request received.", by=analyst_user)
    page = viewer_client.get(case.get_absolute_url()).content.decode()
    assert "custody change of Oct 2026:" in page
    assert "Met by filing of Nov 2026:" in page
    assert "1 Oct 2026" not in page

