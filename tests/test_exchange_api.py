import base64
import datetime
import io
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from cases import roles
from cases.models import Case, Event
from tests.factories import CaseFactory, EventFactory, UserFactory

pytestmark = pytest.mark.django_db

FIRST_DEMO = Path(__file__).resolve().parent / "data" / "rana-2025-01-31-v2.json"


@pytest.fixture
def demo(tmp_path, settings):
    """The first demo (the Rana case of 31 Jan 2025, three events), whose facts these tests check."""
    settings.VAR_DIR = tmp_path
    call_command("load_demo", "--file", str(FIRST_DEMO), stdout=io.StringIO())
    return Case.objects.get(reference="rana-us-india")



@pytest.fixture
def auth():
    roles.roles_sync()
    user = UserFactory(username="robot", groups=[Group.objects.get(name=roles.VIEWER)])
    return {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=user).key}"}


def test_without_a_token_the_api_answers_401_not_a_login_page(client, demo):
    response = client.get("/api/cases/")
    assert response.status_code == 401


def test_a_wrong_token_is_refused(client, demo):
    assert client.get("/api/cases/", HTTP_AUTHORIZATION="Token nope").status_code == 401


def test_a_user_without_a_role_is_forbidden(client, demo):
    user = UserFactory(username="nobody")
    token = Token.objects.create(user=user).key
    assert client.get("/api/cases/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 403


def test_cases_are_listed_and_paginated(client, demo, auth):
    CaseFactory.create_batch(2)
    body = client.get("/api/cases/?page_size=2", **auth).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]


def test_a_case_is_read_by_its_reference(client, demo, auth):
    body = client.get("/api/cases/rana-us-india/", **auth).json()
    assert body["stage"] == "surrender_pending" and body["requested_state"] == "US"
    assert {"person": "Tahawwur Rana", "role": "person_sought", "note": ""} in body["parties"]


def test_the_cases_endpoint_takes_the_case_list_filters(client, demo, auth):
    CaseFactory(reference="uk-case", requested_state="GB", stage="hearing")
    assert [c["reference"] for c in client.get("/api/cases/?requested_state=GB", **auth).json()["results"]] == ["uk-case"]
    assert [c["reference"] for c in client.get("/api/cases/?q=Hussain", **auth).json()["results"]] == ["rana-us-india"]
    assert client.get("/api/cases/?stage=limbo", **auth).status_code == 400


def test_events_come_with_partial_dates_statements_and_sources(client, demo, auth):
    body = client.get("/api/events/?case=rana-us-india&kind=statement", **auth).json()
    (event,) = body["results"]
    assert event["date"] == "2025-01-31" and event["statement"]["speaker"] == "Randhir Jaiswal"
    assert event["sources"][0]["published_on"] == "2025-01-31"


def test_the_event_list_reads_each_case_without_its_search_words(client, demo, auth):
    """A long case's words run to half a megabyte, and every one of its newest events joined them."""
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/events/?page_size=50", **auth).json()
    assert body["results"] and {event["case"] for event in body["results"]} == {"rana-us-india"}
    read = " ".join(query["sql"] for query in queries.captured_queries)
    assert "cases_event" in read and "search_vector" not in read and "search_text" not in read


def test_events_are_filtered_by_the_same_case_filters(client, demo, auth):
    other = CaseFactory(reference="uk-case", requested_state="GB")
    EventFactory(case=other, date_precision="month")
    results = client.get("/api/events/?requested_state=GB", **auth).json()["results"]
    assert [(e["case"], e["date"]) for e in results] == [("uk-case", "2025-01")]


def test_the_openapi_description_is_served_to_clients_with_a_token_only(client, auth):
    assert client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").status_code == 401
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json", **auth)
    assert response.status_code == 200
    schema = response.json()
    assert "/api/cases/" in schema["paths"] and "/api/events/" in schema["paths"]
    names = {p["name"] for p in schema["paths"]["/api/cases/"]["get"]["parameters"]}
    assert {"q", "stage", "requested_state", "page"} <= names


