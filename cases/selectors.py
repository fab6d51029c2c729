"""
Composite reads: each returns what a page needs in a fixed number of queries, however many
events a case has.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Case as SqlCase
from django.db.models import Prefetch, QuerySet, Value, When
from django.utils import timezone

from .models import Case, CaseParty, Event, Stage


# Entries shown at once on a case page; more load on demand.
TIMELINE_PAGE_SIZE = 30


def case_timeline(*, case: Case, kinds: list[str] | None = None, newest_first: bool = True) -> QuerySet[Event]:
    """Everything that happened on a case, in date order, with what each entry shows already joined."""
    events = (
        case.events.timeline_order(newest_first=newest_first)
        .select_related("forum", "statement", "statement__speaker", "recorded_by")
        .prefetch_related("sources")
    )
    if kinds:
        events = events.filter(kind__in=kinds)
    return events


# The person sought first, then the others in the order of CaseParty.Role.
_ROLE_ORDER = SqlCase(*[When(role=role, then=Value(i)) for i, role in enumerate(CaseParty.Role.values)])


@dataclass(frozen=True)
class TimelinePage:
    """One page of a timeline. Found by reading one row past the page instead of counting the
    timeline, which costs a query and grows with the case."""

    entries: list
    number: int
    has_next: bool

    @property
    def object_list(self):
        return self.entries

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def case_timeline_page(*, case: Case, kinds: list[str] | None = None, newest_first: bool = True, page=1) -> TimelinePage:
    """The entries of one page of a case's timeline, and whether there are more."""
    try:
        number = max(1, min(int(page), 10**6))
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * TIMELINE_PAGE_SIZE
    rows = list(case_timeline(case=case, kinds=kinds, newest_first=newest_first)[start : start + TIMELINE_PAGE_SIZE + 1])
    return TimelinePage(entries=rows[:TIMELINE_PAGE_SIZE], number=number, has_next=len(rows) > TIMELINE_PAGE_SIZE)


def case_with_parties(*, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Cases with their treaty, latest event and people, for headers and list rows."""
    return (queryset if queryset is not None else Case.objects.all()).select_related(
        "treaty", "last_event"
    ).prefetch_related(
        Prefetch("parties", queryset=CaseParty.objects.select_related("person").order_by(_ROLE_ORDER, "person__name"))
    )


# Below this many matches, the list's matching cases are fetched first and then sorted.
FEW_MATCHES = 2000


def case_list_order_rarely_matched(queryset: QuerySet[Case], *, total: int) -> QuerySet[Case]:
    """The same list, read the fast way when a search matches few cases.

    Walking the cases in activity order until 25 match is quick when many match and slow when few
    do (a rare word means reading most of the table); for few matches, fetching their ids first
    (through the search index) and sorting only those is quick. The count is known beforehand."""
    if total == 0:
        return queryset.none()
    if total > FEW_MATCHES:
        return queryset
    ids = list(queryset.order_by().values_list("pk", flat=True)[: FEW_MATCHES + 1])
    if len(ids) > FEW_MATCHES:
        return queryset
    return case_with_parties(queryset=Case.objects.filter(pk__in=ids)).order_by(*queryset.query.order_by)


@dataclass(frozen=True)
class StageSpan:
    """A stretch of time a case spent at one stage."""

    stage: str
    entered_on: datetime.date | None
    left_on: datetime.date | None
    is_current: bool

    @property
    def label(self) -> str:
        return Stage(self.stage).label

    @property
    def days(self) -> int | None:
        if self.entered_on is None:
            return None
        end = self.left_on or timezone.localdate()
        return (end - self.entered_on).days


def case_stage_track(*, case: Case) -> list[StageSpan]:
    """Every stage the case has been at, oldest first, with the dates it entered and left each.

    The first stage is the one the case was opened at; every later one comes from a stage-change
    event, so the track and the case's current stage cannot disagree."""
    changes = list(
        case.events.filter(kind=Event.Kind.STAGE_CHANGE)
        .timeline_order(newest_first=False)
        .values_list("from_stage", "to_stage", "occurred_on")
    )
    if not changes:
        return [StageSpan(stage=case.stage, entered_on=case.stage_entered_on, left_on=None, is_current=True)]
    spans = [StageSpan(stage=changes[0][0], entered_on=case.opened_on, left_on=changes[0][2], is_current=False)]
    for index, (_from, to_stage, on) in enumerate(changes):
        left_on = changes[index + 1][2] if index + 1 < len(changes) else None
        spans.append(StageSpan(stage=to_stage, entered_on=on, left_on=left_on, is_current=left_on is None))
    return spans


@dataclass(frozen=True)
class HistoryChange:
    """One saved version of a record, with what it changed from the version before."""

    record: object
    changes: list

    @property
    def kind(self) -> str:
        return {"+": "Created", "~": "Changed", "-": "Deleted"}[self.record.history_type]


def history_changes(*, history) -> list[HistoryChange]:
    """Every version of a record, newest first, each with its field-by-field differences.

    Versions are compared in memory, so a record with many edits costs one query."""
    records = list(history.select_related("history_user").order_by("history_date", "history_id"))
    result, previous = [], None
    for record in records:
        changes = []
        if previous is not None:
            changes = [
                (record.instance._meta.get_field(c.field).verbose_name, c.old, c.new)
                for c in record.diff_against(previous, foreign_keys_are_objs=False).changes
            ]
        result.append(HistoryChange(record=record, changes=changes))
        previous = record
    return list(reversed(result))
