"""
Exports written by the worker: asked for, written to storage with their progress, announced by
email once (however often the task is retried), and deleted when they expire.
"""

import contextlib
import datetime
import logging
import secrets
import tempfile
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.db import connections, transaction
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import timezone

from tracker.absolute_urls import absolute_url

from . import exports
from .models import ExportFile

logger = logging.getLogger(__name__)

# What the in-request CSV starts with, so that spreadsheet programs read the file as UTF-8.
CSV_BOM = "\ufeff"


def _export_query(export: ExportFile) -> QueryDict:
    query = QueryDict(export.query, mutable=True)
    if export.case_reference:
        query["case"] = export.case_reference
    return query


def export_file_create(*, user, format: str, query: QueryDict) -> ExportFile:
    """Record an export of the cases ``query`` selects (as the export view reads it) and queue
    its writing once the row is committed.

    Raises Case.DoesNotExist or ValueError, as ``exports.export_selection`` does."""
    selection = exports.export_selection(query=query)
    filters = query.copy()
    for parameter in exports.EXPORT_PARAMETERS:
        filters.pop(parameter, None)
    reference = query.get("case", "")
    with transaction.atomic():
        export = ExportFile.objects.create(
            requested_by=user,
            format=ExportFile.Format(format),
            case_reference=reference,
            query="" if reference else filters.urlencode(),
            filename=f"{selection.name}.{format}",
        )
        transaction.on_commit(lambda: _export_file_queue(export.pk))
    return export


def _export_file_queue(export_id: int) -> None:
    from . import tasks  # the tasks call these services

    try:
        tasks.export_file_run.apply_async(args=[export_id], retry=False)
    except Exception:  # The broker's errors differ by transport; without one, write it here, as imports do.
        logger.warning("Could not queue export %s; writing it in the request.", export_id, exc_info=True)
        export_file_write(export_id=export_id)
        try:
            export_file_notify(export_id=export_id)
        except Exception:  # The user is on the page that shows the link; the email is a courtesy.
            logger.warning("Could not email that export %s is ready.", export_id, exc_info=True)


@contextlib.contextmanager
def _progress_saver(export_id: int):
    """The export's ``on_case``: the number of cases written, saved every EXCHANGE_EXPORT_PROGRESS_EVERY.

    An export that reads in its own snapshot (``exports.export_takes_snapshot``) calls it inside
    that transaction, where a write would show on the export's page only at the end: there the
    counts are saved through another connection, a thread's, in the order they come."""
    every = max(1, settings.EXCHANGE_EXPORT_PROGRESS_EVERY)

    def save(done: int) -> None:
        try:
            ExportFile.objects.filter(pk=export_id).update(cases_done=done)
        except Exception:  # a progress bar a step behind is no reason to fail the export
            logger.warning("Could not save the progress of export %s.", export_id, exc_info=True)

    if not exports.export_takes_snapshot():
        yield lambda done: save(done) if done % every == 0 else None
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-progress") as pool:
        try:
            yield lambda done: pool.submit(save, done) if done % every == 0 else None
        finally:
            pool.submit(connections.close_all)  # the thread's own connection, which nothing else closes


def export_file_write(*, export_id: int) -> ExportFile:
    """Write the export to storage, streamed, its progress saved every EXCHANGE_EXPORT_PROGRESS_EVERY
    cases; done already: nothing. A failure is recorded on the row (state failed, the error)."""
    export = ExportFile.objects.get(pk=export_id)
    if export.state == ExportFile.State.DONE:
        return export
    try:
        selection = exports.export_selection(query=_export_query(export))
        export.state, export.cases_done, export.error = ExportFile.State.RUNNING, 0, ""
        export.cases_total = selection.cases.count()
        export.save(update_fields=["state", "cases_done", "cases_total", "error"])
        write = exports.export_json_chunks if export.format == ExportFile.Format.JSON else exports.export_csv_chunks
        # A temporary file first, then into storage: any storage can take a finished file, in
        # constant memory, and a half-written export is never there to be downloaded.
        with _progress_saver(export.pk) as progress, tempfile.TemporaryFile() as out:
            if export.format == ExportFile.Format.CSV:
                out.write(CSV_BOM.encode())
            # Closed on a failure too, so that the export's own transaction ends before the failure is saved.
            with contextlib.closing(write(cases=selection.cases, everything=selection.everything, on_case=progress)) as chunks:
                for chunk in chunks:
                    out.write(chunk.encode())
            out.seek(0)
            name = default_storage.save(f"exports/{secrets.token_urlsafe(24)}.{export.format}", File(out))
    except Exception as error:
        logger.exception("Export %s failed.", export_id)
        export.state, export.error, export.finished_at = ExportFile.State.FAILED, str(error) or repr(error), timezone.now()
        export.save(update_fields=["state", "error", "finished_at"])
        return export
    export.file.name = name
    export.state, export.cases_done, export.finished_at = ExportFile.State.DONE, export.cases_total, timezone.now()
    export.save(update_fields=["file", "state", "cases_done", "finished_at"])
    return export


def export_file_notify(*, export_id: int) -> bool:
    """Email the user the link to a finished export, once: the row is marked only after sending, so
    a mail server's failure (raised) leaves it for the task's retry. False when there was nothing to send."""
    with transaction.atomic():
        export = ExportFile.objects.select_for_update().select_related("requested_by").get(pk=export_id)
        if export.state != ExportFile.State.DONE or export.ready_email_sent_at or not export.requested_by.email:
            return False
        context = {"export": export, "user": export.requested_by, "url": absolute_url(export.get_absolute_url()),
                   "keep_hours": settings.EXCHANGE_EXPORT_KEEP_HOURS}
        subject, text, html = (
            render_to_string(f"exchange/email/export_ready{suffix}", context)
            for suffix in ("_subject.txt", ".txt", ".html")
        )
        message = EmailMultiAlternatives(
            subject=" ".join(subject.split()), body=text, from_email=settings.DEFAULT_FROM_EMAIL,
            to=[export.requested_by.email], headers={"Auto-Submitted": "auto-generated"},
        )
        message.attach_alternative(html, "text/html")
        message.send()
        export.ready_email_sent_at = timezone.now()
        export.save(update_fields=["ready_email_sent_at"])
    return True


def export_files_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete the exports asked for more than EXCHANGE_EXPORT_KEEP_HOURS ago, files and rows; how many."""
    before = (now or timezone.now()) - datetime.timedelta(hours=settings.EXCHANGE_EXPORT_KEEP_HOURS)
    count = 0
    for export in ExportFile.objects.expired(before=before).iterator():
        if export.file:
            export.file.delete(save=False)
        export.delete()
        count += 1
    return count
