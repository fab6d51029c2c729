"""The free-text search, on whichever database the suite runs (CI runs it on SQLite and PostgreSQL)."""

import datetime
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.http import QueryDict
from django.urls import reverse

from cases import search, services, tasks
from cases.filters import CaseFilter
from cases.models import Authority, Case, CaseParty, Event

pytestmark = pytest.mark.django_db
DAY = datetime.date(2025, 1, 21)


def _found(text: str) -> set[str]:
    return set(CaseFilter(QueryDict(f"q={text}"), queryset=Case.objects.all()).qs.values_list("reference", flat=True))


def _ranked(text: str) -> list[str]:
    return list(search.case_search(Case.objects.all(), text, ranked=True).values_list("reference", flat=True))


def _case(reference: str, title: str, analyst, **fields) -> Case:
    fields = {"requesting_state": "IN", "requested_state": "US", "offences": "Fraud", **fields}
    return services.case_create(title=title, reference=reference, by=analyst, **fields)


@pytest.fixture
def rana(analyst):
    case = _case("rana", "Tahawwur Rana (US → India)", analyst, offences="Terrorism")
    person = services.person_create(name="Tahawwur Rana", variants=[("Tahawwur Hussain Rana", "full")], by=analyst)
    services.case_add_party(case=case, person=person, role=CaseParty.Role.PERSON_SOUGHT, by=analyst)
    _case("modi", "Nirav Modi (UK → India)", analyst, requested_state="GB", offences="Bank fraud")
    return case


@pytest.fixture
def supreme_court(db):
    return services.authority_get_or_create(name="Supreme Court of the United States", country="US",
                                            level=Authority.Level.SUPREME)


def _ruling(case, court, analyst, **fields):
    fields = {"occurred_on": DAY, "summary": "Application decided", "decision": "stay_denied", **fields}
    return services.event_record(case=case, kind=Event.Kind.RULING, authority=court, by=analyst, **fields)


# What the search has always done ---------------------------------------------------------------------


def test_finds_by_title_offence_and_a_name_variant_prefix(rana):
    assert _found("tahawwur") == {"rana"}
    assert _found("terror") == {"rana"}
    assert _found("huss") == {"rana"}
    assert _found("fraud") == {"modi"}


def test_every_word_must_match_somewhere(rana):
    assert _found("hussain fraud") == set()
    assert _found("hussain terrorism") == {"rana"}


def test_finds_words_of_a_new_event_and_forgets_a_deleted_one(rana, analyst):
    event = services.event_record(case=rana, kind="status", occurred_on=DAY, summary="Certiorari denied", by=analyst)
    assert _found("certiorari") == {"rana"}
    services.event_delete(event=event, by=analyst)
    assert _found("certiorari") == set()


def test_finds_an_edited_statement_quote(rana, analyst):
    statement = services.statement_record(
        cases=[rana], government="IN", body="MEA", channel="briefing", quote="We will keep you updated.",
        occurred_on=DAY, summary="Briefing", by=analyst,
    )
    assert _found("updated") == {"rana"}
    event = statement.events.get()
    services.event_update(event=event, statement_changes={"quote": "Procedural issues remain."}, by=analyst)
    assert _found("procedural") == {"rana"}
    assert _found("updated") == set()


def test_finds_a_case_after_its_person_gains_a_spelling(rana, analyst):
    person = rana.parties.get().person
    services.person_add_name(person=person, name="Tahavvur Rana", kind="transliteration", by=analyst)
    assert _found("tahavvur") == {"rana"}


@pytest.mark.parametrize("text", ["!!!", "'; DROP TABLE x; --", ":*", "a & b | !c", "(", "\\", "%_%", "' \\' ''"])
def test_punctuation_never_breaks_the_query(rana, text):
    _found(text.replace("&", "%26").replace("%_", "%25_"))
    search.case_search_snippets(Case.objects.all(), text)
    search.word_suggestion(text)


# Everything a case page shows ---------------------------------------------------------------------------


def test_finds_the_court_and_the_judges_of_a_ruling(rana, supreme_court, analyst):
    _ruling(rana, supreme_court, analyst, judges="Justice Elena Kagan")
    assert _found("supreme court") == {"rana"}
    assert _found("kagan") == {"rana"}


