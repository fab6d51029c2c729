"""
Every URL of the app, for every kind of visitor: the right ones get in, the others are sent to the
login page or refused with 403, and nobody ever gets a 500.

The URL list comes from walking the resolver over the app's namespaces (``cases``, ``alerts``,
``exchange``, ``api``, plus the login and logout pages and the admin's front page), so a URL added
later shows up here on its own.
Each URL must then be given its minimum role in ``MATRIX`` below: a URL missing from the matrix
fails the suite, naming it, until someone decides who may open it.
"""

import datetime
import traceback
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token

from alerts.models import Alert
from alerts.tokens import search_unsubscribe_token_make, unsubscribe_token_make
from cases.models import CaseParty, Event, ExecutiveDecision, Stage, StatusCategory
from cases.roles import ADMINISTRATOR, ANALYST, VIEWER, roles_sync
from exchange.models import ExportFile
from tests.factories import (
    PrivateAddressFactory,
    AlertFactory,
    CaseFactory,
    CasePartyFactory,
    CaseRelationFactory,
    DeadlineFactory,
    EventFactory,
    FollowFactory,
    AuthorityFactory,
    SavedSearchFactory,
    PersonFactory,
    PersonNameFactory,
    SourceFactory,
    StatementFactory,
    TreatyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Who may open a URL, from least to most trusted. LOGGED_IN is any signed-in account, even one
# without a role: it is the level of the pages about the user's own follows and notifications.
PUBLIC, LOGGED_IN = "public", "logged in"
LEVELS = (PUBLIC, LOGGED_IN, VIEWER, ANALYST, ADMINISTRATOR)

# The visitors every URL is tried with, and the level each one holds. "no role" is an account
# nobody has put in a group yet, the usual state of a user just created in the admin.
ANONYMOUS, NO_ROLE = "anonymous", "no role"
PRINCIPALS = {ANONYMOUS: PUBLIC, NO_ROLE: LOGGED_IN, VIEWER: VIEWER, ANALYST: ANALYST, ADMINISTRATOR: ADMINISTRATOR}

# What a URL is, for the methods tried on it: a page is only read (GET); a form is read and
# submitted (GET, and POST with nothing filled in, which must not save anything); an action
# only accepts POST (GET answers 405 to whoever may use it).
PAGE, FORM, ACTION = "page", "form", "action"


@dataclass(frozen=True)
class Rule:
    role: str
    kind: str = PAGE
    # Which objects fill the URL's parameters (see url_kwargs).
    params: str = ""
    # The read-only API: clients send their token (Authorization: Token ...), not a session cookie,
    # and a refusal is 401 (no token) or 403 (no role), never a redirect to the login page.
    api: bool = False
    # What an allowed visitor's POST with nothing filled in may answer, besides 200 and 302.
    post_also: tuple[int, ...] = ()


# The expected matrix: URL name -> the least trusted visitor who may use it.
MATRIX: dict[str, Rule] = {
    # Authentication
    "login": Rule(PUBLIC, FORM),
    "logout": Rule(LOGGED_IN, ACTION),
    # A monitor polls the health check without a login; it names no record.
    "healthz": Rule(PUBLIC),
    # Password reset: for those who cannot log in. A bad link shows its own page, not an error.
    "password_reset": Rule(PUBLIC, FORM),
    "password_reset_done": Rule(PUBLIC),
    "password_reset_confirm": Rule(PUBLIC, FORM, params="reset_link"),
    "password_reset_complete": Rule(PUBLIC),
    # The user's own account: password, two-factor login, private addresses (another's: 404).
    "accounts:security": Rule(LOGGED_IN),
    "accounts:password_change": Rule(LOGGED_IN, FORM),
    "accounts:two_factor_verify": Rule(LOGGED_IN, FORM),
    "accounts:two_factor_setup": Rule(LOGGED_IN, FORM),
    "accounts:two_factor_disable": Rule(LOGGED_IN, ACTION),
    "accounts:private_addresses": Rule(LOGGED_IN, ACTION),
    "accounts:private_address_revoke": Rule(LOGGED_IN, ACTION, params="own_address"),
    "accounts:private_address_rotate": Rule(LOGGED_IN, ACTION, params="own_address"),
    "admin:index": Rule(ADMINISTRATOR),
    # Cases: reading
    "cases:case_list": Rule(VIEWER),
    "cases:case_detail": Rule(VIEWER, params="case"),
    "cases:case_history": Rule(VIEWER, params="case"),
    "cases:event_history": Rule(VIEWER, params="event"),
    "cases:person_list": Rule(VIEWER),
    "cases:person_suggest": Rule(VIEWER),
    "cases:person_detail": Rule(VIEWER, params="person"),
    "cases:person_history": Rule(VIEWER, params="person"),
    "cases:case_suggest": Rule(VIEWER),
    # How a date field reads what was typed (htmx, as the analyst types).
    "cases:date_reading": Rule(VIEWER),
    "cases:treaty_list": Rule(VIEWER),
    # The header's search box: its results page, and the suggestions htmx asks of the same URL.
    "cases:search": Rule(VIEWER),
    "cases:treaty_detail": Rule(VIEWER, params="treaty"),
    # Cases: writing
    "cases:case_create": Rule(ANALYST, FORM),
    "cases:case_edit": Rule(ANALYST, FORM, params="case"),
    "cases:case_stage_change": Rule(ANALYST, FORM, params="case"),
    "cases:case_close": Rule(ANALYST, FORM, params="case"),
    "cases:case_checked": Rule(ANALYST, ACTION, params="case"),
    "alerts:home_briefing": Rule(VIEWER),
    "cases:case_party_add": Rule(ANALYST, FORM, params="case"),
    # Taking a person off a case is an edit of the case (the view asks for change_case); the row's
    # history keeps who removed whom.
    "cases:case_party_remove": Rule(ANALYST, ACTION, params="party"),
    # The outcome and related matters are edits of the case, like its people.
    "cases:case_outcome": Rule(ANALYST, FORM, params="case"),
    "cases:case_relation_add": Rule(ANALYST, FORM, params="case"),
    "cases:case_relation_remove": Rule(ANALYST, ACTION, params="relation"),
    # Moving an entry on its timeline is an edit of the event.
    "cases:event_move": Rule(ANALYST, ACTION, params="event"),
    "cases:treaty_create": Rule(ANALYST, FORM),
    "cases:treaty_edit": Rule(ANALYST, FORM, params="treaty"),
    "cases:event_create": Rule(ANALYST, FORM, params="new_event_kind"),
    "cases:event_edit": Rule(ANALYST, FORM, params="event"),
    "cases:person_create": Rule(ANALYST, FORM),
    "cases:person_edit": Rule(ANALYST, FORM, params="person"),
    # Cases: deleting
    "cases:case_delete": Rule(ADMINISTRATOR, ACTION, params="case"),
    "cases:event_delete": Rule(ADMINISTRATOR, ACTION, params="event"),
    # Analytics across matters: read-only figures, for those who may read cases.
    "analytics:analytics": Rule(VIEWER),
    # Alerts: the reader's own follows and notifications
    "alerts:following": Rule(LOGGED_IN),
    "alerts:notifications": Rule(LOGGED_IN),
    # Following a case means being sent what is logged on it, so only someone who may read it may.
    "alerts:case_follow": Rule(VIEWER, ACTION, params="case"),
    "alerts:case_unfollow": Rule(LOGGED_IN, ACTION, params="case"),
    "alerts:follow_edit": Rule(LOGGED_IN, FORM, params="own_follow"),
    # A saved search alerts with what is logged on the cases it matches: only for those who may
    # read cases. Each is opened, changed and deleted by its owner alone (others get 404).
    "alerts:saved_search_create": Rule(VIEWER, FORM),
    "alerts:saved_search_edit": Rule(LOGGED_IN, FORM, params="own_saved_search"),
    "alerts:saved_search_delete": Rule(LOGGED_IN, ACTION, params="own_saved_search"),
    # Alerts: deadlines are part of the case record
    "alerts:deadline_create": Rule(ANALYST, FORM, params="case"),
    "alerts:deadline_edit": Rule(ANALYST, FORM, params="deadline"),
    "alerts:deadline_done": Rule(ANALYST, ACTION, params="deadline"),
    # Alerts: links sent by email or pasted into a calendar app, opened without a session; the
    # signed token in the address is the proof, so anonymous visitors must be answered.
    "alerts:unsubscribe": Rule(PUBLIC, FORM, params="unsubscribe_token"),
    "alerts:search_unsubscribe": Rule(PUBLIC, FORM, params="search_unsubscribe_token"),
    "alerts:calendar_feed": Rule(PUBLIC, params="calendar_token"),
    # Exchange: export, import, article drafting and feeds
    "exchange:export": Rule(VIEWER),
    # A worker-written export is opened and downloaded by the one who asked for it alone (others get 404).
    "exchange:export_status": Rule(VIEWER, params="own_export"),
    "exchange:export_download": Rule(VIEWER, params="own_export"),
    "exchange:feeds": Rule(VIEWER, FORM),  # POST makes the reader a new API token
    "exchange:case_feed": Rule(VIEWER, params="case"),
    "exchange:import_upload": Rule(ANALYST, FORM, post_also=(400,)),
    # An empty confirmation names no upload: 404 "No such upload".
    "exchange:import_confirm": Rule(ANALYST, ACTION, post_also=(404,)),
    "exchange:article_draft": Rule(ANALYST, FORM, params="case", post_also=(400,)),
    # Private feed addresses for feed readers, which cannot log in; the token is the proof.
    "exchange:case_feed_private": Rule(PUBLIC, params="feed_token_case"),
    "exchange:following_feed": Rule(PUBLIC, params="feed_token"),
    # The import/export format's JSON Schema describes the format and holds no data.
    "exchange:schema_v2": Rule(PUBLIC),
    # The API
    "api:case-list": Rule(VIEWER, api=True),
    "api:case-detail": Rule(VIEWER, params="case", api=True),
    "api:event-list": Rule(VIEWER, api=True),
    "api:event-detail": Rule(VIEWER, params="event", api=True),
    # The API's description: for the API's clients, so any user with a token (no role needed, it holds no data).
    "api:schema": Rule(LOGGED_IN, api=True),
}

# URL parameters that come in several sorts, each tried: an event of every kind, and the form
# for a new event of every kind that has one (a stage change has its own form).
VARIANTS = {
    "event": list(Event.Kind.values),
    "new_event_kind": [kind for kind in Event.Kind.values if kind != Event.Kind.STAGE_CHANGE],
}


# Walking the resolver ---------------------------------------------------------------------------

WALKED_NAMESPACES = ("accounts", "analytics", "cases", "alerts", "exchange", "api")
WALKED_TOP_LEVEL = (
    "login", "logout", "healthz", "password_reset", "password_reset_done", "password_reset_confirm",
    "password_reset_complete",
)


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}:{entry.name}" if namespace else entry.name


