"""The cases admin: the new records and fields are there to edit, and what the services keep is read-only."""

import datetime

import pytest
from django.urls import reverse

from cases import services
from cases.models import Authority
from tests.factories import (
    AuthorityFactory,
    CaseFactory,
    CaseRelationFactory,
    EventFactory,
    PersonFactory,
    TreatyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_authorities_are_listed_and_filtered_by_kind(admin_client):
    AuthorityFactory(name="Home Office", kind=Authority.Kind.EXECUTIVE, level="")
    AuthorityFactory(name="Westminster Magistrates' Court")
    response = admin_client.get(reverse("admin:cases_authority_changelist"), {"kind__exact": "executive"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Home Office" in content and "Westminster" not in content


def test_a_court_without_a_level_is_refused_in_the_admin(admin_client):
    response = admin_client.post(reverse("admin:cases_authority_add"), {"name": "Some Court", "kind": "court", "level": ""})
    assert response.status_code == 200
    assert "A court needs its level." in response.content.decode()
    assert not Authority.objects.exists()


def test_a_case_shows_its_related_matters_inline_and_its_stage_read_only(admin_client):
    relation = CaseRelationFactory(note="Request dropped in 2019")
    content = admin_client.get(reverse("admin:cases_case_change", args=[relation.case.pk])).content.decode()
    assert "Request dropped in 2019" in content
    assert 'name="relations_from-0-relation"' in content
    assert 'name="stage"' not in content and 'name="stage_entered_precision"' not in content
    assert 'name="after_surrender"' in content and 'name="legal_basis"' in content


def test_treaties_and_relations_have_their_admin_pages(admin_client):
    TreatyFactory(name="India–US Extradition Treaty (1997)", in_force_on=datetime.date(1999, 7, 21))
    CaseRelationFactory()
    treaties = admin_client.get(reverse("admin:cases_treaty_changelist")).content.decode()
    assert "India–US Extradition Treaty (1997)" in treaties and "1999" in treaties
    assert admin_client.get(reverse("admin:cases_caserelation_changelist")).status_code == 200


def test_an_event_shows_its_new_fields_and_keeps_its_date_read_only(admin_client):
    event = EventFactory(kind="executive_decision", authority=AuthorityFactory(kind="executive", level=""),
                         official=PersonFactory(), decision="extradition_ordered", note="From memory")
    content = admin_client.get(reverse("admin:cases_event_change", args=[event.pk])).content.decode()
    for name in ("note", "decision_detail", "official", "custody_change_then", "category", "authority"):
        assert f'name="{name}"' in content, name
    assert 'name="occurred_on"' not in content and 'name="position"' not in content


def test_events_are_filtered_by_the_kind_of_authority(admin_client):
    police = AuthorityFactory(kind="police", level="")
    EventFactory(kind="custody", custody_change="arrested", authority=police, summary="By the police")
    EventFactory(summary="Nobody named")
    content = admin_client.get(reverse("admin:cases_event_changelist"), {"authority__kind": "police"}).content.decode()
    assert "By the police" in content and "Nobody named" not in content


def test_editing_an_event_in_the_admin_keeps_the_case_in_step(admin_client):
    case = CaseFactory()
    event = services.event_record(case=case, kind="status", occurred_on=datetime.date(2025, 1, 2), summary="old", by=None)
    response = admin_client.get(reverse("admin:cases_event_change", args=[event.pk]))
    form = response.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"summary": "new", "sources": [], "note": "Checked"})
    data = {k: v for k, v in data.items() if v is not None}
    response = admin_client.post(reverse("admin:cases_event_change", args=[event.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event.refresh_from_db()
    case.refresh_from_db()
    assert (event.summary, event.note, case.last_event_id) == ("new", "Checked", event.pk)
