"""Analytics across matters: each figure against a computation by hand on a small set of matters,
one of them still open (censored), one ended without extradition (censored at its end)."""

import csv
import datetime
import io
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from django.contrib.auth.models import Group
from django.urls import reverse

from analytics import charts, selectors
from analytics.cache import figures_version
from cases import roles, services
from cases.models import Case, Outcome, Stage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2023, 1, 1)
D = datetime.date


def _matter(reference, requested, opened, moves, *, outcome=None, closed=None):
    case = services.case_create(
        title=f"{reference} (→ IN)", reference=reference, requesting_state="IN", requested_state=requested,
        offences="Fraud" if requested == "GB" else "Terrorism", stage=Stage.REQUEST_MADE, stage_entered_on=opened,
        opened_on=opened, by=None,
    )
    for on, stage in moves:
        services.case_change_stage(case=case, to_stage=stage, reason="as reported", occurred_on=on, by=None)
    if outcome:
        services.case_close(case=case, outcome=outcome, closed_on=closed, by=None)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def matters(db):
    return {
        # Extradited: 92 days in arrest, surrendered 365 days after the arrest.
        "a": _matter("a", "GB", D(2020, 1, 1), [(D(2020, 3, 1), Stage.ARREST), (D(2020, 6, 1), Stage.HEARING),
                                               (D(2021, 3, 1), Stage.SURRENDERED)], outcome=Outcome.EXTRADITED, closed=D(2021, 3, 1)),
        # Still open, in appeal since 1 Dec 2021: censored at today, 699 days after its arrest.
        "b": _matter("b", "US", D(2021, 1, 1), [(D(2021, 2, 1), Stage.ARREST), (D(2021, 12, 1), Stage.APPEAL)]),
        # Refused at the hearing, closed: censored at its closing, 181 days after the arrest.
        "c": _matter("c", "GB", D(2018, 6, 1), [(D(2019, 1, 1), Stage.ARREST), (D(2019, 5, 1), Stage.HEARING),
                                               (D(2019, 7, 1), Stage.REFUSED)], outcome=Outcome.REFUSED, closed=D(2019, 7, 1)),
        # Surrendered 100 days after the arrest.
        "d": _matter("d", "GB", D(2022, 1, 1), [(D(2022, 2, 1), Stage.ARREST), (D(2022, 5, 12), Stage.SURRENDERED)],
                     outcome=Outcome.EXTRADITED, closed=D(2022, 5, 12)),
    }


def test_days_in_each_stage_over_finished_stays_with_running_ones_counted_apart(matters):
    rows = {row.stage: row for row in selectors.stage_durations(Case.objects.all())}
    arrest = rows[Stage.ARREST]
    # a: 1 Mar–1 Jun 2020 (92), b: 1 Feb–1 Dec 2021 (303), c: 1 Jan–1 May 2019 (120), d: 1 Feb–12 May 2022 (100).
    assert (arrest.finished, arrest.running, arrest.minimum, arrest.maximum) == (4, 0, 92, 303)
    assert arrest.median == 110  # (100 + 120) / 2
    request = rows[Stage.REQUEST_MADE]
    assert (request.finished, request.minimum, request.maximum) == (4, 31, 214)
    appeal = rows[Stage.APPEAL]
    assert (appeal.finished, appeal.running, appeal.median) == (0, 1, None)


def test_time_to_surrender_is_a_kaplan_meier_estimate_counting_open_and_refused_matters_as_censored(matters):
    curve = selectors.time_to_surrender(Case.objects.all(), start="arrest", today=TODAY)
    assert (curve.matters, curve.surrendered, curve.censored) == (4, 2, 2)
    # By hand: 100 days, 4 at risk, one surrendered: 3/4. 181 days: c censored. 365 days, 2 at risk
    # (a and b), one surrendered: 3/4 × 1/2 = 3/8. 699 days: b censored.
    assert curve.at(99) == 1.0 and curve.at(100) == pytest.approx(0.75)
    assert curve.at(364) == pytest.approx(0.75) and curve.at(365) == pytest.approx(0.375)
    assert curve.at(800) == pytest.approx(0.375)
    assert curve.median_days == 365
    # A plain median of the two finished matters would say 232.5 days: the censored ones matter.
    finished = sorted([100, 365])
    assert curve.median_days != sum(finished) / 2


def test_time_to_surrender_from_the_request(matters):
    curve = selectors.time_to_surrender(Case.objects.all(), start="request", today=TODAY)
    # d: 1 Jan–12 May 2022 = 131 days (4 at risk → 3/4); a: 1 Jan 2020–1 Mar 2021 = 425 days.
    # Censored: c at 395 (1 Jun 2018–1 Jul 2019), b at 730 (1 Jan 2021–1 Jan 2023).
    assert curve.at(131) == pytest.approx(0.75)
    assert curve.at(425) == pytest.approx(0.75 * 0.5)


