import datetime
import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import roles, services
from cases.models import Case, Event, Person, Stage, Treaty
from tests.factories import (
    user_in_role,
    CaseFactory,
    CasePartyFactory,
    EventFactory,
    AuthorityFactory,
    PersonFactory,
    PersonNameFactory,
    SourceFactory,
    TreatyFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(user_in_role(roles.ADMINISTRATOR, "boss"))
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
        "date": "March 2025",
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


def _load_more(content: str) -> tuple[str, str]:
    """The timeline's "load more" link: the address a reader without JavaScript follows, and the one htmx gets."""
    match = re.search(r'<li id="timeline-more" class="more">\s*<a class="button" href="([^"]+)"\s+hx-get="([^"]+)"', content)
    assert match, "no load-more link"
    return html.unescape(match[1]), html.unescape(match[2])


def test_case_page_loads_more_entries_as_a_fragment(analyst_client, rana):
    from cases.selectors import TIMELINE_PAGE_SIZE

    for i in range(TIMELINE_PAGE_SIZE + 10):
        EventFactory(case=rana, occurred_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=i))
    _, more = _load_more(analyst_client.get(rana.get_absolute_url()).content.decode())
    response = analyst_client.get(more, headers={"HX-Request": "true", "HX-Target": "timeline-more"})
    assert b"<html" not in response.content
    assert list(response.context["timeline"].object_list) == list(rana.events.timeline_order())[TIMELINE_PAGE_SIZE:]
    assert not response.context["timeline"].has_next and b"timeline-more" not in response.content


def test_the_load_more_link_keeps_the_filter_and_order_and_works_without_javascript(analyst_client, rana):
    from cases.selectors import TIMELINE_PAGE_SIZE

    for i in range(TIMELINE_PAGE_SIZE + 5):
        EventFactory(case=rana, occurred_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=i))
        EventFactory(case=rana, kind=Event.Kind.CUSTODY, custody_change="arrested",
                     occurred_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=i))
    content = analyst_client.get(rana.get_absolute_url(), {"kind": "status", "order": "oldest"}).content.decode()
    assert "Load later entries" in content
    plain, _ = _load_more(content)
    assert plain.startswith("?kind=status&order=oldest&after=") and plain.endswith("#timeline")
    response = analyst_client.get(rana.get_absolute_url() + plain.removesuffix("#timeline"))
    assert b"<html" in response.content
    statuses = list(rana.events.filter(kind=Event.Kind.STATUS).timeline_order(newest_first=False))
    assert list(response.context["timeline"].object_list) == statuses[TIMELINE_PAGE_SIZE:]


def test_loading_a_later_part_of_the_timeline_costs_the_queries_of_the_first(analyst_client, rana):
    from cases.selectors import TIMELINE_PAGE_SIZE

    for i in range(3 * TIMELINE_PAGE_SIZE):
        EventFactory(case=rana, occurred_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=i))
    fragment = {"HX-Request": "true", "HX-Target": "timeline-more"}
    _, second = _load_more(analyst_client.get(rana.get_absolute_url()).content.decode())
    _, third = _load_more(analyst_client.get(second, headers=fragment).content.decode())
    with CaptureQueriesContext(connection) as first:
        analyst_client.get(rana.get_absolute_url(), headers=fragment)
    with CaptureQueriesContext(connection) as later:
        response = analyst_client.get(third, headers=fragment)
    assert len(response.context["timeline"].object_list) == TIMELINE_PAGE_SIZE
    assert len(later) == len(first)


@pytest.mark.parametrize("query", [{"page": "2"}, {"after": "nonsense"}, {"after": "99999999999999999999.1"}])
def test_an_old_page_number_or_a_bad_cursor_reads_the_first_page(analyst_client, rana, query):
    from cases.selectors import TIMELINE_PAGE_SIZE

    for i in range(TIMELINE_PAGE_SIZE + 5):
        EventFactory(case=rana, occurred_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=i))
    response = analyst_client.get(rana.get_absolute_url(), query)
    assert response.status_code == 200
    assert list(response.context["timeline"].object_list) == list(rana.events.timeline_order())[:TIMELINE_PAGE_SIZE]


