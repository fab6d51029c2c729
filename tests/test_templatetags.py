"""The case templates' tags: how long a case has been at its stage, said no more exactly than known."""

import datetime

import pytest
import time_machine

from cases.models import Case, Event, Statement
from cases.templatetags.cases import record_values, stage_duration


@time_machine.travel(datetime.datetime(2025, 11, 21, 12, tzinfo=datetime.UTC), tick=False)
def test_a_day_known_stage_date_says_since_when_and_for_how_long():
    case = Case(stage_entered_on=datetime.date(2025, 1, 21))
    assert stage_duration(case) == "since 21 Jan 2025 (10\xa0months)"


@pytest.mark.parametrize(
    "precision, approximate, expected",
    [("month", False, "since Aug 2018"), ("year", False, "since 2016"), ("day", True, "since c. 3 Feb 2019")],
)
def test_a_partial_stage_date_counts_no_false_days(precision, approximate, expected):
    day = {"month": datetime.date(2018, 8, 1), "year": datetime.date(2016, 1, 1), "day": datetime.date(2019, 2, 3)}[precision]
    case = Case(stage_entered_on=day, stage_entered_precision=precision, stage_entered_approximate=approximate)
    assert stage_duration(case) == expected


def test_an_unknown_stage_date_says_so():
    assert stage_duration(Case(stage_entered_on=None)) == "since an unknown date"


def test_a_conflicting_version_shows_reported_speech_not_as_a_quote():
    event = Event(kind="statement", summary="s", statement=Statement(reported_speech=True, gist="India would liaise"))
    values = dict(record_values(event))
    assert values["Reported speech"] == "India would liaise" and "Quote" not in values
