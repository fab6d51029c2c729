"""
The streamed export (``exchange.exports.export_json_chunks``, ``export_csv_chunks``) gives the same
bytes as the document built in memory, in a fixed number of queries; large exports are written
to a file by the worker (``exchange.services``, ``exchange.tasks``) and downloaded from their page.
"""

import datetime
import io
import smtplib
import threading
import time
from pathlib import Path
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given

from cases.models import Case, CaseParty, Event, Stage
from exchange import exports, services, tasks
from exchange.exports import export_csv, export_csv_chunks, export_document, export_json, export_json_chunks
from exchange.models import ExportFile
from tests.factories import (
    AuthorityFactory,
    CaseFactory,
    CasePartyFactory,
    CaseRelationFactory,
    EventFactory,
    PersonFactory,
    PersonNameFactory,
    SourceFactory,
    StatementFactory,
    TreatyFactory,
    UserFactory,
)
from tests.test_exchange_exports import FIRST_DEMO, generated_cases, record_every_item
from tests.test_roundtrip_property import PROPERTY, _one_example, _Recorder, histories

pytestmark = pytest.mark.django_db

D = datetime.date


def streamed_json(**selection) -> str:
    return "".join(export_json_chunks(**selection))


def streamed_csv(**selection) -> str:
    return "".join(export_csv_chunks(**selection))


def assert_streams_match(cases=None):
    """Both formats, for the selection as given and for everything."""
    for everything in (False, True):
        document = export_document(cases=cases, everything=everything)
        assert streamed_json(cases=cases, everything=everything) == export_json(document)
        assert streamed_csv(cases=cases, everything=everything) == export_csv(document)


# Same bytes ------------------------------------------------------------------------------------


