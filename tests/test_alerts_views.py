import datetime

import pytest
from django.core.cache import cache
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alerts.models import Alert, Deadline, Follow
from alerts.tokens import unsubscribe_token_make
from tests.factories import AlertFactory, CaseFactory, DeadlineFactory, FollowFactory, PrivateAddressFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2025, 2, 1, 12, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def viewer(db):
    return UserFactory(username="viewer", groups=[Group.objects.get(name="viewer")])


@pytest.fixture
def analyst_user(db):
    return UserFactory(username="analyst", groups=[Group.objects.get(name="analyst")])


# Following ---------------------------------------------------------------------------------


def test_follow_button_follows_and_returns_to_the_case(client, viewer, case):
    client.force_login(viewer)
    response = client.post(reverse("alerts:case_follow", args=[case.reference]))
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert Follow.objects.filter(user=viewer, case=case).exists()


def test_follow_needs_a_post(client, viewer, case):
    client.force_login(viewer)
    assert client.get(reverse("alerts:case_follow", args=[case.reference])).status_code == 405
    assert not Follow.objects.exists()


def test_follow_goes_back_to_a_local_next_only(client, viewer, case):
    client.force_login(viewer)
    url = reverse("alerts:case_follow", args=[case.reference])
    assert client.post(url, {"next": "/alerts/following/"})["Location"] == "/alerts/following/"
    assert client.post(url, {"next": "https://evil.example/"})["Location"] == case.get_absolute_url()


def test_unfollow(client, viewer, case):
    FollowFactory(user=viewer, case=case)
    client.force_login(viewer)
    client.post(reverse("alerts:case_unfollow", args=[case.reference]))
    assert not Follow.objects.filter(user=viewer).exists()


