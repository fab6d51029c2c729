import pytest

from cases.forms import PersonLookupField, SourceForm, StageChangeForm
from cases.widgets import FastSelect
from django import forms
from django.urls import reverse
from tests.factories import PersonFactory, PersonNameFactory

pytestmark = pytest.mark.django_db


def test_person_lookup_finds_a_person_by_a_spelling():
    rana = PersonFactory(name="Tahawwur Rana")
    PersonNameFactory(person=rana, name="Tahawwur Hussain Rana")
    assert PersonLookupField(required=False).clean("tahawwur hussain rana") == rana


def test_person_lookup_asks_to_choose_between_namesakes_and_takes_a_number():
    first, second = PersonFactory(name="Ravi Sharma"), PersonFactory(name="Ravi Sharma")
    field = PersonLookupField(required=False)
    with pytest.raises(forms.ValidationError) as error:
        field.clean("Ravi Sharma")
    assert f"#{first.pk}" in error.value.messages[0] and f"#{second.pk}" in error.value.messages[0]
    assert field.clean(f"#{second.pk} Ravi Sharma") == second


def test_person_lookup_takes_a_name_no_one_has_for_a_new_person():
    from cases.forms import NewPerson

    assert PersonLookupField(required=False).clean("Nobody Known") == NewPerson("Nobody Known")


def test_person_lookup_asks_about_a_name_close_to_someone_s():
    from tests.factories import PersonFactory

    PersonFactory(name="Nirav Deepak Modi")
    with pytest.raises(forms.ValidationError) as error:
        PersonLookupField(required=False).clean("Nirav Mody")
    assert error.value.code == "maybe_new" and "Did you mean" in error.value.messages[0]


def test_person_lookup_blank_is_no_one():
    assert PersonLookupField(required=False).clean("  ") is None


def test_suggestions_list_matching_people_with_unambiguous_values(client):
    from cases import roles
    from tests.factories import UserFactory

    roles.roles_sync()
    user = UserFactory()
    roles.user_set_role(user=user, role=roles.VIEWER)
    client.force_login(user)
    PersonFactory(name="Nirav Modi")
    twin_a, twin_b = PersonFactory(name="Ravi Sharma"), PersonFactory(name="Ravi Sharma")
    content = client.get(reverse("cases:person_suggest"), {"speaker": "ravi"}).content.decode()
    assert f'value="#{twin_a.pk} Ravi Sharma"' in content and f'value="#{twin_b.pk} Ravi Sharma"' in content
    assert "Nirav" not in content
    assert client.get(reverse("cases:person_suggest"), {"speaker": "r"}).content.strip() == b""


def test_fast_select_marks_the_chosen_option_and_escapes_labels():
    html = FastSelect(choices=[("a", "<b>A</b>"), ("b", "B")]).render("f", "b", {"id": "id_f"})
    assert '<option value="b" selected>B</option>' in html
    assert "&lt;b&gt;A&lt;/b&gt;" in html and 'name="f"' in html and 'id="id_f"' in html


def test_editing_forms_use_the_fast_select():
    assert isinstance(StageChangeForm().fields["to_stage"].widget, FastSelect)


def test_a_source_with_only_an_address_takes_it_as_title():
    form = SourceForm({"url": "https://example.org/story"})
    assert form.is_valid() and form.cleaned_data["title"] == "https://example.org/story"


def test_a_source_with_a_publisher_but_no_address_or_title_is_refused():
    assert not SourceForm({"publisher": "Daily"}).is_valid()


# Record v2 ------------------------------------------------------------------------------------

from cases.forms import (  # noqa: E402
    CaseLookupField,
    GroupedSelect,
    StatementEventForm,
    event_form_class,
    ruling_decision_choices,
)
from cases.models import Authority, Event, RulingDecision  # noqa: E402
from tests.factories import AuthorityFactory, CaseFactory  # noqa: E402


def _event_data(**fields):
    return {"date": "2025-02-13", "summary": "s", "confidence": "reported", **fields}


def test_every_court_decision_is_offered_once_in_the_grouped_list():
    offered = []
    for value, options in ruling_decision_choices():
        offered += [v for v, _ in options] if isinstance(options, list) else [value]
    assert sorted(offered) == sorted(RulingDecision.values)


def test_the_grouped_decision_list_keeps_its_groups():
    field = event_form_class(Event.Kind.RULING)().fields["decision"]
    assert isinstance(field.widget, GroupedSelect) and not isinstance(field.widget, FastSelect)
    assert '<optgroup label="Criminal case">' in field.widget.render("decision", "convicted")


