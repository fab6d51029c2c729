"""
Composite reads: each returns what a page needs in a fixed number of queries, however many
events a case has.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Case as SqlCase
from django.db.models import Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from .dates import DatePrecision, partial_date_bounds, partial_date_display
from .models import Case, CaseParty, CaseRelation, Event, Stage


# Entries shown at once on a case page; more load on demand.
TIMELINE_PAGE_SIZE = 30


def case_timeline(
    *, case: Case, kinds: list[str] | None = None, newest_first: bool = True, categories: list[str] | None = None
) -> QuerySet[Event]:
    """Everything that happened on a case, in date order, with what each entry shows already joined.

    ``categories`` narrows status updates to those about these subjects (with the other ``kinds``)."""
    events = (
        case.events.timeline_order(newest_first=newest_first)
        .select_related("authority", "official", "statement", "statement__speaker", "recorded_by")
        .prefetch_related("sources")
    )
    if categories:
        others = [kind for kind in kinds or () if kind != Event.Kind.STATUS]
        events = events.filter(Q(kind__in=others) | Q(kind=Event.Kind.STATUS, category__in=categories))
    elif kinds:
        events = events.filter(kind__in=kinds)
    return events


def case_related_matters(*, case: Case) -> list[tuple[str, Case, CaseRelation]]:
    """Every matter linked to this one, either way round, as (label read from this case, other case, link)."""
    links = CaseRelation.objects.filter(Q(case=case) | Q(related_case=case)).select_related("case", "related_case")
    rows = [(link.label_from(case), link.other(case), link) for link in links if not link.other(case).is_deleted]
    return sorted(rows, key=lambda row: (row[0], row[1].title))


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


def case_timeline_page(
    *, case: Case, kinds: list[str] | None = None, newest_first: bool = True, page=1, categories: list[str] | None = None
) -> TimelinePage:
    """The entries of one page of a case's timeline, and whether there are more."""
    try:
        number = max(1, min(int(page), 10**6))
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * TIMELINE_PAGE_SIZE
    timeline = case_timeline(case=case, kinds=kinds, newest_first=newest_first, categories=categories)
    rows = list(timeline[start : start + TIMELINE_PAGE_SIZE + 1])
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
    """A stretch of time a case spent at one stage, with each end's date at the precision it is known."""

    stage: str
    entered_on: datetime.date | None
    left_on: datetime.date | None
    is_current: bool
    entered_precision: str = DatePrecision.DAY
    entered_approximate: bool = False
    left_precision: str = DatePrecision.DAY
    left_approximate: bool = False

    @property
    def label(self) -> str:
        return Stage(self.stage).label

    @property
    def entered_display(self) -> str:
        return partial_date_display(self.entered_on, precision=self.entered_precision, approximate=self.entered_approximate)

    @property
    def left_display(self) -> str:
        return partial_date_display(self.left_on, precision=self.left_precision, approximate=self.left_approximate)

    @property
    def is_exact(self) -> bool:
        """Both ends known to the day, so that a count of days means something."""
        ends_exact = self.entered_precision == DatePrecision.DAY and not self.entered_approximate
        if self.left_on is not None:
            ends_exact = ends_exact and self.left_precision == DatePrecision.DAY and not self.left_approximate
        return ends_exact

    @property
    def days(self) -> int | None:
        """Days spent at the stage, between the middles of what each end's date can mean; see ``is_exact``."""
        if self.entered_on is None:
            return None
        start = _middle(self.entered_on, self.entered_precision, self.entered_approximate)
        end = _middle(self.left_on, self.left_precision, self.left_approximate) if self.left_on else timezone.localdate()
        return (end - start).days

    @property
    def duration_display(self) -> str:
        """“34 days”, or “about 3 months” where an end is known only to the month or year."""
        days = self.days
        if days is None:
            return ""
        if self.is_exact:
            return f"{days} day{'s' if days != 1 else ''}"
        if days < 60:
            return f"about {max(days // 7, 1)} week{'s' if days // 7 > 1 else ''}"
        if days < 730:
            return f"about {round(days / 30.44)} months"
        return f"about {round(days / 365.25)} years"


def _middle(value: datetime.date, precision: str, approximate: bool) -> datetime.date:
    bounds = partial_date_bounds(value, precision=precision, approximate=approximate)
    return bounds.earliest + (bounds.latest - bounds.earliest) / 2


def case_stage_track(*, case: Case) -> list[StageSpan]:
    """Every stage the case has been at, oldest first, with the dates it entered and left each.

    The first stage is the one the case was opened at; every later one comes from a stage-change
    event, so the track and the case's current stage cannot disagree."""
    changes = list(
        case.events.filter(kind=Event.Kind.STAGE_CHANGE)
        .timeline_order(newest_first=False)
        .values_list("from_stage", "to_stage", "occurred_on", "date_precision", "date_approximate")
    )
    if not changes:
        return [
            StageSpan(
                stage=case.stage,
                entered_on=case.stage_entered_on,
                left_on=None,
                is_current=True,
                entered_precision=case.stage_entered_precision,
                entered_approximate=case.stage_entered_approximate,
            )
        ]
    first_from, _to, first_on, first_precision, first_approximate = changes[0]
    spans = [
        StageSpan(
            stage=first_from,
            entered_on=case.opened_on,
            left_on=first_on,
            is_current=False,
            left_precision=first_precision,
            left_approximate=first_approximate,
        )
    ]
    for index, (_from, to_stage, on, precision, approximate) in enumerate(changes):
        following = changes[index + 1] if index + 1 < len(changes) else None
        spans.append(
            StageSpan(
                stage=to_stage,
                entered_on=on,
                left_on=following[2] if following else None,
                is_current=following is None,
                entered_precision=precision,
                entered_approximate=approximate,
                left_precision=following[3] if following else DatePrecision.DAY,
                left_approximate=following[4] if following else False,
            )
        )
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
