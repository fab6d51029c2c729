"""The read API against its own OpenAPI description, by schemathesis: generated requests to every
operation (valid and invalid ones), every answer put through all of schemathesis's checks — no
server error; a documented status, content type, headers and body; invalid requests refused and
valid ones accepted; a request without the token refused.

The description is the one /api/schema/ serves (a test checks that), generated in this process at
import: schemathesis's fixture-based loader (``schemathesis.pytest.from_fixture``) sets
``node._nodeid``, which pytest 9 no longer has. Requests go through the project's WSGI application
in this process, with a viewer's token, against a database holding a demo case (a person, a
statement, sources) and a few more, so that answers are not all empty lists.
"""

import io
import json
import re
from pathlib import Path

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.config import SchemathesisConfig

from cases import roles
from cases.models import Authority, Case, CaseRelation, Event
from tests.factories import AuthorityFactory, CaseFactory, CaseRelationFactory, EventFactory, UserFactory
from tracker.wsgi import application

FIRST_DEMO = Path(__file__).resolve().parent / "data" / "rana-2025-01-31-v2.json"
# Known before the database exists, so that schemathesis itself sends it: then it also knows
# which requests it made without it (and expects those refused).
TOKEN = "5c4e7f0a9b1d2c3e4f5a6b7c8d9e0f1a2b3c4d5e"
# Small enough that the whole file runs in well under a minute and a half on SQLite.
EXAMPLES_PER_OPERATION = 25


def _wsgi_app(environ, start_response):
    """The project's WSGI application, run as Django's test client runs it: the end of a request
    must not close the connection that holds the test's transaction and its data (on PostgreSQL,
    the next request would fail on a transaction marked for rollback)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = application(environ, start_response)
        try:
            body = b"".join(response)
        finally:
            response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return [body]


def _description() -> dict:
    """The OpenAPI document as /api/schema/ serves it, as plain JSON data."""
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


def _closed(description: dict) -> dict:
    """The description with every documented object closed (additionalProperties: false): served,
    it lets clients expect fields to be added; tested, an answer must carry only documented fields."""
    for component in description["components"]["schemas"].values():
        if "properties" in component:
            component.setdefault("additionalProperties", False)
    return description


schema = schemathesis.openapi.from_dict(
    _closed(_description()),
    config=SchemathesisConfig.from_dict({
        "auth": {"openapi": {"tokenAuth": {"api_key": f"Token {TOKEN}"}}},
        # The coverage phase sends every value of every enum, and on the case list that is about
        # 1,000 requests (249 countries for each of the two states, ...), a minute here: there, the
        # generated requests (valid and invalid) stand in for it. The other operations keep it; it
        # tries each rule of the shared pagination on the event list every time.
        "operations": [{"include-name": "GET /api/cases/", "phases": {"coverage": {"enabled": False}}}],
    }),
)
schema.app = _wsgi_app


@pytest.fixture
def records(db, tmp_path, settings):
    """A viewer holding TOKEN, and cases with people, statements, sources, a court and a related matter."""
    settings.VAR_DIR = tmp_path
    # The WSGI client names its host "localhost"; the test settings may allow only "testserver".
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    call_command("load_demo", "--file", str(FIRST_DEMO), stdout=io.StringIO())
    other = CaseFactory(reference="uk-case", requested_state="GB", stage="hearing")
    EventFactory(case=other, date_precision="month")
    EventFactory(case=other, kind=Event.Kind.CUSTODY, custody_change=Event.CustodyChange.ARRESTED)
    EventFactory(case=other, kind=Event.Kind.HEARING, authority=AuthorityFactory(country="GB"),
                 hearing_status=Event.HearingStatus.SCHEDULED)
    CaseRelationFactory(case=Case.objects.exclude(pk=other.pk).first(), related_case=other)
    roles.roles_sync()
    user = UserFactory(username="schema-robot", groups=[Group.objects.get(name=roles.VIEWER)])
    Token.objects.create(user=user, key=TOKEN)


def _court_on_file(case) -> None:
    """A court is named by the id of an authority on file, which a description cannot list (the
    parameter's description says so): a generated id, well formed, is read as one of those."""
    court = (case.query or {}).get("court")
    if isinstance(court, int) or (isinstance(court, str) and re.fullmatch(r"-?[0-9]+", court)):
        on_file = sorted(Authority.objects.values_list("pk", flat=True))
        case.query["court"] = on_file[int(court) % len(on_file)]


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_every_operation_answers_as_documented(case, records):
    _court_on_file(case)
    case.call_and_validate()


def test_the_description_tested_is_the_one_served(client, records):
    response = client.get("/api/schema/?format=json", HTTP_AUTHORIZATION=f"Token {TOKEN}")
    assert response.status_code == 200 and json.loads(response.content) == _description()


def test_every_case_and_event_recorded_reads_as_documented(records):
    """Generated references and ids rarely exist; these are the ones that do, each read in full."""
    reads = [
        *(schema["/api/cases/{reference}/"]["GET"].Case(path_parameters={"reference": reference})
          for reference in Case.objects.values_list("reference", flat=True)),
        *(schema["/api/events/{id}/"]["GET"].Case(path_parameters={"id": pk})
          for pk in Event.objects.values_list("pk", flat=True)),
    ]
    for read in reads:
        # A case made by hand is sent as made: the token is not added for it.
        assert read.call_and_validate(headers={"Authorization": f"Token {TOKEN}"}).status_code == 200
    assert CaseRelation.objects.exists() and Event.objects.filter(kind=Event.Kind.STATEMENT).exists()


# What schemathesis found, pinned: each was a 500, an HTML page or an answer the description did
# not give, on a generated request that may not come up again.


@pytest.mark.parametrize("address", ["/api/cases/caf%C3%A9/", "/api/cases/a/b/", "/api/events/one/"])
def test_an_address_the_api_does_not_have_is_a_json_404(client, records, address):
    response = client.get(address, HTTP_AUTHORIZATION=f"Token {TOKEN}")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_a_nul_in_the_case_of_the_events_is_refused_not_a_server_error(client, records):
    response = client.get("/api/events/?case=a%00b", HTTP_AUTHORIZATION=f"Token {TOKEN}")
    assert response.status_code == 400 and list(response.json()) == ["case"]


@pytest.mark.parametrize("page_size", ["abc", "0", "-3"])
def test_a_page_size_that_is_not_one_is_refused(client, records, page_size):
    response = client.get("/api/cases/", {"page_size": page_size}, HTTP_AUTHORIZATION=f"Token {TOKEN}")
    assert response.status_code == 400 and list(response.json()) == ["page_size"]


def test_a_blank_filter_or_page_size_means_any(client, records):
    response = client.get("/api/cases/?status=&q=&page_size=&page=", HTTP_AUTHORIZATION=f"Token {TOKEN}")
    assert response.status_code == 200 and response.json()["count"] == Case.objects.count()


def test_a_filter_refused_on_a_detail_is_a_documented_400(client, records):
    response = client.get("/api/events/1/?kind=nope", HTTP_AUTHORIZATION=f"Token {TOKEN}")
    assert response.status_code == 400 and list(response.json()) == ["kind"]
