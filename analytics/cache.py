"""The figures are cached, under a version that every change to a case's record moves on (a stage
change, an event corrected or deleted, a case opened or closed): a figure is never older than the
record, and an unchanged record is not read again."""

from django.core.cache import cache
from django.db import transaction
from django.dispatch import receiver

from cases.signals import case_created, case_record_changed

VERSION_KEY = "analytics:version"
# A cached figure outlives no change, but also no more than this (seconds): "today" moves on.
TIMEOUT = 3600


def figures_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, None)
        version = cache.get(VERSION_KEY, 1)
    return version


def figures_invalidate() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.add(VERSION_KEY, 1, None)


@receiver(case_record_changed, dispatch_uid="analytics.record_changed")
def _record_changed(sender, case_id, **kwargs):
    transaction.on_commit(figures_invalidate)


@receiver(case_created, dispatch_uid="analytics.case_created")
def _case_created(sender, case_id, **kwargs):
    figures_invalidate()


def cached_figure(name: str, query: str, compute):
    key = f"analytics:{figures_version()}:{name}:{query}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value
