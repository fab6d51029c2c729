"""
Composite reads: each returns what a page needs in a fixed number of queries, however many
events a case has.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case as SqlCase
from django.db.models import (
    BigIntegerField, Count, DateField, F, Max, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When,
)
from django.db.models.functions import Coalesce, JSONObject, TruncMonth
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.formats import date_format
from simple_history import utils

from . import search
from .dates import DatePrecision, partial_date_bounds, partial_date_display
from .models import Case, CaseCheck, CaseParty, CaseRelation, Event, Stage
from .names import people_matching
from .search import case_search


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
    has_next: bool

    @property
    def object_list(self):
        return self.entries

    @property
    def next_cursor(self) -> str:
        """What the "load more" link carries to read the page after this one: its last entry's place."""
        if not self.entries:
            return ""
        last = self.entries[-1]
        return f"{last.position}.{last.pk}"


_BIGINT = 1 << 63


def _timeline_cursor(value) -> tuple[int, int] | None:
    """The (position, id) that a "load more" link carries, or None for anything else."""
    match = re.fullmatch(r"(-?[0-9]{1,19})\.([0-9]{1,19})", value) if isinstance(value, str) else None
    if match is None:
        return None
    position, pk = int(match[1]), int(match[2])
    if not (-_BIGINT <= position < _BIGINT and 0 < pk < _BIGINT):
        return None
    return position, pk


def case_timeline_page(
    *,
    case: Case,
    kinds: list[str] | None = None,
    newest_first: bool = True,
    after: str | None = None,
    categories: list[str] | None = None,
) -> TimelinePage:
    """The entries of one page of a case's timeline, and whether there are more.

    ``after`` is a page's ``next_cursor``: the page is then the entries that follow that one, read
    off the timeline index (case, position, id) from there rather than counted past with OFFSET,
    so page 100 costs what page 1 does and entries added meanwhile neither repeat nor push any out.
    A cursor that is not one (an old ``?page=`` link has none) reads the first page."""
    timeline = case_timeline(case=case, kinds=kinds, newest_first=newest_first, categories=categories)
    cursor = _timeline_cursor(after)
    if cursor is not None:
        position, pk = cursor
        # The entry's position as it is now, when it is still there: renumbering a crowded timeline
        # (services._timeline_renumber) moves every position but keeps the order, so the position
        # the link was made with would then point somewhere else. In the same query, as a subquery.
        here = Coalesce(
            Subquery(Event.all_objects.filter(pk=pk, case=case).order_by().values("position")[:1]),
            Value(position, output_field=BigIntegerField()),
        )
        # (position, id) < (here, pk), written so that "position <= here" bounds the index scan.
        if newest_first:
            timeline = timeline.filter(Q(position__lte=here) & (Q(position__lt=here) | Q(pk__lt=pk)))
        else:
            timeline = timeline.filter(Q(position__gte=here) & (Q(position__gt=here) | Q(pk__gt=pk)))
    rows = list(timeline[: TIMELINE_PAGE_SIZE + 1])
    return TimelinePage(entries=rows[:TIMELINE_PAGE_SIZE], has_next=len(rows) > TIMELINE_PAGE_SIZE)


