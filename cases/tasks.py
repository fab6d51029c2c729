"""Celery tasks: thin adapters around the services."""

from celery import shared_task

from . import search


@shared_task
def search_index_tidy() -> int:
    """Queued after changes to cases (and run by beat): merge the search index's pending words."""
    return search.search_index_tidy()