def test_how_matters_ended_and_at_which_stage(matters):
    rows = {(row.outcome, row.stage): row.matters for row in selectors.endings(Case.objects.all())}
    assert rows == {(Outcome.EXTRADITED, Stage.HEARING): 1, (Outcome.EXTRADITED, Stage.ARREST): 1, (Outcome.REFUSED, Stage.HEARING): 1}


def test_the_longest_stuck_open_matters(matters):
    stuck = selectors.longest_stuck(Case.objects.all(), today=TODAY)
    assert [(row.case.reference, row.case.stage, row.days) for row in stuck] == [("b", Stage.APPEAL, 396)]


def test_stage_changes_per_month_include_the_months_without_any(matters):
    rows, year_only = selectors.stage_changes_per_month(Case.objects.all(), since=D(2021, 1, 1), until=D(2021, 12, 31))
    assert [(row.month, row.changes) for row in rows][:3] == [(D(2021, 2, 1), 1), (D(2021, 3, 1), 1), (D(2021, 4, 1), 0)]
    assert rows[-1] == selectors.MonthCount(D(2021, 12, 1), 1) and len(rows) == 11 and year_only == 0


def test_a_stage_change_known_only_to_the_year_is_counted_apart(matters):
    services.case_change_stage(
        case=matters["b"], to_stage=Stage.EXECUTIVE_ORDER, reason="reported", occurred_on=D(2022, 1, 1), date_precision="year", by=None,
    )
    rows, year_only = selectors.stage_changes_per_month(Case.objects.all())
    # Ten stage changes by month (a: 3, b: 2, c: 3, d: 2), and this one apart.
    assert year_only == 1 and sum(row.changes for row in rows) == 10


# Counted in the database, as computed by hand -----------------------------------------------------


def _stays_by_hand(today):
    """Every stay of every matter, walked in Python over each case's stage changes in timeline order."""
    finished, running = {}, {}
    for case in Case.objects.all():
        changes = list(case.events.filter(kind="stage_change").order_by("position", "id"))
        for index, change in enumerate(changes):
            if index == 0 and change.from_stage and change.from_stage != Stage.CLOSED and case.opened_on <= change.occurred_on:
                finished.setdefault(change.from_stage, []).append((change.occurred_on - case.opened_on).days)
            if change.to_stage == Stage.CLOSED:
                continue
            end = changes[index + 1].occurred_on if index + 1 < len(changes) else case.closed_on
            if end is None:
                running[change.to_stage] = running.get(change.to_stage, 0) + 1
            else:
                finished.setdefault(change.to_stage, []).append((max(end, change.occurred_on) - change.occurred_on).days)
    return finished, running


def _random_matters(seed, count=40):
    import random

    rng = random.Random(seed)
    path = [Stage.ARREST, Stage.HEARING, Stage.APPEAL, Stage.EXECUTIVE_ORDER, Stage.SURRENDERED]
    for number in range(count):
        on = D(2015, 1, 1) + datetime.timedelta(days=rng.randrange(2000))
        moves = []
        for stage in path[: rng.randrange(len(path) + 1)]:
            # Some moves on the same day as the one before (a stay of 0 days), some back to a stage.
            if moves and moves[-1][1] == stage:
                continue
            on += datetime.timedelta(days=rng.choice([0, 1, 30, 200, 700]))
            moves.append((on, stage))
            if rng.random() < 0.15 and stage not in (Stage.HEARING, Stage.SURRENDERED):
                on += datetime.timedelta(days=rng.randrange(90))
                moves.append((on, Stage.HEARING))
        surrendered = bool(moves) and moves[-1][1] == Stage.SURRENDERED
        outcome = Outcome.EXTRADITED if surrendered else (Outcome.REFUSED if rng.random() < 0.3 else None)
        _matter(f"r{number}", rng.choice(["GB", "US"]), D(2014, 6, 1), moves, outcome=outcome,
                closed=(on + datetime.timedelta(days=rng.randrange(60))) if outcome else None)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stage_durations_counted_in_the_database_agree_with_every_stay_walked_by_hand(db, seed):
    import statistics

    _random_matters(seed)
    finished, running = _stays_by_hand(TODAY)
    rows = {row.stage: row for row in selectors.stage_durations(Case.objects.all())}
    assert set(rows) == set(finished) | set(running)
    for stage, row in rows.items():
        values = sorted(finished.get(stage, []))
        assert (row.finished, row.running) == (len(values), running.get(stage, 0))
        if len(values) > 1:
            expected = statistics.quantiles(values, n=4, method="inclusive")
            assert (row.minimum, row.q1, row.median, row.q3, row.maximum) == (values[0], *expected, values[-1])
        elif values:
            assert row.minimum == row.median == row.maximum == values[0]


