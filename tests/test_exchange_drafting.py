import datetime
import io

import pytest
from django.core.management import call_command

from cases.models import Case, Event, Person
from exchange.drafting import article_propose, date_resolve, dates_find, drafts_record, people_mentioned
from tests.factories import CaseFactory, CasePartyFactory, PersonFactory, PersonNameFactory

pytestmark = pytest.mark.django_db

FRIDAY = datetime.date(2025, 1, 31)

# The seed article (a news report of 31 January 2025 on the Rana matter), verbatim.
ARTICLE = (
    "New Delhi: India said on Friday (January 31) that it was working with US authorities to expedite the extradition "
    "of 26/11-accused Tahawwur Rana after his legal options were exhausted following the US Supreme Court’s refusal "
    "to hear his appeal.\n"
    "“The US Supreme Court on January 21, 2025 declined to hear a petition from the accused. We are now working with "
    "the US side on procedural issues for his early extradition to India in connection with the Mumbai terror attack. "
    "We will keep you updated,” said Ministry of External Affairs spokesperson Randhir Jaiswal.\n"
    "A businessman of Pakistani descent, Rana was convicted for his role in the 26/11 Mumbai attacks, which claimed 164 lives.\n"
    "Pakistani-American David Headley, who conducted reconnaissance and identified the targets, pleaded guilty and "
    "testified against Rana. However, the US has refused to extradite Headley, who is serving a prison sentence in Chicago.\n"
    "New Delhi, Washington discussing ‘early visit’ by Modi to US\n"
    "Meanwhile, Jaiswal said at the weekly media briefing that India was in discussions with the US for an “early visit "
    "of the prime minister to the US to further deepen the India-US Comprehensive Global Strategic Partnership.”\n"
    "He added that “specific dates for the visit would be announced at the appropriate time.”\n"
    "US President Donald Trump, following a phone call with Modi, had told reporters that the Indian leader would visit "
    "Washington in February. He also said he had raised the issue of illegal immigration during the conversation.\n"
    "Jaiswal reiterated that India and the US have been “engaged in a process to deter illegal migration while also "
    "creating more avenues for legal migration from India to the US”.\n"
    "“We are keen to continue this cooperation. At the same time, the Government of India will need to conduct the "
    "necessary verification, including nationality checks, before any individuals are deported to India. Any discussion "
    "of numbers at this stage is premature. However, I want to emphasise that India-US cooperation in this area is "
    "strong and effective, and this will become evident in due course,” he said.\n"
)


