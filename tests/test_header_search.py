"""
The search box in the header: the results page (/search/?q=...) and the suggestions htmx asks for
as one types, grouped cases / people / events; a misspelt name still finds the person and their
case; a fixed number of queries; bad input never a 500.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.models import CaseParty, Stage
from tests.factories import CaseFactory, CasePartyFactory, PersonFactory, PersonNameFactory, ReaderFactory, UserFactory

pytestmark = pytest.mark.django_db

SUGGEST = {"HX-Request": "true", "HX-Current-URL": "http://testserver/"}


@pytest.fixture
def viewer_client(client):
    client.force_login(ReaderFactory(username="viewer"))
    return client


@pytest.fixture
def rana(db):
    case = CaseFactory(title="Tahawwur Rana (US → India)", reference="rana-us-india", stage=Stage.SURRENDERED)
    person = PersonFactory(name="Tahawwur Rana")
    PersonNameFactory(person=person, name="Tahawwur Hussain Rana")
    CasePartyFactory(case=case, person=person, role=CaseParty.Role.PERSON_SOUGHT)
    services.case_refresh_search_text(cases=[case])
    return case


@pytest.fixture
def modi(db):
    case = CaseFactory(title="Nirav Modi (UK → India)", reference="modi-uk-india", requested_state="GB")
    CasePartyFactory(case=case, person=PersonFactory(name="Nirav Deepak Modi"))
    services.case_refresh_search_text(cases=[case])
    return case


def record(case, summary, note="", day=datetime.date(2025, 1, 21)):
    """An event logged through the service, so that its words are indexed as on a live system."""
    return services.event_record(case=case, kind="status", by=None, summary=summary, note=note, occurred_on=day)


def suggest(client, text):
    return client.get(reverse("cases:search"), {"q": text}, headers=SUGGEST)


def page(client, text):
    return client.get(reverse("cases:search"), {"q": text})


# The box ---------------------------------------------------------------------------------------


def test_every_page_has_the_search_box_for_someone_who_may_read_cases(viewer_client):
    for url in (reverse("cases:case_list"), reverse("cases:person_list"), reverse("alerts:following")):
        html = viewer_client.get(url).content.decode()
        assert 'id="header-search-q"' in html, url
        assert f'action="{reverse("cases:search")}"' in html
        assert 'hx-get="/search/"' in html


def test_no_search_box_for_an_account_without_a_role(client):
    client.force_login(UserFactory())
    assert 'id="header-search-q"' not in client.get(reverse("alerts:following")).content.decode()


def test_no_search_box_on_the_login_page(client):
    assert 'id="header-search-q"' not in client.get(reverse("login")).content.decode()


# Suggestions -----------------------------------------------------------------------------------


def test_suggestions_are_links_grouped_by_cases_people_and_events(viewer_client, rana):
    event = record(rana, "Rana was flown to New Delhi.")
    response = suggest(viewer_client, "Rana")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # the fragment only
    assert html.index(">Cases<") < html.index(">People<") < html.index(">Events<")
    assert f'href="{rana.get_absolute_url()}"' in html
    assert f'href="{rana.parties.get().person.get_absolute_url()}"' in html
    assert f'href="{rana.get_absolute_url()}#event-{event.pk}"' in html
    assert f'href="{reverse("cases:search")}?q=Rana"' in html  # all results
    # The status line for screen readers goes to its own live region (out of band).
    assert 'id="header-search-status" hx-swap-oob="innerHTML"' in html


def test_a_misspelt_name_suggests_the_person_and_their_case(viewer_client, rana, modi):
    html = suggest(viewer_client, "Tahawur").content.decode()
    assert "Tahawwur Rana" in html
    assert f'href="{rana.get_absolute_url()}"' in html
    assert "Nirav" not in html


def test_a_short_form_of_a_name_with_a_middle_name_finds_the_person(viewer_client, modi):
    html = suggest(viewer_client, "Nirav Modi").content.decode()
    assert "Nirav Deepak Modi" in html
    assert f'href="{modi.get_absolute_url()}"' in html


def test_events_are_found_by_their_summary_or_note_latest_first(viewer_client, rana, modi):
    older = record(modi, "Westminster Magistrates' Court sent the case to the Home Secretary.", day=datetime.date(2019, 3, 1))
    newer = record(rana, "Hearing held.", note="Westminster heard it by video link.", day=datetime.date(2025, 2, 1))
    record(rana, "Unrelated entry.")
    html = suggest(viewer_client, "westminster").content.decode()
    first, second = f"#event-{newer.pk}", f"#event-{older.pk}"
    assert first in html and second in html
    assert html.index(first) < html.index(second)
    assert "Unrelated entry" not in html


def test_events_of_deleted_cases_and_deleted_events_are_not_suggested(viewer_client, rana, modi):
    gone = record(modi, "Interpol notice withdrawn.")
    deleted = record(rana, "Interpol notice issued.")
    services.case_delete(case=modi, by=None)
    services.event_delete(event=deleted, by=None)
    html = suggest(viewer_client, "Interpol").content.decode()
    assert f"#event-{gone.pk}" not in html and f"#event-{deleted.pk}" not in html


def test_one_or_no_letter_suggests_nothing(viewer_client, rana):
    for text in ("", "R", "  "):
        response = suggest(viewer_client, text)
        assert response.status_code == 200
        assert "<a " not in response.content.decode()


def test_suggestions_say_when_nothing_was_found(viewer_client, rana):
    html = suggest(viewer_client, "Zzyzx").content.decode()
    assert "Nothing found" in html


def test_suggestions_take_a_bounded_number_of_queries_whatever_the_data(viewer_client):
    def queries(text):
        with CaptureQueriesContext(connection) as captured:
            assert suggest(viewer_client, text).status_code == 200
        return len(captured)

    case = CaseFactory(title="Lone Matter (US → India)")
    services.case_refresh_search_text(cases=[case])
    few = queries("Matter")
    for n in range(12):
        many = CaseFactory(title=f"Matter {n} (US → India)")
        CasePartyFactory(case=many, person=PersonFactory(name=f"Matter Person {n}"))
        services.case_refresh_search_text(cases=[many])
        record(many, f"Matter entry {n}")
    many = queries("Matter")
    # Session, user and permissions; people (the name matching takes one to three); cases by their
    # words; cases of the people found, when the words found fewer than asked; events.
    assert few <= 9 and many <= 9


# The results page ------------------------------------------------------------------------------


def test_the_results_page_shows_the_three_groups_and_links_to_the_case_list(viewer_client, rana):
    record(rana, "Rana was flown to New Delhi.")
    response = page(viewer_client, "Rana")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Found for “Rana”" in html
    for heading in ("Cases", "People", "Events"):
        assert f">{heading}</h2>" in html
    assert f'href="{reverse("cases:case_list")}?q=Rana"' in html
    assert f'href="{reverse("cases:case_list")}?person=Rana"' in html
    assert 'value="Rana"' in html  # the header's box keeps what was searched


def test_the_results_page_without_words_asks_for_some(viewer_client):
    response = page(viewer_client, "")
    assert response.status_code == 200
    assert "Type at least two letters" in response.content.decode()


@pytest.mark.parametrize(
    "text",
    [
        "\x00Rana", "Rana\x00", "%", "%_%", "'; DROP TABLE cases_case; --", "x" * 5000, "(((", "a:* & !b", "26/11",
        "§ 3188", "<script>alert(1)</script>", "\u202eanaR", "Ünïcödé 名前", "   spaced    out   ", "-", "''", "\\",
        "word " * 100,
    ],
)
def test_bad_input_is_answered_not_a_500(viewer_client, rana, text):
    for response in (page(viewer_client, text), suggest(viewer_client, text)):
        assert response.status_code == 200, text
        assert "<script>alert(1)</script>" not in response.content.decode()


def test_several_q_parameters_are_answered(viewer_client, rana):
    response = viewer_client.get(reverse("cases:search") + "?q=Rana&q=Modi&q=")
    assert response.status_code == 200


def test_the_search_needs_a_role_that_may_read_cases(client):
    client.force_login(UserFactory())
    assert client.get(reverse("cases:search"), {"q": "Rana"}).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("cases:search"), {"q": "Rana"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


from hypothesis import HealthCheck, given, settings  # noqa: E402

from tests.test_hostile_input import hostile_text  # noqa: E402


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=hostile_text)
def test_the_search_survives_anything(viewer_client, rana, text):
    for response in (page(viewer_client, text), suggest(viewer_client, text)):
        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in response.content.decode()
