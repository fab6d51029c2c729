import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import selectors, services
from cases.models import Event, Stage
from cases.selectors import case_related_matters, case_stage_track, case_timeline
from tests.factories import AuthorityFactory, CaseFactory, EventFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_stage_track_lists_every_stage_with_its_dates(case, analyst):
    services.case_change_stage(case=case, to_stage=Stage.ARREST, reason="a", occurred_on=datetime.date(2024, 9, 1), by=analyst)
    services.case_change_stage(case=case, to_stage=Stage.HEARING, reason="b", occurred_on=datetime.date(2024, 10, 11), by=analyst)
    track = case_stage_track(case=case)
    assert [(s.stage, s.entered_on, s.left_on, s.is_current) for s in track] == [
        (Stage.REQUEST_MADE, None, datetime.date(2024, 9, 1), False),
        (Stage.ARREST, datetime.date(2024, 9, 1), datetime.date(2024, 10, 11), False),
        (Stage.HEARING, datetime.date(2024, 10, 11), None, True),
    ]
    assert track[1].days == 40


def test_stage_track_of_a_case_never_moved_is_its_current_stage(case):
    track = case_stage_track(case=case)
    assert [(s.stage, s.is_current) for s in track] == [(case.stage, True)]


def test_timeline_filters_by_kind(case):
    status = EventFactory(case=case)
    EventFactory(case=case, kind=Event.Kind.CUSTODY, custody_change="arrested")
    assert list(case_timeline(case=case, kinds=["status"])) == [status]


@pytest.mark.parametrize("count", [5, 50])
def test_timeline_reads_in_a_fixed_number_of_queries(case, count):
    authority, source = AuthorityFactory(), SourceFactory()
    for day in range(count):
        event = EventFactory(
            case=case, kind=Event.Kind.RULING, authority=authority, decision="affirmed",
            occurred_on=datetime.date(2024, 1, 1) + datetime.timedelta(days=day),
        )
        event.sources.add(source)
    with CaptureQueriesContext(connection) as queries:
        rows = [(e.authority.name, [s.title for s in e.sources.all()], e.recorded_by) for e in case_timeline(case=case)]
    assert len(rows) == count
    assert len(queries) == 2


