"""
Chart geometry for the server-drawn SVG charts: one plain style, axes labelled with their units, the
Okabe–Ito colours (told apart with every common colour blindness), and no script. The templates
under templates/analytics/charts/ draw what these return; each chart sits beside a table of its
numbers, which is its text equivalent.
"""

import math
from dataclasses import dataclass, field

# Okabe & Ito (2008), "Color Universal Design": blue, vermillion, bluish green, orange, reddish purple.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

WIDTH = 640
LABEL_WIDTH = 240
ROW_HEIGHT = 26
TOP, BOTTOM = 12, 44


def nice_ticks(maximum: float, *, count: int = 5, whole: bool = False) -> list[float]:
    """Round tick values from 0 to at least ``maximum`` (steps of 1, 2 or 5 times a power of ten;
    ``whole``: never less than 1, for counts)."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if whole:
        step = max(step, 1)
    ticks = [0.0]
    while ticks[-1] < maximum:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() or value >= 10 else f"{value:.1f}"


@dataclass
class Axis:
    """A horizontal value axis over the plot area [left, right]."""

    left: float
    right: float
    ticks: list[float]
    unit: str

    @property
    def top_value(self) -> float:
        return self.ticks[-1] or 1

    def x(self, value: float) -> float:
        return round(self.left + (self.right - self.left) * (value / self.top_value), 1)

    def tick_marks(self) -> list[dict]:
        return [{"x": self.x(tick), "label": _fmt(tick)} for tick in self.ticks]


def _frame(axis: Axis, height: float) -> dict:
    """Where a horizontal-value chart's grid lines end, and its tick labels and unit go."""
    return {"grid_bottom": height - 38, "tick_y": height - 24, "unit_y": height - 6, "unit_x": axis.right, "label_x": axis.left - 8}


@dataclass
class BoxRow:
    label: str
    y: float
    x_min: float
    x_q1: float
    x_median: float
    x_q3: float
    x_max: float
    summary: str

    @property
    def box_width(self) -> float:
        return round(max(self.x_q3 - self.x_q1, 1), 1)

    @property
    def text_y(self) -> float:
        return self.y + 4

    @property
    def box_y(self) -> float:
        return self.y - 8

    @property
    def median_y1(self) -> float:
        return self.y - 9

    @property
    def median_y2(self) -> float:
        return self.y + 9


@dataclass
class BoxChart:
    title: str
    axis: Axis
    rows: list[BoxRow]
    height: float
    width: int = WIDTH
    colour: str = COLOURS[0]

    @property
    def frame(self) -> dict:
        return _frame(self.axis, self.height)


def box_chart(title: str, rows: list, *, unit: str = "days") -> BoxChart | None:
    """Horizontal box plots: whiskers from minimum to maximum, the box from the first to the third
    quartile, a bar at the median. ``rows`` have label, minimum, q1, median, q3, maximum."""
    rows = [row for row in rows if row.median is not None]
    if not rows:
        return None
    axis = Axis(LABEL_WIDTH, WIDTH - 20, nice_ticks(max(row.maximum for row in rows)), unit)
    drawn = []
    for index, row in enumerate(rows):
        y = TOP + index * ROW_HEIGHT + ROW_HEIGHT / 2
        drawn.append(BoxRow(
            row.label, y, axis.x(row.minimum), axis.x(row.q1), axis.x(row.median), axis.x(row.q3), axis.x(row.maximum),
            f"{row.label}: median {_fmt(row.median)} {unit}, quartiles {_fmt(row.q1)}–{_fmt(row.q3)}, range {_fmt(row.minimum)}–{_fmt(row.maximum)}",
        ))
    return BoxChart(title, axis, drawn, TOP + len(rows) * ROW_HEIGHT + BOTTOM)


@dataclass
class Bar:
    label: str
    y: float
    x: float
    width: float
    value: str
    colour: str

    @property
    def text_y(self) -> float:
        return self.y + 13

    @property
    def value_x(self) -> float:
        return round(self.x + self.width + 6, 1)


@dataclass
class BarChart:
    title: str
    axis: Axis
    bars: list[Bar]
    height: float
    width: int = WIDTH

    @property
    def frame(self) -> dict:
        return _frame(self.axis, self.height)


