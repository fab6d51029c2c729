"""
Every URL of the app, for every kind of visitor: the right ones get in, the others are sent to the
login page or refused with 403, and nobody ever gets a 500.

The URL list comes from walking the resolver over the ``cases`` and ``alerts`` namespaces (plus the
login and logout pages and the admin's front page), so a URL added later shows up here on its own.
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
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from alerts.models import Alert
from alerts.tokens import calendar_token_make, unsubscribe_token_make
from cases.models import CaseParty, Event, Stage
from cases.roles import ADMINISTRATOR, ANALYST, VIEWER, roles_sync
from tests.factories import (
    AlertFactory,
    CaseFactory,
    CasePartyFactory,
    DeadlineFactory,
    EventFactory,
    FollowFactory,
    ForumFactory,
    PersonFactory,
    PersonNameFactory,
    SourceFactory,
    StatementFactory,
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
    # What the URL answers to a visitor allowed in, when it is not the usual one.
    get_status: int | None = None


# The expected matrix: URL name -> the least trusted visitor who may use it.
MATRIX: dict[str, Rule] = {
    # Authentication
    "login": Rule(PUBLIC, FORM),
    "logout": Rule(LOGGED_IN, ACTION),
    "admin:index": Rule(ADMINISTRATOR),
    # Cases: reading
    "cases:case_list": Rule(VIEWER),
    "cases:case_detail": Rule(VIEWER, params="case"),
    "cases:case_history": Rule(VIEWER, params="case"),
    "cases:event_history": Rule(VIEWER, params="event"),
    "cases:person_list": Rule(VIEWER),
    "cases:person_detail": Rule(VIEWER, params="person"),
    "cases:person_history": Rule(VIEWER, params="person"),
    # Cases: writing
    "cases:case_create": Rule(ANALYST, FORM),
    "cases:case_edit": Rule(ANALYST, FORM, params="case"),
    "cases:case_stage_change": Rule(ANALYST, FORM, params="case"),
    "cases:case_close": Rule(ANALYST, FORM, params="case"),
    "cases:case_party_add": Rule(ANALYST, FORM, params="case"),
    # Taking a person off a case is an edit of the case (the view asks for change_case); the row's
    # history keeps who removed whom.
    "cases:case_party_remove": Rule(ANALYST, ACTION, params="party"),
    "cases:event_create": Rule(ANALYST, FORM, params="new_event_kind"),
    "cases:event_edit": Rule(ANALYST, FORM, params="event"),
    "cases:person_create": Rule(ANALYST, FORM),
    "cases:person_edit": Rule(ANALYST, FORM, params="person"),
    # Cases: deleting
    "cases:event_delete": Rule(ADMINISTRATOR, ACTION, params="event"),
    # Alerts: the reader's own follows and notifications
    "alerts:following": Rule(LOGGED_IN),
    "alerts:notifications": Rule(LOGGED_IN),
    "alerts:case_follow": Rule(LOGGED_IN, ACTION, params="case"),
    "alerts:case_unfollow": Rule(LOGGED_IN, ACTION, params="case"),
    "alerts:follow_edit": Rule(LOGGED_IN, FORM, params="own_follow"),
    # Alerts: deadlines are part of the case record
    "alerts:deadline_create": Rule(ANALYST, FORM, params="case"),
    "alerts:deadline_edit": Rule(ANALYST, FORM, params="deadline"),
    "alerts:deadline_done": Rule(ANALYST, ACTION, params="deadline"),
    # Alerts: links sent by email or pasted into a calendar app, opened without a session; the
    # signed token in the address is the proof, so anonymous visitors must be answered.
    "alerts:unsubscribe": Rule(PUBLIC, FORM, params="unsubscribe_token"),
    "alerts:calendar_feed": Rule(PUBLIC, params="calendar_token"),
}

# URL parameters that come in several sorts, each tried: an event of every kind, and the form
# for a new event of every kind that has one (a stage change has its own form).
VARIANTS = {
    "event": list(Event.Kind.values),
    "new_event_kind": [kind for kind in Event.Kind.values if kind != Event.Kind.STAGE_CHANGE],
}


# Walking the resolver ---------------------------------------------------------------------------

WALKED_NAMESPACES = ("cases", "alerts")
WALKED_TOP_LEVEL = ("login", "logout")


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
    assert {"cases:case_list", "cases:event_edit", "alerts:unsubscribe", "login", "admin:index"} <= set(names)
    assert not any(name.startswith("admin:") and name != "admin:index" for name in names)


# The records the URLs point at ------------------------------------------------------------------


@dataclass
class World:
    users: dict
    case: object
    party: object
    person: object
    events: dict
    deadline: object
    follows: dict


@pytest.fixture
def world(db):
    """A case with a person sought, an event of every kind, a deadline, and each visitor's own follow."""
    roles_sync()
    users = {ANONYMOUS: None, NO_ROLE: UserFactory(username="no-role")}
    for role in (VIEWER, ANALYST, ADMINISTRATOR):
        # The admin site is where administrators manage users, so they get in there too.
        users[role] = UserFactory(
            username=f"test-{role}", groups=[Group.objects.get(name=role)], is_staff=role == ADMINISTRATOR
        )

    case = CaseFactory(reference="perm-case", stage=Stage.ARREST, stage_entered_on=datetime.date(2025, 1, 2))
    person = PersonFactory(name="Test Person")
    PersonNameFactory(person=person, name="Test Q. Person")
    party = CasePartyFactory(case=case, person=person, role=CaseParty.Role.PERSON_SOUGHT)
    forum = ForumFactory()
    source = SourceFactory()
    kind_fields = {
        Event.Kind.RULING: {"forum": forum, "decision": Event.Decision.CERT_DENIED},
        Event.Kind.STATEMENT: {"statement": StatementFactory(speaker=person)},
        Event.Kind.STATUS: {},
        Event.Kind.HEARING: {"forum": forum, "hearing_status": Event.HearingStatus.SCHEDULED},
        Event.Kind.FILING: {"forum": forum, "filing_type": Event.FilingType.APPEAL, "filed_by": "The defence"},
        Event.Kind.CUSTODY: {"custody_change": Event.CustodyChange.ARRESTED},
        Event.Kind.STAGE_CHANGE: {"from_stage": Stage.REQUEST_MADE, "to_stage": Stage.ARREST},
    }
    assert set(kind_fields) == set(Event.Kind.values), "An event kind was added: give it its fields here."
    events = {}
    for kind, fields in kind_fields.items():
        events[kind] = EventFactory(case=case, kind=kind, recorded_by=users[ANALYST], **fields)
        events[kind].sources.add(source)
    deadline = DeadlineFactory(case=case, due_on=datetime.date.today() + datetime.timedelta(days=30))

    follows = {}
    for principal, user in users.items():
        if user is not None:
            follows[principal] = FollowFactory(user=user, case=case)
            AlertFactory(recipient=user, event=events[Event.Kind.RULING])
            AlertFactory(recipient=user, kind=Alert.Kind.REMINDER, event=None, case=case, deadline=deadline, lead_days=7)
    return World(users=users, case=case, party=party, person=person, events=events, deadline=deadline, follows=follows)