def test_finds_the_speaker_the_body_and_the_reported_speech_of_a_statement(rana, analyst):
    speaker = services.person_create(name="Randhir Jaiswal", by=analyst)
    services.statement_record(
        cases=[rana], government="IN", body="Ministry of External Affairs", speaker=speaker,
        speaker_title="Official Spokesperson", reported_speech=True,
        gist="India was pursuing the extradition diligently",
        occurred_on=DAY, summary="Weekly briefing", by=analyst,
    )
    assert _found("jaiswal") == {"rana"}
    assert _found("external affairs") == {"rana"}
    assert _found("spokesperson") == {"rana"}
    assert _found("diligently") == {"rana"}


def test_finds_the_official_who_took_an_executive_decision(rana, analyst):
    ministry = services.authority_get_or_create(name="Department of State", country="US", kind=Authority.Kind.EXECUTIVE)
    official = services.person_create(name="Antony Blinken", variants=[("Antony John Blinken", "full")], by=analyst)
    services.event_record(case=rana, kind=Event.Kind.EXECUTIVE_DECISION, authority=ministry, official=official,
                          decision="surrender_authorised", occurred_on=DAY, summary="Surrender warrant signed",
                          by=analyst)
    assert _found("blinken") == {"rana"}
    assert _found("john blinken") == {"rana"}
    assert _found("department state") == {"rana"}


def test_finds_the_note_and_the_decision_detail(rana, supreme_court, analyst):
    _ruling(rana, supreme_court, analyst, decision="sentenced", decision_detail="fourteen years",
            note="Day inferred from the docket")
    assert _found("fourteen") == {"rana"}
    assert _found("docket inferred") == {"rana"}


def test_finds_the_title_and_publisher_of_a_source(rana, analyst):
    source = services.source_get_or_create(url="https://example.org/a", title="Tahawwur Rana lands in Delhi",
                                           publisher="The Hindu")
    services.event_record(case=rana, kind="status", occurred_on=DAY, summary="Arrived", sources=[source], by=analyst)
    assert _found("delhi") == {"rana"}
    assert _found("hindu") == {"rana"}


def test_finds_the_summary_and_legal_basis_of_the_case(analyst):
    _case("abu-salem", "Abu Salem (PT → India)", analyst, requested_state="PT",
          summary="Extradited under assurances on sentence", legal_basis="Extradition Act 1962, s.34")
    assert _found("assurances") == {"abu-salem"}
    assert _found("s.34") == {"abu-salem"}


def test_finds_the_names_of_the_states(rana):
    assert _found("united states") == {"rana"}


def test_folds_accents_either_way(analyst):
    _case("polanski", "Roman Polański (CH → US)", analyst, requesting_state="US", requested_state="CH")
    assert _found("polanski") == {"polanski"}
    assert _found("Polański") == {"polanski"}


def test_an_unrelated_case_is_not_found(rana, supreme_court, analyst):
    _ruling(rana, supreme_court, analyst)
    assert "modi" not in _found("supreme")
    assert _found("westminster") == set()


# Tokens the 'simple' parser would have cut up ------------------------------------------------------------


@pytest.mark.parametrize("text", ["26/11", "§ 3188", "§3188", "s.108", "2019/0312", "S.108"])
def test_finds_numbered_tokens_as_written(rana, analyst, text):
    services.event_record(case=rana, kind="status", occurred_on=DAY, by=analyst,
                          summary="Charged over the 26/11 attacks; 18 U.S.C. § 3188 and s.108 of the 2003 Act; "
                          "file 2019/0312")
    assert _found(text) == {"rana"}


def test_a_numbered_token_does_not_match_its_pieces_elsewhere(rana, analyst):
    services.event_record(case=rana, kind="status", occurred_on=DAY, summary="Adjourned from 26 May to 11 June",
                          by=analyst)
    assert _found("26/11") == set()


def test_a_token_is_also_found_as_typed_without_its_dots(rana, analyst):
    services.event_record(case=rana, kind="status", occurred_on=DAY, summary="Refused under s.108", by=analyst)
    assert _found("s108") == {"rana"}


def test_a_prefix_of_more_words_than_are_looked_up_still_finds_them(rana, analyst):
    words = " ".join(f"zq{n:03d}" for n in range(search.MAX_EXPANSION + 5))
    services.event_record(case=rana, kind="status", occurred_on=DAY, summary=words, by=analyst)
    assert _found("zq") == {"rana"}
    assert _found("zq05") == {"rana"}


# Keeping the words current --------------------------------------------------------------------------------