def test_listing_cases_and_events_costs_the_same_queries_for_more_rows(client, demo, auth, django_assert_max_num_queries):
    for _ in range(5):
        case = CaseFactory()
        EventFactory.create_batch(3, case=case)
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/cases/", **auth).json()["results"]) == 6
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/events/", **auth).json()["results"]) == 18


@pytest.fixture
def second_generation(db):
    from tests.test_exchange_exports import record_every_item

    record_every_item()


def test_an_executive_decision_comes_with_its_own_label_official_and_detail(client, second_generation, auth):
    (event,) = client.get("/api/events/?case=choksi-ag-in&kind=executive_decision", **auth).json()["results"]
    assert (event["decision"], event["decision_label"], event["decision_detail"]) == (
        "extradition_ordered", "Extradition ordered", "subject to assurances")
    assert (event["official"], event["authority_kind"]) == ("Steadroy Benjamin", "executive")


def test_reported_speech_comes_as_gist_with_no_quote(client, second_generation, auth):
    (event,) = client.get("/api/events/?case=choksi-be-in&kind=statement", **auth).json()["results"]
    statement = event["statement"]
    assert (statement["reported_speech"], statement["quote"], statement["channel"]) == (True, "", "")
    assert statement["gist"].startswith("India would liaise")


def test_events_carry_notes_categories_and_both_custody_changes(client, second_generation, auth):
    results = client.get("/api/events/?case=choksi-ag-in&page_size=100", **auth).json()["results"]
    assert {"investigation", "death", "case_closure"} <= {e["category"] for e in results}
    assert any(e["note"] == "Sources conflict: Feb vs Aug 2017." for e in results)
    assert any((e["custody_change"], e["custody_change_then"]) == ("surrendered", "arrested") for e in results)


def test_a_related_matter_is_shown_on_both_cases(client, second_generation, auth):
    belgium = client.get("/api/cases/choksi-be-in/", **auth).json()
    antigua = client.get("/api/cases/choksi-ag-in/", **auth).json()
    assert [(r["case"], r["relation"]) for r in belgium["related"]] == [("choksi-ag-in", "same_person")]
    assert [(r["case"], r["relation"]) for r in antigua["related"]] == [("choksi-be-in", "same_person")]


def test_a_case_comes_with_its_outcome_after_surrender_and_legal_basis(client, second_generation, auth):
    case = client.get("/api/cases/choksi-ag-in/", **auth).json()
    assert (case["outcome"], case["after_surrender"], case["treaty"]) == ("extradited", "convicted", None)
    assert case["legal_basis"].startswith("Extradition Act 1993") and case["stage_entered"] == "2016"


def test_the_openapi_description_documents_every_answer_the_api_gives(client, auth):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json", **auth).json()
    for path in ("/api/cases/", "/api/events/"):
        assert {"200", "400", "401", "403", "404"} <= set(schema["paths"][path]["get"]["responses"])
    assert {"200", "401", "404"} <= set(schema["paths"]["/api/events/{id}/"]["get"]["responses"])


def test_an_unknown_kind_is_refused_like_an_unknown_stage(client, demo, auth):
    response = client.get("/api/events/?kind=bogus", **auth)
    assert response.status_code == 400 and "bogus" in response.json()["kind"][0]
    assert client.get("/api/events/?stage=bogus", **auth).status_code == 400
    assert client.get("/api/events/?kind=ruling", **auth).status_code == 200


# The event list reads on by cursor ---------------------------------------------------------------


