import datetime

import pytest
from django.core.exceptions import ValidationError

from cases.dates import DatePrecision, partial_date_bounds, partial_date_display, partial_date_parse, partial_date_text


@pytest.mark.parametrize(
    "text, precision, expected",
    [
        ("2025-01-21", DatePrecision.DAY, datetime.date(2025, 1, 21)),
        ("2025-04", DatePrecision.MONTH, datetime.date(2025, 4, 1)),
        ("2018", DatePrecision.YEAR, datetime.date(2018, 1, 1)),
        (" 2025-4 ", DatePrecision.MONTH, datetime.date(2025, 4, 1)),
    ],
)
def test_parse_stores_the_first_day_of_the_period(text, precision, expected):
    assert partial_date_parse(text, precision=precision) == expected


def test_parse_refuses_a_full_day_for_a_month_only_date():
    with pytest.raises(ValidationError) as error:
        partial_date_parse("2025-04-12", precision=DatePrecision.MONTH)
    assert error.value.code == "precision_mismatch"
    assert "YYYY-MM" in error.value.messages[0]


def test_parse_refuses_a_month_for_an_exact_day():
    with pytest.raises(ValidationError) as error:
        partial_date_parse("2025-04", precision=DatePrecision.DAY)
    assert error.value.code == "precision_mismatch"


@pytest.mark.parametrize("text", ["", "April 2025", "2025-13", "2025-02-30", "25-01-01"])
def test_parse_refuses_what_is_not_a_date(text):
    with pytest.raises(ValidationError):
        partial_date_parse(text, precision=DatePrecision.DAY if text.count("-") == 2 else DatePrecision.MONTH)


@pytest.mark.parametrize(
    "value, precision, approximate, shown",
    [
        (datetime.date(2025, 1, 21), DatePrecision.DAY, False, "21 Jan 2025"),
        (datetime.date(2025, 4, 1), DatePrecision.MONTH, False, "Apr 2025"),
        (datetime.date(2018, 1, 1), DatePrecision.YEAR, False, "2018"),
        (datetime.date(2018, 1, 1), DatePrecision.YEAR, True, "c. 2018"),
    ],
)
def test_display_never_shows_more_than_is_known(value, precision, approximate, shown):
    assert partial_date_display(value, precision=precision, approximate=approximate) == shown


@pytest.mark.parametrize("text, precision", [("2025-01-21", "day"), ("2025-04", "month"), ("2018", "year")])
def test_text_is_the_inverse_of_parse(text, precision):
    assert partial_date_text(partial_date_parse(text, precision=precision), precision=precision) == text


@pytest.mark.parametrize(
    "value, precision, approximate, earliest, latest",
    [
        (datetime.date(2025, 1, 21), DatePrecision.DAY, False, datetime.date(2025, 1, 21), datetime.date(2025, 1, 21)),
        (datetime.date(2018, 8, 1), DatePrecision.MONTH, False, datetime.date(2018, 8, 1), datetime.date(2018, 8, 31)),
        (datetime.date(2024, 2, 1), DatePrecision.MONTH, False, datetime.date(2024, 2, 1), datetime.date(2024, 2, 29)),
        (datetime.date(2016, 1, 1), DatePrecision.YEAR, False, datetime.date(2016, 1, 1), datetime.date(2016, 12, 31)),
        (datetime.date(2016, 1, 1), DatePrecision.YEAR, True, datetime.date(2015, 1, 1), datetime.date(2017, 12, 31)),
        (datetime.date(2018, 12, 1), DatePrecision.MONTH, True, datetime.date(2018, 11, 1), datetime.date(2019, 1, 31)),
        (datetime.date(2019, 2, 3), DatePrecision.DAY, True, datetime.date(2019, 1, 20), datetime.date(2019, 2, 17)),
    ],
)
def test_a_partial_date_stands_for_an_interval(value, precision, approximate, earliest, latest):
    bounds = partial_date_bounds(value, precision=precision, approximate=approximate)
    assert (bounds.earliest, bounds.latest) == (earliest, latest)


def test_a_year_is_not_certainly_before_a_day_within_it():
    year = partial_date_bounds(datetime.date(2016, 1, 1), precision=DatePrecision.YEAR)
    day = partial_date_bounds(datetime.date(2016, 2, 1), precision=DatePrecision.DAY)
    assert year.overlaps(day) and not year.certainly_before(day) and not day.certainly_after(year)


def test_a_day_is_certainly_before_the_next_month():
    day = partial_date_bounds(datetime.date(2022, 10, 31), precision=DatePrecision.DAY)
    month = partial_date_bounds(datetime.date(2022, 11, 1), precision=DatePrecision.MONTH)
    assert day.certainly_before(month) and month.certainly_after(day) and not day.overlaps(month)


def test_bounds_at_the_edges_of_the_calendar_do_not_overflow():
    bounds = partial_date_bounds(datetime.date(9999, 12, 1), precision=DatePrecision.MONTH, approximate=True)
    assert bounds.latest == datetime.date(9999, 12, 31)
    assert partial_date_bounds(datetime.date(1, 1, 1), precision=DatePrecision.DAY, approximate=True).earliest == datetime.date(1, 1, 1)


# Reading a date as analysts write it (partial_date_read).

from cases.dates import month_number, partial_date_read, partial_date_words  # noqa: E402

DAY, MONTH, YEAR = DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR


