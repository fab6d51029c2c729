import csv
import io
import json

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from alerts.models import Follow
from cases import roles
from cases.models import Case, Event
from exchange.exports import export_document, export_json
from tests.factories import CaseFactory, PrivateAddressFactory, UserFactory

pytestmark = pytest.mark.django_db


def _user_in(role, username):
    roles.roles_sync()
    return UserFactory(username=username, groups=[Group.objects.get(name=role)])


@pytest.fixture
def demo(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    call_command("load_demo", stdout=io.StringIO())
    return Case.objects.get(reference="rana-us-india")


@pytest.fixture
def analyst(client):
    user = _user_in(roles.ANALYST, "ana")
    client.force_login(user)
    client.user = user
    return client


def _upload(client, text: str, name="cases.json"):
    return client.post(reverse("exchange:import_upload"), {"file": SimpleUploadedFile(name, text.encode())})


# Export ----------------------------------------------------------------------------------------


def test_a_viewer_downloads_one_case_as_json(viewer_client, demo):
    response = viewer_client.get(reverse("exchange:export"), {"case": "rana-us-india"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="rana-us-india.json"'
    assert response.streaming
    assert json.loads(response.getvalue())["cases"][0]["reference"] == "rana-us-india"


def test_the_list_export_follows_the_case_list_filters(viewer_client, demo):
    CaseFactory(reference="other", stage="hearing")
    response = viewer_client.get(reverse("exchange:export"), {"format": "csv", "stage": "hearing"})
    content = response.getvalue()
    assert response.streaming and content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [row["case_reference"] for row in rows] == ["other"]


def test_bad_export_parameters_are_a_400_not_a_500(viewer_client, demo):
    assert viewer_client.get(reverse("exchange:export"), {"format": "xml"}).status_code == 400
    assert viewer_client.get(reverse("exchange:export"), {"stage": "limbo"}).status_code == 400
    assert viewer_client.get(reverse("exchange:export"), {"case": "nope"}).status_code == 404


def test_export_needs_a_login(client, demo):
    assert client.get(reverse("exchange:export")).status_code == 302


# Import ----------------------------------------------------------------------------------------


def test_a_viewer_cannot_import(viewer_client):
    assert viewer_client.get(reverse("exchange:import_upload")).status_code == 403
    assert viewer_client.post(reverse("exchange:import_confirm"), {"upload": "x"}).status_code == 403


def test_upload_shows_a_preview_then_imports_on_confirmation(analyst, demo):
    text = export_json(export_document())
    statements = demo.events.filter(kind="statement").count()
    demo.events.filter(kind="statement").delete()
    left = Event.objects.filter(kind="statement").count()
    response = _upload(analyst, text)
    assert response.status_code == 200
    assert f"{statements} × create event".encode() in response.content
    assert Event.objects.filter(kind="statement").count() == left
    upload = response.context["upload"]
    response = analyst.post(reverse("exchange:import_confirm"), {"upload": upload})
    assert response.status_code == 200
    assert Event.objects.filter(kind="statement").count() == left + statements
    # The stored file is used once.
    assert analyst.post(reverse("exchange:import_confirm"), {"upload": upload}).status_code == 404


def test_upload_with_problems_shows_the_report_and_offers_no_import(analyst, demo):
    document = export_document()
    document["cases"][0]["requested_state"] = "Narnia"
    response = _upload(analyst, json.dumps(document))
    assert response.status_code == 400
    assert b"Unknown country" in response.content and b"cases[0]" in response.content
    assert "upload" not in response.context


def test_a_file_too_large_is_refused_with_a_message(analyst, settings):
    settings.EXCHANGE_IMPORT_MAX_BYTES = 100
    response = _upload(analyst, "x" * 500, name="big.csv")
    assert response.status_code == 400 and b"the limit is" in response.content


def test_a_binary_file_gets_a_clear_message(analyst):
    response = analyst.post(reverse("exchange:import_upload"), {"file": SimpleUploadedFile("x.csv", b"\xff\xfe\x00\x00garbage")})
    assert response.status_code == 400 and b"not UTF-8" in response.content


def test_another_users_upload_cannot_be_confirmed(analyst, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    (tmp_path / "imports").mkdir()
    name = f"{analyst.user.pk + 1}-{'0' * 32}.json"
    (tmp_path / "imports" / name).write_text("{}")
    assert analyst.post(reverse("exchange:import_confirm"), {"upload": name}).status_code == 404
    assert analyst.post(reverse("exchange:import_confirm"), {"upload": "../../etc/passwd"}).status_code == 404


# Drafting --------------------------------------------------------------------------------------

ARTICLE = (
    "India said on Friday (January 31) that it was working with US authorities on the extradition of Tahawwur Rana.\n"
    "“The US Supreme Court on January 21, 2025 declined to hear a petition from the accused. We will keep you updated,” "
    "said Ministry of External Affairs spokesperson Randhir Jaiswal.\n"
)


def _article(step="propose", **extra):
    return {"step": step, "article-text": ARTICLE, "article-published_on": "2025-01-31",
            "article-title": "India working with US", "article-publisher": "Example", "article-url": ""} | extra


def test_a_viewer_cannot_draft_events(viewer_client, demo):
    assert viewer_client.get(reverse("exchange:article_draft", args=[demo.reference])).status_code == 403


def test_drafting_proposes_without_saving_then_records_the_ticked_drafts(analyst, demo):
    demo.events.all().delete()
    url = reverse("exchange:article_draft", args=[demo.reference])
    assert analyst.get(url).status_code == 200
    response = analyst.post(url, _article())
    assert response.status_code == 200
    assert not demo.events.exists()
    formset = response.context["formset"]
    assert [f.initial["kind"] for f in formset] == ["statement", "ruling"]
    data = _article(step="confirm", **{"drafts-TOTAL_FORMS": "2", "drafts-INITIAL_FORMS": "2"})
    for index, form in enumerate(formset):
        for name, value in form.initial.items():
            if value is None or value is False:
                continue
            data[f"drafts-{index}-{name}"] = "on" if value is True else value
    data.pop("drafts-1-record")  # discard the ruling
    response = analyst.post(url, data)
    assert response.status_code == 302
    (event,) = demo.events.all()
    assert event.kind == "statement" and event.sources.get().title == "India working with US"


def test_drafting_the_seed_article_on_the_demo_shows_what_is_already_recorded_and_adds_only_sources(analyst, demo):
    url = reverse("exchange:article_draft", args=[demo.reference])
    before = demo.events.count()
    response = analyst.post(url, _article(**{"article-url": "https://example.org/rana-jan-31"}))
    page = response.content.decode()
    assert "Already recorded:" in page and "<mark>" in page
    formset = response.context["formset"]
    recorded = [f for f in formset if f.initial.get("recorded_event_id")]
    assert {f.initial["kind"] for f in recorded} >= {"ruling", "statement"}
    assert not any(f.initial["record"] for f in recorded) and all(f.initial["add_source"] for f in recorded)
    # A statement's draft asks for what a statement needs, not a court or a custody change.
    statement = next(f for f in formset if f.initial["kind"] == "statement")
    assert {b.name for b in statement.kind_fields()} >= {"speaker_name", "quote"}
    assert not {b.name for b in statement.kind_fields()} & {"custody_change", "authority_level", "decision"}
    data = _article(step="confirm", **{"article-url": "https://example.org/rana-jan-31",
                                       "drafts-TOTAL_FORMS": str(len(formset)), "drafts-INITIAL_FORMS": str(len(formset))})
    for index, form in enumerate(formset):
        for name, value in form.initial.items():
            if value is None or value is False or value == "":
                continue
            data[f"drafts-{index}-{name}"] = "on" if value is True else value
    response = analyst.post(url, data, follow=True)
    assert "added it as a source of" in response.content.decode()
    assert demo.events.count() == before
    assert demo.events.get(kind="ruling", decision="cert_denied").sources.filter(url="https://example.org/rana-jan-31").exists()


def test_a_bad_draft_is_shown_again_with_its_error(analyst, demo):
    url = reverse("exchange:article_draft", args=[demo.reference])
    data = _article(step="confirm", **{"drafts-TOTAL_FORMS": "1", "drafts-INITIAL_FORMS": "1", "drafts-0-record": "on",
                                        "drafts-0-kind": "ruling", "drafts-0-date": "31 Feb 2025",
                                        "drafts-0-summary": "x", "drafts-0-confidence": "reported"})
    response = analyst.post(url, data)
    assert response.status_code == 400
    errors = response.context["formset"].forms[0].errors
    assert "date" in errors and "authority_name" in errors


def test_a_missing_article_is_a_form_error(analyst, demo):
    response = analyst.post(reverse("exchange:article_draft", args=[demo.reference]), {"step": "propose"})
    assert response.status_code == 400 and response.context["article"].errors


# Feeds -----------------------------------------------------------------------------------------


def test_the_case_feed_is_atom_with_the_timeline(viewer_client, demo):
    response = viewer_client.get(reverse("exchange:case_feed", args=[demo.reference]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert body.count("<entry>") == demo.events.count() and "We will keep you updated" in body


def test_the_private_following_feed_works_without_a_login_and_only_with_a_good_token(client, demo):
    user = _user_in(roles.VIEWER, "reader")
    Follow.objects.create(user=user, case=demo)
    CaseFactory(reference="unfollowed")
    token = PrivateAddressFactory(user=user).key
    response = client.get(reverse("exchange:following_feed", args=[token]))
    assert response.status_code == 200 and response.content.decode().count("<entry>") == demo.events.count()
    assert client.get(reverse("exchange:following_feed", args=[token + "x"])).status_code == 404
    assert client.get(reverse("exchange:case_feed_private", args=[token, demo.reference])).status_code == 200


def test_a_feed_token_stops_working_when_the_user_is_deactivated(client, demo):
    user = _user_in(roles.VIEWER, "gone")
    token = PrivateAddressFactory(user=user).key
    user.is_active = False
    user.save()
    assert client.get(reverse("exchange:following_feed", args=[token])).status_code == 404


def test_the_feeds_page_shows_the_private_address_and_makes_an_api_token(viewer_client):
    assert "Make a feed address" in viewer_client.get(reverse("exchange:feeds")).content.decode()
    address = PrivateAddressFactory(user=viewer_client.user)
    response = viewer_client.get(reverse("exchange:feeds"))
    assert address.url() in response.content.decode()
    first = viewer_client.post(reverse("exchange:feeds"), follow=True)
    from rest_framework.authtoken.models import Token

    assert Token.objects.filter(user=viewer_client.user).count() == 1
    # The first token replaces nothing, and its message says so; a second one does.
    assert "Your API token was made." in first.content.decode() and "old one" not in first.content.decode()
    second = viewer_client.post(reverse("exchange:feeds"), follow=True)
    assert "the old one no longer works" in second.content.decode()
    assert Token.objects.filter(user=viewer_client.user).count() == 1


# Large files: checked and imported by a worker, with a progress bar -----------------------------


@pytest.fixture
def worker_inline(monkeypatch, settings, tmp_path):
    """Large-file mode for any file, with the task run at once instead of by a worker."""
    from exchange import tasks

    settings.EXCHANGE_IMPORT_BACKGROUND_BYTES = 10
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(tasks.upload_import, "apply_async", lambda args, **kw: tasks.upload_import(*args))


def test_a_large_file_is_previewed_and_imported_in_the_background(analyst, demo, worker_inline):
    text = export_json(export_document())
    statements = demo.events.filter(kind="statement").count()
    demo.events.filter(kind="statement").delete()
    left = Event.objects.filter(kind="statement").count()
    response = _upload(analyst, text)
    assert response.status_code == 302
    status_url = response["Location"]
    page = analyst.get(status_url)
    assert f"{statements} × create event".encode() in page.content
    assert Event.objects.filter(kind="statement").count() == left
    response = analyst.post(reverse("exchange:import_confirm"), {"upload": page.context["upload"]})
    assert response["Location"] == status_url
    assert b"Imported" in analyst.get(status_url).content
    assert Event.objects.filter(kind="statement").count() == left + statements


def test_the_progress_bar_shows_how_far_a_running_import_is(analyst, settings, tmp_path):
    from exchange import uploads

    settings.VAR_DIR = tmp_path
    name = uploads.upload_store(user_id=analyst.user.pk, data=b"{}", format="json")
    uploads.status_write(uploads.upload_path(user_id=analyst.user.pk, name=name), state="running", step="import", done=40, total=100)
    response = analyst.get(reverse("exchange:import_upload"), {"job": name}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert '<progress max="100" value="40">' in body and "40 of 100 events" in body and 'hx-trigger="load delay:1s"' in body


def test_another_users_import_status_is_not_shown(analyst, settings, tmp_path):
    from exchange import uploads

    settings.VAR_DIR = tmp_path
    name = uploads.upload_store(user_id=analyst.user.pk + 1, data=b"{}", format="json")
    uploads.status_write(uploads.upload_path(user_id=analyst.user.pk + 1, name=name), state="running", step="import")
    assert analyst.get(reverse("exchange:import_upload"), {"job": name}).status_code == 404
    assert analyst.get(reverse("exchange:import_upload"), {"job": "../x"}).status_code == 404


def test_a_background_import_that_crashes_says_so_instead_of_spinning(analyst, monkeypatch, settings, tmp_path):
    from exchange import uploads

    settings.VAR_DIR = tmp_path
    name = uploads.upload_store(user_id=analyst.user.pk, data=b"{}", format="json")
    path = uploads.upload_path(user_id=analyst.user.pk, name=name)

    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(uploads, "import_bytes", crash)
    with pytest.raises(RuntimeError):
        uploads.upload_run(path=path, by=analyst.user, dry_run=True)
    page = analyst.get(reverse("exchange:import_upload"), {"job": name})
    assert b"unexpected error" in page.content and b"<progress" not in page.content


# The format's schema ---------------------------------------------------------------------------


def test_the_schema_is_served_without_a_login_at_a_stable_address(client):
    from exchange.schema import schema

    response = client.get("/exchange/schema/v2.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/schema+json")
    assert json.loads(response.content) == schema()


def test_the_import_page_links_to_the_schema(analyst):
    assert reverse("exchange:schema_v2").encode() in analyst.get(reverse("exchange:import_upload")).content


def test_a_version_1_file_is_previewed_and_imported_from_the_page(analyst):
    from pathlib import Path

    text = (Path(__file__).resolve().parent / "data" / "export-v1.json").read_text(encoding="utf-8")
    response = _upload(analyst, text, name="old.json")
    assert response.status_code == 200 and b"2 \xc3\x97 create case" in response.content
    analyst.post(reverse("exchange:import_confirm"), {"upload": response.context["upload"]})
    assert Event.objects.filter(kind="executive_decision").count() == 2


# Feeds show the second-generation record ---------------------------------------------------------


def _second_generation_feed(viewer_client):
    from tests.test_exchange_exports import record_every_item

    record_every_item()
    response = viewer_client.get(reverse("exchange:case_feed", args=["choksi-ag-in"]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_feed_never_puts_reported_speech_in_quotation_marks(viewer_client):
    body = _second_generation_feed(viewer_client)
    assert "Ministry of External Affairs, as reported: India would liaise" in body
    assert "“India would liaise" not in body


def test_the_feed_shows_an_executive_decision_with_its_label_official_and_detail(viewer_client):
    body = _second_generation_feed(viewer_client)
    assert "Office of the Attorney General: Extradition ordered (subject to assurances)" in body
    assert "Decided by Steadroy Benjamin." in body
    assert "Analyst&#x27;s note: Sources conflict" in body or "Analyst's note: Sources conflict" in body


def test_feeds_send_user_text_as_text_never_as_markup_with_tag_ids(client, demo, settings):
    import feedparser

    settings.SITE_URL = "https://tracker.example.org"
    user = _user_in(roles.VIEWER, "feedreader")
    Follow.objects.create(user=user, case=demo)
    event = demo.events.first()
    event.summary = "<script>alert(1)</script> & <b>bold</b>"
    event.save()
    response = client.get(reverse("exchange:following_feed", args=[PrivateAddressFactory(user=user).key]))
    body = response.content.decode()
    assert "<script>" not in body and 'type="html"' not in body and "&lt;script&gt;" in body
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    entry = next(e for e in parsed.entries if e.id.endswith(f":event/{event.pk}"))
    assert entry.summary_detail.type == "text/plain" and entry.summary.startswith("<script>alert(1)</script> & <b>bold</b>")
    assert entry.id.startswith("tag:tracker.example.org,") and len({e.id for e in parsed.entries}) == len(parsed.entries)
    assert response["Cache-Control"] == "no-store, private"


def test_logged_in_pages_and_the_token_page_are_not_stored_by_caches(viewer_client):
    from django.test import Client

    assert viewer_client.get(reverse("exchange:feeds"))["Cache-Control"] == "no-store, private"
    assert viewer_client.get("/")["Cache-Control"] == "no-store, private"
    # A public page (the file format, which holds no data) is left to caches.
    assert "no-store" not in Client().get("/exchange/schema/v2.json").get("Cache-Control", "")


# The case's private feed address, for the case page ------------------------------------------


def _render_case_feed_link(user, case):
    from django.template import Context, Template
    from django.test import RequestFactory

    request = RequestFactory().get(case.get_absolute_url())
    request.user = user
    template = Template('{% include "exchange/_case_feed_link.html" %}')
    return template.render(Context({"case": case, "request": request, "csrf_token": "token"}))


def test_the_case_feed_link_gives_the_users_private_case_feed_to_copy(settings):
    settings.SITE_URL = "https://tracker.example.org"
    user = _user_in(roles.VIEWER, "reader")
    case = CaseFactory(reference="rana")
    address = PrivateAddressFactory(user=user)
    html = _render_case_feed_link(user, case)
    url = f"https://tracker.example.org/exchange/feeds/{address.key}/cases/rana.atom"
    assert url == "https://tracker.example.org" + reverse("exchange:case_feed_private", args=[address.key, "rana"])
    assert f'readonly value="{url}"' in html
    assert f'<label for="case-feed-url-{case.pk}">' in html and f'id="case-feed-url-{case.pk}"' in html
    assert f'data-copy="case-feed-url-{case.pk}" hidden>Copy</button>' in html
    assert 'src="/static/js/copy.js" defer></script>' in html and "<script>" not in html


def test_the_case_feed_link_uses_an_address_that_still_works(client):
    from django.utils import timezone

    user = _user_in(roles.VIEWER, "reader")
    case = CaseFactory(reference="rana")
    kept = PrivateAddressFactory(user=user)
    PrivateAddressFactory(user=user, revoked_at=timezone.now())
    PrivateAddressFactory(user=user, purpose="calendar")
    html = _render_case_feed_link(user, case)
    assert f"/exchange/feeds/{kept.key}/cases/rana.atom" in html and html.count("/exchange/feeds/") == 1
    assert client.get(reverse("exchange:case_feed_private", args=[kept.key, "rana"])).status_code == 200


def test_without_a_feed_address_the_case_feed_link_offers_to_make_one_and_come_back(client):
    from accounts.models import PrivateAddress

    user = _user_in(roles.VIEWER, "reader")
    case = CaseFactory(reference="rana")
    html = _render_case_feed_link(user, case)
    assert "Make a private feed address" in html and 'name="purpose" value="feed"' in html
    assert f'name="next" value="{case.get_absolute_url()}#case-feed"' in html
    client.force_login(user)
    response = client.post(reverse("accounts:private_addresses"), {"purpose": "feed", "next": f"{case.get_absolute_url()}#case-feed"})
    assert response.status_code == 302 and response["Location"] == f"{case.get_absolute_url()}#case-feed"
    address = PrivateAddress.objects.get(user=user)
    assert f"/exchange/feeds/{address.key}/cases/rana.atom" in _render_case_feed_link(user, case)


def test_the_case_feed_link_is_not_offered_to_who_may_not_read_cases():
    from django.contrib.auth.models import AnonymousUser

    case = CaseFactory(reference="rana")
    assert _render_case_feed_link(AnonymousUser(), case).strip() == ""
    no_role = UserFactory(username="norole")
    PrivateAddressFactory(user=no_role)
    assert "feeds/" not in _render_case_feed_link(no_role, case)


def test_the_import_page_describes_the_file_layout_from_the_columns_written(client):
    from cases import roles
    from exchange.exports import CSV_COLUMNS
    from tests.factories import user_in_role

    client.force_login(user_in_role(roles.ANALYST, "importer"))
    content = client.get(reverse("exchange:import_upload")).content.decode()
    assert "README" not in content
    assert all(f"<code>{column}</code>" in content for column in CSV_COLUMNS)
