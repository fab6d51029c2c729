"""The home page's briefing: what changed on the cases a user follows since their last visit, what
falls due on them soon, and which saved searches matched something new."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from alerts import selectors, services
from alerts.models import Alert, Deadline, Follow, HomeVisit, SavedSearch
from cases import roles
from cases import services as case_services
from cases.models import Event, Stage
from tests.factories import CaseFactory, user_in_role

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 12, 3, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def reader(db):
    return user_in_role(roles.VIEWER, "reader")


@pytest.fixture
def followed(reader):
    case = CaseFactory(title="Rana (US → India)", stage=Stage.SURRENDER_PENDING)
    Follow.objects.create(user=reader, case=case)
    return case


def _log(case, summary, by=None):
    return case_services.event_record(case=case, kind=Event.Kind.STATUS, by=by, occurred_on=datetime.date(2026, 11, 30), summary=summary)


def test_a_visit_counts_from_the_one_before_and_a_reload_is_the_same_visit(reader):
    first = NOW
    assert services.home_visit_record(user=reader, now=first) is None
    assert services.home_visit_record(user=reader, now=first + datetime.timedelta(hours=2)) == first
    # A reload ten minutes later keeps counting from the same visit.
    assert services.home_visit_record(user=reader, now=first + datetime.timedelta(hours=2, minutes=10)) == first
    visit = HomeVisit.objects.get(user=reader)
    assert visit.seen_at == first + datetime.timedelta(hours=2, minutes=10)


def test_changes_since_the_last_visit_on_followed_cases_only(reader, followed):
    other = CaseFactory(title="Not followed")
    with time_machine.travel(NOW - datetime.timedelta(days=3), tick=False):
        _log(followed, "Old news")
    with time_machine.travel(NOW - datetime.timedelta(hours=1), tick=False):
        fresh = _log(followed, "Moved to Tihar jail")
        _log(other, "Elsewhere")
        _log(followed, "My own entry", by=reader)
    briefing = selectors.home_briefing(user=reader, since=NOW - datetime.timedelta(days=1), today=NOW.date())
    assert [event.pk for event in briefing.changes] == [fresh.pk]
    assert briefing.follows == 1


def test_what_falls_due_in_two_weeks_and_what_is_overdue(reader, followed):
    today = NOW.date()
    soon = Deadline.objects.create(case=followed, kind="hearing", title="Bail hearing", due_on=today + datetime.timedelta(days=10))
    overdue = Deadline.objects.create(case=followed, kind="filing", title="Reply", due_on=today - datetime.timedelta(days=2))
    Deadline.objects.create(case=followed, kind="hearing", title="Far off", due_on=today + datetime.timedelta(days=30))
    Deadline.objects.create(case=followed, kind="hearing", title="Done", due_on=today, done_at=NOW)
    Deadline.objects.create(case=CaseFactory(), kind="hearing", title="Not followed", due_on=today)
    briefing = selectors.home_briefing(user=reader, since=None, today=today)
    assert briefing.due == [overdue, soon]


def test_saved_searches_with_new_matches(reader, followed):
    search = SavedSearch.objects.create(user=reader, name="US requests", query="requested_state=US")
    quiet = SavedSearch.objects.create(user=reader, name="Quiet", query="requested_state=GB")
    Alert.objects.create(recipient=reader, kind=Alert.Kind.CASE, channel="in_app", status="in_app", case=followed, saved_search=search)
    briefing = selectors.home_briefing(user=reader, since=timezone.now() - datetime.timedelta(hours=1))
    assert briefing.searches == [(search, 1)]
    assert quiet not in [s for s, _ in briefing.searches]


def test_the_home_page_loads_the_briefing_and_it_shows_the_changes(client, reader, followed):
    client.force_login(reader)
    home = client.get(reverse("cases:case_list")).content.decode()
    assert f'hx-get="{reverse("alerts:home_briefing")}"' in home
    # A filtered list is not the home page.
    assert "home-briefing" not in client.get(reverse("cases:case_list"), {"stage": "appeal"}).content.decode()
    _log(followed, "Moved to Tihar jail")
    content = client.get(reverse("alerts:home_briefing"), HTTP_HX_REQUEST="true").content.decode()
    assert "Moved to Tihar jail" in content and "Rana (US → India)" in content
    assert "<html" not in content
    # Without JavaScript it is a page of its own.
    assert "<html" in client.get(reverse("alerts:home_briefing")).content.decode()


def test_a_user_who_follows_nothing_is_told_how_to(client, reader):
    client.force_login(reader)
    content = client.get(reverse("alerts:home_briefing")).content.decode()
    assert "You follow no case yet" in content
    # A first visit has no last visit to count from: it says the span it shows.
    assert "In the last two weeks" in content and "Since your last visit" not in content
