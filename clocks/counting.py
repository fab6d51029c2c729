"""
The last day of a period, counted as the rule's own words count it.

- "N days starting with the day on which …" (UK Extradition Act 2003): the trigger day is day 1,
  so the last day is the trigger day plus N − 1.
- "within N days after …", "N days from the date of …": the day after the trigger is day 1, so
  the last day is the trigger day plus N.
- Calendar months "after" land on the corresponding date (two months after 16 May is 16 July),
  or on the last day of a shorter month (one month after 31 January is 28 or 29 February): the
  corresponding-date rule of Dodds v Walker. "N months starting with" a day ends the day before.
- Business days skip Saturdays, Sundays and the jurisdiction's public holidays, taken from the
  ``holidays`` package (for the United Kingdom, England and Wales unless a rule names another part).
- Hours: the record keeps days, not times of day, so an hours clock ends on the day the last hour
  falls on, counted from the start of the trigger day (the earliest it can end).

A period never moves because its last day is a weekend or holiday unless the rule counts business
days: no extradition statute checked so far rolls a day period forward.
"""

import datetime
import functools

import holidays
from dateutil.relativedelta import relativedelta

HOURS, DAYS, CALENDAR_MONTHS, BUSINESS_DAYS = "hours", "days", "calendar_months", "business_days"
UNITS = (HOURS, DAYS, CALENDAR_MONTHS, BUSINESS_DAYS)
STARTING_WITH, AFTER = "starting_with", "after"
COUNTINGS = (STARTING_WITH, AFTER)

# Where a country's holidays differ by region, the region whose courts hear extradition cases.
HOLIDAY_REGIONS = {"GB": "ENG"}


@functools.lru_cache(maxsize=64)
def _holidays(country: str, region: str | None):
    return holidays.country_holidays(country, subdiv=region)


def is_business_day(day: datetime.date, *, country: str, region: str | None = None) -> bool:
    """Neither a Saturday, a Sunday, nor a public holiday of the country (or of its region)."""
    if day.weekday() >= 5:
        return False
    return day not in _holidays(country, region or HOLIDAY_REGIONS.get(country))


def period_end(
    start: datetime.date, *, amount: int, unit: str, counting: str, country: str = "", region: str | None = None
) -> datetime.date:
    """The last day of a period of ``amount`` ``unit`` counted from ``start`` as ``counting`` says."""
    if amount < 1:
        raise ValueError("A period is at least one unit long.")
    if unit not in UNITS or counting not in COUNTINGS:
        raise ValueError(f"Unknown unit or counting: {unit!r}, {counting!r}.")
    if unit == DAYS:
        return start + datetime.timedelta(days=amount - 1 if counting == STARTING_WITH else amount)
    if unit == CALENDAR_MONTHS:
        corresponding = start + relativedelta(months=amount)
        return corresponding - datetime.timedelta(days=1) if counting == STARTING_WITH else corresponding
    if unit == HOURS:
        # Hour 1 begins at the start of the trigger day at the earliest.
        return start + datetime.timedelta(days=(amount - 1) // 24)
    if not country:
        raise ValueError("Business days need the country whose holidays they skip.")
    day, counted = start, 0
    if counting == STARTING_WITH and is_business_day(day, country=country, region=region):
        counted = 1
    while counted < amount:
        day += datetime.timedelta(days=1)
        if is_business_day(day, country=country, region=region):
            counted += 1
    return day