def app_url_names() -> list[str]:
    """The names of every URL this test must cover; of the admin, only its front page."""
    names = []
    for name in _walk(get_resolver().url_patterns):
        namespace = name.rpartition(":")[0]
        if namespace in WALKED_NAMESPACES or name in WALKED_TOP_LEVEL or name == "admin:index":
            if name not in names:
                names.append(name)
    return names


def _cases():
    """(url name, variant) pairs to try; a name missing from the matrix is still listed, so it fails."""
    for name in app_url_names():
        rule = MATRIX.get(name)
        for variant in VARIANTS.get(rule.params, [""]) if rule else [""]:
            yield name, variant


CASES = list(_cases())
CASE_IDS = [f"{name}[{variant}]" if variant else name for name, variant in CASES]


def test_every_url_of_the_app_is_in_the_matrix():
    walked = app_url_names()
    missing = [name for name in walked if name not in MATRIX]
    assert not missing, (
        "These URLs have no expected role in MATRIX (tests/test_permissions.py); add each with the "
        f"least trusted role that may use it: {', '.join(missing)}"
    )
    stale = [name for name in MATRIX if name not in walked]
    assert not stale, f"MATRIX lists URLs that no longer exist; remove them: {', '.join(stale)}"


def test_the_walk_finds_the_apps_urls():
    """Guards the walk itself: if it silently found nothing, every other test here would pass."""
    names = app_url_names()
    expected = {"cases:case_list", "cases:event_edit", "alerts:unsubscribe", "api:case-list", "login", "admin:index"}
    assert expected <= set(names)
    assert not any(name.startswith("admin:") and name != "admin:index" for name in names)