def url_kwargs(world: World, params: str, variant: str, principal: str) -> dict:
    """The URL parameters of one case of the matrix, from the world's records."""
    case = world.case
    # Links that work without a session are made for some account; anonymous visitors use the viewer's.
    owner = world.users[principal] or world.users[VIEWER]
    match params:
        case "":
            return {}
        case "case":
            return {"reference": case.reference}
        case "party":
            return {"reference": case.reference, "pk": world.party.pk}
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
        case "unsubscribe_token":
            return {"token": unsubscribe_token_make(user_id=owner.pk, case_id=case.pk)}
        case "calendar_token":
            return {"token": calendar_token_make(user_id=owner.pk)}
    raise AssertionError(f"No way to fill URL parameters {params!r}: add it to url_kwargs().")


# The checks -------------------------------------------------------------------------------------


def _client_for(world: World, principal: str) -> Client:
    # Errors come back as responses (with exc_info), so every combination is judged by its status.
    client = Client(raise_request_exception=False)
    if world.users[principal] is not None:
        client.force_login(world.users[principal])
    return client


def _allowed(principal: str, rule: Rule) -> bool:
    return LEVELS.index(PRINCIPALS[principal]) >= LEVELS.index(rule.role)


def _describe(name, variant, principal, method, path, response) -> str:
    what = f"{method} {path} ({name}{f'[{variant}]' if variant else ''}) as {principal} answered {response.status_code}"
    if response.status_code >= 300 and response.status_code < 400:
        what += f" to {response['Location']}"
    if getattr(response, "exc_info", None):
        what += "\n" + "".join(traceback.format_exception(*response.exc_info))
    return what


