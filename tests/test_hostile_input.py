"""Hostile input everywhere a person can type: form errors or empty results, never a 500, and
whatever is stored comes back escaped."""

import datetime
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from django.urls import reverse

from cases import roles
from cases.models import Stage
from tests.factories import CaseFactory, AuthorityFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

NASTY = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "'; DROP TABLE cases_case; --",
    "' OR 1=1 --",
    "\u202eevil\u202c",  # right-to-left override
    "e\u0301\u0301\u0301\u0301",  # stacked combining marks
    "🏳️‍🌈🇮🇳👩‍⚖️",
    "\x00\x01\x07\x1b[31m",
    "%00%27%22",
    "{{ 7*7 }}{% debug %}",
    "2025-02-30",
    "2025-13",
    "99999999999999999999999",
    "-1",
    "javascript:alert(1)",
    "http://",
    "ftp://example.org/x",
    " ",
    "x" * 6000,
]
hostile_text = st.one_of(st.sampled_from(NASTY), st.text(max_size=120))
HYPOTHESIS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@pytest.fixture
def analyst_client(client):
    roles.roles_sync()
    user = UserFactory(username="ana")
    roles.user_set_role(user=user, role=roles.ANALYST)
    client.force_login(user)
    return client


@pytest.fixture
def case(db):
    return CaseFactory(reference="target", stage=Stage.HEARING, stage_entered_on=datetime.date(2024, 1, 1))


def _ok(response):
    assert response.status_code in (200, 302, 400), response.status_code
    return response


