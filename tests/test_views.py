import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import roles, services
from cases.models import Case, Event, Person, Stage
from tests.factories import (
    CaseFactory,
    CasePartyFactory,
    EventFactory,
    AuthorityFactory,
    PersonFactory,
    PersonNameFactory,
    SourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _user_in(role, username):
    roles.roles_sync()
    user = UserFactory(username=username)
    roles.user_set_role(user=user, role=role)
    return user


@pytest.fixture
def analyst_client(client):
    client.force_login(_user_in(roles.ANALYST, "ana"))
    return client


@pytest.fixture
def admin_client(client):
    client.force_login(_user_in(roles.ADMINISTRATOR, "boss"))
    return client


@pytest.fixture
def rana(db):
    case = CaseFactory(title="Tahawwur Rana (US → India)", reference="rana", stage=Stage.SURRENDER_PENDING,
                       stage_entered_on=datetime.date(2025, 1, 21))
    person = PersonFactory(name="Tahawwur Rana")
    PersonNameFactory(person=person, name="Tahawwur Hussain Rana")
    CasePartyFactory(case=case, person=person)
    services.case_refresh_search_text(cases=[case])  # the factories above bypass the services that keep it
    return case


def _event_post(**overrides):
    data = {
        "date": "2025-03",
        "date_precision": "month",
        "summary": "Stay denied.",
        "confidence": "reported",
        "sources-TOTAL_FORMS": "2",
        "sources-INITIAL_FORMS": "0",
        "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "10",
    }
    data.update(overrides)
    return data


# Case list ------------------------------------------------------------------------------------------


def test_case_list_finds_a_case_by_a_name_variant(analyst_client, rana):
    CaseFactory(title="Nirav Modi (UK → India)")
    response = analyst_client.get(reverse("cases:case_list"), {"q": "hussain"})
    assert [c.title for c in response.context["page"].object_list] == [rana.title]


def test_case_list_finds_a_case_by_event_text_and_quote(analyst_client, rana):
    other = CaseFactory()
    services.event_record(case=rana, kind="status", occurred_on=datetime.date(2025, 1, 21),
                          summary="The Supreme Court declined to hear the petition", by=None)
    response = analyst_client.get(reverse("cases:case_list"), {"q": "declined"})
    assert list(response.context["page"].object_list) == [rana]
    assert other not in response.context["page"].object_list


def test_case_list_filters_by_stage_and_counts_every_stage(analyst_client, rana):
    CaseFactory(stage=Stage.HEARING)
    CaseFactory(stage=Stage.HEARING)
    response = analyst_client.get(reverse("cases:case_list"), {"stage": Stage.HEARING})
    assert {c.stage for c in response.context["page"].object_list} == {Stage.HEARING}
    counts = {value: n for value, _label, n in response.context["stage_counts"]}
    assert (counts[Stage.HEARING], counts[Stage.SURRENDER_PENDING]) == (2, 1)


def test_case_list_filters_open_and_closed(analyst_client, rana):
    closed = CaseFactory(outcome="withdrawn", closed_on=datetime.date(2024, 1, 1))
    response = analyst_client.get(reverse("cases:case_list"), {"status": "closed"})
    assert list(response.context["page"].object_list) == [closed]


def test_case_list_filters_by_court(analyst_client, rana):
    court = AuthorityFactory()
    EventFactory(case=rana, kind=Event.Kind.RULING, authority=court, decision="affirmed")
    CaseFactory()
    response = analyst_client.get(reverse("cases:case_list"), {"court": court.pk})
    assert list(response.context["page"].object_list) == [rana]


def test_case_list_sorts_by_last_activity_then_title(analyst_client):
    old = CaseFactory(title="B")
    new = CaseFactory(title="A")
    quiet = CaseFactory(title="C")
    EventFactory(case=old, occurred_on=datetime.date(2020, 1, 1))
    EventFactory(case=new, occurred_on=datetime.date(2025, 1, 1))
    for case in (old, new):
        services.case_refresh_last_event(case)
    assert list(analyst_client.get(reverse("cases:case_list")).context["page"].object_list) == [new, old, quiet]
    by_title = analyst_client.get(reverse("cases:case_list"), {"sort": "title"}).context["page"].object_list
    assert list(by_title) == [new, old, quiet]


@pytest.mark.parametrize(
    "params",
    [{"stage": "nonsense"}, {"last_event_after": "31/31/2025"}, {"person": "abc"}, {"page": "999"}, {"q": "x" * 5000}, {"sort": "drop table"}],
)
def test_case_list_never_fails_on_bad_filters(analyst_client, rana, params):
    assert analyst_client.get(reverse("cases:case_list"), params).status_code == 200


def test_case_list_answers_htmx_with_the_results_only(analyst_client, rana):
    response = analyst_client.get(reverse("cases:case_list"), {"q": "rana"}, headers={"HX-Request": "true"})
    assert b"<html" not in response.content and rana.title.encode() in response.content


# Case page ------------------------------------------------------------------------------------------


def _case_page_queries(client, case) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(case.get_absolute_url())
    assert response.status_code == 200
    return len(queries)


def test_case_page_queries_do_not_grow_with_events(analyst_client):
    small, large = CaseFactory(), CaseFactory()
    authority, source = AuthorityFactory(), SourceFactory()
    for case, count in ((small, 5), (large, 500)):
        events = Event.objects.bulk_create(
            Event(case=case, kind=Event.Kind.RULING, authority=authority, decision="affirmed", summary=f"ruling {i}",
                  occurred_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=i))
            for i in range(count)
        )
        Event.sources.through.objects.bulk_create(
            Event.sources.through(event_id=e.pk, source_id=source.pk) for e in events
        )
        services.case_refresh_last_event(case)
    analyst_client.get(reverse("cases:case_list"))  # the session's first request writes it; not the page's cost
    assert _case_page_queries(analyst_client, small) == _case_page_queries(analyst_client, large)


