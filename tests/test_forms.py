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


def test_person_lookup_says_when_no_one_has_the_name():
    with pytest.raises(forms.ValidationError) as error:
        PersonLookupField(required=False).clean("Nobody Known")
    assert "No one called" in error.value.messages[0]


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