@pytest.fixture
def rana(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    call_command("load_demo", stdout=io.StringIO())
    case = Case.objects.get(reference="rana-us-india")
    case.events.all().delete()  # the drafts should find what the demo already holds
    return case


def _drafts(case, kind):
    return [d for d in article_propose(case=case, text=ARTICLE, published_on=FRIDAY).drafts if d.kind == kind]


@pytest.mark.parametrize(
    "written, expected",
    [
        ("on Friday (January 31)", (datetime.date(2025, 1, 31), "day", False)),
        ("January 21, 2025", (datetime.date(2025, 1, 21), "day", False)),
        ("21 January 2025", (datetime.date(2025, 1, 21), "day", False)),
        ("on Friday", (datetime.date(2025, 1, 31), "day", False)),
        ("on Monday", (datetime.date(2025, 1, 27), "day", False)),
        ("last month", (datetime.date(2024, 12, 1), "month", False)),
        ("in March 2023", (datetime.date(2023, 3, 1), "month", False)),
        ("late 2018", (datetime.date(2018, 1, 1), "year", True)),
        ("in 2018", (datetime.date(2018, 1, 1), "year", False)),
        ("April 10", (datetime.date(2024, 4, 10), "day", False)),
        ("yesterday", (datetime.date(2025, 1, 30), "day", False)),
    ],
)
def test_dates_are_resolved_as_news_writes_them_against_the_publication_day(written, expected):
    found = dates_find(f"It happened {written}.", published_on=FRIDAY)
    assert [item[1:] for item in found] == [expected]


def test_a_date_without_a_year_after_publication_is_last_years():
    assert date_resolve("December 5", published_on=FRIDAY) == (datetime.date(2024, 12, 5), "day", False)


def test_the_seed_article_gives_the_supreme_court_ruling_of_21_january(rana):
    (ruling,) = _drafts(rana, Event.Kind.RULING)
    assert (ruling.date, ruling.date_precision, ruling.date_approximate) == ("2025-01-21", "day", False)
    assert ruling.authority_name == "Supreme Court of the United States" and ruling.authority_country == "US"
    assert ruling.decision == "cert_denied"
    assert ruling.about_case


def test_the_seed_article_gives_jaiswals_statement_of_31_january_with_his_quote_and_title(rana):
    statement = next(d for d in _drafts(rana, Event.Kind.STATEMENT) if "procedural issues" in d.quote)
    assert statement.date == "2025-01-31" and statement.date_as_written == "on Friday (January 31)"
    assert statement.quote.startswith("The US Supreme Court on January 21, 2025 declined to hear a petition")
    assert statement.quote.endswith("We will keep you updated.")
    assert (statement.speaker_name, statement.speaker_title) == ("Randhir Jaiswal", "Spokesperson")
    assert statement.speaker_id == Person.objects.get(name="Randhir Jaiswal").pk
    assert (statement.body, statement.government, statement.channel) == ("Ministry of External Affairs", "IN", "briefing")
    assert statement.about_case


def test_the_visit_and_migration_remarks_are_marked_as_not_about_the_case(rana):
    others = [d for d in _drafts(rana, Event.Kind.STATEMENT) if "procedural issues" not in d.quote]
    assert others, "the other quotations are proposed, marked as another matter"
    assert any("visit" in d.quote for d in others) and any("migration" in d.quote for d in others)
    assert not any(d.about_case for d in others)
    assert all(d.speaker_name == "Randhir Jaiswal" for d in others)


def test_only_the_drafts_about_the_case_are_ticked_by_default(rana):
    proposal = article_propose(case=rana, text=ARTICLE, published_on=FRIDAY)
    assert [d.as_initial()["record"] for d in proposal.drafts].count(True) == 2


def test_people_and_cases_already_recorded_are_recognised_through_name_variants(rana):
    text = "Tahawwur Hussain Rana was flown to Delhi; David Coleman Headley stays in Chicago."
    assert {p.name for p in people_mentioned(text)} == {"Tahawwur Rana", "David Headley"}
    proposal = article_propose(case=rana, text=text, published_on=FRIDAY)
    # Rana's case, and Headley's own (he is the person sought there).
    assert {case.reference for case in proposal.cases} == {"rana-us-india", "headley-us-india"}


def test_a_ruling_about_another_person_is_proposed_as_not_about_this_case(db):
    case = CaseFactory(requested_state="GB")
    CasePartyFactory(case=case, person=PersonFactory(name="Sanjay Bhandari"))
    other = PersonFactory(name="Nirav Modi")
    CasePartyFactory(person=other)
    text = "The High Court in London on 9 November 2022 dismissed Nirav Modi's appeal against extradition to India."
    (ruling,) = article_propose(case=case, text=text, published_on=datetime.date(2022, 11, 10)).drafts
    assert (ruling.date, ruling.decision, ruling.authority_country) == ("2022-11-09", "petition_denied", "GB")
    assert not ruling.about_case and "Modi" in ruling.why


def test_a_text_with_nothing_to_draft_gives_no_drafts(rana):
    assert article_propose(case=rana, text="The weather in Delhi was mild.", published_on=FRIDAY).drafts == []


def test_confirmed_drafts_become_events_with_the_article_as_their_source(rana):
    proposal = article_propose(case=rana, text=ARTICLE, published_on=FRIDAY)
    chosen = []
    for draft in proposal.drafts:
        if draft.about_case:
            data = draft.as_initial()
            data["occurred_on"] = datetime.date.fromisoformat(draft.date)
            chosen.append(data)
    source = {"url": "https://news.example.org/rana", "title": "India working with US", "publisher": "Example",
              "published_on": FRIDAY}
    events = drafts_record(case=rana, drafts=chosen, source=source, by=None)
    assert sorted(e.kind for e in events) == ["ruling", "statement"]
    assert all(list(e.sources.values_list("url", flat=True)) == ["https://news.example.org/rana"] for e in events)
    statement = next(e for e in events if e.kind == "statement").statement
    assert statement.speaker.name == "Randhir Jaiswal" and Person.objects.filter(name="Randhir Jaiswal").count() == 1
    assert rana.events.get(kind="ruling").authority.name == "Supreme Court of the United States"


def test_a_speaker_not_yet_recorded_is_created_on_confirmation(case):
    draft = {"kind": "statement", "occurred_on": FRIDAY, "date_precision": "day", "date_approximate": False,
             "confidence": "reported", "summary": "Said so.", "government": "GB", "body": "Home Office",
             "speaker_name": "Jane Example", "speaker_title": "Spokesperson", "channel": "press_release",
             "quote": "The order was signed."}
    drafts_record(case=case, drafts=[draft], source={"url": "", "title": "T", "publisher": "", "published_on": FRIDAY}, by=None)
    assert case.events.get().statement.speaker.name == "Jane Example"


def test_a_variant_spelling_of_a_speaker_finds_the_recorded_person(case):
    person = PersonFactory(name="Randhir Jaiswal")
    PersonNameFactory(person=person, name="R. Jaiswal")
    draft = {"kind": "statement", "occurred_on": FRIDAY, "date_precision": "day", "date_approximate": False,
             "confidence": "reported", "summary": "Said so.", "government": "IN", "body": "MEA",
             "speaker_name": "R. Jaiswal", "speaker_title": "", "channel": "briefing", "quote": "Yes."}
    drafts_record(case=case, drafts=[draft], source={"url": "", "title": "T", "publisher": "", "published_on": FRIDAY}, by=None)
    assert case.events.get().statement.speaker == person


# Behaviours found on other reports (Mallya, Nirav Modi, Rana's surrender), in paraphrase.


def test_a_home_secretarys_order_is_proposed_as_an_executive_decision(db):
    case = CaseFactory(requested_state="GB")
    CasePartyFactory(case=case, person=PersonFactory(name="Vijay Mallya"))
    text = ("The Home Office said: “On February 3, the Home Secretary signed the order for Vijay Mallya’s extradition.”\n"
            "On December 10, 2018 the Westminster Magistrates' Court ordered Mallya's extradition.")
    drafts = article_propose(case=case, text=text, published_on=datetime.date(2019, 2, 4)).drafts
    (order,) = [d for d in drafts if d.kind == "executive_decision"]
    assert (order.authority_name, order.authority_country, order.authority_kind) == ("Home Office", "GB", "executive")
    assert (order.date, order.decision, order.summary) == ("2019-02-03", "extradition_ordered", "Home Secretary: extradition ordered.")
    rulings = {(d.authority_name, d.authority_level, d.date, d.decision) for d in drafts if d.kind == "ruling"}
    assert rulings == {("Westminster Magistrates' Court", "first_instance", "2018-12-10", "order_made")}


def test_two_rulings_of_one_court_on_different_dates_stay_two_drafts(db):
    case = CaseFactory(requested_state="GB")
    CasePartyFactory(case=case, person=PersonFactory(name="Nirav Modi"))
    text = ("Nirav Modi's request to appeal was rejected by the London High Court on Thursday.\n"
            "Having last month lost his earlier appeal in the High Court, he may turn to Strasbourg.")
    drafts = article_propose(case=case, text=text, published_on=datetime.date(2022, 12, 15)).drafts
    assert [(d.authority_name, d.date, d.about_case) for d in drafts] == [
        ("High Court of England and Wales", "2022-12-15", True),
        ("High Court of England and Wales", "2022-11", True),
    ]


def test_arrest_surrender_and_remand_are_proposed_as_custody_changes(rana):
    text = ("Tahawwur Rana was brought to India after being extradited from the US and was formally arrested on Thursday.\n"
            "A special NIA court on Friday sent Rana to 18 days of custody.")
    drafts = article_propose(case=rana, text=text, published_on=datetime.date(2025, 4, 11)).drafts
    custody = [(d.custody_change, d.date) for d in drafts if d.kind == "custody"]
    assert custody == [("arrested", "2025-04-10"), ("surrendered", "2025-04-10"), ("remanded", "2025-04-11")]


# The second-generation vocabulary: the criminal process's decisions, executive decisions,
# reported speech and status categories.


@pytest.fixture
def modi(db):
    case = CaseFactory(requested_state="GB", requesting_state="IN")
    CasePartyFactory(case=case, person=PersonFactory(name="Nirav Modi"))
    return case


def _proposed(case, text, published_on=datetime.date(2025, 3, 14)):
    return article_propose(case=case, text=text, published_on=published_on).drafts


@pytest.mark.parametrize(
    ("sentence", "decision", "detail"),
    [
        ("A special court in Mumbai on March 3, 2025 convicted Nirav Modi of fraud.", "convicted", ""),
        ("A special court in Mumbai on March 3, 2025 acquitted Nirav Modi of all charges of cheating.", "acquitted", ""),
        ("A special court in Mumbai on March 3, 2025 sentenced Nirav Modi to 14 years in prison.", "sentenced", "14 years in prison"),
        ("A special court in Mumbai on March 3, 2025 found Nirav Modi guilty and sentenced him to seven years.", "convicted",
         "sentenced to seven years"),
        ("A Mumbai court on March 3, 2025 issued a non-bailable warrant against Nirav Modi.", "warrant_issued", "non-bailable"),
        ("A special NIA court on March 3, 2025 remanded Nirav Modi in judicial custody.", "remanded", ""),
        ("Westminster Magistrates' Court on March 3, 2025 refused Nirav Modi bail for the fifth time.", "bail_refused", ""),
        ("A special court in Mumbai on March 3, 2025 declared Nirav Modi a fugitive economic offender.", "declared_fugitive",
         "fugitive economic offender"),
        ("The High Court on March 3, 2025 dismissed the charges against Nirav Modi.", "charges_dismissed", ""),
        ("Westminster Magistrates' Court on March 3, 2025 sent the case to the Home Secretary for a decision on Nirav Modi.",
         "sent_to_minister", ""),
    ],
)
def test_the_criminal_process_decisions_are_drafted_in_the_ruling_vocabulary(modi, sentence, decision, detail):
    (ruling,) = [d for d in _proposed(modi, sentence) if d.kind == "ruling"]
    assert (ruling.decision, ruling.decision_detail, ruling.date) == (decision, detail, "2025-03-03")
    assert ruling.authority_kind == "court" and ruling.about_case


def test_a_sentence_is_shown_beside_the_decision_in_the_summary(modi):
    (ruling,) = _proposed(modi, "A special court in Mumbai on March 3, 2025 sentenced Nirav Modi to 14 years in prison.")
    assert ruling.summary.endswith(": sentenced (14 years in prison).")


def test_a_secretary_of_states_authorisation_is_an_executive_decision_with_the_official(db):
    case = CaseFactory(requested_state="US", requesting_state="IN")
    CasePartyFactory(case=case, person=PersonFactory(name="Tahawwur Rana"))
    text = "On March 28, 2025, Secretary of State Marco Rubio authorised the surrender of Tahawwur Rana to India."
    (decision,) = _proposed(case, text, published_on=datetime.date(2025, 4, 1))
    assert (decision.kind, decision.decision, decision.date) == ("executive_decision", "surrender_authorised", "2025-03-28")
    assert (decision.authority_name, decision.authority_country, decision.authority_kind) == ("Department of State", "US", "executive")
    assert decision.official_name == "Marco Rubio"
    assert decision.summary == "Secretary of State Marco Rubio: surrender authorised."


def test_a_justice_ministrys_refusal_is_an_executive_decision_of_that_ministry(db):
    case = CaseFactory(requested_state="CH", requesting_state="US")
    CasePartyFactory(case=case, person=PersonFactory(name="Roman Polanski"))
    text = "In July 2010 the Federal Office of Justice refused to extradite Roman Polanski to the United States."
    (decision,) = _proposed(case, text, published_on=datetime.date(2010, 7, 13))
    assert (decision.kind, decision.decision, decision.date, decision.date_precision) == (
        "executive_decision", "extradition_refused", "2010-07", "month"
    )
    assert (decision.authority_name, decision.authority_country) == ("Federal Office of Justice", "CH")


def test_a_justice_ministers_decision_belongs_to_the_justice_ministry_with_the_minister_as_official(db):
    case = CaseFactory(requested_state="PL", requesting_state="US")
    CasePartyFactory(case=case, person=PersonFactory(name="Roman Polanski"))
    text = "In December 2016 Justice Minister Zbigniew Ziobro withdrew the order to extradite Roman Polanski."
    (decision,) = _proposed(case, text, published_on=datetime.date(2017, 1, 5))
    assert (decision.decision, decision.authority_name, decision.authority_country) == ("order_withdrawn", "Ministry of Justice", "PL")
    assert (decision.official_name, decision.date) == ("Zbigniew Ziobro", "2016-12")


def test_a_statement_without_a_quotation_is_reported_speech_not_an_invented_quote(db):
    case = CaseFactory(requested_state="US", requesting_state="IN")
    CasePartyFactory(case=case, person=PersonFactory(name="Tahawwur Rana"))
    text = "The Ministry of External Affairs said on Tuesday that India would liaise with US authorities on Rana's extradition."
    (statement,) = _proposed(case, text, published_on=datetime.date(2025, 2, 6))
    assert (statement.kind, statement.reported_speech, statement.quote) == ("statement", True, "")
    assert statement.gist == "India would liaise with US authorities on Rana's extradition."
    assert (statement.body, statement.government, statement.speaker_name) == ("Ministry of External Affairs", "IN", "")
    assert (statement.date, statement.date_as_written) == ("2025-02-04", "on Tuesday")
    assert "“" not in statement.summary and statement.summary.startswith("Ministry of External Affairs said India would")
    assert statement.about_case


def test_reported_speech_after_a_pronoun_is_not_guessed(db):
    case = CaseFactory(requested_state="US")
    text = "He also said that he had raised the issue of illegal immigration during the conversation."
    assert _proposed(case, text) == []


def test_a_body_that_speaks_is_not_taken_for_a_speakers_name(db):
    case = CaseFactory(requested_state="US")
    text = "“We remain committed to bringing him back to face justice in India,” the Ministry of External Affairs said."
    (statement,) = _proposed(case, text)
    assert (statement.body, statement.speaker_name, statement.reported_speech) == ("Ministry of External Affairs", "", False)


@pytest.mark.parametrize(
    ("sentence", "category", "date"),
    [
        ("Nirav Modi fled India in January 2018, weeks before the fraud came to light.", "flight", "2018-01"),
        ("Interpol issued a Red Notice against Nirav Modi in July 2018.", "interpol_notice", "2018-07"),
        ("The CBI filed a charge sheet against Nirav Modi on May 14, 2018.", "charge", "2018-05-14"),
        ("Nirav Modi sought asylum in the United Kingdom in August 2018.", "asylum", "2018-08"),
    ],
)
def test_a_dated_status_update_gets_its_category_where_the_words_make_it_obvious(modi, sentence, category, date):
    (status,) = _proposed(modi, sentence)
    assert (status.kind, status.category, status.date) == ("status", category, date)
    assert status.about_case


def test_confirmed_second_generation_drafts_are_recorded_in_their_vocabulary(modi):
    source = {"url": "", "title": "Report", "publisher": "", "published_on": datetime.date(2025, 3, 14)}
    common = {"occurred_on": datetime.date(2025, 3, 3), "date_precision": "day", "date_approximate": False,
              "confidence": "reported"}
    drafts = [
        common | {"kind": "ruling", "summary": "Sentenced.", "authority_name": "Special Court, Mumbai", "authority_country": "IN",
                  "authority_level": "requesting_state", "decision": "sentenced", "decision_detail": "14 years in prison"},
        common | {"kind": "executive_decision", "summary": "Ordered.", "authority_name": "Home Office", "authority_country": "GB",
                  "authority_kind": "executive", "decision": "extradition_ordered", "official_name": "Priti Patel"},
        common | {"kind": "statement", "summary": "MEA said India would liaise.", "government": "IN",
                  "body": "Ministry of External Affairs", "speaker_name": "", "channel": "", "quote": "",
                  "reported_speech": True, "gist": "India would liaise with the UK."},
        common | {"kind": "status", "summary": "Red notice.", "category": "interpol_notice"},
    ]
    ruling, order, statement, status = drafts_record(case=modi, drafts=drafts, source=source, by=None)
    assert (ruling.decision, ruling.decision_detail, ruling.authority.kind) == ("sentenced", "14 years in prison", "court")
    assert (order.kind, order.decision, order.authority.name, order.authority.kind) == (
        "executive_decision", "extradition_ordered", "Home Office", "executive"
    )
    assert order.official.name == "Priti Patel"
    assert (statement.statement.reported_speech, statement.statement.quote, statement.statement.channel) == (True, "", "")
    assert statement.statement.gist == "India would liaise with the UK."
    assert status.category == "interpol_notice"
