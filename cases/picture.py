"""
A picture of a case: its events drawn to scale on a time axis, one lane per forum or authority (the
requested state's extradition court, its appeal courts, its government, police and prosecutors, a
rights court, the requesting state's courts...), the stages it went through as bands behind them,
and a date known only to the month or year drawn as the span it may mean.

Geometry only: ``templates/cases/_case_picture.html`` draws it as SVG with no script, each mark a
link to its entry in the timeline below.
"""

import datetime
import functools
from dataclasses import dataclass

from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import transaction
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from .dates import DatePrecision, partial_date_display
from .models import Authority, Case, Event
from .signals import case_record_changed

if TYPE_CHECKING:
    from .selectors import PictureEntry

WIDTH = 900
LABEL_WIDTH = 190
RIGHT_PAD = 16
BAND_TOP = 22
LANE_HEIGHT = 30
AXIS_HEIGHT = 30
# Light tints for the stage bands, alternated; the stage is named in each band (and in the track).
BAND_TINTS = ["#e8f1f8", "#fdf0e6", "#e6f4ef", "#fbf3dc", "#f6e9f1", "#eaf5fb"]
# Okabe–Ito colours per kind of entry.
KIND_COLOURS = {
    Event.Kind.RULING: "#0072B2",
    Event.Kind.EXECUTIVE_DECISION: "#D55E00",
    Event.Kind.STATEMENT: "#CC79A7",
    Event.Kind.HEARING: "#56B4E9",
    Event.Kind.FILING: "#009E73",
    Event.Kind.CUSTODY: "#E69F00",
    Event.Kind.STATUS: "#555555",
    Event.Kind.STAGE_CHANGE: "#000000",
}

# Lanes in the order they are drawn, for the requested state, then others, then the requesting state.
_COURT_LANES = {
    Authority.Level.FIRST_INSTANCE: "extradition court",
    Authority.Level.REVIEW: "review and appeal courts",
    Authority.Level.APPEAL: "review and appeal courts",
    Authority.Level.SUPREME: "review and appeal courts",
    Authority.Level.HUMAN_RIGHTS: "rights court",
}
_LANE_ORDER = ["extradition court", "review and appeal courts", "courts", "government", "police and prosecutors",
               "rights court", "international bodies", "other authorities", "statements"]


def _sides(case: Case) -> tuple[str, str]:
    """The requested and the requesting state's codes, read once per picture: each read of a country
    field builds a Country."""
    return case.requested_state.code, case.requesting_state.code


def _lane_of(entry: "PictureEntry", sides: tuple[str, str]) -> tuple[int, str]:
    """(order, label) of the lane an entry is drawn in; ``sides`` as ``_sides`` gives them."""
    return _lane(entry.kind, entry.authority_kind, entry.authority_level, entry.authority_country or "",
                 entry.government or "", *sides)


@functools.lru_cache(maxsize=4096)
def _lane(kind, authority_kind, level, country, government, requested, requesting) -> tuple[int, str]:
    # Cached: a picture asks once per entry, and the answers are few.
    if kind == Event.Kind.STAGE_CHANGE:
        return 98, "Stage changes"
    if authority_kind is None:
        if kind == Event.Kind.STATEMENT and government:
            side = 0 if government == requested else 2 if government == requesting else 1
            return side * 10 + _LANE_ORDER.index("statements"), f"Statements ({government})"
        return 99, "Other entries"
    if authority_kind == Authority.Kind.INTERNATIONAL or level == Authority.Level.HUMAN_RIGHTS:
        lane = "rights court" if level == Authority.Level.HUMAN_RIGHTS else "international bodies"
        return 10 + _LANE_ORDER.index(lane), lane.capitalize()
    if authority_kind == Authority.Kind.COURT:
        lane = _COURT_LANES.get(level, "courts")
    elif authority_kind == Authority.Kind.EXECUTIVE:
        lane = "government"
    elif authority_kind in (Authority.Kind.POLICE, Authority.Kind.PROSECUTOR):
        lane = "police and prosecutors"
    else:
        lane = "other authorities"
    side = 0 if country == requested else 2 if country == requesting else 1
    # Short: the label column is narrow, and the code says which side (the picture's description names them).
    return side * 10 + _LANE_ORDER.index(lane), f"{lane.capitalize()} ({country})" if country else lane.capitalize()


