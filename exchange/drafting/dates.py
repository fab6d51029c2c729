"""
Dates as news reports write them, resolved against the publication day with stated conventions.

- A weekday ("on Friday") is the most recent such day on or before publication; "next Friday",
  or a weekday after a future cue, is the first one after.
- A day or month without a year ("January 21", "in April") is the most recent one on or before
  publication, unless a future cue comes just before it ("till October 2", "adjourned to May 5",
  "has until", "deadline", "next hearing on", "listed for"): then it is the first one on or after.
- "Last month" is the calendar month before publication, "last year" the year before, "last
  December" the most recent December before the publication month.
- "That year" or "the same year" is the last year the report mentioned before it.
- "A day after", "the next day", "two days later" are approximate, counted from the last date the
  report gave before them.
- Nothing else is guessed: a sentence without a date expression gives no date.

dateparser reads the month and day names; the conventions above are applied here, because its own
preferences ("past" or "future") cannot tell a deadline from a ruling.
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from dateparser.date import DateDataParser

# The month names are the ones the date field reads (cases.dates), so both read the same words.
from cases.dates import MONTHS, MONTHS_SHORT, DatePrecision, month_number, partial_date_text

WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_MONTH = rf"(?:{MONTHS}|(?:{MONTHS_SHORT})\.?)"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]|20)\d{2}"

# A cue that the date which follows is ahead of the report: a deadline or the next listing.
FUTURE_CUE = re.compile(
    r"(?:\b(?:till|until|untill|by|before|to|for|on or before|next|upcoming|from)\s+(?:the\s+)?$"
    r"|\b(?:adjourn\w*|post\w*|defer\w*|list\w*|fix\w*|schedul\w*|set|due|deadline|expire\w*|resume\w*)\b[^.;]{0,40}\b(?:to|till|until|for|by|on\s+or\s+before)\s+(?:the\s+)?$"
    r"|\b(?:will|shall|would|is\s+(?:due|set|expected|likely|scheduled)\s+to|are\s+(?:due|set)\s+to)\b[^.;]{0,60}$)",
    re.IGNORECASE,
)
# The future cue must be in the words just before the date, not anywhere earlier in the sentence.
FUTURE_WINDOW = 60

NUMBER_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10}

PATTERNS = [
    # "Friday (January 31)": the date in brackets is the exact one.
    ("bracketed", re.compile(rf"\b(?:on\s+)?(?P<weekday>{WEEKDAYS})\s*\(\s*(?P<inner>{_MONTH}\s+{_DAY}|{_DAY}\s+{_MONTH})\s*\)")),
    ("full", re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b")),
    ("full", re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b")),
    ("full", re.compile(r"\b(?P<iso>(?:19|20)\d{2}-\d{2}-\d{2})\b")),
    ("day_month", re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?!,?\s*\d{{4}})(?!\s*(?:years?|months?|days?|percent|per cent|%))")),
    ("day_month", re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\b(?!,?\s*\d{{4}})")),
    ("relative_day", re.compile(r"\b(?P<relative>(?:an?|one|two|three|four|five|six|seven|ten|\d+)\s+(?:days?|weeks?)\s+(?:after|later|before|earlier)"
                                r"|the\s+(?:next|following|previous)\s+day|the\s+day\s+(?:after|before))\b", re.IGNORECASE)),
    ("weekday", re.compile(rf"\b(?:(?P<which>last|this|next|on|since|from|by|until|till)\s+)?(?P<weekday>{WEEKDAYS})\b(?:\s+(?P<part>morning|afternoon|evening|night))?")),
    ("yesterday", re.compile(r"\b(?:yesterday|today|tonight|this\s+(?:morning|afternoon|evening))\b", re.IGNORECASE)),
    ("month_of_year", re.compile(rf"\b(?:(?:in|since|during|by|until|till)\s+)?(?P<month>{MONTHS})\s+(?P<which>this|last|next)\s+year\b")),
    ("month_year", re.compile(rf"\b(?:(?P<part>early|mid|late|the\s+end\s+of|the\s+beginning\s+of|end|beginning)[\s-]+(?:of\s+)?)?{_MONTH}\s*,?\s+(?P<year>{_YEAR})\b", re.IGNORECASE)),
    ("last_month_name", re.compile(rf"\b(?P<which>last|this|next|earlier\s+this|later\s+this)\s+(?P<month>{MONTHS})\b")),
    ("month_only", re.compile(rf"\b(?:(?P<part>early|mid|late|end\s+of|the\s+end\s+of)[\s-]+)?(?:(?P<prep>in|since|during|until|till|by|from|of|on|before|after|last)\s+)(?P<month>{MONTHS})\b(?!\s+\d)")),
    ("relative_month", re.compile(r"\b(?:last|this|earlier\s+this|later\s+this|previous|next|the\s+previous|the\s+following)\s+month\b", re.IGNORECASE)),
    ("relative_year", re.compile(r"\b(?:last|this|earlier\s+this|later\s+this|previous|next|the\s+previous|the\s+following)\s+year\b", re.IGNORECASE)),
    ("that_year", re.compile(r"\b(?:that|the\s+same)\s+year\b", re.IGNORECASE)),
    ("year", re.compile(rf"\b(?:(?P<part>early|mid|late|the\s+end\s+of|end\s+of)[\s-]+)?(?:(?:in|since|during|until|till|by|from|of|before|after|around|circa|c\.)\s+)?(?P<year>{_YEAR})\b(?![-/]\d)(?!\s*(?:cases?|people|crore|million|pages|km))")),
]


@dataclass(frozen=True)
class DateMention:
    """One date expression in a sentence, resolved: where it is, what it says, what it means."""

    start: int
    end: int
    written: str
    value: datetime.date
    precision: str
    approximate: bool = False
    future: bool = False  # a deadline or a next listing, after publication
    yearless: bool = False  # written without a year ("May 5", "in April", "on Friday"): resolved by convention
    relative: bool = False  # counted from another date ("a day after"), so approximate

    @property
    def text(self) -> str:
        """As the analyst types it: YYYY, YYYY-MM or YYYY-MM-DD."""
        return partial_date_text(self.value, precision=self.precision)


def _parser() -> DateDataParser:
    return DateDataParser(languages=["en"], settings={"PREFER_DAY_OF_MONTH": "first", "RETURN_TIME_AS_PERIOD": False})


_PARSER = None


def _month_day(text: str) -> tuple[int, int] | None:
    global _PARSER
    _PARSER = _PARSER or _parser()
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text).replace(" of ", " ")
    data = _PARSER.get_date_data(f"{cleaned} 2000")  # a leap year, so that 29 February reads
    if data.date_obj is None:
        return None
    return data.date_obj.month, data.date_obj.day


def _nearest(month: int, day: int, *, published_on: datetime.date, future: bool) -> datetime.date | None:
    """The most recent such day on or before publication, or the first on or after it."""
    years = [published_on.year + 1, published_on.year] if future else [published_on.year, published_on.year - 1]
    for year in (reversed(years) if future else years):
        try:
            candidate = datetime.date(year, month, day)
        except ValueError:
            continue
        if (candidate >= published_on) if future else (candidate <= published_on):
            return candidate
    return None


def _month_nearest(month: int, *, published_on: datetime.date, future: bool, strictly: bool = False) -> datetime.date:
    this = published_on.replace(day=1)
    year = published_on.year
    if future:
        year += 1 if (month < this.month or (strictly and month == this.month)) else 0
    else:
        year -= 1 if (month > this.month or (strictly and month == this.month)) else 0
    return datetime.date(year, month, 1)


def _add_months(value: datetime.date, months: int) -> datetime.date:
    index = value.year * 12 + value.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def dates_find(sentence: str, *, published_on: datetime.date, last_year: int | None = None,
               last_date: DateMention | None = None) -> list[DateMention]:
    """Every date expression in a sentence, resolved, in the order written.

    ``last_year`` is the last year the report mentioned before this sentence ("that year");
    ``last_date`` the last date it gave ("a day after")."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for name, pattern in PATTERNS:
        for match in pattern.finditer(sentence):
            span = match.span()
            if any(span[0] < end and start < span[1] for start, end in taken):
                continue
            before = sentence[max(0, span[0] - FUTURE_WINDOW):span[0]]
            future = bool(FUTURE_CUE.search(before))
            previous = max((m for m in found if m.start < span[0]), key=lambda m: m.start, default=None) or last_date
            mention = _resolve(name, match, published_on=published_on, future=future,
                               last_year=_last_year(found, span[0]) or last_year, last_date=previous)
            if mention is None:
                continue
            taken.append(span)
            found.append(mention)
    return sorted(found, key=lambda m: m.start)


