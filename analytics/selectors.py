"""
The figures across matters, each over the matters chosen (a FilterSet's queryset of cases), in a
fixed number of queries whatever the number of matters. What comes back is already counted (how
many stays of each length, how many matters surrendered after so many days), so the rows read grow
with the spread of the lengths, not with the number of matters.

The stays and the milestones they count are kept with each case's record (``models``, ``services``):
a figure reads those narrow rows and walks no timeline. A matter's *stays*: from the day it was
opened in the stage its first stage change left, then from each stage change to the next, and from
the last one to the day it was closed (while it is open that stay is still running: it counts as
censored, never as finished).
"""

import bisect
import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone

from cases.models import Case, Event, Outcome, Stage

from .models import Milestones, Stay
from .services import days_between, later_of, sql_of

# Stages that say how the extradition ended rather than where it stands: a matter "ended at" the
# stage it was in before reaching one of these, and is not "stuck" in one.
END_STAGES = {Stage.REFUSED, Stage.SURRENDERED, Stage.AFTER_SURRENDER, Stage.INACTIVE, Stage.CLOSED}
STAGE_LABELS = dict(Stage.choices)
STAGE_ORDER = {value: index for index, value in enumerate(Stage.values)}


def _stays_histogram(cases: QuerySet[Case]) -> list[tuple[str, bool, int, int]]:
    """(stage, finished, days, how many stays) over every stay of the matters chosen: one row per
    distinct length, however many matters there are (running stays are all at 0 days)."""
    return list(
        Stay.objects.filter(case__in=cases.values("pk")).order_by().values("stage", "finished", "days")
        .annotate(number=Count("*")).values_list("stage", "finished", "days", "number")
    )


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


def _quartiles(lengths: list[tuple[int, int]]) -> tuple[float, float, float]:
    """The quartiles of a sorted histogram of (value, how many), as ``statistics.quantiles(values,
    n=4, method="inclusive")`` gives them over the values written out (one value: itself three times)."""
    cumulative, total = [], 0
    for _, number in lengths:
        total += number
        cumulative.append(total)

    def value(index: int) -> int:
        return lengths[bisect.bisect_right(cumulative, index)][0]

    if total == 1:
        return lengths[0][0], lengths[0][0], lengths[0][0]
    quartiles = []
    for i in range(1, 4):
        j, delta = divmod(i * (total - 1), 4)
        quartiles.append((value(j) * (4 - delta) + value(j + 1) * delta) / 4)
    return tuple(quartiles)


def stage_durations(cases: QuerySet[Case]) -> list[StageDuration]:
    """Days spent in each stage, over finished stays (running ones are counted beside them: a
    median of unfinished stays would understate how long a stage takes)."""
    finished, running = defaultdict(list), Counter()
    for stage, done, days, number in _stays_histogram(cases):
        if done:
            finished[stage].append((days, number))
        else:
            running[stage] += number
    rows = []
    for stage in sorted(set(finished) | set(running), key=STAGE_ORDER.get):
        lengths = sorted(finished[stage])
        if lengths:
            q1, median, q3 = _quartiles(lengths)
            stays = sum(number for _, number in lengths)
            rows.append(StageDuration(stage, STAGE_LABELS[stage], stays, running[stage], lengths[0][0], q1, median, q3, lengths[-1][0]))
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


def _clock_lengths(cases: QuerySet[Case], start: str, today: datetime.date) -> list[tuple[int, bool, int]]:
    """(days, surrendered, how many matters) from the start of each matter's clock to its surrender,
    or to its closing day or today when it has none (censored), counted in the database.

    The start is the first arrest (recorded as a custody change or a stage change) or the request
    (the day the matter was opened); the surrender is the first recorded as either. A matter with no
    start is left out, and so is one whose surrender is recorded before its start."""
    chosen, chosen_params = sql_of(cases.order_by().values_list("pk", "opened_on", "closed_on"))
    began = "m.opened_on" if start == "request" else "c.first_arrested_on"
    censored_at = later_of(days_between("COALESCE(m.closed_on, %s)", began), "0")
    sql = f"""
        WITH matters (id, opened_on, closed_on) AS ({chosen})
        SELECT days, surrendered, COUNT(*) FROM (
            SELECT CASE WHEN c.first_surrendered_on IS NULL THEN {censored_at}
                        ELSE {days_between("c.first_surrendered_on", began)} END AS days,
                   CASE WHEN c.first_surrendered_on IS NULL THEN 0 ELSE 1 END AS surrendered
            FROM matters m LEFT JOIN {Milestones._meta.db_table} c ON c.case_id = m.id
            WHERE {began} IS NOT NULL AND (c.first_surrendered_on IS NULL OR c.first_surrendered_on >= {began})
        ) lengths
        GROUP BY days, surrendered
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, chosen_params + (today,))
        return [(days, bool(done), number) for days, done, number in cursor.fetchall()]


def kaplan_meier(lengths: list[tuple[int, bool, int]]) -> list[tuple[int, float]]:
    """The product-limit (Kaplan–Meier) estimate of the share not yet surrendered, from (days,
    surrendered, how many matters) counts: one step per day on which a matter was surrendered or
    censored (the share is unchanged on a day with no surrender), as SciPy's ``stats.ecdf`` gives it.

    At each such day the share falls by the surrenders over the matters still waiting that day; a
    matter censored on a day counts as waiting on it (the usual convention; the tests compare with
    SciPy). Written out over the counts rather than through SciPy: importing it took a web worker
    60 MB and 3 s for an estimate of a few hundred steps."""
    by_day: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for days, surrendered, number in lengths:
        by_day[days][0 if surrendered else 1] += number
    waiting = sum(done + censored for done, censored in by_day.values())
    share, steps = 1.0, []
    for days in sorted(by_day):
        done, censored = by_day[days]
        share *= 1 - done / waiting
        steps.append((days, share))
        waiting -= done + censored
    return steps


def time_to_surrender(cases: QuerySet[Case], *, start: str = "arrest", today: datetime.date | None = None) -> SurvivalCurve:
    """Time from arrest (or request) to surrender, as a Kaplan–Meier curve: a matter still open
    counts as censored at today, and one that ended without extradition as censored at its closing
    day; neither is taken for a surrender."""
    lengths = _clock_lengths(cases, start, today or timezone.localdate())
    surrendered = sum(number for _, done, number in lengths if done)
    still_waiting = sum(number for _, done, number in lengths if not done)
    if not surrendered:
        return SurvivalCurve(start, surrendered + still_waiting, 0, still_waiting, [], None)
    steps = kaplan_meier(lengths)
    below = [time for time, share in steps if share <= 0.5]
    return SurvivalCurve(start, surrendered + still_waiting, surrendered, still_waiting, steps, below[0] if below else None)


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