def _mark_title(entry: "PictureEntry") -> str:
    kind = Event.Kind(entry.kind).label if entry.kind in Event.Kind.values else "Entries"
    if entry.count == 1:
        when = partial_date_display(entry.occurred_on, precision=entry.date_precision, approximate=entry.date_approximate)
        return f"{kind}, {when}: {entry.summary}"[:300]
    if (entry.start.year, entry.start.month) == (entry.end.year, entry.end.month):
        when = f"{entry.start:%b %Y}"
    elif entry.date_precision == DatePrecision.YEAR and entry.start.year == entry.end.year:
        when = str(entry.start.year)
    else:
        when = f"{entry.start:%b %Y} – {entry.end:%b %Y}"
    return f"{kind}, {when}: {entry.count} entries"


# Marks drawn at most: past this, entries of one lane and kind are drawn together by quarter, then by
# year, then those of one lane by year and by four years whatever their kind (a mark is 11 px wide on a 700 px axis, so
# more would only cover each other).
MAX_MARKS = 400
_COARSER = [
    (True, lambda day: (day.year, (day.month - 1) // 3)),
    (True, lambda day: day.year),
    (False, lambda day: day.year),
    (False, lambda day: day.year // 4),
]
# The kind of marks that hold several kinds of entries (drawn in KIND_COLOURS' default).
SEVERAL_KINDS = "several"


def _coarsened(entries: list["PictureEntry"], sides: tuple[str, str]) -> list["PictureEntry"]:
    from .selectors import PictureEntry

    for by_kind, period in _COARSER:
        if len(entries) <= MAX_MARKS:
            break
        groups: dict = {}
        for entry in entries:
            groups.setdefault((_lane_of(entry, sides), entry.kind if by_kind else "", period(entry.start)), []).append(entry)
        entries = [
            group[0] if len(group) == 1 else PictureEntry(
                event_id=min(e.event_id for e in group),
                kind=group[0].kind if len({e.kind for e in group}) == 1 else SEVERAL_KINDS, authority_kind=group[0].authority_kind,
                authority_level=group[0].authority_level, authority_country=group[0].authority_country,
                government=group[0].government, start=min(e.start for e in group), end=max(e.end for e in group),
                # Drawn as a bar over the time its entries cover.
                date_precision=DatePrecision.MONTH,
                date_approximate=False, occurred_on=min(e.occurred_on for e in group), summary="",
                count=sum(e.count for e in group),
            )
            for group in groups.values()
        ]
        entries.sort(key=lambda entry: (entry.start, entry.event_id))
    return entries


@dataclass
class Mark:
    event_id: int
    x: float
    width: float
    y: float
    colour: str
    title: str

    @property
    def is_span(self) -> bool:
        return self.width > 0

    @property
    def span_y(self) -> float:
        return self.y - 5


@dataclass
class Band:
    x: float
    width: float
    label: str
    tint: str
    short_label: str


@dataclass
class Lane:
    label: str
    y: float
    line_y: float
    text_y: float


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class Picture:
    lanes: list[Lane]
    marks: list[Mark]
    bands: list[Band]
    ticks: list[Tick]
    width: int
    height: float
    plot_left: float
    plot_right: float
    axis_y: float
    tick_text_y: float
    band_bottom: float
    summary: str


def case_picture(
    *, case: Case, entries: list["PictureEntry"], stage_track: list, today: datetime.date | None = None
) -> Picture | None:
    """The picture of ``case`` from its entries (``selectors.case_picture_entries``) and stage track."""
    if not entries:
        return None
    sides = _sides(case)
    dated = _coarsened(entries, sides)
    today = today or datetime.date.today()
    starts = [entry.start for entry in dated]
    ends = [entry.end for entry in dated]
    first = min([*starts, *(span.entered_on for span in stage_track if span.entered_on)])
    last = max([*ends, today if case.is_open else max(ends)])
    first = datetime.date(first.year, 1, 1)
    last = datetime.date(last.year + 1, 1, 1)
    left, right = LABEL_WIDTH, WIDTH - RIGHT_PAD
    span_days = max((last - first).days, 1)

    def x(day: datetime.date) -> float:
        return round(left + (right - left) * (day - first).days / span_days, 1)

    lane_keys = sorted({_lane_of(entry, sides) for entry in dated})
    lane_index = {key: index for index, key in enumerate(lane_keys)}
    lanes = []
    for index, (_order, label) in enumerate(lane_keys):
        y = BAND_TOP + index * LANE_HEIGHT
        lanes.append(Lane(label, y, y + LANE_HEIGHT / 2, y + LANE_HEIGHT / 2 + 4))
    band_bottom = BAND_TOP + len(lanes) * LANE_HEIGHT
    marks = []
    for entry in dated:
        lane = lanes[lane_index[_lane_of(entry, sides)]]
        x0, x1 = x(entry.start), x(entry.end + datetime.timedelta(days=1))
        spread = x1 - x0 if entry.date_precision != DatePrecision.DAY else 0
        marks.append(Mark(entry.event_id, x0, round(max(spread, 0), 1), lane.line_y, KIND_COLOURS.get(entry.kind, "#000"),
                          _mark_title(entry)))
    bands = []
    for index, span in enumerate(stage_track):
        if span.entered_on is None:
            continue
        until = span.left_on or (today if case.is_open else last)
        x0, x1 = x(span.entered_on), x(min(until, last))
        if x1 <= x0:
            continue
        width = round(x1 - x0, 1)
        # As much of the stage's name as fits (about 6 px a letter at this size).
        fits = int((width - 8) / 6)
        label = span.label if len(span.label) <= fits else (span.label[: fits - 1] + "…" if fits > 4 else "")
        bands.append(Band(x0, width, span.label, BAND_TINTS[index % len(BAND_TINTS)], label))
    years = list(range(first.year, last.year + 1))
    step = max(1, round(len(years) / 8))
    ticks = [Tick(x(datetime.date(year, 1, 1)), str(year)) for year in years[::step]]
    lane_names = ", ".join(lane.label for lane in lanes)
    summary = (
        f"{sum(entry.count for entry in dated)} entries from {first.year} to {last.year - 1}, in {len(lanes)} lanes ({lane_names}), "
        f"over {len(bands)} stages. Each entry is listed in the timeline below."
    )
    return Picture(lanes, marks, bands, ticks, WIDTH, band_bottom + AXIS_HEIGHT, left, right, band_bottom,
                   band_bottom + 18, band_bottom, summary)


# The picture of a case is the same for every reader until its record changes, and drawing a case of
# thousands of entries costs far more than the rest of its page: it is kept in the cache under the
# case's record version, which every change of the record moves on (after its commit). With several
# web processes the cache must be shared (CACHE_URL) for a change to reach them all; PICTURE_SECONDS
# bounds how long another process's copy could lag, and "today" (the end of an open case's last
# band) moves the key on every day.
PICTURE_SECONDS = 600


def _record_version_key(case_id: int) -> str:
    return f"case-record:{case_id}"


def case_record_version_raise(case_id: int) -> None:
    try:
        cache.incr(_record_version_key(case_id))
    except ValueError:  # never read yet, or evicted: nothing cached under an old one can be found
        cache.set(_record_version_key(case_id), 1, timeout=None)


@receiver(case_record_changed, dispatch_uid="cases.picture.record_changed")
def _record_changed(sender, case_id, **kwargs):
    transaction.on_commit(lambda: case_record_version_raise(case_id))


def case_picture_html(*, case: Case, entries, stage_track: list, today: datetime.date | None = None) -> str:
    """The case page's picture section (``_case_picture.html``), drawn and rendered afresh only when
    the case's record has changed; "" when the case has no entries. ``entries``: a callable returning
    the picture's entries, called only then.

    The rendered section is kept, not the picture: rendering its hundreds of marks cost more than
    computing them (61 of the big case's 225 ms). It shows the case's title and the picture only,
    so it is the same for every reader."""
    today = today or datetime.date.today()
    version = cache.get_or_set(_record_version_key(case.pk), 1, timeout=None)
    key = f"case-picture:{case.pk}:{version}:{case.version}:{today.isoformat()}"
    html = cache.get(key)
    if html is None:
        picture = case_picture(case=case, entries=entries(), stage_track=stage_track, today=today)
        html = render_to_string("cases/_case_picture.html", {"case": case, "picture": picture}) if picture else ""
        cache.set(key, html, timeout=PICTURE_SECONDS)
    return mark_safe(html)
