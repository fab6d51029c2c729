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
    events = selectors.case_picture_events(case=case)
    return case_picture(case=case, events=events, stage_track=selectors.case_stage_track(case=case, events=events),
                        today=D(2025, 6, 1))


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
