"""
Partial dates: news says "in April 2025" or "in 2018" as often as "on 21 January 2025".

A partial date is stored as the first day of the period it names plus a precision, and it stands
for an interval: "Aug 2018" is any day from 1 to 31 August 2018, "c. 2016" any day from 2015 to
2017. Checks of order ("a stage change cannot be dated before the current stage") refuse only what
is certainly before, and nothing is shown more exactly than it is known.
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models


class DatePrecision(models.TextChoices):
    DAY = "day", "Exact day"
    MONTH = "month", "Month only"
    YEAR = "year", "Year only"


_PARTIAL_DATE = re.compile(r"^\s*(?P<year>\d{4})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?)?\s*$")

_PATTERN_FOR = {
    DatePrecision.DAY: "YYYY-MM-DD",
    DatePrecision.MONTH: "YYYY-MM",
    DatePrecision.YEAR: "YYYY",
}


def partial_date_parse(text: str, *, precision: str) -> datetime.date:
    """Read "2025", "2025-04" or "2025-04-12" written at the given precision; the result is the
    first day of the period. Text more or less exact than the precision is refused, because
    a day typed for a month-only event would later be shown as if it were known."""
    match = _PARTIAL_DATE.match(text or "")
    if not match:
        raise ValidationError(
            "Enter the date as %(pattern)s.", code="invalid", params={"pattern": _PATTERN_FOR[precision]}
        )
    year, month, day = match["year"], match["month"], match["day"]
    given = DatePrecision.DAY if day else DatePrecision.MONTH if month else DatePrecision.YEAR
    if given != precision:
        raise ValidationError(
            "This date is marked “%(precision)s” but was written as %(given)s: write it as %(pattern)s.",
            code="precision_mismatch",
            params={
                "precision": DatePrecision(precision).label.lower(),
                "given": {
                    DatePrecision.DAY: "a full day",
                    DatePrecision.MONTH: "a month",
                    DatePrecision.YEAR: "a year",
                }[given],
                "pattern": _PATTERN_FOR[precision],
            },
        )
    try:
        return datetime.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise ValidationError("%(text)s is not a real date.", code="invalid", params={"text": text.strip()})


def partial_date_text(value: datetime.date, *, precision: str) -> str:
    """The form an analyst types: the inverse of partial_date_parse."""
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def partial_date_validate(value: datetime.date, *, precision: str) -> None:
    """Refuse a stored date that claims more than its precision (a month-only date not on the 1st)."""
    if precision == DatePrecision.MONTH and value.day != 1:
        raise ValidationError("A month-only date is stored as the first day of that month.", code="precision_mismatch")
    if precision == DatePrecision.YEAR and (value.month, value.day) != (1, 1):
        raise ValidationError("A year-only date is stored as 1 January of that year.", code="precision_mismatch")


def partial_date_display(value: datetime.date | None, *, precision: str, approximate: bool = False) -> str:
    """Show a date no more exactly than it is known: "21 Jan 2025", "Apr 2025", "2018", "c. 2018"."""
    if value is None:
        return "date unknown"
    text = _written(value, precision=precision, month=f"{value:%b}")
    return f"c. {text}" if approximate else text


def _written(value: datetime.date, *, precision: str, month: str) -> str:
    """The date at its precision, with the month written as given ("Apr" or "April")."""
    if precision == DatePrecision.YEAR:
        return f"{value.year}"
    if precision == DatePrecision.MONTH:
        return f"{month} {value.year}"
    return f"{value.day} {month} {value.year}"


# How far "about" widens a date: "c. 3 Feb 2019" could be a fortnight either way, "c. 2016" a year.
APPROXIMATE_MARGIN = {"day": datetime.timedelta(days=14), "month": 1, "year": 1}


@dataclass(frozen=True)
class DateBounds:
    """The earliest and latest day a partial date can mean."""

    earliest: datetime.date
    latest: datetime.date

    def certainly_before(self, other: "DateBounds") -> bool:
        return self.latest < other.earliest

    def certainly_after(self, other: "DateBounds") -> bool:
        return self.earliest > other.latest

    def overlaps(self, other: "DateBounds") -> bool:
        return not (self.certainly_before(other) or self.certainly_after(other))


def _add_months(value: datetime.date, months: int) -> datetime.date:
    index = value.year * 12 + value.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def partial_date_bounds(value: datetime.date, *, precision: str, approximate: bool = False) -> DateBounds:
    """The interval a date stands for: one day, its month, or its year; wider when approximate."""
    if precision == DatePrecision.YEAR:
        margin = APPROXIMATE_MARGIN["year"] if approximate else 0
        earliest = datetime.date(max(value.year - margin, datetime.MINYEAR), 1, 1)
        latest = datetime.date(min(value.year + margin, datetime.MAXYEAR), 12, 31)
    elif precision == DatePrecision.MONTH:
        margin = APPROXIMATE_MARGIN["month"] if approximate else 0
        first = value.replace(day=1)
        earliest = _add_months(first, -margin) if first.year > datetime.MINYEAR else first
        last_month = _add_months(first, margin) if first.year < datetime.MAXYEAR else first
        latest = last_month.replace(day=calendar.monthrange(last_month.year, last_month.month)[1])
    else:
        margin = APPROXIMATE_MARGIN["day"] if approximate else datetime.timedelta(0)
        earliest = value - margin if value - datetime.date.min > margin else value
        latest = value + margin if datetime.date.max - value > margin else value
    return DateBounds(earliest=earliest, latest=latest)


# English month names, shared with the article drafter (exchange.drafting.dates), which reads the
# same names in running text. "May" has no shorter form; "Sept" is tried before "Sep".
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
MONTHS_SHORT = "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec"
MONTH_NAMES = tuple(MONTHS.split("|"))


def month_number(name: str) -> int:
    """1 to 12 for an English month name or abbreviation ("April", "Apr", "Sept."); ValueError for any other."""
    return [m[:3].lower() for m in MONTH_NAMES].index(name.strip(". ").lower()[:3]) + 1


def partial_date_words(value: datetime.date, *, precision: str, approximate: bool = False) -> str:
    """A date spelled out with how exactly it is known, to show back what was read:
    "21 April 2025 (exact day)", "April 2025 (month only)", "about 2019 (year only, approximate)"."""
    text = _written(value, precision=precision, month=MONTH_NAMES[value.month - 1])
    known = DatePrecision(precision).label.lower()
    return f"about {text} ({known}, approximate)" if approximate else f"{text} ({known})"


@dataclass(frozen=True)
class PartialDateReading:
    """A date as an analyst wrote it, read: the first day of the period it names, how exactly it is
    known, and whether it is approximate."""

    value: datetime.date
    precision: str
    approximate: bool = False

    @property
    def text(self) -> str:
        """As shown on the timeline, and read back the same by partial_date_read: "Apr 2025", "c. 2019"."""
        return partial_date_display(self.value, precision=self.precision, approximate=self.approximate)

    @property
    def words(self) -> str:
        return partial_date_words(self.value, precision=self.precision, approximate=self.approximate)


DATE_EXAMPLES = "21 Apr 2025, April 2025, 2025 or c. 2019"

_MONTH_WORD = rf"(?P<month>{MONTHS}|{MONTHS_SHORT})\.?"
_ORDINAL = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
# "c. 2019", "circa 2019", "about April 2019", "around 2019": approximate. "early 2019", "mid-April
# 2019", "late 2019" are approximate too, at the period written (as the article drafter reads
# them); the reading shown under the field says so before anything is saved.
_APPROXIMATE = re.compile(
    r"^(?:(?:c|ca|approx)\.|c\b|ca\b|circa\b|about\b|around\b|approximately\b|~|(?P<part>early|mid|late)\b-?)\s*",
    re.IGNORECASE,
)
_READINGS = [
    # Numbers alone are read day first, as British and Indian reports write them: 21/04/2025.
    re.compile(r"(?P<year>\d{4})(?:-(?P<month_number>\d{1,2})(?:-(?P<day>\d{1,2}))?)?"),
    re.compile(r"(?P<day>\d{1,2})[/.](?P<month_number>\d{1,2})[/.](?P<year>\d{4})"),
    re.compile(r"(?P<month_number>\d{1,2})/(?P<year>\d{4})"),
    re.compile(rf"{_ORDINAL}\s+(?:of\s+)?{_MONTH_WORD},?\s+(?P<year>\d{{4}})", re.IGNORECASE),
    re.compile(rf"{_MONTH_WORD}\s+{_ORDINAL},?\s+(?P<year>\d{{4}})", re.IGNORECASE),
    re.compile(rf"{_MONTH_WORD},?\s+(?P<year>\d{{4}})", re.IGNORECASE),
]


def _unreadable(text: str) -> ValidationError:
    return ValidationError(
        "“%(text)s” is not a date this field can read. Write it like %(examples)s; in numbers, day first: 21/04/2025.",
        code="invalid",
        params={"text": text, "examples": DATE_EXAMPLES},
    )


def partial_date_read(text: str, *, require_day: bool = False) -> PartialDateReading:
    """Read a date as analysts write it: "21 Apr 2025", "April 21, 2025", "April 2025", "2025-04",
    "2025", "21/04/2025" (day first), "c. 2019", "about April 2019". The precision is what was
    written; ``require_day`` refuses less than an exact day, for fields stored as a plain date."""
    written = re.sub(r"\s+", " ", text or "").strip()
    approximate = _APPROXIMATE.match(written)
    body = written[approximate.end():] if approximate else written
    match = next((m for m in (pattern.fullmatch(body) for pattern in _READINGS) if m), None)
    if match is None:
        raise _unreadable(written)
    groups = match.groupdict()
    year = int(groups["year"])
    month = month_number(groups["month"]) if groups.get("month") else int(groups.get("month_number") or 1)
    day = int(groups.get("day") or 1)
    precision = DatePrecision.DAY if groups.get("day") else (
        DatePrecision.MONTH if groups.get("month") or groups.get("month_number") else DatePrecision.YEAR
    )
    if approximate and approximate["part"] and precision == DatePrecision.DAY:
        raise _unreadable(written)  # "early 21 April 2025": a part of a day is not a date
    if not 1 <= month <= 12:
        if "/" in body and groups.get("day") and int(groups["day"]) <= 12:
            raise ValidationError(
                "“%(text)s” has no month %(month)s: dates in numbers are read day first (21/04/2025 is 21 April 2025).",
                code="invalid", params={"text": written, "month": month},
            )
        raise ValidationError("“%(text)s” is not a real date: there is no month %(month)s.", code="invalid",
                              params={"text": written, "month": month})
    if year < 1:
        raise ValidationError("“%(text)s” is not a real date.", code="invalid", params={"text": written})
    last_day = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last_day:
        raise ValidationError(
            "“%(text)s” is not a real date: %(month)s %(year)s has %(days)s days.",
            code="invalid",
            params={"text": written, "month": MONTH_NAMES[month - 1], "year": year, "days": last_day},
        )
    reading = PartialDateReading(datetime.date(year, month, day), precision, bool(approximate))
    if require_day and precision != DatePrecision.DAY:
        raise ValidationError("Give the day too, e.g. 21 Apr 2025.", code="day_required")
    if require_day and reading.approximate:
        raise ValidationError("Give the exact day, e.g. 21 Apr 2025: this date cannot be approximate.",
                              code="day_required")
    return reading