def bar_chart(title: str, rows: list[tuple[str, float]], *, unit: str, whole: bool = False) -> BarChart | None:
    """Horizontal bars, one per (label, value)."""
    if not rows:
        return None
    axis = Axis(LABEL_WIDTH, WIDTH - 60, nice_ticks(max(value for _label, value in rows), whole=whole), unit)
    bars = [
        Bar(label, TOP + index * ROW_HEIGHT + 4, axis.left, axis.x(value) - axis.left, _fmt(value), COLOURS[0])
        for index, (label, value) in enumerate(rows)
    ]
    return BarChart(title, axis, bars, TOP + len(rows) * ROW_HEIGHT + BOTTOM)


@dataclass
class Series:
    label: str
    colour: str
    dash: str
    path: str
    censored: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class StepChart:
    title: str
    axis: Axis
    y_ticks: list[dict]
    series: list[Series]
    plot_top: float
    plot_bottom: float
    height: float
    width: int = WIDTH

    @property
    def frame(self) -> dict:
        return {"tick_y": self.plot_bottom + 16, "unit_y": self.height - 6, "unit_x": self.axis.right,
                "label_x": self.axis.left - 6}

    @property
    def legend(self) -> list[dict]:
        x = self.axis.right - 150
        return [
            {"series": series, "x1": x, "x2": x + 28, "y": self.plot_top + 14 + 18 * index, "text_x": x + 34,
             "text_y": self.plot_top + 18 + 18 * index}
            for index, series in enumerate(self.series)
        ]


def step_chart(title: str, curves: list, *, unit: str = "days") -> StepChart | None:
    """Kaplan–Meier curves as steps: the share not yet surrendered (100 % to 0 %) against time."""
    curves = [curve for curve in curves if curve.steps]
    if not curves:
        return None
    left, right, plot_top, plot_bottom = 56, WIDTH - 20, TOP, 250
    axis = Axis(left, right, nice_ticks(max(curve.steps[-1][0] for curve in curves)), unit)

    def y(share: float) -> float:
        return round(plot_bottom - (plot_bottom - plot_top) * share, 1)

    series = []
    for index, curve in enumerate(curves):
        points, share = [f"M{axis.x(0)},{y(1.0)}"], 1.0
        for time, value in curve.steps:
            points.append(f"H{axis.x(time)}")
            if value != share:
                points.append(f"V{y(value)}")
                share = value
        series.append(Series(
            curve.label, COLOURS[index % len(COLOURS)], "" if index == 0 else "6 4", " ".join(points),
        ))
    y_ticks = [{"y": y(share), "text_y": y(share) + 4, "label": f"{share:.0%}"} for share in (0, 0.25, 0.5, 0.75, 1)]
    return StepChart(title, axis, y_ticks, series, plot_top, plot_bottom, plot_bottom + BOTTOM)


@dataclass
class Column:
    x: float
    y: float
    width: float
    height: float
    label: str


@dataclass
class ColumnChart:
    title: str
    columns: list[Column]
    y_ticks: list[dict]
    x_labels: list[dict]
    plot_top: float
    plot_bottom: float
    left: float
    right: float
    height: float
    unit: str
    width: int = WIDTH

    @property
    def frame(self) -> dict:
        return {"tick_y": self.plot_bottom + 16, "unit_y": self.height - 6, "label_x": self.left - 6}


def column_chart(title: str, rows: list, *, unit: str) -> ColumnChart | None:
    """Columns per month (``rows`` have month and changes), labelled by year on the axis."""
    if not rows:
        return None
    left, right, plot_top, plot_bottom = 48, WIDTH - 12, TOP, 200
    ticks = nice_ticks(max(row.changes for row in rows), count=4, whole=True)
    top = ticks[-1] or 1
    slot = (right - left) / len(rows)
    columns, x_labels = [], []
    for index, row in enumerate(rows):
        height = (plot_bottom - plot_top) * row.changes / top
        x = left + index * slot
        columns.append(Column(round(x + slot * 0.1, 1), round(plot_bottom - height, 1), round(max(slot * 0.8, 0.5), 1),
                              round(height, 1), f"{row.month:%B %Y}: {row.changes}"))
        if row.month.month == 1 or index == 0:
            x_labels.append({"x": round(x, 1), "label": f"{row.month:%Y}"})
    # Too many year labels collide: keep every n-th.
    every = max(1, math.ceil(len(x_labels) / 12))
    x_labels = x_labels[::every]
    y_ticks = []
    for tick in ticks:
        y = round(plot_bottom - (plot_bottom - plot_top) * tick / top, 1)
        y_ticks.append({"y": y, "text_y": y + 4, "label": _fmt(tick)})
    return ColumnChart(title, columns, y_ticks, x_labels, plot_top, plot_bottom, left, right, plot_bottom + BOTTOM, unit)
