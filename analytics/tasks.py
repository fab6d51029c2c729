"""Celery tasks: thin adapters around the services."""

from celery import shared_task

from . import services


@shared_task
def matters_derive_all() -> int:
    """Beat, nightly: rebuild every case's stays and milestones (a rebuild that failed and was logged)."""
    return services.matters_derive_all()