# The records the URLs point at ------------------------------------------------------------------


@dataclass
class World:
    users: dict
    case: object
    party: object
    relation: object
    treaty: object
    person: object
    events: dict
    deadline: object
    follows: dict
    tokens: dict
    saved_searches: dict
    exports: dict


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    """The records, made once for this module's ~140 tests (like TestCase.setUpTestData) and
    removed with the rollback at its end; each test's own writes are undone by its own rollback."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            world = _world_build()
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def world(module_world, db):
    return module_world


def _world_build() -> World:
    """A case with a person sought, an event of every kind, a deadline, and each visitor's own follow."""
    roles_sync()
    users = {ANONYMOUS: None, NO_ROLE: UserFactory(username="no-role")}
    for role in (VIEWER, ANALYST, ADMINISTRATOR):
        # The admin site is where administrators manage users, so they get in there too.
        users[role] = UserFactory(
            username=f"test-{role}", groups=[Group.objects.get(name=role)], is_staff=role == ADMINISTRATOR
        )

    treaty = TreatyFactory()
    case = CaseFactory(
        reference="perm-case", stage=Stage.ARREST, stage_entered_on=datetime.date(2025, 1, 2), treaty=treaty
    )
    relation = CaseRelationFactory(case=case, related_case=CaseFactory(reference="perm-related"))
    person = PersonFactory(name="Test Person")
    PersonNameFactory(person=person, name="Test Q. Person")
    party = CasePartyFactory(case=case, person=person, role=CaseParty.Role.PERSON_SOUGHT)
    authority = AuthorityFactory()
    source = SourceFactory()
    kind_fields = {
        Event.Kind.RULING: {"authority": authority, "decision": Event.Decision.CERT_DENIED},
        Event.Kind.EXECUTIVE_DECISION: {
            "authority": AuthorityFactory(kind="executive", level=""),
            "official": person,
            "decision": ExecutiveDecision.SURRENDER_AUTHORISED,
        },
        Event.Kind.STATEMENT: {"statement": StatementFactory(speaker=person)},
        Event.Kind.STATUS: {"category": StatusCategory.INVESTIGATION},
        Event.Kind.HEARING: {"authority": authority, "hearing_status": Event.HearingStatus.SCHEDULED},
        Event.Kind.FILING: {"authority": authority, "filing_type": Event.FilingType.APPEAL, "filed_by": "The defence"},
        Event.Kind.CUSTODY: {"custody_change": Event.CustodyChange.ARRESTED},
        Event.Kind.STAGE_CHANGE: {"from_stage": Stage.REQUEST_MADE, "to_stage": Stage.ARREST},
    }
    assert set(kind_fields) == set(Event.Kind.values), "An event kind was added: give it its fields here."
    events = {}
    for kind, fields in kind_fields.items():
        events[kind] = EventFactory(case=case, kind=kind, recorded_by=users[ANALYST], **fields)
        events[kind].sources.add(source)
    deadline = DeadlineFactory(case=case, due_on=datetime.date.today() + datetime.timedelta(days=30))

    follows, saved_searches, exports = {}, {}, {}
    for principal, user in users.items():
        if user is not None:
            exports[principal] = ExportFile.objects.create(
                requested_by=user, format=ExportFile.Format.JSON, state=ExportFile.State.DONE, filename="cases.json",
                file=ContentFile(b"{}\n", name=f"exports/permissions-{principal}.json"),
            )
            follows[principal] = FollowFactory(user=user, case=case)
            saved_searches[principal] = SavedSearchFactory(user=user, query="stage=arrest")
            AlertFactory(recipient=user, event=events[Event.Kind.RULING])
            AlertFactory(
                recipient=user, kind=Alert.Kind.REMINDER, event=None, case=case, deadline=deadline, lead_days=7
            )
    tokens = {principal: Token.objects.create(user=user).key for principal, user in users.items() if user is not None}
    return World(
        users=users, case=case, party=party, relation=relation, treaty=treaty, person=person, events=events, deadline=deadline, follows=follows,
        tokens=tokens, saved_searches=saved_searches, exports=exports,
    )


