"""The scale run's comparison of two sizes (the runs themselves are CI's smoke pass and by hand)."""

from tracker.management.commands.benchmark import _scale_report


def _part(data: str, **medians) -> dict:
    return {"data": data, "results": [{"name": name, "median_ms": ms, "p95_ms": ms * 1.2, "queries": 7}
                                      for name, ms in medians.items()]}


def test_each_figure_is_held_to_one_and_a_half_times_the_smaller_sizes():
    full = _part("100,000 cases", **{"1a. case list, no filter": 20.0, "7a. analytics: time in each stage, all matters": 100.0,
                                     "2. case page, 10021 events": 30.0, "6. mixed load, 50 users": 10.0})
    large = _part("1,000,000 cases", **{"1a. case list, no filter": 29.0, "7a. analytics: time in each stage, all matters": 400.0,
                                        "2. case page, 10034 events": 31.0, "6. mixed load, 50 users": 99.0})
    report = _scale_report(full, large, smoke=False)
    assert "- PASS: 1a. case list, no filter: 1.45× at ten times the data (≤ 1.5×)" in report
    assert "- MISS: 7a. analytics: time in each stage, all matters: 4.00× at ten times the data (≤ 1.5×)" in report
    # The big case gains events as the run posts them: its page is compared all the same.
    assert "- PASS: 2. case page, N events: 1.03×" in report
    # Only the figures the issue names are compared.
    assert "mixed load" not in report
    assert "Smaller: 100,000 cases; larger: 1,000,000 cases." in report