def test_the_stream_of_the_demo_is_the_document_byte_for_byte(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("load_demo", "--file", str(FIRST_DEMO), stdout=io.StringIO())
    assert_streams_match()


def test_the_stream_of_the_current_demo_is_the_document_byte_for_byte(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("load_demo", stdout=io.StringIO())
    assert_streams_match()
    assert_streams_match(Case.objects.filter(reference="rana-us-india"))


def test_the_stream_of_every_item_is_the_document_byte_for_byte():
    record_every_item()
    assert_streams_match()
    assert_streams_match(Case.objects.filter(reference="choksi-be-in"))


def test_the_stream_of_generated_cases_is_the_document_byte_for_byte():
    generated_cases(count=6)
    assert_streams_match()
    assert_streams_match(Case.objects.filter(closed_on__isnull=True))


def _factory_world():
    """Records made by the factories: ties in names and dates, a case with no events, deleted rows,
    text a spreadsheet would run, and characters outside ASCII and a line separator."""
    treaty = TreatyFactory(name="Ü-treaty")
    twin_a = PersonFactory(name="Ravi Kumar", description="b")
    twin_b = PersonFactory(name="Ravi Kumar", description="a")
    accent = PersonFactory(name="Émile Zola", nationality=["FR", "BE"])
    PersonNameFactory(person=accent, name="E. Zola")
    PersonNameFactory(person=accent, name="Emile Zola", kind="alias")
    lonely = PersonFactory(name="zed, on no case")
    first = CaseFactory(reference="b-case", treaty=treaty, summary="=SUM(A1)\nline\u2028sep", opened_on=D(2020, 1, 2))
    second = CaseFactory(reference="a-case", stage=Stage.HEARING)
    CaseFactory(reference="c-empty")
    for case in (first, second):
        CasePartyFactory(case=case, person=twin_a, role=CaseParty.Role.PERSON_SOUGHT)
        CasePartyFactory(case=case, person=twin_b, role=CaseParty.Role.WITNESS, note="-note")
    CasePartyFactory(case=first, person=accent, role=CaseParty.Role.COUNSEL)
    CaseRelationFactory(case=first, related_case=second)
    court = AuthorityFactory(name="Court", country="GB")
    AuthorityFactory(name="Court", country="")
    sources = [SourceFactory(title="Same", published_on=None), SourceFactory(title="Same", published_on=D(2024, 1, 1)),
               SourceFactory(title="Ähnlich", url="")]
    statement = StatementFactory(speaker=twin_b, quote="Said “this”.")
    for case in (first, second):
        EventFactory(case=case, kind=Event.Kind.STATEMENT, statement=statement, occurred_on=D(2024, 5, 1),
                     category="")
    EventFactory(case=first, kind=Event.Kind.STATEMENT, statement=StatementFactory(quote="Other."),
                 occurred_on=D(2024, 5, 1), date_precision="month", category="")
    ruling = EventFactory(case=first, kind=Event.Kind.RULING, decision="certified", authority=court,
                          occurred_on=D(2023, 1, 1), category="")
    ruling.sources.set(sources)
    EventFactory(case=first, kind=Event.Kind.EXECUTIVE_DECISION, decision="extradition_ordered", official=accent,
                 authority=AuthorityFactory(name="Home Office", country="GB", kind="executive", level=""),
                 occurred_on=D(2023, 2, 1), category="")
    EventFactory(case=second, kind=Event.Kind.STAGE_CHANGE, from_stage=Stage.ARREST, to_stage=Stage.HEARING,
                 occurred_on=D(2023, 3, 1), category="")
    EventFactory(case=second, kind=Event.Kind.STAGE_CHANGE, from_stage=Stage.HEARING, to_stage=Stage.APPEAL,
                 occurred_on=D(2023, 4, 1), category="", deleted_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))
    EventFactory(case=second, occurred_on=D(2022, 1, 1))
    return lonely


def test_the_stream_of_factory_records_is_the_document_byte_for_byte():
    _factory_world()
    assert_streams_match()
    assert_streams_match(Case.objects.filter(reference__in=["b-case", "c-empty"]))
    assert_streams_match(Case.objects.filter(reference="a-case"))


def test_the_stream_of_no_cases_is_the_document_byte_for_byte():
    _factory_world()
    assert_streams_match(Case.objects.none())


@PROPERTY
@given(history=histories())
def test_the_stream_of_any_history_is_the_document_byte_for_byte(db, history):
    with _one_example():
        _Recorder(history).run()
        assert_streams_match()


# A fixed number of queries ---------------------------------------------------------------------


def _cases_with_everything(count: int, *, start: int = 0):
    """Cases each with people, a stage change, a ruling with sources, a statement and a related case."""
    for n in range(start, start + count):
        case = CaseFactory(reference=f"q-{n:03d}", treaty=TreatyFactory())
        CasePartyFactory(case=case, person=PersonNameFactory().person)
        EventFactory(case=case, kind=Event.Kind.STAGE_CHANGE, from_stage=Stage.REQUEST_MADE, to_stage=Stage.ARREST,
                     occurred_on=D(2023, 1, 1), category="")
        ruling = EventFactory(case=case, kind=Event.Kind.RULING, decision="certified", authority=AuthorityFactory(),
                              occurred_on=D(2023, 2, 1), category="")
        ruling.sources.set([SourceFactory(), SourceFactory()])
        EventFactory(case=case, kind=Event.Kind.STATEMENT, statement=StatementFactory(speaker=PersonFactory()),
                     occurred_on=D(2023, 3, 1), category="")
        if n:
            CaseRelationFactory(case=case, related_case=Case.objects.get(reference=f"q-{n - 1:03d}"))


def _queries(write, **selection) -> int:
    with CaptureQueriesContext(connection) as queries:
        text = "".join(write(**selection))
    assert text
    return len(queries)


@pytest.mark.parametrize("write", [export_json_chunks, export_csv_chunks], ids=["json", "csv"])
@pytest.mark.parametrize("everything", [False, True], ids=["selected", "everything"])
def test_the_stream_makes_as_many_queries_for_40_cases_as_for_5(write, everything):
    _cases_with_everything(5)
    few = _queries(write, everything=everything)
    _cases_with_everything(35, start=5)
    assert _queries(write, everything=everything) == few
    assert few <= 12
    assert _queries(write, cases=Case.objects.filter(reference__gte="q-020"), everything=everything) == few


# The export page ---------------------------------------------------------------------------------


@pytest.fixture
def big_exports(settings, tmp_path):
    """Every export counts as large; files go to a scratch storage; the worker is called by the test."""
    settings.EXCHANGE_EXPORT_INLINE_MAX_EVENTS = 1
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EXCHANGE_EXPORT_PROGRESS_EVERY = 1
    queued = []
    with mock.patch.object(tasks.export_file_run, "apply_async", lambda args, **kw: queued.append(args[0])):
        yield queued


def _some_cases():
    generated_cases(count=3)


@pytest.mark.parametrize("format", ["json", "csv"])
def test_a_small_export_streams_the_same_bytes_as_the_document(viewer_client, format):
    _some_cases()
    response = viewer_client.get(reverse("exchange:export"), {"format": format, "requested_state": "GB"})
    assert response.status_code == 200 and response.streaming
    expected = export_json if format == "json" else export_csv
    document = export_document(cases=Case.objects.filter(requested_state="GB"))
    assert response.getvalue() == (("\ufeff" if format == "csv" else "") + expected(document)).encode()
    assert response["Content-Disposition"].startswith('attachment; filename="cases-')
    assert not ExportFile.objects.exists()


def test_a_small_export_of_everything_streams_the_full_document(viewer_client):
    _some_cases()
    response = viewer_client.get(reverse("exchange:export"), {"format": "json"})
    assert response.getvalue() == export_json(export_document(everything=True)).encode()


def test_a_large_export_is_written_by_the_worker_and_downloaded_from_its_page(viewer_client, big_exports,
                                                                              django_capture_on_commit_callbacks):
    _some_cases()
    with django_capture_on_commit_callbacks(execute=True):
        response = viewer_client.get(reverse("exchange:export"), {"format": "csv", "stage": "hearing"})
    export_file = ExportFile.objects.get()
    assert response.status_code == 302 and response["Location"] == export_file.get_absolute_url()
    assert big_exports == [export_file.pk]
    assert (export_file.requested_by, export_file.format, export_file.query, export_file.state) == (
        viewer_client.user, "csv", "stage=hearing", ExportFile.State.QUEUED)

    page = viewer_client.get(export_file.get_absolute_url())
    assert b"Waiting for a worker" in page.content and b"<progress" in page.content
    assert b'hx-trigger="load delay:1s"' in page.content

    assert tasks.export_file_run(export_file.pk) is True
    export_file.refresh_from_db()
    hearing = Case.objects.filter(stage="hearing")
    assert export_file.state == ExportFile.State.DONE
    assert export_file.cases_done == export_file.cases_total == hearing.count() > 0
    assert export_file.file.name.startswith("exports/") and len(Path(export_file.file.name).stem) >= 30

    fragment = viewer_client.get(export_file.get_absolute_url(), HTTP_HX_REQUEST="true")
    download_url = reverse("exchange:export_download", args=[export_file.pk])
    assert download_url.encode() in fragment.content and b"hx-get" not in fragment.content
    download = viewer_client.get(download_url)
    assert download["Content-Disposition"] == f'attachment; filename="{export_file.filename}"'
    expected = "\ufeff" + export_csv(export_document(cases=hearing))
    assert b"".join(download.streaming_content) == expected.encode()


def test_the_export_page_shows_how_far_the_worker_is(viewer_client):
    export_file = ExportFile.objects.create(requested_by=viewer_client.user, format="json", filename="cases.json",
                                            state=ExportFile.State.RUNNING, cases_done=40, cases_total=100)
    body = viewer_client.get(export_file.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert '<progress max="100" value="40">' in body and "40 of 100 cases" in body


def test_the_export_page_lists_the_users_other_recent_exports(viewer_client):
    older = ExportFile.objects.create(requested_by=viewer_client.user, format="json", filename="older.json")
    ExportFile.objects.create(requested_by=UserFactory(), format="json", filename="not-mine.json")
    current = ExportFile.objects.create(requested_by=viewer_client.user, format="csv", filename="current.csv")
    body = viewer_client.get(current.get_absolute_url()).content.decode()
    assert older.get_absolute_url() in body and "not-mine.json" not in body


def test_another_users_export_is_not_found(viewer_client, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    export_file = ExportFile.objects.create(requested_by=UserFactory(), format="json", filename="cases.json",
                                            state=ExportFile.State.DONE, file="exports/secret.json")
    default_storage.save("exports/secret.json", io.BytesIO(b"{}"))
    assert viewer_client.get(export_file.get_absolute_url()).status_code == 404
    assert viewer_client.get(reverse("exchange:export_download", args=[export_file.pk])).status_code == 404


def test_an_unfinished_export_cannot_be_downloaded(viewer_client):
    export_file = ExportFile.objects.create(requested_by=viewer_client.user, format="json", filename="cases.json")
    assert viewer_client.get(reverse("exchange:export_download", args=[export_file.pk])).status_code == 404


def test_a_large_export_of_one_case_is_written_by_the_worker_too(viewer_client, big_exports, django_capture_on_commit_callbacks):
    _some_cases()
    with django_capture_on_commit_callbacks(execute=True):
        viewer_client.get(reverse("exchange:export"), {"case": "gen-001"})
    export_file = ExportFile.objects.get()
    services.export_file_write(export_id=export_file.pk)
    export_file.refresh_from_db()
    assert export_file.filename == "gen-001.json" and export_file.case_reference == "gen-001"
    assert export_file.file.read().decode() == export_json(export_document(cases=Case.objects.filter(reference="gen-001")))


def test_without_a_broker_the_export_is_written_in_the_request(viewer_client, settings, tmp_path,
                                                              django_capture_on_commit_callbacks):
    settings.EXCHANGE_EXPORT_INLINE_MAX_EVENTS = 1
    settings.MEDIA_ROOT = str(tmp_path)
    _some_cases()
    with mock.patch.object(tasks.export_file_run, "apply_async", side_effect=ConnectionError("no broker")):
        with django_capture_on_commit_callbacks(execute=True):
            response = viewer_client.get(reverse("exchange:export"), {"format": "json"})
    assert response.status_code == 302
    assert ExportFile.objects.get().state == ExportFile.State.DONE
    assert len(mail.outbox) == 1


def test_a_failed_export_says_why_on_its_page(viewer_client, monkeypatch):
    export_file = ExportFile.objects.create(requested_by=viewer_client.user, format="json", filename="cases.json")
    from exchange import exports

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "export_json_chunks", broken)
    assert tasks.export_file_run(export_file.pk) is False
    export_file.refresh_from_db()
    assert export_file.state == ExportFile.State.FAILED and export_file.error == "disk full"
    assert b"disk full" in viewer_client.get(export_file.get_absolute_url()).content
    assert mail.outbox == []


# One snapshot ----------------------------------------------------------------------------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the export's snapshot is PostgreSQL's; SQLite's transactions here take the write lock")


def _committed_elsewhere(work):
    """``work()`` on another connection (a thread's), committed before this returns; its result."""
    outcome = []

    def run():
        try:
            with transaction.atomic():
                outcome.append((True, work()))
        except Exception as error:
            outcome.append((False, error))
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("format", ["json", "csv"])
def test_an_export_reads_one_snapshot_while_analysts_write(format, monkeypatch):
    generated_cases(count=3)
    document = export_document(everything=True)
    expected = export_json(document) if format == "json" else export_csv(document)

    def meanwhile():
        # A source the lists read before did not hold, on a case not written yet; the case renamed.
        last = Case.objects.get(reference="gen-002")
        last.events.order_by("position").first().sources.add(SourceFactory(url="https://news.example.org/late"))
        Case.objects.filter(pk=last.pk).update(title="Renamed meanwhile")

    # Committed once people, authorities and sources have been read, before the cases are.
    statements = exports._Stream.statements

    def statements_after_a_change(stream):
        _committed_elsewhere(meanwhile)
        yield from statements(stream)

    monkeypatch.setattr(exports._Stream, "statements", statements_after_a_change)
    write = export_json_chunks if format == "json" else export_csv_chunks
    assert "".join(write(everything=True)) == expected
    monkeypatch.undo()
    assert "Renamed meanwhile" in "".join(export_json_chunks(everything=True))  # and the next export sees it


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_progress_shows_while_the_export_reads_in_its_snapshot(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.EXCHANGE_EXPORT_PROGRESS_EVERY = 1
    generated_cases(count=4)
    export_file = ExportFile.objects.create(requested_by=UserFactory(), format="json", filename="cases.json")
    seen, write_case = [], exports._json_case

    def watched(head, events, *, indent):
        if head["reference"] == "gen-003":  # the last: three written before it
            deadline = time.monotonic() + 10  # the counts are saved by a thread, a moment later
            while not seen or (seen[-1] < 3 and time.monotonic() < deadline):
                seen.append(_committed_elsewhere(lambda: ExportFile.objects.get(pk=export_file.pk).cases_done))
                time.sleep(0.02)
        yield from write_case(head, events, indent=indent)

    monkeypatch.setattr(exports, "_json_case", watched)
    export_file = services.export_file_write(export_id=export_file.pk)
    assert seen[-1] == 3
    assert (export_file.state, export_file.cases_done) == (ExportFile.State.DONE, 4)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_failed_export_ends_its_snapshot_and_is_recorded(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path)
    generated_cases(count=2)
    export_file = ExportFile.objects.create(requested_by=UserFactory(), format="csv", filename="cases.csv")
    monkeypatch.setattr(exports, "_csv_event_columns", mock.Mock(side_effect=RuntimeError("disk on fire")))
    export_file = services.export_file_write(export_id=export_file.pk)
    assert not connection.in_atomic_block
    assert _committed_elsewhere(lambda: ExportFile.objects.values_list("state", "error").get(pk=export_file.pk)) == (
        ExportFile.State.FAILED, "disk on fire")


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("format", ["json", "csv"])
def test_a_download_closed_halfway_ends_its_snapshot(format, viewer_client, monkeypatch):
    from django.test import RequestFactory

    from exchange import views

    generated_cases(count=3)
    monkeypatch.setattr(exports, "CHUNK_CHARS", 1)
    # The view itself, as a WSGI server calls it: the test client wraps a streamed response in its own closing.
    request = RequestFactory().get(reverse("exchange:export"), {"format": format})
    request.user = viewer_client.user
    response = views.export(request)
    content = iter(response)
    for _ in range(3):
        next(content)
    assert connection.in_atomic_block  # reading in the export's own transaction
    response.close()  # the client went away
    assert not connection.in_atomic_block


# The "ready" email -------------------------------------------------------------------------------


def _done_export(settings, tmp_path) -> ExportFile:
    settings.MEDIA_ROOT = str(tmp_path)
    settings.SITE_URL = "https://tracker.example.org"
    user = UserFactory(username="ana", email="ana@example.org")
    export_file = ExportFile.objects.create(requested_by=user, format="json", filename="cases.json")
    return services.export_file_write(export_id=export_file.pk)


def test_the_ready_email_links_to_the_export_page_and_is_sent_once(settings, tmp_path):
    export_file = _done_export(settings, tmp_path)
    tasks.export_file_run(export_file.pk)
    tasks.export_file_run(export_file.pk)  # a redelivery
    assert len(mail.outbox) == 1
    (message,) = mail.outbox
    assert message.to == ["ana@example.org"] and "cases.json" in message.subject
    assert f"https://tracker.example.org{export_file.get_absolute_url()}" in message.body
    export_file.refresh_from_db()
    assert export_file.ready_email_sent_at is not None


def test_the_ready_email_is_retried_when_the_mail_server_fails(settings, tmp_path, monkeypatch):
    export_file = _done_export(settings, tmp_path)
    from django.core.mail import EmailMultiAlternatives

    send = EmailMultiAlternatives.send
    calls = []

    def flaky(message, *args, **kwargs):
        calls.append(message)
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("gone")
        return send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky)
    result = tasks.export_file_run.apply(args=[export_file.pk])
    assert result.successful() and result.get() is True
    assert len(calls) == 2 and len(mail.outbox) == 1
    export_file.refresh_from_db()
    assert export_file.ready_email_sent_at is not None


def test_a_failed_email_is_not_marked_sent(settings, tmp_path, monkeypatch):
    export_file = _done_export(settings, tmp_path)
    from django.core.mail import EmailMultiAlternatives

    def down(message, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(EmailMultiAlternatives, "send", down)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        services.export_file_notify(export_id=export_file.pk)
    export_file.refresh_from_db()
    assert export_file.ready_email_sent_at is None


# Expiry ----------------------------------------------------------------------------------------


def test_expired_exports_lose_their_file_and_row_and_recent_ones_stay(settings, tmp_path):
    settings.EXCHANGE_EXPORT_KEEP_HOURS = 24
    with time_machine.travel(datetime.datetime(2025, 6, 1, 12, tzinfo=datetime.UTC), tick=False):
        old = _done_export(settings, tmp_path)
    with time_machine.travel(datetime.datetime(2025, 6, 2, 6, tzinfo=datetime.UTC), tick=False):
        recent = ExportFile.objects.create(requested_by=old.requested_by, format="json", filename="recent.json")
        recent = services.export_file_write(export_id=recent.pk)
    old_path = Path(default_storage.path(old.file.name))
    assert old.file.name and old_path.is_file()
    with time_machine.travel(datetime.datetime(2025, 6, 2, 13, tzinfo=datetime.UTC), tick=False):
        assert tasks.export_files_expire() == 1
    assert not old_path.exists() and not ExportFile.objects.filter(pk=old.pk).exists()
    assert Path(default_storage.path(recent.file.name)).exists() and ExportFile.objects.filter(pk=recent.pk).exists()


def test_expiry_is_in_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["exchange-exports-expire"]
    assert entry["task"] == tasks.export_files_expire.name


# The command -----------------------------------------------------------------------------------


def test_the_export_command_writes_the_stream(tmp_path):
    _some_cases()
    out = io.StringIO()
    call_command("export_cases", stdout=out)
    assert out.getvalue() == export_json(export_document(everything=True))
    target = tmp_path / "cases.csv"
    call_command("export_cases", "gen-000", "--format", "csv", "-o", str(target), stderr=io.StringIO())
    assert target.read_bytes() == export_csv(export_document(cases=Case.objects.filter(reference="gen-000"))).encode()
