"""Counting conventions, each checked against the words of a rule that uses it."""

import datetime

import pytest

from clocks.counting import AFTER, BUSINESS_DAYS, CALENDAR_MONTHS, DAYS, HOURS, STARTING_WITH, is_business_day, period_end

D = datetime.date


@pytest.mark.parametrize(
    ("start", "amount", "counting", "expected", "wording"),
    [
        # India–US treaty Art. 12(4): "upon the expiration of sixty (60) days from the date of provisional arrest".
        (D(2020, 6, 10), 60, AFTER, D(2020, 8, 9), "60 days from the date of arrest"),
        # EA 2003 s.108(4): "14 days starting with the day on which the Secretary of State informs the person".
        (D(2019, 2, 3), 14, STARTING_WITH, D(2019, 2, 16), "the trigger day is day 1"),
        # EA 2003 s.117(2): "28 days starting with the day on which the Secretary of State makes the order".
        (D(2019, 2, 3), 28, STARTING_WITH, D(2019, 3, 2), "across a 28-day February"),
        (D(2020, 2, 3), 28, STARTING_WITH, D(2020, 3, 1), "across a leap-year February"),
        # Extradition Act (Canada) s.40(1): "within a period of 90 days after the date of a person's committal".
        (D(2024, 12, 1), 90, AFTER, D(2025, 3, 1), "the day after is day 1"),
    ],
)
def test_days(start, amount, counting, expected, wording):
    assert period_end(start, amount=amount, unit=DAYS, counting=counting) == expected, wording


@pytest.mark.parametrize(
    ("start", "amount", "counting", "expected"),
    [
        # 18 U.S.C. § 3188: "within two calendar months after such commitment": the corresponding date.
        (D(2023, 5, 16), 2, AFTER, D(2023, 7, 16)),
        # Barrett v. United States: committed 11 Jan 1978, time allowed until 11 March.
        (D(1978, 1, 11), 2, AFTER, D(1978, 3, 11)),
        # No corresponding date: the last day of the shorter month (Dodds v Walker).
        (D(2022, 12, 31), 2, AFTER, D(2023, 2, 28)),
        (D(2023, 12, 31), 2, AFTER, D(2024, 2, 29)),
        # EA 2003 s.76: "2 months starting with the date on which the judge receives the documents".
        (D(2024, 3, 1), 2, STARTING_WITH, D(2024, 4, 30)),
    ],
)
def test_calendar_months(start, amount, counting, expected):
    assert period_end(start, amount=amount, unit=CALENDAR_MONTHS, counting=counting) == expected


def test_business_days_skip_weekends_and_the_jurisdictions_holidays():
    # Criminal Procedure Rules r.2.2: a business day is any day except Saturday, Sunday, Christmas
    # Day, Boxing Day, Good Friday, Easter Monday or a bank holiday. Easter 2019: Friday 19 and
    # Monday 22 April are holidays in England and Wales.
    assert not is_business_day(D(2019, 4, 19), country="GB")
    assert not is_business_day(D(2019, 4, 22), country="GB")
    assert is_business_day(D(2019, 4, 23), country="GB")
    thursday = D(2019, 4, 18)
    assert period_end(thursday, amount=2, unit=BUSINESS_DAYS, counting=AFTER, country="GB") == D(2019, 4, 24)
    assert period_end(thursday, amount=2, unit=BUSINESS_DAYS, counting=STARTING_WITH, country="GB") == D(2019, 4, 23)
    # The same days in the United States are ordinary working days.
    assert period_end(thursday, amount=2, unit=BUSINESS_DAYS, counting=AFTER, country="US") == D(2019, 4, 22)


def test_a_trigger_on_a_holiday_is_not_day_one_of_a_business_day_period():
    good_friday = D(2019, 4, 19)
    assert period_end(good_friday, amount=1, unit=BUSINESS_DAYS, counting=STARTING_WITH, country="GB") == D(2019, 4, 23)


def test_day_periods_are_not_moved_off_a_weekend():
    # 16 Feb 2019 is a Saturday; the Extradition Act 2003 has no roll-forward for day periods.
    assert period_end(D(2019, 2, 3), amount=14, unit=DAYS, counting=STARTING_WITH).weekday() == 5


def test_hours_end_on_the_day_the_last_hour_falls_on():
    # EA 2003 s.6: "within 48 hours starting with the time when the person is arrested".
    assert period_end(D(2025, 1, 5), amount=48, unit=HOURS, counting=STARTING_WITH) == D(2025, 1, 6)
    assert period_end(D(2025, 1, 5), amount=24, unit=HOURS, counting=AFTER) == D(2025, 1, 5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"amount": 0, "unit": DAYS, "counting": AFTER}, "at least one"),
        ({"amount": 3, "unit": "fortnights", "counting": AFTER}, "Unknown unit"),
        ({"amount": 3, "unit": BUSINESS_DAYS, "counting": AFTER}, "country"),
    ],
)
def test_impossible_periods_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        period_end(D(2025, 1, 1), **kwargs)