def _login_redirect_ok(response, path: str, login_paths: set[str]) -> bool:
    if response.status_code != 302:
        return False
    location = urlsplit(response["Location"])
    return location.path in login_paths and parse_qs(location.query).get("next") == [path]


def _check(world, name, variant, principal, method):
    rule = MATRIX.get(name)
    assert rule is not None, f"{name} has no expected role in MATRIX (tests/test_permissions.py): add it."
    path = reverse(name, kwargs=url_kwargs(world, rule.params, variant, principal))
    response = getattr(_client_for(world, principal), method.lower())(path)
    described = _describe(name, variant, principal, method, path, response)
    assert response.status_code != 500, described

    site_login = resolve_url(settings.LOGIN_URL)
    if principal == ANONYMOUS and rule.role != PUBLIC:
        assert _login_redirect_ok(response, path, {site_login}), f"{described}; expected 302 to the login page"
        return
    if not _allowed(principal, rule):
        if name == "admin:index":
            # The admin sends signed-in users who are not staff to its own login page.
            assert _login_redirect_ok(response, path, {reverse("admin:login")}), f"{described}; expected 302"
        elif method == "GET" and rule.kind == ACTION:
            # require_POST may answer before the permission check does; both refuse.
            assert response.status_code in (403, 405), f"{described}; expected 403 or 405"
        else:
            assert response.status_code == 403, f"{described}; expected 403"
        return
    if method == "GET":
        expected = rule.get_status or (405 if rule.kind == ACTION else 200)
        assert response.status_code == expected, f"{described}; expected {expected}"
    else:
        # An empty form comes back with its errors (200); an action redirects, or answers in place.
        assert response.status_code in (200, 302), f"{described}; expected 200 or 302"


@pytest.mark.parametrize("principal", list(PRINCIPALS))
@pytest.mark.parametrize(("name", "variant"), CASES, ids=CASE_IDS)
def test_get(world, name, variant, principal):
    _check(world, name, variant, principal, "GET")


@pytest.mark.parametrize("principal", list(PRINCIPALS))
@pytest.mark.parametrize(
    ("name", "variant"),
    [c for c in CASES if MATRIX.get(c[0]) is None or MATRIX[c[0]].kind in (FORM, ACTION)],
    ids=[i for c, i in zip(CASES, CASE_IDS) if MATRIX.get(c[0]) is None or MATRIX[c[0]].kind in (FORM, ACTION)],
)
def test_post(world, name, variant, principal):
    _check(world, name, variant, principal, "POST")


def test_an_empty_post_saves_nothing(world):
    """The POST checks above submit forms with nothing filled in; they must be refused, not saved."""
    client = _client_for(world, ADMINISTRATOR)
    before = (world.case.events.count(), world.case.parties.count(), world.case.deadlines.count())
    for name in ("cases:case_stage_change", "cases:case_party_add", "cases:case_close", "alerts:deadline_create"):
        assert client.post(reverse(name, args=[world.case.reference])).status_code == 200, name
    world.case.refresh_from_db()
    assert (world.case.events.count(), world.case.parties.count(), world.case.deadlines.count()) == before
    assert (world.case.stage, world.case.outcome) == (Stage.ARREST, "")
