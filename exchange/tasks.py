"""Celery tasks: the preview and import of a large upload, and the writing of a large export, run
outside the web request; each takes primary keys or names and calls the services."""

import smtplib

from celery import shared_task
from django.contrib.auth import get_user_model

from . import services, uploads

# Tries of the "export ready" email, a minute, then 2, 4… apart.
EXPORT_EMAIL_RETRIES = 6


@shared_task
def upload_import(user_id: int, name: str, dry_run: bool) -> bool:
    """Preview (dry_run) or import one stored upload; the page polls its status file."""
    path = uploads.upload_path(user_id=user_id, name=name)
    if path is None:
        return False
    result = uploads.upload_run(path=path, by=get_user_model().objects.get(pk=user_id), dry_run=dry_run)
    if result.applied:
        uploads.upload_discard(path)
    return result.ok


@shared_task(bind=True, acks_late=True, max_retries=EXPORT_EMAIL_RETRIES)
def export_file_run(self, export_id: int) -> bool:
    """Write one export to its file, then email its owner the link; a retry after a mail server's
    failure finds the file written and sends only the email (which a sent mark keeps from going twice)."""
    export = services.export_file_write(export_id=export_id)
    if export.state != export.State.DONE:
        return False
    try:
        services.export_file_notify(export_id=export_id)
    except (smtplib.SMTPException, OSError) as error:
        raise self.retry(exc=error, countdown=60 * 2**self.request.retries)
    return True


@shared_task
def export_files_expire() -> int:
    """Beat, hourly: delete the exports older than EXCHANGE_EXPORT_KEEP_HOURS, files and rows."""
    return services.export_files_expire()