def test_an_executive_decision_offers_only_government_bodies():
    ministry = AuthorityFactory(name="Home Office", kind=Authority.Kind.EXECUTIVE, level="")
    AuthorityFactory(name="A court")
    form = event_form_class(Event.Kind.EXECUTIVE_DECISION)()
    assert list(form.fields["authority"].queryset) == [ministry]
    assert "new_authority_kind" not in form.fields and "new_authority_level" not in form.fields


def test_an_executive_decision_needs_its_government_body():
    form = event_form_class(Event.Kind.EXECUTIVE_DECISION)(_event_data(decision="extradition_refused"))
    assert not form.is_valid() and "authority" in form.errors


def test_a_status_update_may_name_no_authority_but_a_ruling_must():
    assert event_form_class(Event.Kind.STATUS)(_event_data(category="death")).is_valid()
    assert "authority" in event_form_class(Event.Kind.RULING)(_event_data(decision="convicted")).errors


def test_a_new_ruling_court_is_a_court_by_default():
    form = event_form_class(Event.Kind.RULING)(
        _event_data(decision="convicted", new_authority_name="Special Court", new_authority_level="requesting_state")
    )
    assert form.is_valid(), form.errors
    assert form.new_authority() == {"name": "Special Court", "country": "", "kind": "court", "level": "requesting_state"}


def test_a_closing_note_keeps_its_category_when_corrected():
    plain = event_form_class(Event.Kind.STATUS)()
    closing = event_form_class(Event.Kind.STATUS)(initial={"category": "case_closure"})
    assert "case_closure" not in dict(plain.fields["category"].choices)
    assert "case_closure" in dict(closing.fields["category"].choices)


@pytest.mark.parametrize(
    "fields, valid, error",
    [
        ({"quote": "We will keep you updated."}, True, None),
        ({"quote": "  "}, False, "quote"),
        ({"reported_speech": "on", "gist": "India would liaise."}, True, None),
        ({"reported_speech": "on"}, False, "gist"),
    ],
)
def test_a_statement_needs_a_quote_unless_it_is_reported_speech(fields, valid, error):
    form = StatementEventForm(_event_data(government="IN", body="MEA", **fields))
    assert form.is_valid() is valid
    if error:
        assert error in form.errors


def test_a_statement_channel_may_be_unknown():
    form = StatementEventForm(_event_data(government="IN", body="MEA", quote="Words."))
    assert form.is_valid() and form.cleaned_data["channel"] == ""


def test_case_lookup_takes_a_reference_or_a_unique_title():
    case = CaseFactory(reference="assange-sweden", title="Julian Assange (UK → Sweden)")
    field = CaseLookupField()
    assert field.clean("ASSANGE-SWEDEN") == case and field.clean("julian assange (uk → sweden)") == case


def test_case_lookup_asks_for_the_reference_between_namesakes():
    CaseFactory(reference="a", title="Same title")
    CaseFactory(reference="b", title="Same title")
    with pytest.raises(forms.ValidationError) as error:
        CaseLookupField().clean("Same title")
    assert "a, b" in error.value.messages[0]


# The single date field: one text input, read in words (cases/fields.py).

import datetime  # noqa: E402

from alerts.forms import DeadlineForm  # noqa: E402
from cases import services  # noqa: E402
from cases.dates import DatePrecision  # noqa: E402
from cases.fields import DayDateField  # noqa: E402
from tests.factories import EventFactory  # noqa: E402


def _status_form(date: str):
    return event_form_class(Event.Kind.STATUS)(_event_data(date=date, category="other"))


def test_an_event_dated_april_2025_is_saved_known_to_the_month():
    form = _status_form("April 2025")
    assert form.is_valid(), form.errors
    event = services.event_record(case=CaseFactory(), kind=Event.Kind.STATUS, by=None, **form.kind_values(),
                                  **form.common_values())
    assert (event.occurred_on, event.date_precision, event.date_approximate) == (
        datetime.date(2025, 4, 1), DatePrecision.MONTH, False
    )


def test_an_event_dated_circa_2019_is_an_approximate_year():
    form = _status_form("c. 2019")
    assert form.is_valid(), form.errors
    values = form.common_values()
    assert (values["occurred_on"], values["date_precision"], values["date_approximate"]) == (
        datetime.date(2019, 1, 1), DatePrecision.YEAR, True
    )


def test_an_event_form_has_one_date_input_and_no_precision_or_approximate_fields():
    form = event_form_class(Event.Kind.STATUS)()
    assert "date_precision" not in form.fields and "date_approximate" not in form.fields
    html = str(form["date"])
    assert 'type="text"' in html and "placeholder" not in html and 'aria-live="polite"' in html
    assert "e.g. 21 apr 2025" in form.fields["date"].help_text.lower() and "day first" in form.fields["date"].help_text


