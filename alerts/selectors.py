"""
Composite reads for the alert pages, the case panel and the calendar feed: each in a fixed number
of queries, whatever the number of follows, deadlines or alerts.
"""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from cases.models import Case

from .models import Alert, Deadline, Follow


def user_follows(*, user: AbstractBaseUser) -> QuerySet[Follow]:
    """The cases a user follows, with each case's header fields, by case title."""
    return Follow.objects.filter(user=user).select_related("case").order_by("case__title")


def case_follow_get(*, user: AbstractBaseUser, case: Case) -> Follow | None:
    if not user.is_authenticated:
        return None
    return Follow.objects.filter(user=user, case=case).first()


def case_deadlines_upcoming(*, case: Case) -> QuerySet[Deadline]:
    """Deadlines of a case not yet done, soonest first; ones already passed are included (they are overdue)."""
    return case.deadlines.open().order_by("due_on", "id")


def user_alerts(*, user: AbstractBaseUser) -> QuerySet[Alert]:
    """Every alert a user was sent or will be sent, newest first, with what each line shows."""
    return Alert.objects.filter(recipient=user).select_related("case", "event", "deadline", "digest")


def digest_items(*, digest: Alert) -> list[Alert]:
    """The alerts a digest bundles, by case, oldest first."""
    return list(
        digest.items.select_related("case", "event", "event__recorded_by", "deadline").order_by(
            "case__title", "created_at", "id"
        )
    )


def user_calendar_deadlines(*, user_id: int, today: datetime.date | None = None) -> QuerySet[Deadline]:
    """Deadlines of every case a user follows, for the calendar feed: all open ones and the last 90 days' done ones."""
    today = today or timezone.localdate()
    return (
        Deadline.objects.filter(case__follows__user_id=user_id, due_on__gte=today - datetime.timedelta(days=90))
        .select_related("case")
        .order_by("due_on", "id")
    )