def test_a_renamed_court_finds_its_cases_by_the_new_name(rana, supreme_court, analyst):
    _ruling(rana, supreme_court, analyst)
    services.authority_update(authority=supreme_court, name="Court of Cassation", by=analyst)
    assert _found("cassation") == {"rana"}
    assert _found("supreme") == set()


def test_a_renamed_official_finds_the_cases_of_his_decisions(rana, analyst):
    ministry = services.authority_get_or_create(name="Home Office", country="GB", kind=Authority.Kind.EXECUTIVE)
    official = services.person_create(name="Sajid Javid", by=analyst)
    services.event_record(case=rana, kind=Event.Kind.EXECUTIVE_DECISION, authority=ministry, official=official,
                          decision="extradition_ordered", occurred_on=DAY, summary="Order signed", by=analyst)
    services.person_update(person=official, name="Sajid Javid MP", by=analyst)
    services.person_add_name(person=official, name="Saj Javid", kind="alias", by=analyst)
    assert _found("saj") == {"rana"}


def test_a_corrected_source_title_finds_its_cases(rana, analyst):
    source = services.source_get_or_create(url="https://example.org/b", title="Draft")
    services.event_record(case=rana, kind="status", occurred_on=DAY, summary="Arrived", sources=[source], by=analyst)
    services.source_update(source=source, title="Rana flown to Palam airport", by=analyst)
    assert _found("palam") == {"rana"}


def test_rebuilding_every_case_gives_the_same_words(rana, supreme_court, analyst):
    _ruling(rana, supreme_court, analyst, judges="Justice Kagan")
    before = _found("kagan"), Case.objects.get(pk=rana.pk).search_text
    Case.objects.update(search_vector=None, search_text="")
    search.search_vector_refresh_all()
    assert (_found("kagan"), Case.objects.get(pk=rana.pk).search_text) == before


def test_the_search_text_holds_the_cases_own_text_and_its_peoples_names(rana):
    text = Case.objects.get(pk=rana.pk).search_text
    assert text.splitlines()[:3] == ["Tahawwur Rana (US → India)", "rana", "Terrorism"]
    assert "Tahawwur Hussain Rana" in text.splitlines()


# Ranking -----------------------------------------------------------------------------------------------------


def test_a_case_about_the_word_ranks_above_one_that_only_mentions_it(rana, analyst):
    other = _case("headley", "David Headley (US → India)", analyst)
    services.event_record(case=other, kind="status", occurred_on=DAY, summary="Testified against Rana", by=analyst)
    services.case_refresh_last_event(other)
    assert _ranked("rana") == ["rana", "headley"]


def test_a_word_in_the_cases_own_text_ranks_above_one_in_its_events(analyst):
    in_event = _case("a", "First (US → India)", analyst)
    services.event_record(case=in_event, kind="status", occurred_on=DAY, summary="Narco charges added", by=analyst)
    _case("b", "Second (US → India)", analyst, offences="Narcotics trafficking")
    assert _ranked("narco") == ["b", "a"]


def test_equal_matches_come_most_recent_first(analyst):
    older, newer = _case("older", "Older (US → India)", analyst), _case("newer", "Newer (US → India)", analyst)
    for case, day in ((older, datetime.date(2020, 1, 1)), (newer, datetime.date(2024, 1, 1))):
        services.event_record(case=case, kind="status", occurred_on=day, summary="Hearing on bail", by=analyst)
    assert _ranked("bail") == ["newer", "older"]


def test_the_case_list_ranks_a_search_unless_another_order_is_chosen(analyst_client_text, rana, analyst):
    other = _case("headley", "David Headley (US → India)", analyst)
    services.event_record(case=other, kind="status", occurred_on=DAY, summary="Testified against Rana", by=analyst)
    url = reverse("cases:case_list")
    ranked = analyst_client_text.get(url, {"q": "rana"}).context["page"].object_list
    assert [c.reference for c in ranked] == ["rana", "headley"]
    by_title = analyst_client_text.get(url, {"q": "rana", "sort": "title"}).context["page"].object_list
    assert [c.reference for c in by_title] == ["headley", "rana"]


def test_the_case_list_shows_many_matches_most_recent_first(analyst_client_text, rana, analyst, monkeypatch):
    other = _case("headley", "David Headley (US → India)", analyst)
    services.event_record(case=other, kind="status", occurred_on=DAY, summary="Testified against Rana", by=analyst)
    monkeypatch.setattr(search, "RANKED_AT_MOST", 1)
    page = analyst_client_text.get(reverse("cases:case_list"), {"q": "rana"}).context["page"].object_list
    assert [c.reference for c in page] == ["headley", "rana"]


