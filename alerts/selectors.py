"""
Composite reads for the alert pages, the case panel and the calendar feed: each in a fixed number
of queries, whatever the number of follows, deadlines or alerts.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, Min, Q, QuerySet
from django.forms.utils import pretty_name
from django.http import QueryDict
from django.utils import timezone

from cases.filters import CaseFilter
from cases.models import Authority, Case, Event
from cases.selectors import with_cases_unsearched

from .models import Alert, Deadline, Follow, SavedSearch, scope_left_out_text

# Saved filters checked against a case per SQL query (each one an EXISTS of its own).
MATCH_CHUNK = 100


def user_follows(*, user: AbstractBaseUser) -> QuerySet[Follow]:
    """The cases a user follows, with each case's header fields, by case title."""
    return Follow.objects.filter(user=user).select_related("case").order_by("case__title")


@dataclass(frozen=True)
class LeftOut:
    """Event kinds one of a user's follows or saved searches sends nothing about."""

    name: str  # the case's title, or "your saved search “…”"
    kinds: str  # "status updates, hearings, filings and custody changes"
    change_url: str  # where to change it


def user_preferences_left_out(*, user: AbstractBaseUser) -> list[LeftOut]:
    """What the user's follows and saved searches leave out, cases by title then searches by name, in
    two queries: so the notifications page can say why an event written on a case brought nothing."""
    rows = [
        LeftOut(name=follow.case.title, kinds=follow.left_out_text, change_url=follow.get_absolute_url())
        for follow in user_follows(user=user).exclude(scope=Follow.Scope.ALL)
    ]
    rows += [
        LeftOut(name=f"your saved search “{search.name}”", kinds=scope_left_out_text(search.scope),
                change_url=search.get_absolute_url())
        for search in SavedSearch.objects.filter(user=user).exclude(scope=Follow.Scope.ALL).order_by("name", "pk")
    ]
    return rows


def case_follow_get(*, user: AbstractBaseUser, case: Case) -> Follow | None:
    if not user.is_authenticated:
        return None
    return Follow.objects.filter(user=user, case=case).first()


def case_deadlines_upcoming(*, case: Case) -> QuerySet[Deadline]:
    """Deadlines recorded by hand on a case, not yet done, soonest first; ones already passed are
    included (they are overdue). Computed ones are shown with what computed them (the case's clocks)."""
    return case.deadlines.open().filter(computed=False).order_by("due_on", "id")


def user_alerts(*, user: AbstractBaseUser) -> QuerySet[Alert]:
    """Every alert a user was sent or will be sent, newest first, with what each line shows."""
    return Alert.objects.filter(recipient=user).select_related("case", "event", "deadline", "digest", "saved_search")


def digest_items(*, digest: Alert) -> list[Alert]:
    """The alerts a digest bundles, by case, oldest first."""
    return list(
        with_cases_unsearched(digest.items.all())
        .select_related("event", "event__recorded_by", "deadline", "saved_search")
        .order_by("case__title", "created_at", "id")
    )


def user_calendar_deadlines(*, user_id: int, today: datetime.date | None = None) -> QuerySet[Deadline]:
    """Deadlines of every case a user follows, for the calendar feed: all open ones and the last 90 days' done ones."""
    today = today or timezone.localdate()
    return (
        with_cases_unsearched(
            Deadline.objects.filter(case__follows__user_id=user_id, due_on__gte=today - datetime.timedelta(days=90))
        ).order_by("due_on", "id")
    )


# Saved searches ------------------------------------------------------------------------------


# A thousand distinct saved filters (a few KiB each) per process; more are rebuilt as needed.
@lru_cache(maxsize=1024)
def _saved_filter_values(query: str) -> tuple | None:
    """One saved filter's values as the case list's FilterSet cleans them, checked once per process;
    None if not understood.

    Building and checking a FilterSet costs several milliseconds of Python (its filters and form are
    deep-copied) and holds some 60 KiB, more than the query it makes: rebuilt for every recorded event, a
    few hundred saved searches cost seconds. Only the cleaned values are kept; what they select is
    read afresh each time they are applied (the people a name matches, the words a search expands to)."""
    filterset = CaseFilter(QueryDict(query), queryset=Case.objects.none())
    return tuple(filterset.form.cleaned_data.items()) if filterset.is_valid() else None


