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
