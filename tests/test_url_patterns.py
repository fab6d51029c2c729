"""reverse() with each pattern resolved once: the same URLs as reverse(), under the prefix of the moment."""

import pytest
from django.urls import reverse, set_script_prefix

from cases.templatetags.cases import pk_url
from tests.factories import CaseFactory
from tracker.url_patterns import reverse_one


def test_the_same_url_as_reverse_for_an_id_and_a_slug():
    assert reverse_one("cases:event_edit", 42) == reverse("cases:event_edit", args=[42])
    assert reverse_one("cases:case_detail", "rana-999") == reverse("cases:case_detail", args=["rana-999"])
    assert pk_url("cases:event_history", "7") == reverse("cases:event_history", args=[7])


def test_an_entrys_link_follows_the_script_prefix_too():
    plain = pk_url("cases:event_history", 7)
    set_script_prefix("/tracker/")
    try:
        assert pk_url("cases:event_history", 7) == reverse("cases:event_history", args=[7]) == "/tracker" + plain
    finally:
        set_script_prefix("/")


@pytest.mark.django_db
def test_a_case_link_is_reversed_under_the_script_prefix_of_the_moment():
    case = CaseFactory(reference="rana-2025")
    assert case.get_absolute_url() == reverse("cases:case_detail", args=["rana-2025"]) == "/cases/rana-2025/"
    set_script_prefix("/tracker/")
    try:
        assert case.get_absolute_url() == "/tracker/cases/rana-2025/"
    finally:
        set_script_prefix("/")
