import datetime

import pytest

from cases import selectors, services
from cases.models import Authority, Case, Event, Stage
from cases.picture import case_picture
from tests.factories import AuthorityFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def matter(db):
    case = services.case_create(
        title="Someone (GB → IN)", reference="someone", requesting_state="IN", requested_state="GB", offences="Fraud",
        stage=Stage.REQUEST_MADE, stage_entered_on=D(2020, 1, 1), opened_on=D(2020, 1, 1), by=None,
    )
    magistrates = AuthorityFactory(name="Westminster Magistrates' Court", country="GB", level=Authority.Level.FIRST_INSTANCE)
    high_court = AuthorityFactory(name="High Court", country="GB", level=Authority.Level.APPEAL)
    minister = AuthorityFactory(name="Home Office", country="GB", kind=Authority.Kind.EXECUTIVE, level=Authority.Level.EXECUTIVE)
    trial_court = AuthorityFactory(name="Special Court", country="IN", level=Authority.Level.REQUESTING_STATE)
    services.case_change_stage(case=case, to_stage=Stage.ARREST, reason="arrested", occurred_on=D(2020, 3, 1), by=None)
    for authority, on, precision in ((magistrates, D(2021, 2, 25), "day"), (high_court, D(2022, 11, 1), "month"),
                                     (trial_court, D(2024, 1, 1), "year")):
        services.event_record(case=case, kind=Event.Kind.RULING, by=None, authority=authority, decision="other",
                              occurred_on=on, date_precision=precision, summary=f"Ruling of {authority.name}")
    services.event_record(case=case, kind=Event.Kind.EXECUTIVE_DECISION, by=None, authority=minister,
                          decision="surrender_authorised", occurred_on=D(2021, 4, 15), summary="Surrender ordered")
    return Case.objects.get(pk=case.pk)


def _picture(case):
    return case_picture(case=case, entries=selectors.case_picture_entries(case=case),
                        stage_track=selectors.case_stage_track(case=case), today=D(2025, 6, 1))


def test_each_forum_has_its_lane_the_requested_states_first(matter):
    picture = _picture(matter)
    assert [lane.label for lane in picture.lanes] == [
        "Extradition court (GB)", "Review and appeal courts (GB)", "Government (GB)", "Courts (IN)", "Stage changes",
    ]


def test_a_date_known_to_the_month_or_year_is_drawn_as_the_span_it_may_mean(matter):
    picture = _picture(matter)
    marks = {mark.title.split(":", 1)[1].split(",")[0].strip(): mark for mark in picture.marks}
    by_summary = {mark.title.rsplit(": ", 1)[-1]: mark for mark in picture.marks}
    day, month, year = (by_summary[f"Ruling of {name}"] for name in ("Westminster Magistrates' Court", "High Court", "Special Court"))
    assert day.width == 0 and 0 < month.width < year.width
    # A year is about twelve months wide.
    assert year.width == pytest.approx(12 * month.width, rel=0.1)
    assert marks  # every mark is titled with its kind and date


def test_the_stages_are_bands_behind_and_the_axis_runs_by_year(matter):
    picture = _picture(matter)
    assert [band.label for band in picture.bands] == ["Request made", "Arrest or provisional arrest"]
    first, second = picture.bands
    assert first.x + first.width == pytest.approx(second.x, abs=0.2)
    assert picture.ticks[0].label == "2020" and picture.ticks[-1].label == "2026"


def test_the_case_page_draws_the_picture_with_links_to_the_entries(client, matter, django_user_model):
    from django.contrib.auth.models import Group

    from cases import roles

    roles.roles_sync()
    user = django_user_model.objects.create_user("reader")
    user.groups.add(Group.objects.get(name=roles.VIEWER))
    client.force_login(user)
    content = client.get(matter.get_absolute_url()).content.decode()
    assert "Picture of the case" in content
    for event in matter.events.all():
        assert f'href="#event-{event.pk}"' in content and f'id="event-{event.pk}"' in content


def test_a_case_without_entries_has_no_picture(db):
    case = services.case_create(title="Quiet", reference="quiet", requesting_state="IN", requested_state="GB",
                                offences="Fraud", by=None)
    assert _picture(case) is None


def test_many_entries_of_one_kind_forum_and_month_are_one_mark(matter):
    court = Authority.objects.get(name="Westminster Magistrates' Court")
    for day in range(1, 29):
        services.event_record(case=matter, kind=Event.Kind.HEARING, by=None, authority=court,
                              hearing_status=Event.HearingStatus.HELD, occurred_on=D(2023, 2, day), summary=f"Hearing {day}")
    services.event_record(case=matter, kind=Event.Kind.HEARING, by=None, authority=court,
                          hearing_status=Event.HearingStatus.HELD, occurred_on=D(2023, 3, 1), summary="Hearing in March")
    picture = _picture(matter)
    february = [mark for mark in picture.marks if mark.title == "Hearing, Feb 2023: 28 entries"]
    march = [mark for mark in picture.marks if mark.title.endswith(": Hearing in March")]
    assert len(february) == 1 and len(march) == 1
    assert february[0].x < march[0].x
    first = matter.events.filter(summary="Hearing 1").get()
    assert february[0].event_id == first.pk
    assert picture.summary.startswith(f"{matter.events.count()} entries")


def test_past_the_most_marks_a_lane_is_drawn_by_quarter_then_by_year(matter, monkeypatch):
    from cases import picture

    court = Authority.objects.get(name="Westminster Magistrates' Court")
    for month in (1, 2, 5, 8):
        services.event_record(case=matter, kind=Event.Kind.HEARING, by=None, authority=court,
                              hearing_status=Event.HearingStatus.HELD, occurred_on=D(2023, month, 3), summary=f"Hearing {month}")
    entries = selectors.case_picture_entries(case=matter)
    monkeypatch.setattr(picture, "MAX_MARKS", len(entries) - 1)
    by_quarter = _picture(matter)
    assert "Hearing, Jan 2023 – Feb 2023: 2 entries" in [mark.title for mark in by_quarter.marks]
    # One mark per lane and year, and every entry still counted.
    lanes_years = {(picture._lane_of(entry, picture._sides(matter)), entry.start.year) for entry in entries}
    monkeypatch.setattr(picture, "MAX_MARKS", len(lanes_years))
    by_year = _picture(matter)
    assert len(by_year.marks) == len(lanes_years) < len(entries)
    assert by_year.summary.startswith(f"{matter.events.count()} entries")


def test_the_picture_is_kept_until_the_case_record_changes(matter, django_capture_on_commit_callbacks):
    from cases.picture import case_picture_html

    drawn = []

    def entries():
        drawn.append(1)
        return selectors.case_picture_entries(case=matter)

    def picture():
        return case_picture_html(case=matter, entries=entries, stage_track=selectors.case_stage_track(case=matter),
                                 today=D(2025, 6, 1))

    first = picture()
    assert picture() == first and len(drawn) == 1
    assert "entries by forum, to scale" in first and first.count("<a href=\"#event-") == matter.events.count()
    with django_capture_on_commit_callbacks(execute=True):
        services.event_record(case=matter, kind=Event.Kind.STATUS, by=None, category="other",
                              occurred_on=D(2025, 1, 2), summary="A new status")
    again = picture()
    assert len(drawn) == 2
    assert ": A new status" in again and ": A new status" not in first