def case_with_parties(*, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Cases with their treaty, latest event and people, for headers and list rows.

    Without their search document, which holds every word of every entry: reading and parsing it
    was most of the case page's first query on a case with 10,000 entries, and nothing shown uses it."""
    return (queryset if queryset is not None else Case.objects.all()).select_related(
        "treaty", "last_event"
    ).defer("search_vector").prefetch_related(
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
    if total > search.RANKED_AT_MOST:
        # Ranking reads every match: beyond a couple of thousand, the most recently active come first.
        queryset = search.without_ranking(queryset)
    elif search.is_ranked(queryset):
        # Sorting by score reads the matches through the search index anyway, in this one query.
        return queryset
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


@dataclass(frozen=True)
class PictureEntry:
    """One mark of a case's picture: an entry, or the entries of one kind, lane and month together."""

    event_id: int  # the first of them
    kind: str
    authority_kind: str | None
    authority_level: str | None
    authority_country: str | None
    government: str | None
    start: datetime.date
    end: datetime.date
    date_precision: str
    date_approximate: bool
    occurred_on: datetime.date
    summary: str
    count: int


def case_picture_entries(*, case: Case) -> list[PictureEntry]:
    """What the case's picture draws, oldest first, in one query whose answer does not grow with the case.

    The picture is 700 pixels wide: a case with thousands of entries would draw thousands of marks on
    top of each other (and send them all to the browser). Entries known to the day are grouped by
    kind, forum and month, and entries known only to a month or a year by the span they may mean; a
    group of one is the entry itself."""
    start = Coalesce("date_earliest", "occurred_on")
    end = Coalesce("date_latest", "occurred_on")
    day = Q(date_precision=DatePrecision.DAY)
    rows = (
        case.events.order_by()
        .filter(Q(date_earliest__isnull=False) | Q(occurred_on__isnull=False))
        .annotate(
            bucket=SqlCase(When(day, then=TruncMonth(start)), default=F("date_earliest"), output_field=DateField()),
            bucket_end=SqlCase(When(day, then=Value(None)), default=F("date_latest"), output_field=DateField()),
        )
        .values("kind", "date_precision", "date_approximate", "authority__kind", "authority__level",
                "authority__country", "statement__government", "bucket", "bucket_end")
        .annotate(n=Count("id"), first_id=Min("id"), start=Min(start), end=Max(end), occurred=Min("occurred_on"),
                  summary=Min("summary"))
    )
    entries = [
        PictureEntry(
            event_id=row["first_id"], kind=row["kind"], authority_kind=row["authority__kind"],
            authority_level=row["authority__level"], authority_country=row["authority__country"] or None,
            government=row["statement__government"] or None, start=row["start"], end=row["end"],
            date_precision=row["date_precision"], date_approximate=row["date_approximate"],
            occurred_on=row["occurred"] or row["start"], summary=row["summary"], count=row["n"],
        )
        for row in rows
    ]
    return sorted(entries, key=lambda entry: (entry.start, entry.event_id))


@dataclass(frozen=True)
class AsOf:
    """How current a case's record is: the date of its latest entry, and when someone last looked
    for news of it (a check that found nothing new, or the recording of an entry), and who."""

    latest_entry: Event | None
    checked_at: datetime.datetime | None
    checked_by: str
    found_nothing: bool


def _latest(rows: QuerySet, at: str, by: str, *, order: str) -> Subquery:
    """When and by whom the case's latest of these rows was written, as one JSON object: one
    subquery rather than one per column, which Django took longer to compile than PostgreSQL to run."""
    rows = rows.filter(case=OuterRef("pk")).order_by(order)
    return Subquery(rows.values(
        json=JSONObject(at=at, first_name=f"{by}__first_name", last_name=f"{by}__last_name", username=f"{by}__username")
    )[:1])


def cases_with_as_of(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The cases with what ``case_as_of`` reads, in the same query (the case page's budget)."""
    return cases.annotate(
        as_of_check=_latest(CaseCheck.objects.all(), "checked_at", "checked_by", order="-checked_at"),
        # The last recorded is the last inserted (recorded_at is set on insert): read off the (case,
        # -id) index, where ordering by recorded_at sorted all of a large case's events.
        as_of_record=_latest(Event.objects.all(), "recorded_at", "recorded_by", order="-id"),
    )


def _as_of_moment(latest: dict | None) -> datetime.datetime | None:
    """A JSON object's time: ISO text with its offset on PostgreSQL, in UTC without one on SQLite."""
    if not latest or not latest.get("at"):
        return None
    moment = datetime.datetime.fromisoformat(latest["at"])
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, datetime.UTC)


def case_as_of(*, case: Case) -> AsOf:
    """From a case read by ``cases_with_as_of``."""
    recorded_at, checked_at = _as_of_moment(case.as_of_record), _as_of_moment(case.as_of_check)
    source = "record" if recorded_at and (checked_at is None or recorded_at > checked_at) else "check" if checked_at else None
    if source is None:
        return AsOf(case.last_event, None, "", False)
    latest = case.as_of_record if source == "record" else case.as_of_check
    full_name = f"{latest.get('first_name') or ''} {latest.get('last_name') or ''}".strip()
    name = full_name or latest.get("username") or ""
    return AsOf(case.last_event, recorded_at if source == "record" else checked_at, name, source == "check")


def case_stage_track(*, case: Case, events: list[Event] | None = None) -> list[StageSpan]:
    """Every stage the case has been at, oldest first, with the dates it entered and left each.

    The first stage is the one the case was opened at; every later one comes from a stage-change
    event, so the track and the case's current stage cannot disagree. ``events``: the case's
    entries oldest first, when already loaded."""
    if events is not None:
        changes = [
            (e.from_stage, e.to_stage, e.occurred_on, e.date_precision, e.date_approximate)
            for e in events if e.kind == Event.Kind.STAGE_CHANGE
        ]
    else:
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


# Columns a save moves by itself, or that are derived from others: they say nothing about what an
# editor changed, so the history pages never list them (most are not recorded at all).
HISTORY_BOOKKEEPING_FIELDS = frozenset({
    "version", "updated_at", "created_at", "recorded_at", "search_vector", "search_text",
    "position", "date_earliest", "date_latest", "last_event", "last_activity_on",
})


@dataclass(frozen=True)
class FieldChange:
    """One field of one version: its label and its value before and after, as the pages show them."""

    label: str
    old: str
    new: str


def _history_value(field, value, names: dict) -> str:
    """A recorded value as a reader knows it: a choice's label, a related row's name, a date in words."""
    if field.many_to_many:
        key = utils.get_m2m_reverse_field_name(field)
        return "; ".join(names.get((field.related_model, row[key]), f"#{row[key]}") for row in value or [])
    if value is None or value == "":
        return ""
    if field.is_relation:
        return names.get((field.related_model, value), f"#{value} (no longer exists)")
    if field.flatchoices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "j M Y, H:i")
    if isinstance(value, datetime.date):
        return date_format(value, "j M Y")
    return str(value)


def history_changes(*, history) -> list[HistoryChange]:
    """Every version of a record, newest first, each with the fields it changed, old → new (also
    those no form edits: the stage, the deletion mark). Bookkeeping fields (``HISTORY_BOOKKEEPING_FIELDS``) are left out. Versions are compared in
    memory, and the names of related rows are read in one query per related model, so the cost does
    not grow with the number of versions (except for many-to-many fields, which simple-history reads
    per version)."""
    records = list(history.select_related("history_user").order_by("history_date", "history_id"))
    if not records:
        return []
    opts = records[0].instance_type._meta
    deltas, previous = [], None
    for record in records:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=HISTORY_BOOKKEEPING_FIELDS, foreign_keys_are_objs=False)
            changes = [(opts.get_field(c.field), c.old, c.new) for c in delta.changes]
            # simple-history compares only the editable fields; the stage, its dates and the deletion
            # mark are set by services, never by a form, and matter most, so they are compared here.
            changes += [
                (field, getattr(previous, field.attname), getattr(record, field.attname))
                for field in previous.tracked_fields
                if not field.editable and not field.primary_key and field.name not in HISTORY_BOOKKEEPING_FIELDS
                and getattr(previous, field.attname) != getattr(record, field.attname)
            ]
            changes.sort(key=lambda change: change[0].name)
        deltas.append((record, changes))
        previous = record

    wanted = defaultdict(set)
    for _record, changes in deltas:
        for field, old, new in changes:
            if field.many_to_many:
                key = utils.get_m2m_reverse_field_name(field)
                wanted[field.related_model].update(row[key] for row in [*(old or []), *(new or [])])
            elif field.is_relation:
                wanted[field.related_model].update(value for value in (old, new) if value is not None)
    names = {
        (model, obj.pk): str(obj)
        for model, pks in wanted.items()
        # The base manager, so a related row since soft-deleted still shows its name.
        for obj in model._base_manager.filter(pk__in=pks)
    }

    result = [
        HistoryChange(record=record, changes=[
            FieldChange(
                label=str(field.verbose_name), old=_history_value(field, old, names), new=_history_value(field, new, names)
            )
            for field, old, new in changes
        ])
        for record, changes in deltas
    ]
    return list(reversed(result))


# The header's search box ---------------------------------------------------------------------

# Longer input is cut: nobody types more into a search box, and each word costs the database.
HEADER_SEARCH_MAX_LENGTH = 200
# Cases and events are looked for among the most recently active cases whose words match (per
# result asked for), and in each of those among its latest entries: a common word then costs a
# few hundred rows, not a ranking of a hundred thousand cases or a scan of a million events.
HEADER_SEARCH_CANDIDATES_PER_RESULT = 10
HEADER_SEARCH_EVENTS_PER_CASE = 50
# Derived columns a list of results never shows (a long case's words run to megabytes).
_UNSHOWN = ("search_vector", "search_text")


def with_cases_unsearched(queryset: QuerySet, path: str = "case") -> QuerySet:
    """The rows with their case joined (``select_related(path)``) without its search words and text.

    Nothing shown beside an entry, an alert or a deadline reads them, and a long case's words run
    to half a megabyte: the API's newest events, all on one long case, took 130 ms to read with
    them and 3 ms without."""
    return queryset.select_related(path).defer(*(f"{path}__{name}" for name in _UNSHOWN))


@dataclass
class HeaderSearch:
    """What the header's search box found: up to ``limit`` of each, best or latest first."""

    text: str
    cases: list[Case]
    people: list
    events: list[Event]

    @property
    def found(self) -> bool:
        return bool(self.cases or self.people or self.events)


def header_search_text(value: str) -> str:
    """What was typed, tidied: no NUL (PostgreSQL refuses it), single spaces, at most 200 characters."""
    return " ".join(value.replace("\x00", " ").split())[:HEADER_SEARCH_MAX_LENGTH]


def header_search(*, text: str, limit: int, with_people: bool = True) -> HeaderSearch:
    """Cases, people and events for the header's search box, in a fixed number of queries whatever the data.

    People: best matches first, misspellings included. Cases: the best matches among the most
    recently active cases whose words match, then the cases of the best-matching people (a misspelt
    name such as “Tahawur” finds the person, and so the case, where no word of the case matches).
    Events: whose summary or note holds every word, latest first, among the latest entries of those
    recently active cases."""
    text = header_search_text(text)
    # No letter or digit ("%%", "--"): nothing to look for, where the case search would keep every case.
    if len(text) < 2 or not re.search(r"\w", text):
        return HeaderSearch(text=text, cases=[], people=[], events=[])
    people = list(people_matching(text)[:limit]) if with_people else []
    candidates = list(
        case_search(Case.objects.all(), text)
        .order_by(F("last_activity_on").desc(nulls_last=True), "pk")
        .values_list("pk", flat=True)[: limit * HEADER_SEARCH_CANDIDATES_PER_RESULT]
    )
    cases = []
    if candidates:
        cases = list(
            case_search(Case.objects.filter(pk__in=candidates), text, ranked=True)
            .select_related("last_event")
            .defer(*_UNSHOWN)[:limit]
        )
    if len(cases) < limit and people:
        cases += _cases_of(people[:3], exclude={case.pk for case in cases}, limit=limit - len(cases))
    events = _events_saying(text, case_ids=candidates, limit=limit) if candidates else []
    return HeaderSearch(text=text, cases=cases, people=people, events=events)


def _events_saying(text: str, *, case_ids: list[int], limit: int) -> list[Event]:
    """Live events of these cases whose summary or note holds every word, latest first; of each case
    only its latest entries are read (its timeline index), so a case of 10,000 entries costs 50."""
    if connection.vendor == "postgresql":
        # One branch per case rather than a LATERAL join: given the case, the planner knows a long
        # timeline from its statistics and reads it newest first off the timeline index; given a
        # join column it expects a dozen entries and sorts them all (3 ms against 50 ms here).
        latest = RawSQL(
            " UNION ALL ".join(
                ["(SELECT e.id FROM cases_event e WHERE e.case_id = %s AND e.deleted_at IS NULL"
                 " ORDER BY e.position DESC, e.id DESC LIMIT %s)"] * len(case_ids)
            ),
            [value for case_id in case_ids for value in (case_id, HEADER_SEARCH_EVENTS_PER_CASE)],
        )
        events = Event.objects.filter(pk__in=latest)
    else:
        # The embedded database holds a desk's data, not a million events: its cases' events are read whole.
        events = Event.objects.filter(case_id__in=case_ids)
    for word in text.split()[:8]:
        events = events.filter(Q(summary__icontains=word) | Q(note__icontains=word))
    return list(
        with_cases_unsearched(events.filter(case__deleted_at__isnull=True)).order_by("-date_latest", "-pk")[:limit]
    )


def _cases_of(people: list, *, exclude: set[int], limit: int) -> list[Case]:
    """The cases of these people, in the people's order (best match first), sought persons' first."""
    rank = {person.pk: index for index, person in enumerate(people)}
    parties = (
        CaseParty.objects.filter(person_id__in=rank, case__deleted_at__isnull=True)
        .exclude(case_id__in=exclude)
        .select_related("case", "case__last_event")
        .defer(*(f"case__{name}" for name in _UNSHOWN))
        .order_by("person_id", "role", "case__title")
    )
    found: dict[int, tuple] = {}
    for party in parties[: limit * 4]:
        key = (rank[party.person_id], party.role != CaseParty.Role.PERSON_SOUGHT, party.case.title)
        if party.case_id not in found or key < found[party.case_id][0]:
            party.case.found_through = people[rank[party.person_id]]
            found[party.case_id] = (key, party.case)
    return [case for _key, case in sorted(found.values(), key=lambda item: item[0])][:limit]