def test_an_impossible_event_date_is_refused_next_to_the_field():
    form = _status_form("31 Feb 2025")
    assert not form.is_valid() and "February 2025 has 28 days" in form.errors["date"][0]


@pytest.mark.parametrize(
    "occurred_on, precision, approximate, shown",
    [(datetime.date(2025, 4, 1), "month", False, "Apr 2025"), (datetime.date(2019, 1, 1), "year", True, "c. 2019")],
)
def test_editing_an_event_shows_its_date_in_the_same_words(occurred_on, precision, approximate, shown):
    event = EventFactory(case=CaseFactory(), occurred_on=occurred_on, date_precision=precision, date_approximate=approximate)
    form = event_form_class(event.kind)()
    form.initial_date_from(event)
    assert form["date"].value() == shown
    assert f'value="{shown}"' in str(form["date"]) and "Read as:" in str(form["date"])


def test_a_day_required_field_refuses_a_year():
    with pytest.raises(forms.ValidationError) as error:
        DayDateField().clean("2025")
    assert error.value.messages == ["Give the day too, e.g. 21 Apr 2025."]


def test_a_day_required_field_reads_a_day_written_out():
    assert DayDateField().clean("21 April 2025") == datetime.date(2025, 4, 21)


def test_a_source_published_in_a_month_is_asked_for_the_day():
    form = SourceForm({"title": "Report", "published_on": "April 2025"})
    assert not form.is_valid() and "Give the day too" in form.errors["published_on"][0]


def test_a_deadline_is_typed_in_words_and_shown_back_as_a_day():
    form = DeadlineForm({"kind": "hearing", "title": "Hearing", "due_on": "April 21, 2025", "reminder_days": "7"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["due_on"] == datetime.date(2025, 4, 21)
    assert 'type="date"' not in str(DeadlineForm()["due_on"])
    assert 'value="21 Apr 2025"' in str(DeadlineForm(initial={"due_on": datetime.date(2025, 4, 21)})["due_on"])


def test_a_reported_on_date_after_a_failed_save_is_shown_as_read():
    form = event_form_class(Event.Kind.STATUS)(_event_data(date="31 Feb 2025", reported_on="21/04/2025", category="other"))
    assert not form.is_valid()
    assert "Read as: 21 April 2025 (exact day)" in str(form["reported_on"])


# The case list's filters keep their rendered field groups ----------------------------------------


def _fresh_group(bound_field) -> str:
    from django.forms.boundfield import BoundField

    return BoundField(bound_field.form, bound_field.field, bound_field.name).as_field_group()


def test_a_kept_field_group_is_the_field_group_django_renders():
    from cases.filters import CaseFilter

    for query in ({}, {"requested_state": "GB", "status": "open"}, {"q": "<modi>", "confidence": "reported"}):
        form = CaseFilter(query).form
        for name in ("q", "status", "requested_state", "court", "decision", "confidence"):
            assert form[name].as_field_group() == _fresh_group(form[name])  # rendered, then kept
            assert form[name].as_field_group() == _fresh_group(form[name])


def test_a_kept_field_group_follows_the_value_the_choices_and_the_errors():
    from cases.filters import CaseFilter

    assert "selected" not in CaseFilter({}).form["requested_state"].as_field_group().split('value="GB"')[1][:10]
    assert CaseFilter({"requested_state": "GB"}).form["requested_state"].as_field_group().count(" selected>") == 1
    court = AuthorityFactory(name="Court of Appeal of Vanuatu")
    assert "Court of Appeal of Vanuatu" in CaseFilter({}).form["court"].as_field_group()
    court.name = "Supreme Court of Vanuatu"
    court.save()
    html = CaseFilter({}).form["court"].as_field_group()
    assert "Supreme Court of Vanuatu" in html and "Court of Appeal of Vanuatu" not in html
    refused = CaseFilter({"status": "limbo"}).form
    assert refused["status"].errors and "limbo" in refused["status"].as_field_group()


def test_a_kept_court_list_is_read_once_per_page(django_assert_num_queries):
    from cases.filters import CaseFilter

    AuthorityFactory(name="Court of Appeal of Vanuatu")
    form = CaseFilter({}).form
    with django_assert_num_queries(1):
        form["court"].as_field_group()
    with django_assert_num_queries(1):  # afresh: the same list, read once more
        CaseFilter({}).form["court"].as_field_group()