def _path(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def _events_walk(client, auth, first: str, *, between_pages=lambda number: None) -> list[int]:
    """The ids of the events met by following ``next`` from the first page to the last."""
    seen, link, number = [], first, 0
    while link:
        body = client.get(link, **auth).json()
        seen += [event["id"] for event in body["results"]]
        link = _path(body["next"]) if body["next"] else None
        number += 1
        between_pages(number)
        assert number < 100, "the walk does not end"
    return seen


@pytest.fixture
def events_of_three_cases(db):
    return [EventFactory(case=case, occurred_on=datetime.date(2024, 1, day))
            for case in CaseFactory.create_batch(3) for day in range(1, 8)]


def test_walking_the_events_by_cursor_meets_each_once_newest_recorded_first(client, auth, events_of_three_cases, settings):
    settings.SITE_URL = "https://tracker.example.org"
    body = client.get("/api/events/?page_size=4", **auth).json()
    assert body["next"].startswith("https://tracker.example.org/api/events/?") and "cursor=" in body["next"]
    assert "count" not in body and body["previous"] is None
    ids = sorted((event.pk for event in events_of_three_cases), reverse=True)
    assert _events_walk(client, auth, "/api/events/?page_size=4") == ids


def test_an_events_walk_meets_each_event_it_started_with_once_whatever_is_recorded_meanwhile(
    client, auth, events_of_three_cases
):
    case = events_of_three_cases[0].case
    existing = sorted((event.pk for event in events_of_three_cases if event.case == case), reverse=True)

    def record_some(number):
        EventFactory(case=case, occurred_on=datetime.date(2025, 1, number))  # the latest
        EventFactory(case=case, occurred_on=datetime.date(2024, 1, 4))  # among those already read
        EventFactory(case=case, kind=Event.Kind.CUSTODY, custody_change="arrested", occurred_on=datetime.date(2023, 1, 1))

    seen = _events_walk(client, auth, f"/api/events/?case={case.reference}&kind=status&page_size=2",
                        between_pages=record_some)
    assert len(seen) == len(set(seen)) and seen == existing


def test_the_events_previous_link_reads_back(client, auth, events_of_three_cases):
    first = client.get("/api/events/?page_size=5", **auth).json()
    second = client.get(_path(first["next"]), **auth).json()
    assert [e["id"] for e in client.get(_path(second["previous"]), **auth).json()["results"]] == [
        e["id"] for e in first["results"]]


def _cursor(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize("cursor", [
    "abc", "nonsense!", _cursor("p=abc"), _cursor("p=-5"), _cursor("p=" + "9" * 25), _cursor("o=-1"), _cursor("r=x"),
])
def test_a_cursor_the_api_did_not_give_is_a_404_not_a_server_error(client, auth, events_of_three_cases, cursor):
    response = client.get("/api/events/", {"cursor": cursor}, **auth)
    assert response.status_code == 404 and response.json() == {"detail": "Invalid cursor"}


@pytest.mark.parametrize("query", ["page=3", "cursor=", "page="])
def test_an_old_page_number_or_a_blank_cursor_reads_the_first_events(client, auth, events_of_three_cases, query):
    response = client.get(f"/api/events/?page_size=4&{query}", **auth)
    newest = sorted((event.pk for event in events_of_three_cases), reverse=True)[:4]
    assert response.status_code == 200 and [e["id"] for e in response.json()["results"]] == newest


@pytest.mark.parametrize("page_size", ["abc", "0", "-3"])
def test_the_events_page_size_is_checked_as_the_cases_is(client, auth, page_size):
    response = client.get("/api/events/", {"page_size": page_size}, **auth)
    assert response.status_code == 400 and list(response.json()) == ["page_size"]


def test_a_later_page_of_events_costs_the_queries_of_the_first(client, auth, events_of_three_cases):
    third = _path(client.get(_path(client.get("/api/events/?page_size=4", **auth).json()["next"]), **auth).json()["next"])
    with CaptureQueriesContext(connection) as first:
        client.get("/api/events/?page_size=4", **auth)
    with CaptureQueriesContext(connection) as later:
        assert len(client.get(third, **auth).json()["results"]) == 4
    assert len(later) == len(first)


def test_the_openapi_description_pages_events_by_cursor(client, auth):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json", **auth).json()
    names = {p["name"] for p in schema["paths"]["/api/events/"]["get"]["parameters"]}
    assert {"cursor", "page_size", "case", "kind"} <= names and "page" not in names


def test_api_answers_are_never_stored_by_caches(client, demo, auth):
    assert client.get("/api/cases/", **auth)["Cache-Control"] == "no-store, private"
