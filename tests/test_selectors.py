import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import services
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