def url_kwargs(world: World, params: str, variant: str, principal: str) -> dict:
    """The URL parameters of one case of the matrix, from the world's records."""
    case = world.case
    # A link that works without a session carries its owner's token, whoever opens it: the viewer's.
    owner = world.users[VIEWER]
    match params:
        case "":
            return {}
        case "case":
            return {"reference": case.reference}
        case "party":
            return {"reference": case.reference, "pk": world.party.pk}
        case "relation":
            return {"reference": case.reference, "pk": world.relation.pk}
        case "treaty":
            return {"pk": world.treaty.pk}
        case "new_event_kind":
            return {"reference": case.reference, "kind": variant}
        case "event":
            return {"pk": world.events[variant].pk}
        case "person":
            return {"pk": world.person.pk}
        case "deadline":
            return {"pk": world.deadline.pk}
        case "own_follow":
            # A follow is only ever opened by its owner; anonymous visitors try the viewer's.
            return {"pk": world.follows.get(principal, world.follows[VIEWER]).pk}
        case "own_export":
            return {"pk": world.exports.get(principal, world.exports[VIEWER]).pk}
        case "own_saved_search":
            return {"pk": world.saved_searches.get(principal, world.saved_searches[VIEWER]).pk}
        case "search_unsubscribe_token":
            return {"token": search_unsubscribe_token_make(user_id=owner.pk, saved_search_id=world.saved_searches[VIEWER].pk)}
        case "unsubscribe_token":
            return {"token": unsubscribe_token_make(user_id=owner.pk, case_id=case.pk)}
        case "calendar_token":
            return {"token": PrivateAddressFactory(user=owner, purpose="calendar").key}
        case "feed_token":
            return {"token": PrivateAddressFactory(user=owner).key}
        case "own_address":
            return {"pk": PrivateAddressFactory(user=world.users[principal] or owner).pk}
        case "reset_link":
            return {"uidb64": "MQ", "token": "set-password"}
        case "feed_token_case":
            return {"token": PrivateAddressFactory(user=owner).key, "reference": case.reference}
    raise AssertionError(f"No way to fill URL parameters {params!r}: add it to url_kwargs().")