@pytest.mark.parametrize("start", ["arrest", "request"])
def test_time_to_surrender_counted_in_the_database_agrees_with_scipy_on_every_matter(db, start):
    from scipy import stats

    _random_matters(7)
    observed, censored = [], []
    for case in Case.objects.all():
        changes = case.events.filter(kind="stage_change")
        arrests = sorted(event.occurred_on for event in changes if event.to_stage == Stage.ARREST)
        surrenders = sorted(event.occurred_on for event in changes if event.to_stage == Stage.SURRENDERED)
        began = case.opened_on if start == "request" else (arrests[0] if arrests else None)
        if began is None:
            continue
        if surrenders:
            observed.append((surrenders[0] - began).days)
        else:
            censored.append(max(((case.closed_on or TODAY) - began).days, 0))
    curve = selectors.time_to_surrender(Case.objects.all(), start=start, today=TODAY)
    assert (curve.surrendered, curve.censored) == (len(observed), len(censored))
    expected = stats.ecdf(stats.CensoredData(uncensored=observed, right=censored)).sf
    assert curve.steps == [(int(t), pytest.approx(float(p))) for t, p in zip(expected.quantiles, expected.probabilities, strict=True)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.booleans(), st.integers(1, 5)), max_size=40))
def test_the_kaplan_meier_steps_agree_with_scipy_on_any_counts(lengths):
    from scipy import stats

    observed = [days for days, done, number in lengths if done for _ in range(number)]
    censored = [days for days, done, number in lengths if not done for _ in range(number)]
    steps = selectors.kaplan_meier(lengths)
    if not observed:  # SciPy needs one surrender at least; with none the share stays whole
        assert all(share == 1.0 for _, share in steps)
        return
    expected = stats.ecdf(stats.CensoredData(uncensored=observed, right=censored)).sf
    assert steps == [(int(t), pytest.approx(float(p))) for t, p in zip(expected.quantiles, expected.probabilities, strict=True)]


def test_time_to_surrender_needs_no_scipy(db, monkeypatch):
    """SciPy is for the tests only: importing it took a web worker past its memory budget (60 MB)."""
    _random_matters(3)
    for name in ("scipy", "scipy.stats", "numpy"):
        monkeypatch.setitem(sys.modules, name, None)  # any import of them now fails
    curve = selectors.time_to_surrender(Case.objects.all(), start="request", today=TODAY)
    assert curve.surrendered and curve.steps


# The page ----------------------------------------------------------------------------------------


@pytest.fixture
def viewer_client(client, db):
    roles.roles_sync()
    client.force_login(UserFactory(username="reader", groups=[Group.objects.get(name=roles.VIEWER)]))
    return client


def test_the_page_shows_every_figure_with_its_table(viewer_client, matters):
    content = viewer_client.get(reverse("analytics:analytics")).content.decode()
    for heading in ("Time in each stage", "Time to surrender", "How matters ended", "Open matters longest in their stage", "Stage changes per month"):
        assert heading in content
    assert content.count("<svg class=\"chart\"") == 5 and content.count('role="img"') >= 5
    assert "4 matters chosen" in content


def test_filters_narrow_every_figure(viewer_client, matters):
    content = viewer_client.get(reverse("analytics:analytics"), {"requested_state": "US"}).content.decode()
    assert "1 matter chosen" in content
    rows = list(csv.reader(io.StringIO(viewer_client.get(
        reverse("analytics:analytics"), {"offences": "fraud", "download": "stuck"}).content.decode())))
    assert rows == [["case", "reference", "stage", "in it since", "days in stage"]]


def test_each_figure_downloads_as_csv_with_the_same_numbers(viewer_client, matters):
    response = viewer_client.get(reverse("analytics:analytics"), {"download": "stages"})
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    rows = {row[0]: row for row in csv.reader(io.StringIO(response.content.decode()))}
    assert rows["Arrest or provisional arrest"][1:4] == ["4", "0", "92"]
    surrender = list(csv.reader(io.StringIO(viewer_client.get(reverse("analytics:analytics"), {"download": "surrender"}).content.decode())))
    assert ["arrest", "100", "0.7500"] in surrender


def test_a_bad_filter_is_a_clear_400(viewer_client, matters):
    response = viewer_client.get(reverse("analytics:analytics"), {"period_from": "not a date"})
    assert response.status_code == 400 and "could not be read" in response.content.decode()


def test_figures_are_cached_until_a_stage_changes(viewer_client, matters, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    url = reverse("analytics:analytics")
    viewer_client.get(url)
    version = figures_version()
    with django_assert_max_num_queries(8):
        viewer_client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_change_stage(case=matters["b"], to_stage=Stage.EXECUTIVE_ORDER, reason="ordered", occurred_on=D(2022, 6, 1), by=None)
    assert figures_version() > version
    assert "Executive decision" in viewer_client.get(url, {"download": "stuck"}).content.decode()


def test_nice_ticks_cover_the_maximum_in_round_steps():
    assert charts.nice_ticks(303) == [0, 100, 200, 300, 400]
    assert charts.nice_ticks(7) == [0, 2, 4, 6, 8]


def test_counts_are_never_given_fractional_ticks():
    assert charts.nice_ticks(2, whole=True) == [0, 1, 2]
