"""
The figures across matters, each from the stage-change events of the matters chosen (a FilterSet's
queryset of cases), in a fixed number of queries whatever the number of matters.

A matter's *stays*: from the day it was opened in the stage its first stage change left, then from
each stage change to the next, and from the last one to the day it was closed, or to today while it
is open (that stay is still running: it counts as censored, never as finished). The ordering over a
case's stage changes is the timeline's (position), read with a window function in SQL.
"""

import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import F, Min, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Lead, RowNumber
from django.utils import timezone

from cases.models import Case, Event, Outcome, Stage

# Stays in these stages are not waiting for anything: they end the matter.
TERMINAL_STAGES = {Stage.CLOSED}
# Stages that say how the extradition ended rather than where it stands: a matter "ended at" the
# stage it was in before reaching one of these, and is not "stuck" in one.
END_STAGES = {Stage.REFUSED, Stage.SURRENDERED, Stage.AFTER_SURRENDER, Stage.INACTIVE, Stage.CLOSED}
STAGE_LABELS = dict(Stage.choices)
STAGE_ORDER = {value: index for index, value in enumerate(Stage.values)}


@dataclass(frozen=True)
class Stay:
    case_id: int
    stage: str
    start: datetime.date
    end: datetime.date
    finished: bool

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def _stage_changes(cases: QuerySet[Case]):
    """(case id, from stage, to stage, date, next change's date, its rank in the case) per stage change."""
    return (
        Event.objects.filter(kind=Event.Kind.STAGE_CHANGE, case__in=cases.values("pk"))
        .annotate(
            next_on=Window(Lead("occurred_on"), partition_by=[F("case_id")], order_by=[F("position").asc(), F("id").asc()]),
            rank=Window(RowNumber(), partition_by=[F("case_id")], order_by=[F("position").asc(), F("id").asc()]),
        )
        .order_by("case_id", "position", "id")
        .values_list("case_id", "from_stage", "to_stage", "occurred_on", "next_on", "rank")
    )


def matter_stays(cases: QuerySet[Case], *, today: datetime.date | None = None) -> list[Stay]:
    today = today or timezone.localdate()
    matters = {pk: (opened_on, closed_on) for pk, opened_on, closed_on in cases.values_list("pk", "opened_on", "closed_on")}
    stays = []
    for case_id, from_stage, to_stage, on, next_on, rank in _stage_changes(cases):
        opened_on, closed_on = matters[case_id]
        if rank == 1 and from_stage and from_stage not in TERMINAL_STAGES and opened_on and opened_on <= on:
            stays.append(Stay(case_id, from_stage, opened_on, on, True))
        if to_stage in TERMINAL_STAGES:
            continue
        if next_on is not None:
            stays.append(Stay(case_id, to_stage, on, max(next_on, on), True))
        elif closed_on is not None:
            stays.append(Stay(case_id, to_stage, on, max(closed_on, on), True))
        else:
            stays.append(Stay(case_id, to_stage, on, max(today, on), False))
    return stays


@dataclass(frozen=True)
class StageDuration:
    stage: str
    label: str
    finished: int
    running: int
    minimum: int | None = None
    q1: float | None = None
    median: float | None = None
    q3: float | None = None
    maximum: int | None = None


def _quartiles(values: list[int]) -> tuple[float, float, float]:
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, median, q3


def stage_durations(cases: QuerySet[Case], *, today: datetime.date | None = None) -> list[StageDuration]:
    """Days spent in each stage, over finished stays (running ones are counted beside them: a
    median of unfinished stays would understate how long a stage takes)."""
    finished, running = defaultdict(list), Counter()
    for stay in matter_stays(cases, today=today):
        if stay.finished:
            finished[stay.stage].append(stay.days)
        else:
            running[stay.stage] += 1
    rows = []
    for stage in sorted(set(finished) | set(running), key=STAGE_ORDER.get):
        values = sorted(finished[stage])
        if values:
            q1, median, q3 = _quartiles(values)
            rows.append(StageDuration(stage, STAGE_LABELS[stage], len(values), running[stage], values[0], q1, median, q3, values[-1]))
        else:
            rows.append(StageDuration(stage, STAGE_LABELS[stage], 0, running[stage]))
    return rows


@dataclass(frozen=True)
class SurvivalCurve:
    """Kaplan–Meier estimate of the share of matters not yet surrendered, by days since the start."""

    start: str
    matters: int
    surrendered: int
    censored: int
    steps: list[tuple[int, float]]
    median_days: float | None

    @property
    def label(self) -> str:
        return SURVIVAL_STARTS[self.start]

    def at(self, days: int) -> float:
        share = 1.0
        for time, value in self.steps:
            if time > days:
                break
            share = value
        return share


SURVIVAL_STARTS = {"arrest": "From arrest", "request": "From request"}
ARREST_CHANGES = [Event.CustodyChange.ARRESTED, Event.CustodyChange.PROVISIONALLY_ARRESTED]


