"""The catalogue of clock rules: the repository's data, and how a faulty rule file is reported."""

import pytest

from clocks.catalogue import RuleError, catalogue, rules_for, rules_load

GOOD_RULE = """
[[rule]]
id = "xx-test"
title = "A test rule"
forum = "GB"
instrument = "Test Act"
citation = "s.1"
source = "https://example.org/act"
verification = "verified"
length = 7
unit = "days"
counting = "starting_with"
consequence = "right_lost"
wording = "Seven days starting with the day of the order."

[rule.trigger]
kind = "ruling"
decision = ["discharged"]
"""


def write(tmp_path, text, name="rules.toml"):
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_the_repositorys_rules_all_load_with_a_source_and_a_verification():
    rules = catalogue()
    assert len(rules) >= 9
    for rule in rules.values():
        assert rule.source.startswith("https://"), rule.id
        assert rule.verification in ("verified", "partly"), rule.id
        assert rule.wording and rule.citation, rule.id
    assert {"in-us-1997-art12-formal-request", "gb-ea2003-s108-appeal-notice", "gb-ea2003-s117-surrender",
            "us-18usc3188-release"} <= set(rules)


def test_a_treaty_rule_runs_in_whichever_party_is_requested():
    assert "in-us-1997-art12-formal-request" in {rule.id for rule in rules_for(requesting="IN", requested="US")}
    assert "in-us-1997-art12-formal-request" in {rule.id for rule in rules_for(requesting="US", requested="IN")}
    assert "in-us-1997-art12-formal-request" not in {rule.id for rule in rules_for(requesting="PK", requested="US")}


def test_the_forums_law_runs_the_clock():
    # A US request to India: Indian law (s.34B) runs, not 18 U.S.C. § 3188.
    ids = {rule.id for rule in rules_for(requesting="US", requested="IN")}
    assert "in-ea1962-s34b-provisional-arrest" in ids
    assert "us-18usc3188-release" not in ids


def test_uk_part_2_rules_do_not_run_for_a_category_1_territory():
    india = {rule.id for rule in rules_for(requesting="IN", requested="GB")}
    poland = {rule.id for rule in rules_for(requesting="PL", requested="GB")}
    assert "gb-ea2003-s117-surrender" in india and "gb-ea2003-s117-surrender" not in poland
    assert "gb-ea2003-s28-authority-appeal" in poland and "gb-ea2003-s28-authority-appeal" not in india


def test_the_arrest_warrant_rules_run_between_member_states_only():
    assert "eu-fd2002-art17-decision" in {rule.id for rule in rules_for(requesting="PL", requested="DE")}
    assert "eu-fd2002-art17-decision" not in {rule.id for rule in rules_for(requesting="US", requested="DE")}
    assert "eu-fd2002-art17-decision" not in {rule.id for rule in rules_for(requesting="PL", requested="GB")}


def test_a_good_rule_file_loads(tmp_path):
    rules = rules_load(write(tmp_path, GOOD_RULE))
    assert rules["xx-test"].length_display == "7 days"
    assert rules["xx-test"].counting_display == "7 days starting with the day of"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('decision = ["discharged"]', 'decision = ["dismissed_somehow"]'), "decision has unknown value"),
        (('kind = "ruling"', 'kind = "rumour"'), "kind must be one of"),
        (('unit = "days"', 'unit = "fortnights"'), "unit must be one of"),
        (('consequence = "right_lost"', 'consequence = "shrug"'), "consequence must be one of"),
        (('source = "https://example.org/act"\n', ""), "missing source"),
        (('length = 7', 'length = 0'), "length must be"),
        (('forum = "GB"', 'forum = "XX"'), "forum must be"),
        (('forum = "GB"', 'forum = "GB"\nrequesting = "not:nowhere"'), "no group named"),
        (('verification = "verified"', 'verification = "unverified"'), "verification must be one of"),
        (('wording = ', 'summary = "x"\nwording = '), "unknown field"),
    ],
)
def test_a_faulty_rule_is_refused_with_its_file_and_id(tmp_path, change, message):
    old, new = change
    with pytest.raises(RuleError, match=message) as error:
        rules_load(write(tmp_path, GOOD_RULE.replace(old, new, 1)))
    assert "rules.toml: rule xx-test" in str(error.value) or "rules.toml: rule (no id)" in str(error.value)


def test_two_rules_cannot_share_an_id(tmp_path):
    write(tmp_path, GOOD_RULE, "a.toml")
    write(tmp_path, GOOD_RULE, "b.toml")
    with pytest.raises(RuleError, match="also in a.toml"):
        rules_load(tmp_path)


def test_a_file_that_is_not_toml_is_named(tmp_path):
    with pytest.raises(RuleError, match="broken.toml"):
        rules_load(write(tmp_path, "[[rule]\nid = ", "broken.toml"))
