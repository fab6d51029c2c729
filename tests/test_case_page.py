"""The case page's top: the stage and how current the record is ("as of"), the actions before the
timeline, the path still ahead; and the feedback its forms give."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import dateformat, timezone

from cases import roles, services
from cases.models import CaseCheck, Event, Stage
from tests.factories import CaseFactory, event_form_data, user_in_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst(db):
    user = user_in_role(roles.ANALYST, "ana")
    user.first_name, user.last_name = "Ana", "Lyst"
    user.save()
    return user


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


@pytest.fixture
def pending(db):
    return CaseFactory(reference="rana", stage=Stage.SURRENDER_PENDING, stage_entered_on=datetime.date(2025, 1, 21))


def _top(client, case) -> str:
    content = client.get(case.get_absolute_url()).content.decode()
    return re.sub(r"\s+", " ", content.split('id="timeline-heading"')[0])


def test_as_of_names_the_latest_entry_and_that_nobody_checked(analyst_client, pending):
    services.event_record(
        case=pending, kind=Event.Kind.STATUS, by=None, occurred_on=datetime.date(2025, 1, 31), summary="In custody",
    )
    top = _top(analyst_client, pending)
    assert "Record as of <strong>31 Jan 2025</strong> (latest entry)" in top


def test_checked_nothing_new_is_recorded_and_shown(analyst_client, analyst, pending):
    assert "never checked for news" in _top(analyst_client, pending)
    response = analyst_client.post(reverse("cases:case_checked", args=[pending.reference]))
    assert response.status_code == 302
    assert CaseCheck.objects.get(case=pending).checked_by == analyst
    today = dateformat.format(timezone.localdate(), "j M Y")
    assert f"{today}</time> by Ana Lyst, nothing new" in _top(analyst_client, pending)


def test_recording_an_entry_after_a_check_counts_as_the_latest_look(analyst_client, analyst, pending):
    with time_machine.travel(datetime.datetime(2026, 11, 1, 9, 0, tzinfo=datetime.UTC), tick=False):
        services.case_mark_checked(case=pending, by=None)
    with time_machine.travel(datetime.datetime(2026, 12, 2, 9, 0, tzinfo=datetime.UTC), tick=False):
        services.event_record(
            case=pending, kind=Event.Kind.STATUS, by=analyst, occurred_on=datetime.date(2026, 12, 1),
            summary="Still in custody",
        )
    top = _top(analyst_client, pending)
    assert "2 Dec 2026</time> by Ana Lyst" in top and "nothing new" not in top.split("Checked today")[0]


def test_a_check_a_moment_after_an_entry_is_the_latest_look_and_names_a_nameless_user_by_login(analyst_client, pending):
    nameless = user_in_role(roles.ANALYST, username="desk7")
    nameless.first_name = nameless.last_name = ""
    nameless.save()
    with time_machine.travel(datetime.datetime(2026, 12, 2, 9, 0, 0, 400000, tzinfo=datetime.UTC), tick=False):
        services.event_record(
            case=pending, kind=Event.Kind.STATUS, by=None, occurred_on=datetime.date(2026, 12, 1), summary="In custody",
        )
    with time_machine.travel(datetime.datetime(2026, 12, 2, 9, 0, 0, 700000, tzinfo=datetime.UTC), tick=False):
        services.case_mark_checked(case=pending, by=nameless)
    assert "2 Dec 2026</time> by desk7, nothing new" in _top(analyst_client, pending)


def test_the_actions_come_before_the_timeline_with_one_primary(analyst_client, pending):
    top = _top(analyst_client, pending)
    actions = top.split('class="case-actions"')[1]
    assert actions.count("button primary") == 1 and "Log what happened" in actions
    assert "Change stage" in actions and "More actions" in actions


def test_the_stage_track_shows_the_usual_path_ahead(analyst_client, pending):
    top = _top(analyst_client, pending)
    ahead = re.findall(r'<li class="ahead"><span class="stage-name">([^<]+)</span>', top)
    assert ahead == ["Surrendered", "After surrender (custody, trial)"]


def test_a_closed_case_has_no_path_ahead(analyst_client, pending):
    pending.closed_on, pending.outcome = datetime.date(2025, 5, 1), "withdrawn"
    pending.save()
    assert 'class="ahead"' not in _top(analyst_client, pending)


def test_a_refused_form_lists_every_problem_at_the_top_with_links_to_the_fields(analyst_client, pending):
    response = analyst_client.post(
        reverse("cases:case_stage_change", args=[pending.reference]),
        event_form_data(to_stage="", summary="", date=""),
        HTTP_HX_REQUEST="true",
    )
    content = response.content.decode()
    summary = content.split('class="error-summary"')[1].split("</div>")[0]
    assert "autofocus" in summary.split(">")[0]
    assert 'href="#id_to_stage"' in summary and 'href="#id_summary"' in summary and 'href="#id_date"' in summary
    # The panel's heading gives the focus to the summary.
    assert not re.search(r'<h2 id="form-title"[^>]*autofocus', content)


def test_required_fields_are_marked(analyst_client, pending):
    content = analyst_client.get(reverse("cases:event_create", args=[pending.reference, "status"])).content.decode()
    assert re.search(r'<label[^>]*class="required"[^>]*for="id_summary"|<label[^>]*for="id_summary"[^>]*class="required"', content)
    assert not re.search(r'<label[^>]*class="required"[^>]*for="id_note"|<label[^>]*for="id_note"[^>]*class="required"', content)


def test_the_saved_entry_takes_the_focus(analyst_client, pending):
    response = analyst_client.post(
        reverse("cases:event_create", args=[pending.reference, "status"]),
        event_form_data(date="1 Feb 2025", summary="Moved to a prison in Los Angeles", category="other"),
        HTTP_HX_REQUEST="true",
    )
    event = Event.objects.get(case=pending, summary="Moved to a prison in Los Angeles")
    assert re.search(rf'<li id="event-{event.pk}"[^>]*tabindex="-1" autofocus', response.content.decode())


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ({"kind": "statement"}, "Showing only: Government statement."),
        ({"kind": ["ruling", "statement"]}, "Showing only: Court ruling, Government statement."),
        ({"category": "health"}, "Showing only: status updates about health."),
    ],
)
def test_the_filtered_timeline_says_what_it_shows(analyst_client, pending, query, said):
    content = re.sub(r"\s+", " ", analyst_client.get(pending.get_absolute_url(), query).content.decode())
    assert said in content


def test_country_lists_start_with_the_case_s_two_states(analyst_client, pending):
    for kind, name in (("statement", "government"), ("ruling", "new_authority_country")):
        form = analyst_client.get(reverse("cases:event_create", args=[pending.reference, kind])).context["form"]
        codes = [value for value, _ in form.fields[name].choices]
        assert codes[:3] == ["", "IN", "US"], kind
        assert codes.count("US") == 1 and len(codes) > 200


def test_the_direction_is_written_one_way_on_the_list_and_the_case_page(analyst_client, pending):
    page = re.sub(r"\s+", " ", analyst_client.get(pending.get_absolute_url()).content.decode())
    listing = re.sub(r"\s+", " ", analyst_client.get(reverse("cases:case_list")).content.decode())
    assert "United States of America → India" in page and "United States of America → India" in listing
    assert "requests from" not in page


def test_what_most_entries_leave_alone_is_folded_until_it_holds_something(analyst_client, pending):
    url = reverse("cases:event_create", args=[pending.reference, "ruling"])
    content = re.sub(r"\s+", " ", analyst_client.get(url).content.decode())
    assert '<details class="field-group group-more"><summary>More details</summary>' in content
    assert '<details class="field-group group-new-authority"><summary>Not listed? Name it</summary>' in content
    # A refused save opens the group of a field that holds a value or an error.
    response = analyst_client.post(url, event_form_data(date="", summary="x", note="From the docket", new_authority_name="A court"))
    content = re.sub(r"\s+", " ", response.content.decode())
    assert '<details class="field-group group-more" open>' in content
    assert '<details class="field-group group-new-authority" open>' in content


def test_each_kind_of_entry_is_offered_with_its_icon(analyst_client, pending):
    top = _top(analyst_client, pending)
    actions = top.split('class="case-actions"')[1]
    for kind in ("ruling", "statement", "stage_change"):
        assert re.search(rf'<svg class="icon" aria-hidden="true" focusable="false"><use href="[^"]*icons[^"]*\.svg#{kind}">', actions)