def _clock_dates(cases: QuerySet[Case], start: str):
    """(start, surrender, closed on) per matter, each the earliest of its kind, in one grouped query:
    the start is the arrest (the first arrest recorded as a custody change or a stage change) or
    the request (the day the matter was opened)."""
    live = Q(events__deleted_at__isnull=True)
    surrendered = Min("events__occurred_on", filter=live & (
        Q(events__kind=Event.Kind.STAGE_CHANGE, events__to_stage=Stage.SURRENDERED)
        | Q(events__kind=Event.Kind.CUSTODY, events__custody_change=Event.CustodyChange.SURRENDERED)
    ))
    if start == "request":
        began = F("opened_on")
    else:
        began = Min("events__occurred_on", filter=live & (
            Q(events__kind=Event.Kind.CUSTODY, events__custody_change__in=ARREST_CHANGES)
            | Q(events__kind=Event.Kind.STAGE_CHANGE, events__to_stage=Stage.ARREST)
        ))
    return cases.order_by().annotate(began=began, surrendered=surrendered).values_list("began", "surrendered", "closed_on")


def time_to_surrender(cases: QuerySet[Case], *, start: str = "arrest", today: datetime.date | None = None) -> SurvivalCurve:
    """Time from arrest (or request) to surrender, as a Kaplan–Meier curve (SciPy's ``stats.ecdf``
    on right-censored data): a matter still open counts as censored at today, and one that ended
    without extradition as censored at its closing day; neither is taken for a surrender."""
    from scipy import stats

    today = today or timezone.localdate()
    observed, censored = [], []
    for began, ended, closed_on in _clock_dates(cases, start):
        if began is None:
            continue
        if ended is not None and ended >= began:
            observed.append((ended - began).days)
        elif ended is None:
            censored.append(max(((closed_on or today) - began).days, 0))
    if not observed:
        return SurvivalCurve(start, len(observed) + len(censored), 0, len(censored), [], None)
    result = stats.ecdf(stats.CensoredData(uncensored=observed, right=censored))
    times, shares = result.sf.quantiles, result.sf.probabilities
    steps = [(int(time), float(share)) for time, share in zip(times, shares, strict=True)]
    below = [time for time, share in steps if share <= 0.5]
    return SurvivalCurve(start, len(observed) + len(censored), len(observed), len(censored), steps, below[0] if below else None)


@dataclass(frozen=True)
class Ending:
    outcome: str
    label: str
    stage: str
    stage_label: str
    matters: int


def endings(cases: QuerySet[Case]) -> list[Ending]:
    """How matters with an outcome ended, and the stage they had reached when they did: the stage
    of their last move to a stage that is not itself an ending (refused, surrendered, closed...), else
    the stage they were opened at."""
    changes = Event.objects.filter(case=OuterRef("pk"), kind=Event.Kind.STAGE_CHANGE)
    last_open = changes.exclude(to_stage__in=END_STAGES).order_by("-position", "-id").values("to_stage")[:1]
    first_from = changes.order_by("position", "id").values("from_stage")[:1]
    rows = (
        cases.exclude(outcome="").order_by()
        .annotate(last_open=Subquery(last_open), first_from=Subquery(first_from))
        .values_list("outcome", "last_open", "first_from", "stage")
    )
    counts = Counter()
    for outcome, last, first, stage in rows:
        counts[(outcome, last or (first if first and first not in END_STAGES else stage))] += 1
    labels = dict(Outcome.choices)
    return [
        Ending(outcome, labels.get(outcome, outcome), stage, STAGE_LABELS.get(stage, stage), number)
        for (outcome, stage), number in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


@dataclass(frozen=True)
class Stuck:
    case: Case
    days: int


def longest_stuck(cases: QuerySet[Case], *, limit: int = 10, today: datetime.date | None = None) -> list[Stuck]:
    today = today or timezone.localdate()
    """Open matters still on their way (not refused, surrendered or inactive), longest in their stage first."""
    open_cases = cases.filter(closed_on__isnull=True, stage_entered_on__isnull=False).exclude(stage__in=END_STAGES)
    rows = open_cases.order_by("stage_entered_on", "pk").only("pk", "reference", "title", "stage", "stage_entered_on")[:limit]
    return [Stuck(case, (today - case.stage_entered_on).days) for case in rows]


@dataclass(frozen=True)
class MonthCount:
    month: datetime.date
    changes: int


def stage_changes_per_month(
    cases: QuerySet[Case], *, since: datetime.date | None = None, until: datetime.date | None = None
) -> tuple[list[MonthCount], int]:
    """Stage changes by month (months with none included), and how many are known only to the year
    and so cannot be placed in a month."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    changes = Event.objects.filter(kind=Event.Kind.STAGE_CHANGE, case__in=cases.values("pk"))
    if since:
        changes = changes.filter(occurred_on__gte=since)
    if until:
        changes = changes.filter(occurred_on__lte=until)
    by_month = dict(
        changes.exclude(date_precision="year").annotate(month=TruncMonth("occurred_on")).values("month")
        .annotate(n=Count("id")).values_list("month", "n")
    )
    year_only = changes.filter(date_precision="year").count()
    if not by_month:
        return [], year_only
    months = sorted(by_month)
    rows, month = [], months[0]
    while month <= months[-1]:
        rows.append(MonthCount(month, by_month.get(month, 0)))
        month = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return rows, year_only