@pytest.mark.parametrize(
    "text, value, precision, approximate",
    [
        ("21 Apr 2025", datetime.date(2025, 4, 21), DAY, False),
        ("21 April 2025", datetime.date(2025, 4, 21), DAY, False),
        ("April 21, 2025", datetime.date(2025, 4, 21), DAY, False),
        ("21st of April, 2025", datetime.date(2025, 4, 21), DAY, False),
        ("sept. 3 2019", datetime.date(2019, 9, 3), DAY, False),
        ("Apr 2025", datetime.date(2025, 4, 1), MONTH, False),
        ("April 2025", datetime.date(2025, 4, 1), MONTH, False),
        ("May, 2019", datetime.date(2019, 5, 1), MONTH, False),
        ("2025-04-21", datetime.date(2025, 4, 21), DAY, False),
        ("2025-04", datetime.date(2025, 4, 1), MONTH, False),
        ("2025", datetime.date(2025, 1, 1), YEAR, False),
        ("21/04/2025", datetime.date(2025, 4, 21), DAY, False),
        ("03/04/2025", datetime.date(2025, 4, 3), DAY, False),  # day first: 3 April, not 4 March
        ("21.04.2025", datetime.date(2025, 4, 21), DAY, False),
        ("04/2025", datetime.date(2025, 4, 1), MONTH, False),
        ("29 Feb 2024", datetime.date(2024, 2, 29), DAY, False),
        ("c. 2019", datetime.date(2019, 1, 1), YEAR, True),
        ("c.2019", datetime.date(2019, 1, 1), YEAR, True),
        ("circa 2019", datetime.date(2019, 1, 1), YEAR, True),
        ("about April 2019", datetime.date(2019, 4, 1), MONTH, True),
        ("around 2019", datetime.date(2019, 1, 1), YEAR, True),
        ("c. 21 Jan 2025", datetime.date(2025, 1, 21), DAY, True),
        ("early 2019", datetime.date(2019, 1, 1), YEAR, True),
        ("mid-April 2019", datetime.date(2019, 4, 1), MONTH, True),
        ("  late   2019 ", datetime.date(2019, 1, 1), YEAR, True),
    ],
)
def test_read_gives_the_first_day_the_precision_written_and_whether_approximate(text, value, precision, approximate):
    reading = partial_date_read(text)
    assert (reading.value, reading.precision, reading.approximate) == (value, precision, approximate)


@pytest.mark.parametrize(
    "text, message",
    [
        ("31 Feb 2025", "February 2025 has 28 days"),
        ("2025-02-30", "February 2025 has 28 days"),
        ("2025-13", "there is no month 13"),
        ("04/21/2025", "read day first"),
        ("hello", "21 Apr 2025, April 2025, 2025 or c. 2019"),
        ("21/04/25", "21 Apr 2025, April 2025, 2025 or c. 2019"),
        ("2019–2020", "21 Apr 2025, April 2025, 2025 or c. 2019"),
        ("early 21 April 2025", "21 Apr 2025, April 2025, 2025 or c. 2019"),
        ("Mayo 2019", "21 Apr 2025, April 2025, 2025 or c. 2019"),
        ("", "21 Apr 2025, April 2025, 2025 or c. 2019"),
    ],
)
def test_read_refuses_impossible_and_unreadable_dates_with_examples(text, message):
    with pytest.raises(ValidationError) as error:
        partial_date_read(text)
    assert message in error.value.messages[0]


@pytest.mark.parametrize(
    "text, message",
    [("2025", "Give the day too"), ("April 2025", "Give the day too"), ("c. 21 Apr 2025", "cannot be approximate")],
)
def test_read_requiring_a_day_refuses_less(text, message):
    with pytest.raises(ValidationError) as error:
        partial_date_read(text, require_day=True)
    assert error.value.code == "day_required" and message in error.value.messages[0]


def test_read_requiring_a_day_takes_any_way_of_writing_one():
    assert partial_date_read("April 21, 2025", require_day=True).value == datetime.date(2025, 4, 21)


@pytest.mark.parametrize(
    "value, precision, approximate",
    [
        (datetime.date(2025, 1, 21), DAY, False),
        (datetime.date(2025, 4, 1), MONTH, False),
        (datetime.date(2019, 1, 1), YEAR, True),
        (datetime.date(2019, 9, 3), DAY, True),
    ],
)
def test_the_date_as_displayed_reads_back_the_same(value, precision, approximate):
    shown = partial_date_display(value, precision=precision, approximate=approximate)
    reading = partial_date_read(shown)
    assert (reading.value, reading.precision, reading.approximate) == (value, precision, approximate)
    assert reading.text == shown


@pytest.mark.parametrize(
    "value, precision, approximate, words",
    [
        (datetime.date(2025, 4, 21), DAY, False, "21 April 2025 (exact day)"),
        (datetime.date(2025, 4, 1), MONTH, False, "April 2025 (month only)"),
        (datetime.date(2019, 1, 1), YEAR, True, "about 2019 (year only, approximate)"),
    ],
)
def test_words_say_the_date_and_how_exactly_it_is_known(value, precision, approximate, words):
    assert partial_date_words(value, precision=precision, approximate=approximate) == words


@pytest.mark.parametrize("name, number", [("January", 1), ("may", 5), ("Sept.", 9), ("Sep", 9), ("Dec", 12)])
def test_month_number_reads_names_and_abbreviations(name, number):
    assert month_number(name) == number
