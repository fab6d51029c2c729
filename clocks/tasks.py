"""Celery tasks: thin adapters around the services."""

from celery import shared_task

from . import services


@shared_task
def clocks_recompute_all() -> int:
    """Beat, nightly: recompute every open case's clocks (a lost announcement, a rule added since)."""
    return services.clocks_recompute_all()