# Why a case matched --------------------------------------------------------------------------------------------


def test_the_snippet_marks_the_word_and_escapes_the_rest(rana, analyst):
    services.event_record(case=rana, kind="status", occurred_on=DAY, by=analyst,
                          summary="Court said <script>alert(1)</script> & extradition may proceed")
    snippet = search.case_search_snippets([Case.objects.get(pk=rana.pk)], "extradition")[rana.pk]
    assert "<mark>extradition</mark>" in snippet
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in snippet
    assert "<script>" not in snippet and snippet.count("<") == snippet.count("<mark>") + snippet.count("</mark>")


def test_the_snippet_of_a_name_variant_comes_from_the_cases_own_text(rana, django_assert_num_queries):
    case = Case.objects.get(pk=rana.pk)
    with django_assert_num_queries(0):
        snippet = search.case_search_snippets([case], "hussain")[rana.pk]
    assert snippet == "Tahawwur <mark>Hussain</mark> Rana"


def test_the_snippet_names_the_entry_it_comes_from(rana, supreme_court, analyst):
    _ruling(rana, supreme_court, analyst, judges="Justice Kagan")
    snippet = search.case_search_snippets([Case.objects.get(pk=rana.pk)], "kagan")[rana.pk]
    assert snippet.startswith("Court ruling, 21 Jan 2025: ") and "<mark>Kagan</mark>" in snippet


def test_snippets_cost_one_query_for_a_whole_page(analyst, django_assert_num_queries):
    cases = []
    for n in range(6):
        case = _case(f"c{n}", f"Case {n} (US → India)", analyst)
        for m in range(3):
            services.event_record(case=case, kind="status", occurred_on=DAY, summary=f"Interpol notice {m}", by=analyst)
        cases.append(Case.objects.get(pk=case.pk))
    with django_assert_num_queries(1):
        snippets = search.case_search_snippets(cases, "interpol")
    assert all("<mark>Interpol</mark>" in snippets[case.pk] for case in cases)


def test_a_search_page_stays_within_ten_queries(analyst_client_text, rana, supreme_court, analyst,
                                                django_assert_max_num_queries):
    for n in range(30):
        case = _case(f"x{n}", f"Case {n} (US → India)", analyst)
        _ruling(case, supreme_court, analyst, judges="Justice Kagan")
    analyst_client_text.get(reverse("cases:case_list"), {"q": "kagan"})  # the backend's one-off feature checks
    with django_assert_max_num_queries(10):
        response = analyst_client_text.get(reverse("cases:case_list"), {"q": "kagan supreme"})
    assert response.content.count(b"<mark>Kagan</mark>") == 25


def test_the_case_list_shows_the_snippet(analyst_client_text, rana, supreme_court, analyst):
    _ruling(rana, supreme_court, analyst, judges="Justice Kagan")
    response = analyst_client_text.get(reverse("cases:case_list"), {"q": "kagan"})
    assert b"<mark>Kagan</mark>" in response.content


# Did you mean ---------------------------------------------------------------------------------------------------


def test_a_misspelt_word_gets_the_closest_word_of_the_cases(rana, analyst):
    services.event_record(case=rana, kind="status", occurred_on=DAY, summary="Habeas petition dismissed", by=analyst)
    assert _found("habaes") == set()
    assert search.word_suggestion("habaes") == "habeas"
    assert search.word_suggestion("habaes petition") == "habeas petition"


def test_no_suggestion_when_nothing_is_close_or_the_words_are_found(rana):
    assert search.word_suggestion("zzzzqqqq") is None
    assert search.word_suggestion("terrorism") is None


def test_another_word_is_not_offered_as_a_spelling(rana, analyst):
    services.event_record(case=rana, kind="status", occurred_on=DAY, summary="The minister signed", by=analyst)
    assert search.word_suggestion("westminster") is None


def test_no_suggestion_for_words_found_apart_but_not_together(rana):
    assert search.word_suggestion("hussain fraud") is None


def test_a_word_of_a_deleted_event_is_not_suggested(rana, analyst):
    event = services.event_record(case=rana, kind="status", occurred_on=DAY, summary="Habeas petition", by=analyst)
    services.event_delete(event=event, by=analyst)
    assert search.word_suggestion("habaes") is None