# The checks -------------------------------------------------------------------------------------


def _client_for(world: World, principal: str, *, api: bool = False) -> Client:
    # Errors come back as responses (with exc_info), so every combination is judged by its status.
    user = world.users[principal]
    if api:
        headers = {"Authorization": f"Token {world.tokens[principal]}"} if user else {}
        return Client(raise_request_exception=False, headers=headers)
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _allowed(principal: str, rule: Rule) -> bool:
    return LEVELS.index(PRINCIPALS[principal]) >= LEVELS.index(rule.role)


def _describe(name, variant, principal, method, path, response) -> str:
    label = f"{name}[{variant}]" if variant else name
    what = f"{method} {path} ({label}) as {principal} answered {response.status_code}"
    if 300 <= response.status_code < 400:
        what += f" to {response['Location']}"
    if getattr(response, "exc_info", None):
        what += "\n" + "".join(traceback.format_exception(*response.exc_info))
    return what


def _login_redirect_ok(response, path: str, login_paths: set[str]) -> bool:
    if response.status_code != 302:
        return False
    location = urlsplit(response["Location"])
    return location.path in login_paths and parse_qs(location.query).get("next") == [path]


def _problem(world, name, variant, principal, method) -> str | None:
    """What is wrong with one visitor's request to one URL, or None when it is answered as expected."""
    rule = MATRIX[name]
    path = reverse(name, kwargs=url_kwargs(world, rule.params, variant, principal))
    client = _client_for(world, principal, api=rule.api)
    # Each request's writes are undone, so the next visitor finds the same records.
    with transaction.atomic():
        response = getattr(client, method.lower())(path)
        transaction.set_rollback(True)
    described = _describe(name, variant, principal, method, path, response)
    if response.status_code == 500:
        return f"{described}; never a 500"

    site_login, admin_login = resolve_url(settings.LOGIN_URL), reverse("admin:login")
    if not _allowed(principal, rule):
        if rule.api:
            status = 401 if principal == ANONYMOUS else 403
            ok, expected = response.status_code == status, f"{status} (401 without a token, else 403)"
        elif principal == ANONYMOUS or name == "admin:index":
            # The admin sends visitors it refuses, signed in or not, to its own login page.
            login_paths = {site_login, admin_login} if name == "admin:index" else {site_login}
            ok, expected = _login_redirect_ok(response, path, login_paths), "302 to the login page"
        elif method == "GET" and rule.kind == ACTION:
            # require_POST may answer before the permission check does; both refuse.
            ok, expected = response.status_code in (403, 405), "403 or 405"
        else:
            ok, expected = response.status_code == 403, "403"
    elif method == "GET":
        status = 405 if rule.kind == ACTION else 200
        ok, expected = response.status_code == status, str(status)
    else:
        # An empty form comes back with its errors (200); an action redirects, or answers in place.
        statuses = (200, 302, *rule.post_also)
        ok, expected = response.status_code in statuses, " or ".join(map(str, statuses))
    return None if ok else f"{described}; expected {expected}"