def test_case_page_shows_dates_at_their_precision(analyst_client, rana):
    EventFactory(case=rana, occurred_on=datetime.date(2025, 4, 1), date_precision="month", summary="April only")
    content = analyst_client.get(rana.get_absolute_url()).content.decode()
    assert "Apr 2025" in content and "1 Apr 2025" not in content


def test_case_page_filters_the_timeline_by_kind_and_orders_oldest_first(analyst_client, rana):
    first = EventFactory(case=rana, occurred_on=datetime.date(2024, 1, 1))
    EventFactory(case=rana, kind=Event.Kind.CUSTODY, custody_change="arrested", occurred_on=datetime.date(2024, 6, 1))
    last = EventFactory(case=rana, occurred_on=datetime.date(2025, 1, 1))
    response = analyst_client.get(rana.get_absolute_url(), {"kind": "status", "order": "oldest"})
    assert list(response.context["timeline"].object_list) == [first, last]


def test_case_page_loads_more_entries_as_a_fragment(analyst_client, rana):
    from cases.selectors import TIMELINE_PAGE_SIZE

    for i in range(TIMELINE_PAGE_SIZE + 10):
        EventFactory(case=rana, occurred_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=i))
    response = analyst_client.get(rana.get_absolute_url(), {"page": 2}, headers={"HX-Request": "true", "HX-Target": "timeline-more"})
    assert b"<html" not in response.content
    assert len(response.context["timeline"].object_list) == 10
    assert not response.context["timeline"].has_next


def test_viewer_sees_no_edit_controls(client, rana):
    client.force_login(_user_in(roles.VIEWER, "reader"))
    content = client.get(rana.get_absolute_url()).content.decode()
    assert "log-actions" not in content and "Edit case details" not in content


# Logging events -------------------------------------------------------------------------------------


def test_analyst_logs_a_ruling_with_a_new_court_and_sources(analyst_client, rana):
    url = reverse("cases:event_create", args=[rana.reference, "ruling"])
    response = analyst_client.post(url, _event_post(**{
        "new_authority_name": "Supreme Court of the United States", "new_authority_country": "US", "new_authority_level": "supreme",
        "decision": "stay_denied", "sources-0-url": "https://example.org/stay", "sources-0-title": "Stay denied",
    }))
    assert response.status_code == 302
    event = rana.events.get()
    assert (event.authority.name, event.date_display, event.decision) == ("Supreme Court of the United States", "Mar 2025", "stay_denied")
    assert [s.url for s in event.sources.all()] == ["https://example.org/stay"]