@lru_cache(maxsize=1)
def _case_filters() -> dict:
    """The case list's filters, to apply cleaned values with (they keep no state between uses)."""
    return CaseFilter(queryset=Case.objects.none()).filters


def _saved_filter_apply(values: tuple, queryset: QuerySet[Case]) -> QuerySet[Case]:
    # What FilterSet.filter_queryset does with its form's cleaned data.
    filters = _case_filters()
    for name, value in values:
        queryset = filters[name].filter(queryset, value)
    return queryset


def saved_queries_matching(*, case_id: int, queries: Iterable[str]) -> set[str]:
    """Which of these saved filters the case matches now, as the case list would filter it.

    Each filter runs through the case list's own FilterSet restricted to the case, so a saved search
    means what the list means; the checks are bundled, MATCH_CHUNK to a query (an EXISTS each), so
    filters on the case's fields and events cost one query per hundred saved searches (words and
    names add the search's own look-up of them). A filter no longer understood matches nothing
    rather than being dropped, which would widen the search; a court since removed has no events."""
    queries = sorted(set(queries))
    if not queries:
        return set()
    only_case = Case.objects.filter(pk=case_id)
    matched: set[str] = set()
    for start in range(0, len(queries), MATCH_CHUNK):
        checks = {}
        for index, query in enumerate(queries[start : start + MATCH_CHUNK], start=start):
            values = _saved_filter_values(query)
            if values is not None:
                checks[f"match_{index}"] = Exists(_saved_filter_apply(values, only_case).order_by())
        if not checks:
            continue
        row = Case.all_objects.filter(pk=case_id).values(**checks).first()
        if row is None:
            return set()
        matched.update(queries[int(name.removeprefix("match_"))] for name, hit in row.items() if hit)
    return matched


def user_saved_searches(*, user: AbstractBaseUser) -> list[SavedSearch]:
    """A user's saved searches by name, each with ``description``: its filters in words."""
    searches = list(SavedSearch.objects.filter(user=user).order_by("name", "pk"))
    court_ids = {
        value for search in searches for value in QueryDict(search.query).getlist("court") if value.isdecimal()
    }
    courts = dict(Authority.objects.filter(pk__in=court_ids).values_list("pk", "name")) if court_ids else {}
    for search in searches:
        search.description = saved_search_describe(query=search.query, courts=courts)
    return searches


def saved_search_describe(*, query: str, courts: dict[int, str] | None = None, labels: bool = True) -> str:
    """“Search: Interpol · Requested state: United Kingdom”: a saved filter as the case list labels it
    (without ``labels``, “Interpol · United Kingdom”, a first name for it).

    ``courts``: names of the courts it may name, read beforehand (else each is read here)."""
    data = QueryDict(query)
    filterset = CaseFilter(data, queryset=Case.objects.none())
    parts = []
    for name, field in filterset.form.fields.items():
        if name == "sort":
            continue
        # As the form shows it: a filter without a label of its own is named after its field.
        label = f"{field.label or pretty_name(name)}: " if labels else ""
        if name == "last_event":
            after, before = data.get("last_event_after", ""), data.get("last_event_before", "")
            if after or before:
                parts.append(f"{label}{after or '…'} – {before or '…'}")
            continue
        values = data.getlist(name)
        if not values:
            continue
        if name == "court":
            if courts is None:
                courts = dict(Authority.objects.filter(pk__in=[v for v in values if v.isdecimal()]).values_list("pk", "name"))
            shown = [courts.get(int(v), f"#{v}") if v.isdecimal() else v for v in values]
        elif hasattr(field, "choices") and name != "person":
            names = _choice_labels(field.choices)
            shown = [names.get(value, value) for value in values]
        else:
            shown = values
        parts.append(f"{label}{', '.join(str(v) for v in shown)}")
    return " · ".join(parts)


def _choice_labels(choices) -> dict[str, str]:
    labels = {}
    for value, label in choices:
        if isinstance(label, (list, tuple)):  # an option group
            labels.update(_choice_labels(label))
        else:
            labels[str(value)] = str(label)
    return labels


