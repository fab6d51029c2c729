"""Composite reads of clocks: a case's, and the ones falling due across cases."""

import datetime

from django.db.models import Count, Q, QuerySet

from cases.models import Case

from .models import Clock


def case_clocks(*, case: Case) -> list[Clock]:
    """A case's clocks, open ones first (soonest last day first), then the settled and set aside."""
    clocks = list(
        Clock.objects.filter(case=case).select_related("trigger", "settled_by", "overridden_by").order_by("due_earliest", "id")
    )
    return sorted(clocks, key=lambda clock: (not clock.is_open, clock.due_first, clock.pk))


def clocks_across_cases() -> QuerySet[Clock]:
    """Every clock of every live case, with what the Clocks page shows, soonest last day first."""
    return (
        Clock.objects.filter(case__deleted_at__isnull=True)
        .select_related("case", "trigger")
        .order_by("due_earliest", "id")
    )


def clock_counts(*, today: datetime.date) -> dict[str, int]:
    """How many open clocks fall due within 7 and 30 days, and how many lapsed in the last 30."""
    day = datetime.timedelta(days=1)
    return Clock.objects.open().filter(case__deleted_at__isnull=True).aggregate(
        week=Count("pk", filter=Q(due_earliest__gte=today, due_earliest__lte=today + 7 * day)),
        month=Count("pk", filter=Q(due_earliest__gte=today, due_earliest__lte=today + 30 * day)),
        lapsed=Count("pk", filter=Q(due_latest__lt=today, due_latest__gte=today - 30 * day)),
    )