def test_htmx_logging_swaps_the_case_in_place(analyst_client, rana):
    court = AuthorityFactory()
    url = reverse("cases:event_create", args=[rana.reference, "ruling"])
    response = analyst_client.post(url, _event_post(authority=court.pk, decision="affirmed"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#case-live"
    assert b"Mar 2025" in response.content and b'hx-swap-oob="true"' in response.content


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"date": "2025-03-06"}, "date", "written as a full day"),
        ({"date": "2999-01", "authority": None}, "date", "in the future"),
        ({"sources-0-url": "not a url"}, None, "valid URL"),
        ({"summary": "x" * 2001}, "summary", "at most 2000 characters"),
        ({"decision": ""}, "decision", "required"),
    ],
)
def test_ruling_form_errors_are_shown_and_input_is_kept(analyst_client, rana, overrides, field, message):
    court = AuthorityFactory()
    data = _event_post(authority=court.pk, decision="affirmed")
    data.update({k: v for k, v in overrides.items() if v is not None})
    response = analyst_client.post(reverse("cases:event_create", args=[rana.reference, "ruling"]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    form = response.context["form"]
    if field:
        assert field in form.errors
    assert form["summary"].value() == data["summary"]
    assert not rana.events.exists()


def test_statement_without_a_quote_is_refused_next_to_the_quote(analyst_client, rana):
    response = analyst_client.post(
        reverse("cases:event_create", args=[rana.reference, "statement"]),
        _event_post(date="2025-01-31", date_precision="day", government="IN", body="MEA", channel="briefing", quote="   "),
    )
    assert "quote" in response.context["form"].errors
    assert not rana.events.exists()


def test_statement_can_concern_another_case(analyst_client, rana):
    other = CaseFactory()
    speaker = PersonFactory(name="Randhir Jaiswal")
    analyst_client.post(
        reverse("cases:event_create", args=[rana.reference, "statement"]),
        _event_post(date="2025-01-31", date_precision="day", government="IN", body="MEA", channel="briefing",
                    quote="We will keep you updated.", speaker=speaker.name, speaker_title="Spokesperson", also_cases=other.reference),
    )
    assert rana.events.get().statement == other.events.get().statement


def test_stage_change_to_the_current_stage_is_refused_with_a_message(analyst_client, rana):
    response = analyst_client.post(
        reverse("cases:case_stage_change", args=[rana.reference]),
        _event_post(date="2025-02-01", date_precision="day", to_stage=Stage.SURRENDER_PENDING, summary="again"),
    )
    assert "already at" in response.context["form"].errors["to_stage"][0]


def test_stage_change_from_the_case_page(analyst_client, rana):
    response = analyst_client.post(
        reverse("cases:case_stage_change", args=[rana.reference]),
        _event_post(date="2025-04-10", date_precision="day", to_stage=Stage.SURRENDERED, summary="Flown to Delhi"),
    )
    assert response.status_code == 302
    rana.refresh_from_db()
    assert rana.stage == Stage.SURRENDERED


def test_unknown_event_kind_is_not_found(analyst_client, rana):
    assert analyst_client.get(reverse("cases:event_create", args=[rana.reference, "gossip"])).status_code == 404


# Concurrent edits -----------------------------------------------------------------------------------


def _case_form(case, **changes):
    data = {
        "title": case.title, "reference": case.reference, "requesting_state": case.requesting_state.code,
        "requested_state": case.requested_state.code, "offences": case.offences, "summary": case.summary,
        "version": case.version,
    }
    data.update(changes)
    return data


def test_second_save_of_a_case_is_refused_and_both_versions_are_shown(analyst_client, rana):
    url = reverse("cases:case_edit", args=[rana.reference])
    first, second = _case_form(rana, summary="First analyst"), _case_form(rana, summary="Second analyst")
    assert analyst_client.post(url, first).status_code == 302
    response = analyst_client.post(url, second)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Someone else saved this case" in content
    assert "First analyst" in content and "Second analyst" in content
    assert Case.objects.get(pk=rana.pk).summary == "First analyst"


def test_resubmitting_after_a_conflict_saves_deliberately(analyst_client, rana):
    url = reverse("cases:case_edit", args=[rana.reference])
    analyst_client.post(url, _case_form(rana, summary="First analyst"))
    response = analyst_client.post(url, _case_form(rana, summary="Merged"))
    merged = response.context["form"].data
    assert analyst_client.post(url, merged).status_code == 302
    assert Case.objects.get(pk=rana.pk).summary == "Merged"


def test_second_save_of_an_event_is_refused(analyst_client, rana):
    event = services.event_record(case=rana, kind="status", occurred_on=datetime.date(2025, 1, 2), summary="v1", by=None)
    url = reverse("cases:event_edit", args=[event.pk])
    stale = _event_post(date="2025-01-02", date_precision="day", summary="mine", version=event.version)
    analyst_client.post(url, _event_post(date="2025-01-02", date_precision="day", summary="theirs", version=event.version))
    response = analyst_client.post(url, stale)
    assert "Someone else saved this event" in response.content.decode()
    event.refresh_from_db()
    assert event.summary == "theirs"


# Cases and people -----------------------------------------------------------------------------------


def test_analyst_creates_a_case_with_a_new_person_sought(analyst_client):
    response = analyst_client.post(reverse("cases:case_create"), {
        "title": "Nirav Modi (UK → India)", "reference": "nirav-modi", "requesting_state": "IN", "requested_state": "GB",
        "offences": "Bank fraud", "stage": Stage.APPEAL, "new_person_sought": "Nirav Modi",
    })
    assert response.status_code == 302
    case = Case.objects.get(reference="nirav-modi")
    assert case.person_sought.name == "Nirav Modi" and case.stage == Stage.APPEAL


def test_case_create_with_a_taken_reference_says_so(analyst_client, rana):
    response = analyst_client.post(reverse("cases:case_create"), {
        "title": "x", "reference": rana.reference, "requesting_state": "IN", "requested_state": "GB", "offences": "x",
        "stage": Stage.APPEAL,
    })
    assert "reference" in response.context["form"].errors


def test_person_edit_replaces_the_name_variants(analyst_client):
    person = PersonFactory(name="Nirav Modi")
    PersonNameFactory(person=person, name="Old spelling")
    response = analyst_client.post(reverse("cases:person_edit", args=[person.pk]), {
        "name": "Nirav Modi", "description": "", "version": person.version,
        "names-TOTAL_FORMS": "1", "names-INITIAL_FORMS": "0", "names-MIN_NUM_FORMS": "0", "names-MAX_NUM_FORMS": "30",
        "names-0-name": "Nirav Deepak Modi", "names-0-kind": "full",
    })
    assert response.status_code == 302
    assert [n.name for n in Person.objects.get(pk=person.pk).names.all()] == ["Nirav Deepak Modi"]


def test_history_page_shows_what_changed(analyst_client, rana):
    services.case_update(case=rana, by=None, summary="Now with a summary")
    content = analyst_client.get(reverse("cases:case_history", args=[rana.reference])).content.decode()
    assert "Now with a summary" in content and "Changed" in content


def test_administrator_deletes_an_event_which_stays_recoverable(admin_client, rana):
    event = services.event_record(case=rana, kind="status", occurred_on=datetime.date(2025, 1, 2), summary="oops", by=None)
    assert admin_client.post(reverse("cases:event_delete", args=[event.pk])).status_code == 302
    assert not Event.objects.filter(pk=event.pk).exists()
    deleted = Event.all_objects.get(pk=event.pk)
    assert deleted.deleted_by.username == "boss"
    assert deleted.history.latest().deleted_at is not None
    assert b"oops" not in admin_client.get(rana.get_absolute_url()).content
    services.event_restore(event=deleted, by=None)
    assert b"oops" in admin_client.get(rana.get_absolute_url()).content


def test_administrator_deletes_a_case_and_restores_it_in_the_admin(admin_client, rana):
    admin_client.post(reverse("cases:case_delete", args=[rana.reference]))
    assert admin_client.get(rana.get_absolute_url()).status_code == 404
    assert rana not in admin_client.get(reverse("cases:case_list")).context["page"].object_list
    response = admin_client.post(
        reverse("admin:cases_case_changelist"), {"action": "restore", "_selected_action": [rana.pk]}
    )
    assert response.status_code == 302
    assert admin_client.get(rana.get_absolute_url()).status_code == 200


def test_analyst_cannot_delete_a_case(analyst_client, rana):
    assert analyst_client.post(reverse("cases:case_delete", args=[rana.reference])).status_code == 403
    assert Case.objects.filter(pk=rana.pk).exists()


def test_a_stage_change_cannot_be_deleted(admin_client, rana):
    event = services.case_change_stage(case=rana, to_stage=Stage.SURRENDERED, reason="x", occurred_on=datetime.date(2025, 4, 10), by=None)
    admin_client.post(reverse("cases:event_delete", args=[event.pk]))
    assert Event.objects.filter(pk=event.pk).exists()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_pages_stay_within_ten_queries(analyst_client, rana):
    """The budget of the performance issue: at most 10 SQL queries a page, whatever the data."""
    for _ in range(3):
        EventFactory(case=rana)
    analyst_client.get(reverse("cases:case_list"))
    filtered = reverse("cases:case_list") + "?q=rana&stage=surrender_pending&requesting_state=IN&sort=title"
    for url in (reverse("cases:case_list"), filtered, rana.get_absolute_url()):
        assert _queries(analyst_client, url) <= 10, url