@dataclass(frozen=True)
class OutboxHealth:
    """What an operator needs to know about the email outbox, in one glance."""

    failed: int
    pending: int
    overdue: int
    oldest_pending_at: datetime.datetime | None
    checked_at: datetime.datetime

    @property
    def oldest_pending_age(self) -> datetime.timedelta | None:
        return None if self.oldest_pending_at is None else self.checked_at - self.oldest_pending_at

    @property
    def is_stuck(self) -> bool:
        """Failed rows, rows the sweep should have queued again by now, or an email that has waited
        longer than ALERTS_OUTBOX_MAX_AGE_MINUTES (the mail server has been down that long)."""
        too_old = datetime.timedelta(minutes=settings.ALERTS_OUTBOX_MAX_AGE_MINUTES)
        age = self.oldest_pending_age
        return bool(self.failed or self.overdue or (age is not None and age > too_old))


def outbox_health(*, now: datetime.datetime | None = None) -> OutboxHealth:
    """Counts of the email outbox in one query (the outbox index covers it)."""
    now = now or timezone.now()
    # A row pending past its next attempt by more than twice the sweep's interval was missed by it
    # (beat or the worker is down); within that it is only waiting for the next sweep.
    overdue_before = now - datetime.timedelta(seconds=2 * settings.ALERTS_SWEEP_AFTER + 60)
    pending = Q(status=Alert.Status.PENDING)
    figures = Alert.objects.filter(channel=Alert.Channel.EMAIL, status__in=[Alert.Status.PENDING, Alert.Status.FAILED]).aggregate(
        failed=Count("id", filter=Q(status=Alert.Status.FAILED)),
        pending=Count("id", filter=pending),
        overdue=Count("id", filter=pending & Q(next_attempt_at__lt=overdue_before)),
        oldest_pending_at=Min("created_at", filter=pending),
    )
    return OutboxHealth(checked_at=now, **figures)


# How far ahead the home page looks for deadlines, hearings and time limits.
HOME_DUE_DAYS = 14
# How far back it looks on a first visit.
HOME_FIRST_VISIT_DAYS = 14


@dataclass(frozen=True)
class Briefing:
    """The top of a user's home page: what changed on the cases they follow since their last visit,
    what falls due on them soon (deadlines, hearings and the time limits their clocks keep), and
    which of their saved searches matched something new."""

    since: datetime.datetime
    first_visit: bool
    follows: int
    changes: list[Event]
    more_changes: int
    due: list[Deadline]
    searches: list[tuple[SavedSearch, int]]


def home_briefing(
    *, user: AbstractBaseUser, since: datetime.datetime | None, today: datetime.date | None = None, limit: int = 12
) -> Briefing:
    today = today or timezone.localdate()
    first_visit = since is None
    since = since or timezone.now() - datetime.timedelta(days=HOME_FIRST_VISIT_DAYS)
    followed = Follow.objects.filter(user=user).values("case_id")
    changed = with_cases_unsearched(
        Event.objects.filter(case__in=followed, case__deleted_at__isnull=True, recorded_at__gt=since).exclude(recorded_by=user)
    ).order_by("-recorded_at", "-id")
    changes = list(changed[: limit + 1])
    due = list(
        with_cases_unsearched(Deadline.objects.open().filter(
            case__in=followed, case__deleted_at__isnull=True, due_on__lte=today + datetime.timedelta(days=HOME_DUE_DAYS)
        )).order_by("due_on", "id")[:limit]
    )
    matches = dict(
        Alert.objects.filter(recipient=user, saved_search__isnull=False, created_at__gt=since)
        .values("saved_search").annotate(n=Count("id")).values_list("saved_search", "n")
    )
    searches = [(search, matches[search.pk]) for search in SavedSearch.objects.filter(pk__in=matches).order_by("name")]
    return Briefing(
        since=since, first_visit=first_visit, follows=Follow.objects.filter(user=user).count(), changes=changes[:limit],
        more_changes=max(changed.count() - limit, 0) if len(changes) > limit else 0, due=due, searches=searches,
    )
