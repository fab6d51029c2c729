"""
A picture of a case: its events drawn to scale on a time axis, one lane per forum or authority (the
requested state's extradition court, its appeal courts, its government, police and prosecutors, a
rights court, the requesting state's courts...), the stages it went through as bands behind them,
and a date known only to the month or year drawn as the span it may mean.

Geometry only: ``templates/cases/_case_picture.html`` draws it as SVG with no script, each mark a
link to its entry in the timeline below.
"""

import datetime
from dataclasses import dataclass

from .models import Authority, Case, Event

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


def _lane_of(event: Event, case: Case) -> tuple[int, str]:
    """(order, label) of the lane an entry is drawn in."""
    authority = event.authority
    if event.kind == Event.Kind.STAGE_CHANGE:
        return 98, "Stage changes"
    if authority is None:
        if event.kind == Event.Kind.STATEMENT and event.statement_id:
            government = event.statement.government
            side = 0 if government == case.requested_state else 2 if government == case.requesting_state else 1
            return side * 10 + _LANE_ORDER.index("statements"), f"Statements ({government})"
        return 99, "Other entries"
    if authority.kind == Authority.Kind.INTERNATIONAL or authority.level == Authority.Level.HUMAN_RIGHTS:
        kind = "rights court" if authority.level == Authority.Level.HUMAN_RIGHTS else "international bodies"
        return 10 + _LANE_ORDER.index(kind), kind.capitalize()
    if authority.kind == Authority.Kind.COURT:
        kind = _COURT_LANES.get(authority.level, "courts")
    elif authority.kind == Authority.Kind.EXECUTIVE:
        kind = "government"
    elif authority.kind in (Authority.Kind.POLICE, Authority.Kind.PROSECUTOR):
        kind = "police and prosecutors"
    else:
        kind = "other authorities"
    country = authority.country.code if authority.country else ""
    side = 0 if country == case.requested_state else 2 if country == case.requesting_state else 1
    # Short: the label column is narrow, and the code says which side (the picture's description names them).
    return side * 10 + _LANE_ORDER.index(kind), f"{kind.capitalize()} ({country})" if country else kind.capitalize()


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


def case_picture(*, case: Case, events: list[Event], stage_track: list, today: datetime.date | None = None) -> Picture | None:
    """The picture of ``case`` from its events (with authority and statement loaded) and stage track."""
    dated = [event for event in events if (event.date_earliest or event.occurred_on)]
    if not dated:
        return None
    today = today or datetime.date.today()
    starts = [event.date_earliest or event.occurred_on for event in dated]
    ends = [event.date_latest or event.occurred_on for event in dated]
    first = min([*starts, *(span.entered_on for span in stage_track if span.entered_on)])
    last = max([*ends, today if case.is_open else max(ends)])
    first = datetime.date(first.year, 1, 1)
    last = datetime.date(last.year + 1, 1, 1)
    left, right = LABEL_WIDTH, WIDTH - RIGHT_PAD
    span_days = max((last - first).days, 1)

    def x(day: datetime.date) -> float:
        return round(left + (right - left) * (day - first).days / span_days, 1)

    lane_keys = sorted({_lane_of(event, case) for event in dated})
    lane_index = {key: index for index, key in enumerate(lane_keys)}
    lanes = []
    for index, (_order, label) in enumerate(lane_keys):
        y = BAND_TOP + index * LANE_HEIGHT
        lanes.append(Lane(label, y, y + LANE_HEIGHT / 2, y + LANE_HEIGHT / 2 + 4))
    band_bottom = BAND_TOP + len(lanes) * LANE_HEIGHT
    marks = []
    for event in dated:
        start, end = event.date_earliest or event.occurred_on, event.date_latest or event.occurred_on
        lane = lanes[lane_index[_lane_of(event, case)]]
        x0, x1 = x(start), x(end + datetime.timedelta(days=1))
        spread = x1 - x0 if event.date_precision != "day" else 0
        label = f"{event.get_kind_display()}, {event.date_display}: {event.summary}"[:300]
        marks.append(Mark(event.pk, x0, round(max(spread, 0), 1), lane.line_y, KIND_COLOURS.get(event.kind, "#000"), label))
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
        f"{len(dated)} entries from {first.year} to {last.year - 1}, in {len(lanes)} lanes ({lane_names}), "
        f"over {len(bands)} stages. Each entry is listed in the timeline below."
    )
    return Picture(lanes, marks, bands, ticks, WIDTH, band_bottom + AXIS_HEIGHT, left, right, band_bottom,
                   band_bottom + 18, band_bottom, summary)
