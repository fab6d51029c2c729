import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from cases import roles
from cases.models import Case
from tests.factories import CaseFactory, EventFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    call_command("load_demo", stdout=io.StringIO())
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


def test_events_are_filtered_by_the_same_case_filters(client, demo, auth):
    other = CaseFactory(reference="uk-case", requested_state="GB")
    EventFactory(case=other, date_precision="month")
    results = client.get("/api/events/?requested_state=GB", **auth).json()["results"]
    assert [(e["case"], e["date"]) for e in results] == [("uk-case", "2025-01")]


def test_the_openapi_description_is_served(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
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
