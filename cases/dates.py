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
    if precision == DatePrecision.YEAR:
        text = f"{value.year}"
    elif precision == DatePrecision.MONTH:
        text = f"{value:%b} {value.year}"
    else:
        text = f"{value.day} {value:%b} {value.year}"
    return f"c. {text}" if approximate else text


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