def _last_year(found: list[DateMention], before: int) -> int | None:
    earlier = [m for m in found if m.start < before]
    return max(earlier, key=lambda m: m.start).value.year if earlier else None


def _resolve(name: str, match: re.Match, *, published_on: datetime.date, future: bool, last_year: int | None,
             last_date: DateMention | None) -> DateMention | None:
    written = match.group(0).strip()
    start, end = match.span()

    def mention(value, precision, approximate=False, **extra):
        return DateMention(start=start, end=end, written=written, value=value, precision=precision,
                           approximate=approximate, future=future and value >= published_on,
                           yearless=name in ("bracketed", "day_month", "weekday", "month_only"), **extra)

    groups = match.groupdict()
    if name == "bracketed":
        month_day = _month_day(groups["inner"])
        value = month_day and _nearest(*month_day, published_on=published_on, future=future)
        return mention(value, DatePrecision.DAY) if value else None
    if name == "full":
        if groups.get("iso"):
            try:
                return mention(datetime.date.fromisoformat(groups["iso"]), DatePrecision.DAY)
            except ValueError:
                return None
        year = int(re.search(_YEAR, written).group(0))
        month_day = _month_day(re.sub(rf",?\s+{_YEAR}\b", "", written))
        if not month_day:
            return None
        try:
            return mention(datetime.date(year, *month_day), DatePrecision.DAY)
        except ValueError:
            return None
    if name == "day_month":
        month_day = _month_day(written)
        value = month_day and _nearest(*month_day, published_on=published_on, future=future)
        return mention(value, DatePrecision.DAY) if value else None
    if name == "relative_day":
        if last_date is None or last_date.precision != DatePrecision.DAY:
            return None
        words = written.lower().split()
        count = 1 if words[0] == "the" else NUMBER_WORDS.get(words[0]) or (int(words[0]) if words[0].isdigit() else 1)
        if "week" in written.lower():
            count *= 7
        sign = -1 if re.search(r"before|earlier|previous", written, re.IGNORECASE) else 1
        value = last_date.value + datetime.timedelta(days=sign * count)
        return DateMention(start=start, end=end, written=written, value=value, precision=DatePrecision.DAY,
                           approximate=True, relative=True)
    if name == "weekday":
        which = (groups.get("which") or "").lower()
        target = list(calendar.day_name).index(groups["weekday"])
        ahead = which == "next" or (future and which not in ("last", "since"))
        if ahead:
            value = published_on + datetime.timedelta(days=(target - published_on.weekday()) % 7 or 7)
        else:
            value = published_on - datetime.timedelta(days=(published_on.weekday() - target) % 7)
        return mention(value, DatePrecision.DAY)
    if name == "yesterday":
        offset = -1 if written.lower() == "yesterday" else 0
        return mention(published_on + datetime.timedelta(days=offset), DatePrecision.DAY)
    if name == "month_of_year":
        offset = {"this": 0, "last": -1, "next": 1}[groups["which"]]
        return mention(datetime.date(published_on.year + offset, month_number(groups["month"]), 1), DatePrecision.MONTH)
    if name == "month_year":
        month = month_number(re.search(_MONTH, written).group(0))
        return mention(datetime.date(int(groups["year"]), month, 1), DatePrecision.MONTH, approximate=bool(groups.get("part")))
    if name == "last_month_name":
        which = groups["which"].lower()
        month = month_number(groups["month"])
        if which == "next":
            value = _month_nearest(month, published_on=published_on, future=True, strictly=True)
        elif which == "last":
            value = _month_nearest(month, published_on=published_on, future=False, strictly=True)
        elif "later" in which:
            value = datetime.date(published_on.year, month, 1)
        else:
            value = datetime.date(published_on.year, month, 1)
        return mention(value, DatePrecision.MONTH)
    if name == "month_only":
        if groups.get("prep") == "on":
            return None  # "on May" is not English for a date; probably a name
        month = month_number(groups["month"])
        ahead = future or groups.get("prep") in ("until", "till", "by")
        value = _month_nearest(month, published_on=published_on, future=ahead and future)
        return mention(value, DatePrecision.MONTH, approximate=bool(groups.get("part")))
    if name == "relative_month":
        lowered = written.lower()
        this = published_on.replace(day=1)
        if lowered.startswith(("last", "previous", "the previous")):
            value = _add_months(this, -1)
        elif lowered.startswith(("next", "the following")):
            value = _add_months(this, 1)
        else:
            value = this
        return mention(value, DatePrecision.MONTH)
    if name == "relative_year":
        lowered = written.lower()
        year = published_on.year
        if lowered.startswith(("last", "previous", "the previous")):
            year -= 1
        elif lowered.startswith(("next", "the following")):
            year += 1
        return mention(datetime.date(year, 1, 1), DatePrecision.YEAR)
    if name == "that_year":
        if last_year is None:
            return None
        return DateMention(start=start, end=end, written=written, value=datetime.date(last_year, 1, 1),
                           precision=DatePrecision.YEAR)
    if name == "year":
        year = int(groups["year"])
        if year > published_on.year + 5:
            return None
        return mention(datetime.date(year, 1, 1), DatePrecision.YEAR,
                       approximate=bool(groups.get("part")) or bool(re.search(r"around|circa|c\.", written)))
    return None


def date_resolve(text: str, *, published_on: datetime.date) -> tuple[datetime.date, str, bool] | None:
    """(first day of the period, precision, approximate) for one date as written, or None."""
    found = dates_find(text, published_on=published_on)
    if not found:
        return None
    mention = found[0]
    return mention.value, mention.precision, mention.approximate


def mention_ahead(mention: DateMention, *, published_on: datetime.date) -> DateMention:
    """The same words read as a date to come: for a clause in the future tense ("will face a
    hearing on April 11"), a date written without a year is the next one, not the last."""
    if not mention.yearless or mention.value >= published_on:
        return mention
    found = dates_find(f"until {mention.written}", published_on=published_on)
    if not found or found[0].value < published_on:
        return mention
    ahead = found[0]
    return DateMention(start=mention.start, end=mention.end, written=mention.written, value=ahead.value,
                       precision=ahead.precision, approximate=ahead.approximate, future=True, yearless=True)