# Timeline pages (keyset: each page starts after the last entry of the one before) ------------------


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of 4 entries, so that a walk has many pages without many events."""
    monkeypatch.setattr(selectors, "TIMELINE_PAGE_SIZE", 4)


def _dated(case, days: int, **fields):
    return EventFactory(case=case, occurred_on=datetime.date(2024, 1, 1) + datetime.timedelta(days=days), **fields)


def _walk(case, *, before_each_page=lambda number: None, **options) -> list:
    """Every entry met by following the "load more" cursor from the first page to the last."""
    seen, after, number = [], None, 0
    while True:
        before_each_page(number)
        page = selectors.case_timeline_page(case=case, after=after, **options)
        seen += page.entries
        if not page.has_next:
            return seen
        after, number = page.next_cursor, number + 1
        assert number < 100, "the walk does not end"


@pytest.mark.parametrize("newest_first", [True, False])
def test_walking_the_timeline_page_by_page_meets_every_entry_once_in_order(case, small_pages, newest_first):
    for day in range(10):
        _dated(case, day)
    # Should entries share a position, their ids order them.
    for _ in range(5):
        _dated(case, 20, position=5 * 10**12)
    expected = list(case.events.timeline_order(newest_first=newest_first))
    assert _walk(case, newest_first=newest_first) == expected


@pytest.mark.parametrize("newest_first", [True, False])
@pytest.mark.parametrize("kinds", [None, ["status"]], ids=["every-kind", "status-only"])
def test_a_walk_meets_each_entry_it_started_with_once_whatever_is_logged_meanwhile(
    case, analyst, small_pages, newest_first, kinds
):
    for day in range(0, 40, 2):
        _dated(case, day)
        _dated(case, day + 1, kind=Event.Kind.CUSTODY, custody_change="arrested")
    existing = list(selectors.case_timeline(case=case, kinds=kinds, newest_first=newest_first))

    def log_some(number):
        # Between page loads: a new latest entry, and entries dated in the middle of the timeline
        # (both in the part already read and in the part still to come), through the service.
        if number == 0:
            return
        for day in (100 + number, 3, 19, 35):
            for kind, fields in ((Event.Kind.STATUS, {}), (Event.Kind.CUSTODY, {"custody_change": "released"})):
                services.event_record(
                    case=case, kind=kind, by=analyst, summary=f"logged meanwhile ({number}, {day})",
                    occurred_on=datetime.date(2024, 1, 1) + datetime.timedelta(days=day), **fields,
                )

    seen = _walk(case, kinds=kinds, newest_first=newest_first, before_each_page=log_some)
    assert len(seen) == len(set(seen))
    assert [event for event in seen if event in existing] == existing


def test_a_walk_goes_on_where_it_was_when_the_timeline_is_renumbered(case, analyst, small_pages):
    # Neighbours with no room between them: logging between them renumbers the whole timeline.
    for day in range(12):
        _dated(case, day, position=day + 1)
    existing = list(case.events.timeline_order())

    def squeeze_in(number):
        if number == 1:
            services.event_record(case=case, kind=Event.Kind.STATUS, by=analyst, summary="squeezed in",
                                  occurred_on=datetime.date(2024, 1, 6))

    seen = _walk(case, before_each_page=squeeze_in)
    assert case.events.get(pk=existing[0].pk).position != existing[0].position
    assert [event for event in seen if event.summary != "squeezed in"] == existing


@pytest.mark.parametrize("cursor", [None, "", "abc", "5", "5.", ".5", "1.2.3", "5.-1", "5.0", f"{1 << 63}.1", "1." + "9" * 30])
def test_a_cursor_that_is_not_one_reads_the_first_page(case, small_pages, cursor):
    for day in range(6):
        _dated(case, day)
    page = selectors.case_timeline_page(case=case, after=cursor)
    assert page.entries == list(case.events.timeline_order())[:4] and page.has_next


def test_a_later_page_costs_the_queries_of_the_first(case, small_pages):
    source = SourceFactory()
    for day in range(12):
        _dated(case, day).sources.add(source)
    third = selectors.case_timeline_page(case=case, after=selectors.case_timeline_page(case=case).next_cursor).next_cursor
    with CaptureQueriesContext(connection) as first:
        selectors.case_timeline_page(case=case)
    with CaptureQueriesContext(connection) as later:
        page = selectors.case_timeline_page(case=case, after=third)
    assert len(page.entries) == 4 and not page.has_next
    assert len(later) == len(first) == 2  # the entries, then their sources


def test_stage_track_shows_each_date_at_its_precision_and_durations_roughly(analyst):
    case = CaseFactory(stage_entered_on=None, opened_on=datetime.date(2016, 2, 1))
    services.case_change_stage(
        case=case, to_stage=Stage.ARREST, reason="a", occurred_on=datetime.date(2018, 8, 1), date_precision="month", by=analyst
    )
    services.case_change_stage(case=case, to_stage=Stage.HEARING, reason="b", occurred_on=datetime.date(2018, 11, 20), by=analyst)
    first, arrest, hearing = case_stage_track(case=case)
    assert (first.entered_display, first.left_display) == ("1 Feb 2016", "Aug 2018")
    assert (arrest.entered_display, arrest.left_display, arrest.is_exact) == ("Aug 2018", "20 Nov 2018", False)
    assert arrest.duration_display == "about 3 months"
    assert hearing.entered_display == "20 Nov 2018"


def test_related_matters_leave_out_deleted_cases(case, analyst):
    kept, deleted = CaseFactory(), CaseFactory()
    services.case_relate(case=case, related_case=kept, relation="parallel", by=analyst)
    services.case_relate(case=deleted, related_case=case, relation="co_accused", by=analyst)
    services.case_delete(case=deleted, by=analyst)
    assert [other for _label, other, _link in case_related_matters(case=case)] == [kept]



# Edit history: which fields changed, old → new ---------------------------------------------


def _history(record):
    from cases.selectors import history_changes

    return history_changes(history=record.history.all())


def test_history_lists_each_changed_field_with_its_label_old_and_new_value(case):
    services.case_update(case=case, by=None, summary="Now with a summary")
    change = _history(case)[0]
    assert change.kind == "Changed"
    assert [(c.label, c.old, c.new) for c in change.changes] == [("summary", "", "Now with a summary")]


def test_history_skips_bookkeeping_fields(case):
    services.case_update(case=case, by=None, summary="Now with a summary")
    case.refresh_from_db()
    assert case.version == 2  # the edit did move the version, and the history recorded it
    assert case.history.latest().version == 2
    labels = {c.label for change in _history(case) for c in change.changes}
    assert labels == {"summary"}


def test_history_shows_choices_related_rows_and_dates_as_a_reader_knows_them(case):
    from tests.factories import TreatyFactory

    treaty = TreatyFactory(name="India–US Extradition Treaty (1997)")
    services.case_update(case=case, by=None, treaty=treaty)
    services.case_change_stage(case=case, to_stage=Stage.SURRENDERED, reason="Flown to Delhi",
                               occurred_on=datetime.date(2025, 4, 10), by=None)
    stage_move, treaty_set = _history(case)[:2]
    shown = {c.label: (c.old, c.new) for c in stage_move.changes}
    assert shown["stage"] == (Stage(case.history.earliest().stage).label, "Surrendered")
    assert shown["in this stage since"][1] == "10 Apr 2025"
    assert [(c.label, c.old, c.new) for c in treaty_set.changes] == [("treaty", "", str(treaty))]


def test_history_names_an_events_sources_old_and_new(case):
    first, second = SourceFactory(title="First report"), SourceFactory(title="Second report")
    event = services.event_record(case=case, kind="status", occurred_on=datetime.date(2025, 1, 2), summary="Noted",
                                  by=None, sources=[first])
    services.event_update(event=event, by=None, sources=[first, second])
    change = _history(event)[0]
    sources = [c for c in change.changes if c.label == "sources"]
    assert sources and sources[0].old == str(first) and sources[0].new == f"{first}; {second}"


def test_history_names_related_rows_in_one_query_per_model_whatever_the_number_of_versions(case):
    from tests.factories import TreatyFactory

    for n in range(4):
        services.case_update(case=case, by=None, treaty=TreatyFactory(name=f"Treaty {n}"))
    with CaptureQueriesContext(connection) as queries:
        changes = _history(case)
    assert len(queries) == 2  # the versions with their users, then the treaties' names
    assert [c.new for change in changes[:4] for c in change.changes] == ["Treaty 3", "Treaty 2", "Treaty 1", "Treaty 0"]