def _assert_escaped(client, case):
    content = client.get(case.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "<img src=x" not in content


@HYPOTHESIS
@given(
    q=hostile_text, stage=hostile_text, status=hostile_text, person=hostile_text, court=hostile_text,
    after=hostile_text, before=hostile_text, sort=hostile_text, page=hostile_text, requesting=hostile_text,
)
def test_case_list_filters_survive_anything(analyst_client, case, q, stage, status, person, court, after, before, sort, page, requesting):
    params = {
        "q": q, "stage": stage, "status": status, "person": person, "court": court, "last_event_after": after,
        "last_event_before": before, "sort": sort, "page": page, "requesting_state": requesting,
    }
    response = _ok(analyst_client.get(reverse("cases:case_list"), params))
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


@HYPOTHESIS
@given(kind=hostile_text, order=hostile_text, page=hostile_text, q=hostile_text)
def test_case_page_and_people_query_strings_survive_anything(analyst_client, case, kind, order, page, q):
    assert _ok(analyst_client.get(case.get_absolute_url(), {"kind": kind, "order": order, "page": page})).status_code == 200
    assert _ok(analyst_client.get(reverse("cases:person_list"), {"q": q, "page": page})).status_code == 200


def _event_data(**fields):
    data = {
        "sources-TOTAL_FORMS": "1", "sources-INITIAL_FORMS": "0", "sources-MIN_NUM_FORMS": "0", "sources-MAX_NUM_FORMS": "10",
    }
    data.update(fields)
    return data


@HYPOTHESIS
@given(
    summary=hostile_text, date=hostile_text, decision=hostile_text, authority=hostile_text,
    url=hostile_text, title=hostile_text, reported=hostile_text, docket=hostile_text,
)
def test_ruling_form_survives_anything(analyst_client, case, summary, date, decision, authority, url, title, reported, docket):
    data = _event_data(
        summary=summary, date=date, decision=decision, authority=authority, docket_number=docket,
        confidence="reported", reported_on=reported, **{"sources-0-url": url, "sources-0-title": title},
    )
    _ok(analyst_client.post(reverse("cases:event_create", args=[case.reference, "ruling"]), data))
    _assert_escaped(analyst_client, case)


@HYPOTHESIS
@given(quote=hostile_text, body=hostile_text, speaker=hostile_text, government=hostile_text, channel=hostile_text, also=hostile_text)
def test_statement_form_survives_anything(analyst_client, case, quote, body, speaker, government, channel, also):
    data = _event_data(
        summary="A statement", date="2025-01-31", confidence="reported", quote=quote,
        body=body, speaker=speaker, government=government, channel=channel, also_cases=also,
    )
    _ok(analyst_client.post(reverse("cases:event_create", args=[case.reference, "statement"]), data))
    _assert_escaped(analyst_client, case)


@HYPOTHESIS
@given(
    status=hostile_text, outcome=hostile_text, after=hostile_text, decision=hostile_text, category=hostile_text,
    confidence=hostile_text, kind=hostile_text, related=hostile_text,
)
def test_second_generation_filters_survive_anything(analyst_client, case, status, outcome, after, decision, category, confidence, kind, related):
    params = {
        "status": status, "outcome": outcome, "after_surrender": after, "decision": decision, "category": category,
        "confidence": confidence, "authority_kind": kind, "related": related,
    }
    response = _ok(analyst_client.get(reverse("cases:case_list"), params))
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


@HYPOTHESIS
@given(
    body=hostile_text, official=hostile_text, official_is_new=hostile_text, decision=hostile_text, detail=hostile_text,
    note=hostile_text, confidence=hostile_text,
)
def test_executive_decision_form_survives_anything(analyst_client, case, body, official, official_is_new, decision, detail, note, confidence):
    data = _event_data(
        summary="A decision", date="2025-01", new_authority_name=body, official=official,
        official_is_new=official_is_new, decision=decision, decision_detail=detail, note=note, confidence=confidence,
    )
    _ok(analyst_client.post(reverse("cases:event_create", args=[case.reference, "executive_decision"]), data))
    _assert_escaped(analyst_client, case)


@HYPOTHESIS
@given(gist=hostile_text, reported=hostile_text, channel=hostile_text, kind=hostile_text, level=hostile_text)
def test_reported_speech_form_survives_anything(analyst_client, case, gist, reported, channel, kind, level):
    data = _event_data(
        summary="Reported", date="2025-01-31", confidence="reported", government="IN", body="MEA",
        reported_speech=reported, gist=gist, channel=channel, new_authority_name=gist[:50], new_authority_kind=kind,
        new_authority_level=level,
    )
    _ok(analyst_client.post(reverse("cases:event_create", args=[case.reference, "statement"]), data))
    _assert_escaped(analyst_client, case)


@HYPOTHESIS
@given(related=hostile_text, relation=hostile_text, note=hostile_text, direction=hostile_text)
def test_related_matter_and_move_survive_anything(analyst_client, case, related, relation, note, direction):
    from cases import services

    _ok(analyst_client.post(reverse("cases:case_relation_add", args=[case.reference]),
                            {"related_case": related, "relation": relation, "note": note}))
    event = services.event_record(case=case, kind="status", occurred_on=datetime.date(2025, 1, 2), summary="x", by=None)
    _ok(analyst_client.post(reverse("cases:event_move", args=[event.pk]), {"direction": direction}))
    _ok(analyst_client.get(reverse("cases:case_suggest"), {"related_case": related}))
    _assert_escaped(analyst_client, case)


def test_stored_markup_is_shown_as_text(analyst_client, case):
    authority = AuthorityFactory()
    data = _event_data(summary="<script>alert(1)</script>", date="2025-01",
                       decision="affirmed", authority=authority.pk, confidence="reported")
    assert analyst_client.post(reverse("cases:event_create", args=[case.reference, "ruling"]), data).status_code == 302
    content = analyst_client.get(case.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content and "<script>alert(1)</script>" not in content


@HYPOTHESIS
@given(to_stage=hostile_text, reason=hostile_text, date=hostile_text)
def test_stage_change_form_survives_anything(analyst_client, case, to_stage, reason, date):
    data = _event_data(to_stage=to_stage, summary=reason, date=date, confidence="reported")
    _ok(analyst_client.post(reverse("cases:case_stage_change", args=[case.reference]), data))
    _assert_escaped(analyst_client, case)


@HYPOTHESIS
@given(title=hostile_text, reference=hostile_text, requesting=hostile_text, offences=hostile_text, person=hostile_text, opened=hostile_text)
def test_case_form_survives_anything(analyst_client, title, reference, requesting, offences, person, opened):
    data = {"title": title, "reference": reference, "requesting_state": requesting, "requested_state": "US",
            "offences": offences, "stage": "hearing", "person_sought": person, "opened_on": opened}
    _ok(analyst_client.post(reverse("cases:case_create"), data))


@HYPOTHESIS
@given(name=hostile_text, variant=hostile_text, nationality=hostile_text, description=hostile_text, version=hostile_text)
def test_person_form_survives_anything(analyst_client, name, variant, nationality, description, version):
    person = PersonFactory()
    data = {
        "name": name, "nationality": nationality, "description": description, "version": version,
        "names-TOTAL_FORMS": "1", "names-INITIAL_FORMS": "0", "names-MIN_NUM_FORMS": "0", "names-MAX_NUM_FORMS": "30",
        "names-0-name": variant, "names-0-kind": "alias",
    }
    _ok(analyst_client.post(reverse("cases:person_edit", args=[person.pk]), data))
    assert "<script>alert(1)</script>" not in analyst_client.get(person.get_absolute_url()).content.decode()


# Every form of the app, whatever its fields: each field it shows gets hostile text. --------------

FIELD_NAME = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')
SKIP_FIELDS = {"csrfmiddlewaretoken"}


def _form_pages(case, event, person, deadline, follow, treaty) -> list[str]:
    return [
        reverse("cases:case_outcome", args=[case.reference]),
        reverse("cases:case_relation_add", args=[case.reference]),
        reverse("cases:treaty_create"),
        reverse("cases:treaty_edit", args=[treaty.pk]),
        *[reverse("cases:event_create", args=[case.reference, kind]) for kind in ("ruling", "executive_decision", "statement")],
        reverse("cases:case_create"),
        reverse("cases:case_edit", args=[case.reference]),
        reverse("cases:case_stage_change", args=[case.reference]),
        reverse("cases:case_close", args=[case.reference]),
        reverse("cases:case_party_add", args=[case.reference]),
        reverse("cases:event_edit", args=[event.pk]),
        *[reverse("cases:event_create", args=[case.reference, kind]) for kind in ("hearing", "filing", "custody", "status")],
        reverse("cases:person_create"),
        reverse("cases:person_edit", args=[person.pk]),
        reverse("alerts:follow_edit", args=[follow.pk]),
        reverse("alerts:deadline_create", args=[case.reference]),
        reverse("alerts:deadline_edit", args=[deadline.pk]),
        reverse("exchange:article_draft", args=[case.reference]),
    ]


@pytest.fixture
def form_world(analyst_client, case):
    from cases import services
    from tests.factories import DeadlineFactory, FollowFactory

    event = services.event_record(case=case, kind="status", occurred_on=datetime.date(2025, 1, 2), summary="x", by=None)
    user = analyst_client.session.get("_auth_user_id")
    from django.contrib.auth import get_user_model

    follow = FollowFactory(case=case, user=get_user_model().objects.get(pk=user))
    from tests.factories import TreatyFactory

    return case, event, PersonFactory(), DeadlineFactory(case=case), follow, TreatyFactory()


# Each example posts to every form of the app: fewer examples keep it quick.
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(values=st.lists(hostile_text, min_size=30, max_size=30))
def test_every_form_survives_anything_in_every_field(analyst_client, form_world, values):
    for url in _form_pages(*form_world):
        page = analyst_client.get(url)
        assert page.status_code == 200, url
        names = [n for n in dict.fromkeys(FIELD_NAME.findall(page.content.decode())) if n not in SKIP_FIELDS]
        data = {name: values[i % len(values)] for i, name in enumerate(names)}
        # Keep the formsets' bookkeeping sane half the time, so the fields behind it are reached too.
        for name in names:
            if name.endswith(("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")) and values[0][:1] in "aeiou":
                data[name] = "1" if name.endswith("TOTAL_FORMS") else "0"
        response = analyst_client.post(url, data)
        assert response.status_code in (200, 302, 400, 403), (url, response.status_code)
        assert "<script>alert(1)</script>" not in response.content.decode(), url