def _check_every_visitor(world, name, variant, method):
    if name not in MATRIX:
        pytest.fail(
            f"{name} has no expected role in MATRIX (tests/test_permissions.py): add it with the least trusted "
            "role that may use it."
        )
    problems = [problem for principal in PRINCIPALS if (problem := _problem(world, name, variant, principal, method))]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("name", "variant"), CASES, ids=CASE_IDS)
def test_get_as_every_visitor(world, name, variant):
    _check_every_visitor(world, name, variant, "GET")


WRITE_CASES = [(c, i) for c, i in zip(CASES, CASE_IDS) if MATRIX.get(c[0]) is None or MATRIX[c[0]].kind != PAGE]


@pytest.mark.parametrize(("name", "variant"), [c for c, _ in WRITE_CASES], ids=[i for _, i in WRITE_CASES])
def test_post_as_every_visitor(world, name, variant):
    _check_every_visitor(world, name, variant, "POST")


# What htmx asks for: the case page's parts and the forms shown in its side panel. Refusals are
# the same as above; this pass is about the partial templates never failing.
HTMX_HEADERS = {"HX-Request": "true", "HX-Current-URL": "http://testserver/"}


@pytest.mark.parametrize("target", ["", "case-live", "timeline-more"])
def test_htmx_requests_for_the_case_page_never_fail(world, target):
    client = _client_for(world, VIEWER)
    headers = HTMX_HEADERS | ({"HX-Target": target} if target else {})
    response = client.get(reverse("cases:case_detail", args=[world.case.reference]), headers=headers)
    assert response.status_code == 200, _describe("cases:case_detail", target, VIEWER, "GET", "", response)


@pytest.mark.parametrize(("name", "variant"), [c for c, _ in WRITE_CASES], ids=[i for _, i in WRITE_CASES])
def test_htmx_writes_never_fail(world, name, variant):
    """The administrator opens and submits (empty) every form and action the way htmx does."""
    if name not in MATRIX:
        pytest.fail(f"{name} has no expected role in MATRIX (tests/test_permissions.py): add it.")
    rule = MATRIX[name]
    path = reverse(name, kwargs=url_kwargs(world, rule.params, variant, ADMINISTRATOR))
    client = _client_for(world, ADMINISTRATOR)
    problems = []
    for method in ("GET", "POST"):
        with transaction.atomic():
            response = getattr(client, method.lower())(path, headers=HTMX_HEADERS)
            transaction.set_rollback(True)
        if response.status_code not in (200, 204, 302, 405, *rule.post_also):
            problems.append(_describe(name, variant, ADMINISTRATOR, method + " (htmx)", path, response))
    assert not problems, "\n".join(problems)


def test_an_empty_post_saves_nothing(world):
    """The POST checks above submit forms with nothing filled in; they must be refused, not saved."""
    client = _client_for(world, ADMINISTRATOR)
    case = world.case
    before = (case.events.count(), case.parties.count(), case.deadlines.count(), case.relations_from.count())
    names = ("cases:case_stage_change", "cases:case_party_add", "cases:case_close", "cases:case_relation_add", "alerts:deadline_create")
    for name in names:
        assert client.post(reverse(name, args=[case.reference])).status_code == 200, name
    case.refresh_from_db()
    assert (case.events.count(), case.parties.count(), case.deadlines.count(), case.relations_from.count()) == before
    assert (case.stage, case.outcome) == (Stage.ARREST, "")
