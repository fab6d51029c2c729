"""Celery tasks: the preview and import of a large upload, run outside the web request."""

from celery import shared_task
from django.contrib.auth import get_user_model

from . import uploads


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
