"""reverse() with each pattern resolved once: the same URLs as reverse(), under the prefix of the moment."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix
from hypothesis import given
from hypothesis import strategies as st

from cases.templatetags.cases import pk_url, url_to
from tests.factories import CaseFactory
from tracker.url_patterns import reverse_cached


def test_the_same_url_as_reverse_for_an_id_and_a_slug():
    assert reverse_cached("cases:event_edit", 42) == reverse("cases:event_edit", args=[42])
    assert reverse_cached("cases:case_detail", "rana-999") == reverse("cases:case_detail", args=["rana-999"])
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


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("cases:event_create", ["rana-2025", "ruling"]),
        ("cases:case_stage_change", ["rana-2025"]),
        ("cases:case_list", []),
        ("logout", []),
        ("cases:case_detail", ["9018019"]),  # a reference made of a placeholder's digits
    ],
)
def test_url_to_gives_what_reverse_gives(name, args):
    assert url_to(name, *args) == reverse(name, args=args)


def test_the_url_to_tag_in_a_template_gives_what_the_url_tag_gives():
    context = Context({"reference": "rana-2025", "kind": "ruling"})
    ours = Template("{% load cases %}{% url_to 'cases:event_create' reference kind %}").render(context)
    django = Template("{% url 'cases:event_create' reference kind %}").render(context)
    assert ours == django == "/cases/rana-2025/events/new/ruling/"


@given(st.text(min_size=1, max_size=30))
def test_any_argument_the_pattern_takes_is_quoted_as_reverse_quotes_it(reference):
    try:
        expected = reverse("cases:case_detail", args=[reference])
    except NoReverseMatch:
        return
    assert url_to("cases:case_detail", reference) == expected
