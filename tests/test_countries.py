"""Country names read once per language."""

import pytest
from django.urls import reverse, set_script_prefix
from django.utils import translation
from django_countries import countries

from cases.countries import country_choices, country_name
from tests.factories import CaseFactory


def test_a_name_is_django_countries_name_in_the_active_language():
    assert country_name("IN") == "India"
    with translation.override("fr"):
        assert country_name("IN") == str(countries.name("IN")) == "Inde"
        assert dict(country_choices())["DE"] == "Allemagne"
    assert country_name("DE") == "Germany"


def test_no_code_and_an_unknown_code_have_no_name():
    assert country_name("") == country_name(None) == ""
    assert country_name("ZZ") == ""


def test_the_choices_keep_django_countries_order():
    assert list(country_choices()) == [(code, str(name)) for code, name in countries]


@pytest.mark.django_db
def test_a_case_route_names_both_states():
    case = CaseFactory(requesting_state="IN", requested_state="GB")
    assert case.route_display == "United Kingdom → India"


@pytest.mark.django_db
def test_a_case_link_is_reversed_under_the_script_prefix_of_the_moment():
    case = CaseFactory(reference="rana-2025")
    assert case.get_absolute_url() == reverse("cases:case_detail", args=["rana-2025"]) == "/cases/rana-2025/"
    set_script_prefix("/tracker/")
    try:
        assert case.get_absolute_url() == "/tracker/cases/rana-2025/"
    finally:
        set_script_prefix("/")