def test_the_case_list_offers_the_suggestion(analyst_client_text, rana):
    response = analyst_client_text.get(reverse("cases:case_list"), {"q": "terorism", "stage": ""})
    assert b"Did you mean" in response.content and b"q=terrorism" in response.content


def test_a_page_with_a_suggestion_stays_within_ten_queries(analyst_client_text, rana, django_assert_max_num_queries):
    analyst_client_text.get(reverse("cases:case_list"), {"q": "rana"})  # the backend's one-off feature checks
    with django_assert_max_num_queries(10):
        response = analyst_client_text.get(reverse("cases:case_list"), {"q": "terorism hussain"})
    assert b"q=terrorism+hussain" in response.content


def test_the_trigram_similarity_is_pg_trgms():
    # Values pg_trgm's similarity() gives for these pairs.
    assert search.trigram_similarity("word", "word") == 1.0
    assert search.trigram_similarity("habaes", "habeas") == pytest.approx(3 / 11)
    assert search.trigram_similarity("abc", "xyz") == 0.0


@pytest.fixture
def analyst_client_text(client, analyst):
    from cases import roles

    roles.user_set_role(user=analyst, role=roles.ANALYST)
    client.force_login(analyst)
    return client


# -- the index's pending words (PostgreSQL) ----------------------------------------------------------

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="a GIN index's pending list is PostgreSQL's")


@pytest.fixture
def tidy_queue():
    """The tidying task's publication, recorded; nothing queued before the test."""
    cache.delete(search._TIDY_QUEUED)
    with mock.patch.object(tasks.search_index_tidy, "apply_async") as apply_async:
        yield apply_async
    cache.delete(search._TIDY_QUEUED)


def _log_two_events(case, analyst, django_capture_on_commit_callbacks):
    for summary in ("Hearing adjourned", "Bail refused"):
        with django_capture_on_commit_callbacks(execute=True):
            services.event_record(case=case, kind="status", occurred_on=DAY, summary=summary, by=analyst)


@postgresql_only
def test_changes_queue_one_tidying_of_the_index_until_it_runs(rana, analyst, tidy_queue, django_capture_on_commit_callbacks):
    _log_two_events(rana, analyst, django_capture_on_commit_callbacks)
    assert tidy_queue.call_count == 1

    search.search_index_tidy()  # the worker takes it: the next change queues it again
    _log_two_events(rana, analyst, django_capture_on_commit_callbacks)
    assert tidy_queue.call_count == 2


@postgresql_only
def test_a_change_rolled_back_queues_nothing(rana, analyst, tidy_queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            services.event_record(case=rana, kind="status", occurred_on=DAY, summary="Never kept", by=analyst)
            raise RuntimeError
    tidy_queue.assert_not_called()


@postgresql_only
def test_a_broker_out_of_reach_leaves_the_tidying_to_the_next_change(rana, analyst, tidy_queue, caplog,
                                                                     django_capture_on_commit_callbacks):
    tidy_queue.side_effect = ConnectionError("broker down")
    with django_capture_on_commit_callbacks(execute=True):
        services.event_record(case=rana, kind="status", occurred_on=DAY, summary="Hearing adjourned", by=analyst)
    assert "Could not queue the search index's tidying" in caplog.text
    tidy_queue.side_effect = None
    with django_capture_on_commit_callbacks(execute=True):
        services.event_record(case=rana, kind="status", occurred_on=DAY, summary="Bail refused", by=analyst)
    assert tidy_queue.call_count == 2


@postgresql_only
def test_the_tidying_merges_the_pending_words_into_the_index(rana, analyst):
    services.event_record(case=rana, kind="status", occurred_on=DAY, summary="Zygomorphic habeas", by=analyst)
    assert search.search_index_tidy() > 0
    assert search.search_index_tidy() == 0
    assert _found("zygomorphic") == {"rana"}


@postgresql_only
def test_the_index_has_room_for_a_long_cases_updates_until_the_worker_tidies():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [search.SEARCH_INDEX])
        assert cursor.fetchone()[0] == ["gin_pending_list_limit=16384"]


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite has no such index")
def test_sqlite_has_nothing_to_tidy(rana, analyst, tidy_queue, django_capture_on_commit_callbacks):
    _log_two_events(rana, analyst, django_capture_on_commit_callbacks)
    tidy_queue.assert_not_called()
    assert search.search_index_tidy() == 0