def test_viewer_sees_no_edit_controls(client, rana):
    client.force_login(user_in_role(roles.VIEWER, "reader"))
    content = client.get(rana.get_absolute_url()).content.decode()
    assert "log-picker" not in content and "Edit case details" not in content and "Checked today" not in content


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
        ({"date": "31 Feb 2025"}, "date", "not a real date"),
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
        _event_post(date="2025-01-31", government="IN", body="MEA", channel="briefing", quote="   "),
    )
    assert "quote" in response.context["form"].errors
    assert not rana.events.exists()


def test_statement_can_concern_another_case(analyst_client, rana):
    other = CaseFactory()
    speaker = PersonFactory(name="Randhir Jaiswal")
    analyst_client.post(
        reverse("cases:event_create", args=[rana.reference, "statement"]),
        _event_post(date="2025-01-31", government="IN", body="MEA", channel="briefing",
                    quote="We will keep you updated.", speaker=speaker.name, speaker_title="Spokesperson", also_cases=other.reference),
    )
    assert rana.events.get().statement == other.events.get().statement


def test_stage_change_to_the_current_stage_is_refused_with_a_message(analyst_client, rana):
    response = analyst_client.post(
        reverse("cases:case_stage_change", args=[rana.reference]),
        _event_post(date="2025-02-01", to_stage=Stage.SURRENDER_PENDING, summary="again"),
    )
    # The current stage is not offered; a forged choice of it is refused all the same.
    assert "Select a valid choice" in response.context["form"].errors["to_stage"][0]