def test_anonymous_users_are_sent_to_log_in(client, case):
    response = client.post(reverse("alerts:case_follow", args=[case.reference]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Follow.objects.exists()


def test_following_page_lists_my_cases_and_my_calendar_link(client, viewer, settings):
    settings.SITE_URL = "https://tracker.example.org"
    mine = FollowFactory(user=viewer, case=CaseFactory(title="Rana (US→India)"))
    FollowFactory(case=CaseFactory(title="Someone else's case"))
    client.force_login(viewer)
    response = client.get(reverse("alerts:following"))
    content = response.content.decode()
    assert mine.case.title in content and "Someone else&#x27;s case" not in content
    assert "Make a calendar address" in content
    address = PrivateAddressFactory(user=viewer, purpose="calendar")
    content = client.get(reverse("alerts:following")).content.decode()
    assert "https://tracker.example.org" + reverse("alerts:calendar_feed", args=[address.key]) in content


def test_preferences_are_saved(client, viewer):
    follow = FollowFactory(user=viewer)
    client.force_login(viewer)
    response = client.post(reverse("alerts:follow_edit", args=[follow.pk]), {"delivery": "digest", "scope": "stages"})
    assert response.status_code == 302
    follow.refresh_from_db()
    assert (follow.delivery, follow.scope) == ("digest", "stages")


def test_someone_elses_preferences_are_not_found(client, viewer):
    follow = FollowFactory()
    client.force_login(viewer)
    assert client.get(reverse("alerts:follow_edit", args=[follow.pk])).status_code == 404
    assert client.post(reverse("alerts:follow_edit", args=[follow.pk]), {"delivery": "none", "scope": "all"}).status_code == 404
    assert Follow.objects.get(pk=follow.pk).delivery == Follow.Delivery.INSTANT


def test_notifications_page_lists_only_my_alerts_sent_or_pending(client, viewer):
    sent = AlertFactory(recipient=viewer, status=Alert.Status.SENT, event__summary="Cert denied")
    pending = AlertFactory(recipient=viewer, event__summary="Flown to New Delhi")
    AlertFactory(event__summary="Not for me")
    client.force_login(viewer)
    content = client.get(reverse("alerts:notifications")).content.decode()
    assert "Cert denied" in content and "Flown to New Delhi" in content and "Not for me" not in content
    assert sent.get_status_display() in content and pending.get_status_display() in content


def test_nav_links(client, viewer):
    client.force_login(viewer)
    html = Template('{% include "alerts/_nav.html" %}').render(Context({"request": RequestFactory().get("/")}))
    assert reverse("alerts:following") in html and reverse("alerts:notifications") in html


# Deadlines ---------------------------------------------------------------------------------


def test_a_viewer_cannot_record_a_deadline(client, viewer, case):
    client.force_login(viewer)
    url = reverse("alerts:deadline_create", args=[case.reference])
    assert client.get(url).status_code == 403
    assert client.post(url, {"kind": "hearing", "title": "x", "due_on": "2025-02-10", "reminder_days": "7"}).status_code == 403
    assert not Deadline.objects.exists()


def test_an_analyst_records_a_deadline(client, analyst_user, case):
    client.force_login(analyst_user)
    response = client.post(
        reverse("alerts:deadline_create", args=[case.reference]),
        {"kind": "time_limit", "title": "Formal request due", "due_on": "2025-03-15", "reminder_days": "14, 1"},
    )
    assert response.status_code == 302
    deadline = Deadline.objects.get()
    assert (deadline.case, deadline.due_on, deadline.reminder_days, deadline.created_by) == (
        case, datetime.date(2025, 3, 15), "14,1", analyst_user,
    )


def test_deadline_form_shows_errors(client, analyst_user, case):
    client.force_login(analyst_user)
    response = client.post(
        reverse("alerts:deadline_create", args=[case.reference]),
        {"kind": "hearing", "title": "Hearing", "due_on": "2025-03-15", "reminder_days": "a week"},
    )
    assert response.status_code == 200 and "whole numbers of days" in response.content.decode()
    assert not Deadline.objects.exists()


def test_mark_done_needs_change_permission(client, viewer, analyst_user):
    deadline = DeadlineFactory()
    url = reverse("alerts:deadline_done", args=[deadline.pk])
    client.force_login(viewer)
    assert client.post(url).status_code == 403
    client.force_login(analyst_user)
    assert client.post(url).status_code == 302
    deadline.refresh_from_db()
    assert deadline.done_by == analyst_user


def test_an_analyst_edits_a_deadline(client, analyst_user):
    deadline = DeadlineFactory(title="Hearing")
    client.force_login(analyst_user)
    client.post(
        reverse("alerts:deadline_edit", args=[deadline.pk]),
        {"kind": "hearing", "title": "Hearing (moved)", "due_on": "2025-02-20", "reminder_days": "7,1"},
    )
    deadline.refresh_from_db()
    assert (deadline.title, deadline.due_on) == ("Hearing (moved)", datetime.date(2025, 2, 20))


# The case panel ----------------------------------------------------------------------------


def render_panel(case, user):
    request = RequestFactory().get(case.get_absolute_url())
    request.user = user
    return Template("{% load alerts %}{% case_alerts_panel case %}").render(
        Context({"case": case, "request": request, "csrf_token": "token"})
    )


def test_panel_offers_follow_or_unfollow(case, viewer):
    assert reverse("alerts:case_follow", args=[case.reference]) in render_panel(case, viewer)
    FollowFactory(user=viewer, case=case)
    html = render_panel(case, viewer)
    assert reverse("alerts:case_unfollow", args=[case.reference]) in html
    assert reverse("alerts:case_follow", args=[case.reference]) not in html


def test_panel_lists_open_deadlines_and_the_tools_the_user_may_use(case, viewer, analyst_user):
    coming = DeadlineFactory(case=case, title="Extradition hearing", due_on=datetime.date(2025, 2, 10))
    DeadlineFactory(case=case, title="Old filing", done_at=NOW)
    viewer_html, analyst_html = render_panel(case, viewer), render_panel(case, analyst_user)
    assert "Extradition hearing" in viewer_html and "Old filing" not in viewer_html
    done_url = reverse("alerts:deadline_done", args=[coming.pk])
    add_url = reverse("alerts:deadline_create", args=[case.reference])
    assert done_url not in viewer_html and add_url not in viewer_html
    assert done_url in analyst_html and add_url in analyst_html


def test_panel_marks_a_passed_deadline_overdue(case, viewer):
    DeadlineFactory(case=case, due_on=datetime.date(2025, 1, 30))
    assert "overdue" in render_panel(case, viewer)


def _panel_queries(case, user, deadlines):
    for _ in range(deadlines):
        DeadlineFactory(case=case)
    user = type(user).objects.get(pk=user.pk)  # a fresh user: no permission cache
    cache.clear()  # nor permissions kept from an earlier request (accounts.backends)
    with CaptureQueriesContext(connection) as queries:
        render_panel(case, user)
    return len(queries)


def test_panel_queries_do_not_grow_with_deadlines(analyst_user):
    assert _panel_queries(CaseFactory(), analyst_user, 1) == _panel_queries(CaseFactory(), analyst_user, 6)


# Unsubscribe and calendar: no login, a signed token instead ---------------------------------


def test_unsubscribe_get_asks_and_changes_nothing(client, case):
    follow = FollowFactory(case=case)
    response = client.get(reverse("alerts:unsubscribe", args=[unsubscribe_token_make(user_id=follow.user_id, case_id=case.pk)]))
    assert response.status_code == 200 and "Stop these emails?" in response.content.decode()
    assert Follow.objects.get(pk=follow.pk).delivery == Follow.Delivery.INSTANT


def test_one_click_unsubscribe_post_without_login_or_csrf_token(case):
    from django.test import Client

    follow = FollowFactory(case=case)
    client = Client(enforce_csrf_checks=True)
    url = reverse("alerts:unsubscribe", args=[unsubscribe_token_make(user_id=follow.user_id, case_id=case.pk)])
    response = client.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and "Unsubscribed" in response.content.decode()
    assert Follow.objects.get(pk=follow.pk).delivery == Follow.Delivery.NONE


def test_a_forged_unsubscribe_token_is_refused(client, case):
    follow = FollowFactory(case=case)
    token = unsubscribe_token_make(user_id=follow.user_id, case_id=case.pk)
    forged = token.replace(token.split(":")[0], unsubscribe_token_make(user_id=follow.user_id + 1, case_id=case.pk).split(":")[0])
    assert client.post(reverse("alerts:unsubscribe", args=[forged])).status_code == 400
    assert Follow.objects.get(pk=follow.pk).delivery == Follow.Delivery.INSTANT


def test_unsubscribe_and_calendar_are_open_to_anonymous_users_by_design():
    from alerts import views

    assert views.unsubscribe.login_required is False
    assert views.calendar_feed.login_required is False


def test_calendar_feed_lists_the_deadlines_of_followed_cases(client, viewer):
    followed = FollowFactory(user=viewer, case=CaseFactory(title="Rana (US→India)")).case
    DeadlineFactory(case=followed, title="Surrender, within 2 months; § 3188", due_on=datetime.date(2025, 2, 10))
    DeadlineFactory(title="Not followed")
    response = client.get(reverse("alerts:calendar_feed", args=[PrivateAddressFactory(user=viewer, purpose="calendar").key]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "DTSTART;VALUE=DATE:20250210\r\n" in body and "DTEND;VALUE=DATE:20250211\r\n" in body
    assert "SUMMARY:Rana (US→India): Surrender\\, within 2 months\\; § 3188" in body
    assert "Not followed" not in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_calendar_feed_with_a_forged_token_is_not_found(client, viewer):
    token = PrivateAddressFactory(user=viewer, purpose="calendar").key
    assert client.get(reverse("alerts:calendar_feed", args=[token[:-1] + ("x" if token[-1] != "x" else "y")])).status_code == 404
    # A feed address is not a calendar address.
    assert client.get(reverse("alerts:calendar_feed", args=[PrivateAddressFactory(user=viewer).key])).status_code == 404


def test_the_case_page_shows_the_panel(client, viewer, case):
    DeadlineFactory(case=case, title="Extradition hearing")
    client.force_login(viewer)
    content = client.get(case.get_absolute_url()).content.decode()
    assert "Follow this case" in content and "Extradition hearing" in content


def test_an_account_without_a_role_cannot_follow(client, case):
    client.force_login(UserFactory())
    assert client.post(reverse("alerts:case_follow", args=[case.reference])).status_code == 403
    assert not Follow.objects.exists()


def test_the_calendar_of_a_user_who_lost_their_role_is_not_found(client, viewer):
    url = reverse("alerts:calendar_feed", args=[PrivateAddressFactory(user=viewer, purpose="calendar").key])
    assert client.get(url).status_code == 200
    viewer.groups.clear()
    assert client.get(url).status_code == 404


# What following sends, said from the preference fields ---------------------------------------


def _alerts_panel(user, case):
    request = RequestFactory().get(case.get_absolute_url())
    request.user = user
    return Template("{% load alerts %}{% case_alerts_panel case %}").render(Context({"case": case, "request": request}))


def test_the_follow_button_says_what_the_default_preferences_send_and_leave_out(viewer, case):
    html = _alerts_panel(viewer, case)
    assert "Get an email when its stage changes" not in html
    assert (
        "Following it sends an email for each of its stage changes, court rulings, executive decisions and "
        "government statements, and reminders before its deadlines." in html
    )
    assert "Left out unless you change its preferences: status updates, hearings, filings and custody changes." in html


def test_the_follow_button_wording_follows_the_scope_table_not_fixed_prose(viewer, case, monkeypatch):
    kinds = Follow.SCOPE_KINDS | {Follow.Scope.MAJOR: Follow.SCOPE_KINDS[Follow.Scope.MAJOR] | {"status"}}
    monkeypatch.setattr(Follow, "SCOPE_KINDS", kinds)
    html = _alerts_panel(viewer, case)
    assert "government statements and status updates, and reminders" in html
    assert "left out unless you change its preferences: hearings, filings and custody changes." in html.lower()


def test_a_followers_panel_says_what_their_own_preferences_send(viewer, case):
    FollowFactory(user=viewer, case=case, delivery=Follow.Delivery.DIGEST, scope=Follow.Scope.STAGES)
    html = _alerts_panel(viewer, case)
    assert "You follow this case. One daily digest email of its stage changes, and of reminders before its deadlines." in html
    assert "Left out: court rulings, executive decisions, government statements, status updates, hearings, filings and custody changes." in html


def test_a_follow_of_everything_leaves_nothing_out(viewer, case):
    FollowFactory(user=viewer, case=case, delivery=Follow.Delivery.NONE, scope=Follow.Scope.ALL)
    html = _alerts_panel(viewer, case)
    assert "No email: every event recorded on it (stage changes, court rulings" in html
    assert "are listed only on your notifications page." in html and "Left out" not in html


def test_following_says_what_will_be_sent(client, viewer, case):
    client.force_login(viewer)
    response = client.post(reverse("alerts:case_follow", args=[case.reference]), follow=True)
    assert "An email for each of its stage changes, court rulings, executive decisions and government statements" in response.content.decode()


def test_follow_preferences_name_what_each_scope_sends_and_leaves_out(client, viewer, case):
    follow = FollowFactory(user=viewer, case=case)
    client.force_login(viewer)
    content = client.get(reverse("alerts:follow_edit", args=[follow.pk])).content.decode()
    assert "Now: An email for each of its stage changes, court rulings, executive decisions and government statements" in content
    assert "Left out: status updates, hearings, filings and custody changes." in content
    assert "Stage changes only; not court rulings, executive decisions, government statements, status updates, hearings, filings or custody changes" in content
    assert "Stage changes, court rulings, executive decisions and government statements; not status updates, hearings, filings or custody changes" in content
    assert "Everything: stage changes, court rulings, executive decisions, government statements, status updates, hearings, filings and custody changes" in content


def test_the_notifications_page_says_what_the_preferences_leave_out(client, viewer):
    from tests.factories import EventFactory, SavedSearchFactory

    rana = FollowFactory(user=viewer, case=CaseFactory(title="Rana"), scope=Follow.Scope.MAJOR)
    FollowFactory(user=viewer, case=CaseFactory(title="Salem"), scope=Follow.Scope.ALL)
    search = SavedSearchFactory(user=viewer, name="Interpol", scope=Follow.Scope.STAGES)
    EventFactory(case=rana.case, kind="status", summary="Red notice issued")  # brings no alert: left out
    client.force_login(viewer)
    content = client.get(reverse("alerts:notifications")).content.decode()
    assert "No notifications yet." in content and "Your preferences leave out" in content
    assert (
        f'Status updates, hearings, filings and custody changes on Rana. <a href="{rana.get_absolute_url()}">Change preferences</a>'
        in content
    )
    assert f"on your saved search “Interpol”. <a href=\"{search.get_absolute_url()}\">Change preferences</a>" in content
    assert "on Salem" not in content


def test_the_notifications_page_says_nothing_is_left_out_when_nothing_is(client, viewer):
    FollowFactory(user=viewer, scope=Follow.Scope.ALL)
    client.force_login(viewer)
    assert "Your preferences leave out" not in client.get(reverse("alerts:notifications")).content.decode()
