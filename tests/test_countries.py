"""Country names read once per language."""

import pytest
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