def test_stage_change_from_the_case_page(analyst_client, rana):
    response = analyst_client.post(
        reverse("cases:case_stage_change", args=[rana.reference]),
        _event_post(date="2025-04-10", to_stage=Stage.SURRENDERED, summary="Flown to Delhi"),
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
    stale = _event_post(date="2025-01-02", summary="mine", category="other", version=event.version)
    analyst_client.post(url, _event_post(date="2025-01-02", summary="theirs", category="other", version=event.version))
    response = analyst_client.post(url, stale)
    assert "Someone else saved this event" in response.content.decode()
    event.refresh_from_db()
    assert event.summary == "theirs"


# Cases and people -----------------------------------------------------------------------------------


def test_analyst_creates_a_case_with_a_new_person_sought(analyst_client):
    response = analyst_client.post(reverse("cases:case_create"), {
        "title": "Nirav Modi (UK → India)", "reference": "nirav-modi", "requesting_state": "IN", "requested_state": "GB",
        "offences": "Bank fraud", "stage": Stage.APPEAL, "person_sought": "Nirav Modi",
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
    """The budget of the performance issue: at most 10 SQL queries a page, whatever the data; the
    case page two more, for its time limits (the clocks panel) and the reader's private feed address."""
    for _ in range(3):
        EventFactory(case=rana)
    analyst_client.get(reverse("cases:case_list"))
    filtered = reverse("cases:case_list") + "?q=rana&stage=surrender_pending&requesting_state=IN&sort=title"
    for url, budget in ((reverse("cases:case_list"), 10), (filtered, 10), (rana.get_absolute_url(), 12)):
        assert _queries(analyst_client, url) <= budget, url


# Record v2: the kinds and their fields ----------------------------------------------------------


def _page(client, case) -> str:
    return client.get(case.get_absolute_url()).content.decode()


def test_analyst_logs_an_executive_decision_with_a_new_body_and_official(analyst_client, rana):
    response = analyst_client.post(reverse("cases:event_create", args=[rana.reference, "executive_decision"]), _event_post(
        new_authority_name="US Department of State", new_authority_country="US", official="Test Secretary",
        decision="surrender_authorised", decision_detail="warrant signed", summary="Surrender authorised.",
    ))
    assert response.status_code == 302
    event = rana.events.get()
    assert (event.kind, event.authority.kind, event.official.name, event.decision_label) == (
        "executive_decision", "executive", "Test Secretary", "Surrender authorised"
    )


def test_executive_decision_shows_its_decision_detail_and_official(analyst_client, rana):
    body = AuthorityFactory(name="Home Office", kind="executive", level="")
    official = PersonFactory(name="Test Home Secretary")
    EventFactory(case=rana, kind="executive_decision", authority=body, official=official,
                 decision="extradition_ordered", decision_detail="subject to assurances")
    content = _page(analyst_client, rana)
    assert "Extradition ordered" in content and "subject to assurances" in content
    assert "Decided by" in content and "Test Home Secretary" in content and "Home Office" in content


def test_executive_decision_cannot_be_taken_by_a_court(analyst_client, rana):
    court = AuthorityFactory()
    response = analyst_client.post(reverse("cases:event_create", args=[rana.reference, "executive_decision"]),
                                   _event_post(authority=court.pk, decision="extradition_ordered"))
    assert "authority" in response.context["form"].errors
    assert not rana.events.exists()


def test_ruling_form_groups_the_decisions(analyst_client, rana):
    content = analyst_client.get(reverse("cases:event_create", args=[rana.reference, "ruling"])).content.decode()
    for group in ("Extradition proceedings", "Appeals and reviews", "Custody", "Criminal case"):
        assert f'<optgroup label="{group}">' in content
    assert "Convicted" in content and "Sent back to the lower court" in content


def test_ruling_records_decision_detail_note_and_confidence(analyst_client, rana):
    court = AuthorityFactory()
    analyst_client.post(reverse("cases:event_create", args=[rana.reference, "ruling"]), _event_post(
        authority=court.pk, decision="convicted", decision_detail="on two of three counts",
        note="Sources conflict: Feb vs Aug 2017", confidence="corroborated",
    ))
    event = rana.events.get()
    assert (event.decision, event.decision_detail, event.note, event.confidence) == (
        "convicted", "on two of three counts", "Sources conflict: Feb vs Aug 2017", "corroborated"
    )
    content = _page(analyst_client, rana)
    assert "Convicted" in content and "on two of three counts" in content
    assert 'class="note small"' in content and "Sources conflict: Feb vs Aug 2017" in content


def test_status_update_needs_what_it_is_about(analyst_client, rana):
    url = reverse("cases:event_create", args=[rana.reference, "status"])
    response = analyst_client.post(url, _event_post())
    assert "category" in response.context["form"].errors
    assert analyst_client.post(url, _event_post(category="interpol_notice")).status_code == 302
    assert rana.events.get().category == "interpol_notice"


def test_custody_change_records_a_second_change(analyst_client, rana):
    analyst_client.post(reverse("cases:event_create", args=[rana.reference, "custody"]), _event_post(
        custody_change="surrendered", custody_change_then="arrested", summary="Surrendered; arrested by the NIA.",
    ))
    assert (rana.events.get().custody_change, rana.events.get().custody_change_then) == ("surrendered", "arrested")
    assert "Surrendered, then arrested" in _page(analyst_client, rana)


def test_hearing_can_be_reserved(analyst_client, rana):
    court = AuthorityFactory()
    analyst_client.post(reverse("cases:event_create", args=[rana.reference, "hearing"]),
                        _event_post(authority=court.pk, hearing_status="reserved"))
    assert "Held, judgment reserved" in _page(analyst_client, rana)


def test_any_kind_can_name_a_new_acting_body_of_any_kind(analyst_client, rana):
    response = analyst_client.post(reverse("cases:event_create", args=[rana.reference, "custody"]), _event_post(
        custody_change="arrested", new_authority_name="National Investigation Agency", new_authority_kind="police",
        new_authority_country="IN",
    ))
    assert response.status_code == 302
    assert (rana.events.get().authority.name, rana.events.get().authority.kind) == ("National Investigation Agency", "police")


@pytest.mark.parametrize(
    "fields, error_field",
    [
        ({"new_authority_name": "Some Body"}, "new_authority_kind"),
        ({"new_authority_name": "Some Court", "new_authority_kind": "court"}, "new_authority_level"),
    ],
)
def test_a_new_acting_body_needs_its_kind_and_a_court_its_level(analyst_client, rana, fields, error_field):
    response = analyst_client.post(reverse("cases:event_create", args=[rana.reference, "custody"]),
                                   _event_post(custody_change="arrested", **fields))
    assert error_field in response.context["form"].errors
    assert response.context["form"]["new_authority_name"].value() == fields["new_authority_name"]


def _statement_post(**overrides):
    return _event_post(**{"date": "2025-02-13", "government": "IN", "body": "MEA", **overrides})


def test_reported_speech_needs_no_quote_and_is_never_shown_as_one(analyst_client, rana):
    gist = "India would liaise with the US side."
    response = analyst_client.post(reverse("cases:event_create", args=[rana.reference, "statement"]),
                                   _statement_post(reported_speech="on", gist=gist))
    assert response.status_code == 302
    statement = rana.events.get().statement
    assert (statement.reported_speech, statement.quote, statement.gist, statement.channel) == (True, "", gist, "")
    content = _page(analyst_client, rana)
    assert "Reported speech" in content and gist in content and "channel unknown" in content
    assert f"“{gist}" not in content and "<blockquote" not in content


def test_a_verbatim_quote_is_shown_as_a_quotation(analyst_client, rana):
    analyst_client.post(reverse("cases:event_create", args=[rana.reference, "statement"]),
                        _statement_post(channel="briefing", quote="We will keep you updated."))
    content = _page(analyst_client, rana)
    assert '<blockquote class="quote">“We will keep you updated.”</blockquote>' in content
    assert "Reported speech" not in content


def test_reported_speech_needs_what_was_said(analyst_client, rana):
    response = analyst_client.post(reverse("cases:event_create", args=[rana.reference, "statement"]),
                                   _statement_post(reported_speech="on"))
    assert "gist" in response.context["form"].errors
    assert not rana.events.exists()


def test_editing_a_statement_can_make_it_reported_speech(analyst_client, rana):
    statement = services.statement_record(cases=[rana], government="IN", body="MEA", occurred_on=datetime.date(2025, 2, 1),
                                          summary="s", quote="Invented words", channel="briefing", by=None)
    event = statement.events.get()
    response = analyst_client.post(reverse("cases:event_edit", args=[event.pk]), _statement_post(
        date="2025-02-01", summary="s", reported_speech="on", gist="The MEA said it was working on it.", version=event.version,
    ))
    assert response.status_code == 302
    statement.refresh_from_db()
    assert (statement.reported_speech, statement.quote, statement.gist, statement.channel) == (
        True, "", "The MEA said it was working on it.", ""
    )


def test_editing_an_event_keeps_its_authority_and_changes_its_note(analyst_client, rana):
    police = AuthorityFactory(name="Delhi Police", kind="police", level="")
    event = services.event_record(case=rana, kind="custody", custody_change="arrested", authority=police,
                                  occurred_on=datetime.date(2025, 1, 2), summary="Arrested", by=None)
    form = analyst_client.get(reverse("cases:event_edit", args=[event.pk])).context["form"]
    assert form["authority"].value() == police.pk
    response = analyst_client.post(reverse("cases:event_edit", args=[event.pk]), _event_post(
        date="2025-01-02", summary="Arrested", custody_change="arrested", authority=police.pk,
        note="Day inferred from 'on Friday'", version=event.version,
    ))
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.authority, event.note) == (police, "Day inferred from 'on Friday'")


def test_timeline_can_show_only_executive_decisions(analyst_client, rana):
    body = AuthorityFactory(kind="executive", level="")
    decision = EventFactory(case=rana, kind="executive_decision", authority=body, decision="extradition_refused")
    EventFactory(case=rana)
    response = analyst_client.get(rana.get_absolute_url(), {"kind": "executive_decision"})
    assert list(response.context["timeline"].object_list) == [decision]


# Record v2: dates at their precision -------------------------------------------------------------


def test_a_month_only_stage_change_shows_no_false_day(analyst_client):
    case = CaseFactory(stage=Stage.HEARING, stage_entered_on=datetime.date(2018, 1, 15))
    response = analyst_client.post(reverse("cases:case_stage_change", args=[case.reference]), _event_post(
        date="2018-08", to_stage=Stage.SURRENDERED, summary="Surrendered",
        note="Month from the ministry's answer", confidence="confirmed",
    ))
    assert response.status_code == 302
    content = _page(analyst_client, case)
    assert "Aug 2018 – now" in content and "since Aug 2018" in content
    assert "1 Aug 2018" not in content
    event = case.events.get()
    assert (event.note, event.confidence) == ("Month from the ministry's answer", "confirmed")


def test_a_year_only_stage_change_is_not_refused_as_before_a_day_in_that_year(analyst_client):
    case = CaseFactory(stage=Stage.REQUEST_MADE, stage_entered_on=datetime.date(2016, 2, 1))
    response = analyst_client.post(reverse("cases:case_stage_change", args=[case.reference]),
                                   _event_post(date="2016", to_stage=Stage.ARREST, summary="Arrested"))
    assert response.status_code == 302


def test_case_list_shows_the_stage_date_at_its_precision(analyst_client):
    CaseFactory(stage_entered_on=datetime.date(2018, 8, 1), stage_entered_precision="month")
    content = analyst_client.get(reverse("cases:case_list")).content.decode()
    assert "since Aug 2018" in content and "1 Aug 2018" not in content


# Record v2: moving entries on the timeline ------------------------------------------------------


def _overlapping_pair(case):
    """A month-only entry and a day in that month: their order is the analyst's to choose."""
    day = services.event_record(case=case, kind="status", occurred_on=datetime.date(2022, 11, 9), summary="day", by=None)
    month = services.event_record(case=case, kind="status", occurred_on=datetime.date(2022, 11, 1), date_precision="month",
                                  summary="month", by=None)
    return day, month


def _order(case) -> list[str]:
    return list(case.events.timeline_order(newest_first=False).values_list("summary", flat=True))


def test_an_entry_moves_earlier_where_the_dates_allow(analyst_client, rana):
    day, month = _overlapping_pair(rana)
    assert _order(rana) == ["day", "month"]
    response = analyst_client.post(reverse("cases:event_move", args=[month.pk]), {"direction": "earlier"})
    assert response.status_code == 302 and response["Location"].endswith(f"#event-{month.pk}")
    assert _order(rana) == ["month", "day"]


def test_a_move_the_dates_forbid_is_refused_with_its_reason(analyst_client, rana):
    services.event_record(case=rana, kind="status", occurred_on=datetime.date(2020, 1, 1), summary="first", by=None)
    later = services.event_record(case=rana, kind="status", occurred_on=datetime.date(2021, 1, 1), summary="second", by=None)
    response = analyst_client.post(reverse("cases:event_move", args=[later.pk]), {"direction": "earlier"}, follow=True)
    assert response.status_code == 200
    assert "cannot change order" in response.content.decode()
    assert _order(rana) == ["first", "second"]


def test_htmx_move_swaps_the_case_in_place_and_reports_a_refusal(analyst_client, rana):
    only = services.event_record(case=rana, kind="status", occurred_on=datetime.date(2020, 1, 1), summary="only", by=None)
    response = analyst_client.post(reverse("cases:event_move", args=[only.pk]), {"direction": "later"},
                                   headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Retarget"] == "#case-live"
    assert 'class="message error"' in response.content.decode() and "already the latest" in response.content.decode()


def test_analysts_see_move_buttons_and_viewers_do_not(analyst_client, client, rana):
    EventFactory(case=rana)
    assert "Move this entry earlier" in _page(analyst_client, rana)
    reader = Client()
    reader.force_login(user_in_role(roles.VIEWER, "reader"))
    content = _page(reader, rana)
    assert "Move this entry" not in content and "event_move" not in content
    assert "Record the outcome" not in content and "Link a related matter" not in content and "unlink" not in content


# Record v2: outcome and closure -----------------------------------------------------------------


def test_outcome_after_surrender_is_recorded_on_an_open_case(analyst_client, rana):
    response = analyst_client.post(reverse("cases:case_outcome", args=[rana.reference]),
                                   {"outcome": "extradited", "after_surrender": "convicted"})
    assert response.status_code == 302
    rana.refresh_from_db()
    assert (rana.outcome, rana.after_surrender, rana.closed_on) == ("extradited", "convicted", None)
    assert "Extradited: convicted" in _page(analyst_client, rana)


def test_after_surrender_without_extradition_is_refused_next_to_the_field(analyst_client, rana):
    response = analyst_client.post(reverse("cases:case_outcome", args=[rana.reference]),
                                   {"outcome": "refused", "after_surrender": "convicted"})
    assert "after_surrender" in response.context["form"].errors
    rana.refresh_from_db()
    assert rana.outcome == ""


def test_closing_records_what_happened_after_surrender(analyst_client, rana):
    response = analyst_client.post(reverse("cases:case_close", args=[rana.reference]),
                                   {"outcome": "extradited", "after_surrender": "acquitted", "closed_on": "2025-06-01"})
    assert response.status_code == 302
    rana.refresh_from_db()
    assert (rana.outcome, rana.after_surrender, rana.closed_on) == ("extradited", "acquitted", datetime.date(2025, 6, 1))


def test_case_list_tells_closed_after_surrender_from_closed_without_extradition(analyst_client):
    CaseFactory(title="Surrendered one", outcome="extradited", after_surrender="convicted", closed_on=datetime.date(2024, 1, 1))
    CaseFactory(title="Refused one", outcome="refused", closed_on=datetime.date(2024, 1, 1))
    content = analyst_client.get(reverse("cases:case_list")).content.decode()
    assert '<span class="badge extradited">Closed after surrender: convicted</span>' in content
    assert '<span class="badge not-extradited">Closed without extradition: refused</span>' in content


# Record v2: related matters ---------------------------------------------------------------------


def test_a_related_matter_is_linked_by_reference_and_shown_on_both_cases(analyst_client, rana):
    other = CaseFactory(title="Tahawwur Rana (US → Canada)", reference="rana-canada")
    response = analyst_client.post(reverse("cases:case_relation_add", args=[rana.reference]),
                                   {"related_case": "RANA-CANADA", "relation": "superseded_by", "note": "Replaced"})
    assert response.status_code == 302
    assert "Superseded by" in _page(analyst_client, rana) and other.title in _page(analyst_client, rana)
    assert "Supersedes" in _page(analyst_client, other) and rana.title in _page(analyst_client, other)


def test_a_related_matter_can_be_picked_by_its_title(analyst_client, rana):
    other = CaseFactory(title="Julian Assange (UK → Sweden)")
    analyst_client.post(reverse("cases:case_relation_add", args=[rana.reference]),
                        {"related_case": "julian assange (uk → sweden)", "relation": "parallel"})
    assert rana.relations_from.get().related_case == other


@pytest.mark.parametrize("typed, message", [("rana", "cannot be related to itself"), ("nope", "No case has")])
def test_a_related_matter_that_cannot_be_linked_is_refused(analyst_client, rana, typed, message):
    response = analyst_client.post(reverse("cases:case_relation_add", args=[rana.reference]),
                                   {"related_case": typed, "relation": "parallel"})
    assert message in str(response.context["form"].errors["related_case"])
    assert not rana.relations_from.exists()


def test_a_related_matter_is_removed_from_either_case(analyst_client, rana):
    other = CaseFactory()
    relation = services.case_relate(case=other, related_case=rana, relation="parallel", by=None)
    response = analyst_client.post(reverse("cases:case_relation_remove", args=[rana.reference, relation.pk]))
    assert response.status_code == 302
    assert not rana.relations_to.exists()


def test_a_relation_cannot_be_removed_through_an_unrelated_case(analyst_client, rana):
    relation = services.case_relate(case=CaseFactory(), related_case=CaseFactory(), relation="parallel", by=None)
    assert analyst_client.post(reverse("cases:case_relation_remove", args=[rana.reference, relation.pk])).status_code == 404


def test_case_suggestions_match_reference_and_title(analyst_client, rana):
    CaseFactory(title="Nirav Modi (UK → India)", reference="modi")
    content = analyst_client.get(reverse("cases:case_suggest"), {"related_case": "tahaw"}).content.decode()
    assert '<option value="rana">Tahawwur Rana (US → India)</option>' in content and "Modi" not in content
    assert analyst_client.get(reverse("cases:case_suggest"), {"related_case": "t"}).content.strip() == b""


def test_case_list_marks_cases_with_related_matters(analyst_client, rana):
    services.case_relate(case=rana, related_case=CaseFactory(), relation="same_person", by=None)
    lonely = CaseFactory()
    page = analyst_client.get(reverse("cases:case_list")).context["page"]
    flags = {case.pk: case.has_related for case in page.object_list}
    assert flags[rana.pk] and not flags[lonely.pk]


def test_case_page_queries_do_not_grow_with_related_matters(analyst_client):
    few, many = CaseFactory(), CaseFactory()
    services.case_relate(case=few, related_case=CaseFactory(), relation="parallel", by=None)
    for _ in range(5):
        services.case_relate(case=many, related_case=CaseFactory(), relation="parallel", by=None)
        services.case_relate(case=CaseFactory(), related_case=many, relation="co_accused", by=None)
    analyst_client.get(reverse("cases:case_list"))
    assert _case_page_queries(analyst_client, few) == _case_page_queries(analyst_client, many)


# Record v2: treaties, legal basis, roles --------------------------------------------------------


def test_case_form_takes_a_treaty_on_file_and_a_long_legal_basis(analyst_client, rana):
    treaty = TreatyFactory(name="India–US Extradition Treaty (1997)")
    basis = "; ".join(["Extradition Act 1962, s. 34B"] * 300)
    response = analyst_client.post(reverse("cases:case_edit", args=[rana.reference]),
                                   _case_form(rana, treaty=treaty.pk, legal_basis=basis))
    assert response.status_code == 302
    rana.refresh_from_db()
    assert (rana.treaty, rana.legal_basis) == (treaty, basis)
    content = _page(analyst_client, rana)
    assert treaty.name in content and reverse("cases:treaty_detail", args=[treaty.pk]) in content


def test_case_form_offers_no_treaty(analyst_client, rana):
    content = analyst_client.get(reverse("cases:case_edit", args=[rana.reference])).content.decode()
    assert '<option value="">No treaty</option>' in content


def test_analyst_creates_and_edits_a_treaty(analyst_client):
    name = "European Convention on Extradition (Paris, 13 December 1957), with its additional protocols " * 4
    response = analyst_client.post(reverse("cases:treaty_create"), {
        "name": name.strip(), "countries": ["GB", "SE"], "signed_on": "1957-12-13", "in_force_on": "1960-04-18",
        "url": "https://example.org/ets024",
    })
    assert response.status_code == 302
    treaty = Treaty.objects.get()
    assert ([c.code for c in treaty.countries], treaty.in_force_on) == (["GB", "SE"], datetime.date(1960, 4, 18))
    response = analyst_client.post(reverse("cases:treaty_edit", args=[treaty.pk]), {
        "name": "European Convention on Extradition", "countries": ["GB"], "signed_on": "1957-12-13",
    })
    assert response.status_code == 302
    treaty.refresh_from_db()
    assert (treaty.name, treaty.in_force_on) == ("European Convention on Extradition", None)


def test_a_treaty_name_already_on_file_is_refused_next_to_the_name(analyst_client):
    TreatyFactory(name="India–UK Extradition Treaty (1992)")
    response = analyst_client.post(reverse("cases:treaty_create"), {"name": "India–UK Extradition Treaty (1992)"})
    assert "name" in response.context["form"].errors


def test_a_treaty_cannot_enter_into_force_before_it_is_signed(analyst_client):
    response = analyst_client.post(reverse("cases:treaty_create"),
                                   {"name": "X", "signed_on": "2000-01-02", "in_force_on": "1999-01-01"})
    assert "in_force_on" in response.context["form"].errors
    assert not Treaty.objects.exists()


def test_treaty_pages_list_treaties_and_their_cases(analyst_client, rana):
    treaty = TreatyFactory(name="India–US Extradition Treaty (1997)")
    Case.objects.filter(pk=rana.pk).update(treaty=treaty)
    listing = analyst_client.get(reverse("cases:treaty_list")).content.decode()
    assert treaty.name in listing
    detail = analyst_client.get(reverse("cases:treaty_detail", args=[treaty.pk])).content.decode()
    assert rana.title in detail and "India" in detail


def test_a_person_can_be_added_as_a_victim(analyst_client, rana):
    response = analyst_client.post(reverse("cases:case_party_add", args=[rana.reference]),
                                   {"person": "A Complainant", "role": "victim"})
    assert response.status_code == 302
    assert rana.parties.get(person__name="A Complainant").role == "victim"


def test_timeline_can_show_only_status_updates_about_a_subject(analyst_client, rana):
    notice = EventFactory(case=rana, category="interpol_notice")
    EventFactory(case=rana, category="health")
    ruling = EventFactory(case=rana, kind="ruling", authority=AuthorityFactory(), decision="affirmed")
    only = analyst_client.get(rana.get_absolute_url(), {"category": "interpol_notice"}).context["timeline"].object_list
    assert list(only) == [notice]
    with_rulings = analyst_client.get(rana.get_absolute_url(), {"category": "interpol_notice", "kind": "ruling"})
    assert set(with_rulings.context["timeline"].object_list) == {notice, ruling}


def test_history_page_names_each_changed_field_old_and_new(analyst_client, rana):
    services.case_change_stage(case=rana, to_stage=Stage.SURRENDERED, reason="Flown to New Delhi",
                               occurred_on=datetime.date(2025, 4, 10), by=None)
    content = analyst_client.get(reverse("cases:case_history", args=[rana.reference])).content.decode()
    assert '<th scope="row">Stage</th><td><del>Surrender pending</del></td><td><span aria-hidden="true">→ </span><ins>Surrendered</ins></td>' in content
    assert "<del>21 Jan 2025</del>" in content and "<ins>10 Apr 2025</ins>" in content
    assert "Version" not in content and "Updated at" not in content


def test_event_and_person_history_pages_name_the_changed_fields(analyst_client, rana):
    event = services.event_record(case=rana, kind="status", occurred_on=datetime.date(2025, 1, 2), summary="Noted", by=None)
    services.event_update(event=event, by=None, summary="Noted, then corrected")
    content = analyst_client.get(reverse("cases:event_history", args=[event.pk])).content.decode()
    assert "<del>Noted</del>" in content and "<ins>Noted, then corrected</ins>" in content
    person = rana.parties.first().person
    services.person_update(person=person, by=None, description="Businessman")
    content = analyst_client.get(reverse("cases:person_history", args=[person.pk])).content.decode()
    assert "<ins>Businessman</ins>" in content and "Version" not in content


# The reading under a date field (cases:date_reading), asked for as the analyst types.


@pytest.mark.parametrize(
    "query, said",
    [
        ({"field": "date", "date": "21 Apr 2025"}, "Read as: 21 April 2025 (exact day)"),
        ({"field": "date", "date": "April 2025"}, "Read as: April 2025 (month only)"),
        ({"field": "date", "date": "c. 2019"}, "Read as: about 2019 (year only, approximate)"),
        ({"field": "sources-0-published_on", "sources-0-published_on": "2025-04-21", "day": "1"},
         "Read as: 21 April 2025 (exact day)"),
    ],
)
def test_date_reading_says_how_the_date_is_read(analyst_client, query, said):
    response = analyst_client.get(reverse("cases:date_reading"), query, headers={"HX-Request": "true"})
    assert response.status_code == 200 and said in response.content.decode()


@pytest.mark.parametrize(
    "query, said",
    [
        ({"field": "date", "date": "31 Feb 2025"}, "February 2025 has 28 days"),
        ({"field": "date", "date": "<b>soon</b>"}, "“&lt;b&gt;soon&lt;/b&gt;” is not a date this field can read"),
        ({"field": "due_on", "due_on": "2025", "day": "1"}, "Give the day too, e.g. 21 Apr 2025."),
    ],
)
def test_date_reading_says_what_is_wrong(analyst_client, query, said):
    response = analyst_client.get(reverse("cases:date_reading"), query)
    assert response.status_code == 200 and said in response.content.decode()


def test_date_reading_of_nothing_says_nothing(analyst_client):
    assert analyst_client.get(reverse("cases:date_reading"), {"field": "date", "date": " "}).content.strip() == b""


def test_date_reading_needs_a_login(client):
    response = client.get(reverse("cases:date_reading"), {"field": "date", "date": "2025"})
    assert response.status_code in (302, 403) and b"Read as" not in response.content


def test_the_event_form_page_asks_for_the_date_in_words(analyst_client, rana):
    content = analyst_client.get(reverse("cases:event_create", args=[rana.reference, "status"])).content.decode()
    assert "Date known to" not in content and "Approximate date" not in content
    assert f'hx-get="{reverse("cases:date_reading")}?field=date"' in content and 'id="id_date-reading"' in content


def test_a_month_only_event_posted_in_words_is_saved_at_its_precision(analyst_client, rana):
    response = analyst_client.post(
        reverse("cases:event_create", args=[rana.reference, "status"]),
        _event_post(date="about April 2019", category="other", summary="Arrested, the month only known"),
    )
    assert response.status_code == 302
    event = rana.events.get(summary="Arrested, the month only known")
    assert (event.occurred_on, event.date_precision, event.date_approximate) == (datetime.date(2019, 4, 1), "month", True)
