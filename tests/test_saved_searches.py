"""
Saved searches: a case-list filter kept under a name and followed like a case.

Saving cleans the filter (the case list's own parameters only); the owner alone sees, edits and
deletes it; a new event on a case the filter matches, or a new case it matches, writes one outbox
row through the same fan-out as a case follow (once, however often the fan-out runs), and the
email says which saved search it is for and unsubscribes from that search alone.
"""

import datetime
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import QueryDict
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from alerts import selectors, services
from alerts.models import Alert, CaseFanout, EventFanout, Follow, SavedSearch
from alerts.notifications import AlertRenderer
from alerts.tokens import search_unsubscribe_token_make
from cases import services as case_services
from cases.filters import CaseFilter
from cases.models import Case, CaseParty, Event, Stage, StatusCategory
from cases.signals import case_created
from tests.factories import (
    AuthorityFactory,
    CaseFactory,
    EventFactory,
    FollowFactory,
    ReaderFactory,
    SavedSearchFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def committed():
    """Run what the commit of a test's change would run: the announcements, the fan-outs they
    publish (run by the `publish` fixture's stand-in worker), then the queueing of the sending."""
    return TestCase.captureOnCommitCallbacks(execute=True)


@pytest.fixture
def reader(db):
    return ReaderFactory(username="reader", email="reader@example.org")


def opened_earlier(case):
    """A case opened before the test, its words indexed and its opening announced, as the services
    leave it (a case opened just now without its marker would be announced with its first event)."""
    case_services.case_refresh_search_text(cases=[case])
    CaseFanout.objects.create(case=case, fanned_out_at=timezone.now())
    return case


@pytest.fixture
def uk_case(db):
    """A UK appeal."""
    return opened_earlier(
        CaseFactory(title="Nirav Modi (UK → India)", reference="modi-uk", requested_state="GB", stage=Stage.APPEAL)
    )


@pytest.fixture
def us_case(db):
    return opened_earlier(
        CaseFactory(title="Tahawwur Rana (US → India)", reference="rana-us", requested_state="US", stage=Stage.SURRENDER_PENDING)
    )


def status_update(case, by, summary="Interpol issued a red notice.", category=StatusCategory.INTERPOL_NOTICE):
    with committed():
        return case_services.event_record(
            case=case, kind=Event.Kind.STATUS, by=by, summary=summary, category=category,
            occurred_on=datetime.date(2025, 2, 3),
        )


# Saving: the filter is cleaned and checked ---------------------------------------------------------


def test_saving_keeps_only_the_case_lists_filters(reader):
    search = services.saved_search_create(
        user=reader, name="UK appeals", query="?stage=appeal&requested_state=GB&page=3&q=&utm_source=mail&sort=title"
    )
    assert QueryDict(search.query) == QueryDict("stage=appeal&requested_state=GB&sort=title")


def test_saving_keeps_both_ends_of_the_last_event_range(reader):
    search = services.saved_search_create(
        user=reader, name="Recent", query="last_event_after=2025-01-01&last_event_before=2025-12-31"
    )
    assert QueryDict(search.query) == QueryDict("last_event_after=2025-01-01&last_event_before=2025-12-31")


@pytest.mark.parametrize("query", ["", "page=2", "sort=title", "utm_source=mail", "q=%20%20"])
def test_a_search_without_a_filter_is_refused(reader, query):
    with pytest.raises(ValidationError) as refused:
        services.saved_search_create(user=reader, name="Everything", query=query)
    assert "at least one filter" in str(refused.value)
    assert not SavedSearch.objects.exists()


@pytest.mark.parametrize("query", ["stage=nowhere", "requested_state=XX", "court=999999", "last_event_after=yesterday"])
def test_a_filter_the_case_list_does_not_understand_is_refused(reader, query):
    with pytest.raises(ValidationError) as refused:
        services.saved_search_create(user=reader, name="Broken", query=query)
    assert "not understood" in str(refused.value)


def test_filters_too_long_are_refused(reader):
    with pytest.raises(ValidationError):
        services.saved_search_create(user=reader, name="Long", query="q=" + "x" * 3000)


def test_two_searches_of_one_user_cannot_share_a_name(reader):
    services.saved_search_create(user=reader, name="UK appeals", query="stage=appeal")
    with pytest.raises(ValidationError) as refused:
        services.saved_search_create(user=reader, name="UK appeals", query="requested_state=GB")
    assert "already have a saved search with this name" in str(refused.value)
    # Another user may.
    services.saved_search_create(user=ReaderFactory(), name="UK appeals", query="stage=appeal")


def test_updating_cleans_the_new_filters(reader):
    search = services.saved_search_create(user=reader, name="UK", query="requested_state=GB")
    services.saved_search_update(saved_search=search, by=reader, name=" UK appeals ", query="requested_state=GB&stage=appeal&page=2")
    search.refresh_from_db()
    assert search.name == "UK appeals"
    assert QueryDict(search.query) == QueryDict("requested_state=GB&stage=appeal")


def test_deleting_a_search_cancels_its_unsent_emails_and_keeps_the_others(reader, uk_case):
    search = SavedSearchFactory(user=reader, query="requested_state=GB")
    event = EventFactory(case=uk_case)
    pending = Alert.objects.create(recipient=reader, kind="event", channel="email", case=uk_case, event=event, saved_search=search)
    sent = Alert.objects.create(
        recipient=reader, kind="case", channel="email", status="sent", case=uk_case, saved_search=search
    )
    services.saved_search_delete(saved_search=search, by=reader)
    pending.refresh_from_db()
    sent.refresh_from_db()
    assert pending.status == Alert.Status.CANCELLED and pending.saved_search is None
    assert sent.status == Alert.Status.SENT
    assert not SavedSearch.objects.exists()


def test_a_search_is_described_as_the_case_list_labels_its_filters(db):
    court = AuthorityFactory(name="Westminster Magistrates' Court", country="GB")
    text = selectors.saved_search_describe(query=f"q=Interpol&requested_state=GB&stage=appeal&court={court.pk}")
    assert text == (
        "Search: Interpol · Stage: Appeal or review pending · Requested state: United Kingdom · "
        "Court or authority: Westminster Magistrates' Court"
    )


def test_a_search_is_named_by_its_filters_at_first(reader_client):
    page = reader_client.get(reverse("alerts:saved_search_create") + "?stage=appeal&requested_state=GB&q=Interpol")
    assert page.context["form"]["name"].value() == "Interpol · Appeal or review pending · United Kingdom"


# Pages -----------------------------------------------------------------------------------------


@pytest.fixture
def reader_client(client, reader):
    client.force_login(reader)
    return client


def test_the_filtered_case_list_offers_to_save_its_search(reader_client):
    response = reader_client.get(reverse("cases:case_list"), {"requested_state": "GB", "stage": "appeal"})
    link = reverse("alerts:saved_search_create") + "?"
    assert link in response.content.decode()
    assert "Save this search" in response.content.decode()


def test_the_unfiltered_case_list_does_not_offer_it(reader_client):
    assert "Save this search" not in reader_client.get(reverse("cases:case_list")).content.decode()


def test_saving_from_the_case_list(reader_client, reader):
    url = reverse("alerts:saved_search_create") + "?requested_state=GB&stage=appeal&page=2"
    page = reader_client.get(url)
    assert page.status_code == 200
    assert "United Kingdom" in page.content.decode()  # the filters, in words

    response = reader_client.post(url, {
        "name": "UK appeals", "query": page.context["form"]["query"].value(), "delivery": "digest", "scope": "all",
    })
    assert response.status_code == 302 and response["Location"] == reverse("alerts:following")
    search = SavedSearch.objects.get(user=reader)
    assert (search.name, search.delivery) == ("UK appeals", Follow.Delivery.DIGEST)
    assert QueryDict(search.query) == QueryDict("requested_state=GB&stage=appeal")


def test_saving_a_search_without_filters_shows_why(reader_client):
    response = reader_client.post(reverse("alerts:saved_search_create"), {
        "name": "All", "query": "page=2", "delivery": "instant", "scope": "all",
    })
    assert response.status_code == 200
    assert "at least one filter" in response.content.decode()
    assert not SavedSearch.objects.exists()


def test_the_following_page_lists_the_users_saved_searches_only(reader_client, reader):
    SavedSearchFactory(user=reader, name="UK appeals", query="requested_state=GB&stage=appeal")
    SavedSearchFactory(name="Someone else's", query="q=Interpol")
    page = reader_client.get(reverse("alerts:following")).content.decode()
    assert "UK appeals" in page and "United Kingdom" in page
    assert "Someone else" not in page
    assert "/?requested_state=GB&amp;stage=appeal" in page  # the name opens the case list with the filters


def test_the_owner_edits_a_saved_search(reader_client, reader):
    search = SavedSearchFactory(user=reader, name="UK", query="requested_state=GB")
    response = reader_client.post(reverse("alerts:saved_search_edit", args=[search.pk]), {
        "name": "UK appeals", "query": "requested_state=GB&stage=appeal", "delivery": "none", "scope": "major",
    })
    assert response.status_code == 302
    search.refresh_from_db()
    assert (search.name, search.delivery, search.scope) == ("UK appeals", "none", "major")
    assert search.history.first().history_user == reader


def test_nobody_else_opens_edits_or_deletes_a_saved_search(client):
    search = SavedSearchFactory(query="requested_state=GB")
    client.force_login(ReaderFactory())
    assert client.get(reverse("alerts:saved_search_edit", args=[search.pk])).status_code == 404
    assert client.post(reverse("alerts:saved_search_edit", args=[search.pk]), {"name": "Mine"}).status_code == 404
    assert client.post(reverse("alerts:saved_search_delete", args=[search.pk])).status_code == 404
    assert SavedSearch.objects.filter(pk=search.pk, name=search.name).exists()


def test_the_owner_deletes_a_saved_search(reader_client, reader):
    search = SavedSearchFactory(user=reader)
    response = reader_client.post(reverse("alerts:saved_search_delete", args=[search.pk]))
    assert response.status_code == 302
    assert not SavedSearch.objects.exists()


def test_someone_who_may_not_read_cases_cannot_save_a_search(client):
    client.force_login(UserFactory())
    response = client.post(reverse("alerts:saved_search_create"), {"name": "X", "query": "stage=appeal", "delivery": "instant", "scope": "all"})
    assert response.status_code == 403
    assert not SavedSearch.objects.exists()


# A new event on a matching case --------------------------------------------------------------------


def test_a_matching_new_event_writes_one_alert_naming_the_search(reader, uk_case, analyst, publish):
    search = SavedSearchFactory(user=reader, name="UK appeals", query="requested_state=GB&stage=appeal")
    event = status_update(uk_case, analyst)
    alert = Alert.objects.get(event=event)
    assert (alert.recipient, alert.saved_search, alert.kind) == (reader, search, Alert.Kind.EVENT)
    assert (alert.channel, alert.status) == (Alert.Channel.EMAIL, Alert.Status.PENDING)
    publish.event.assert_called_once()


def test_a_new_event_on_a_case_that_does_not_match_writes_nothing(reader, us_case, analyst, publish):
    SavedSearchFactory(user=reader, query="requested_state=GB&stage=appeal")
    event = status_update(us_case, analyst)
    assert not Alert.objects.filter(event=event).exists()
    publish.event.assert_not_called()


def test_words_of_the_new_event_itself_make_its_case_match(reader, us_case, uk_case, analyst, publish):
    SavedSearchFactory(user=reader, query="q=Interpol")
    status_update(uk_case, analyst, summary="Hearing listed for March.", category=StatusCategory.OTHER)
    assert not Alert.objects.exists()
    event = status_update(us_case, analyst, summary="Interpol issued a red notice.")
    assert list(Alert.objects.values_list("event_id", flat=True)) == [event.pk]


def test_a_second_fan_out_of_the_event_writes_nothing(reader, uk_case, analyst, publish):
    SavedSearchFactory(user=reader, query="requested_state=GB")
    event = status_update(uk_case, analyst)
    assert services.event_alerts_queue(event_id=event.pk, actor_id=analyst.pk) is False
    assert Alert.objects.filter(event=event).count() == 1


def test_a_reader_told_through_a_case_follow_is_not_told_again(reader, uk_case, analyst, publish):
    FollowFactory(user=reader, case=uk_case, scope=Follow.Scope.ALL)
    SavedSearchFactory(user=reader, query="requested_state=GB")
    event = status_update(uk_case, analyst)
    alert = Alert.objects.get(event=event)
    assert alert.saved_search is None  # the follow's row


def test_a_reader_with_several_matching_searches_gets_one_alert_by_email(reader, uk_case, analyst, publish):
    SavedSearchFactory(user=reader, name="A", query="requested_state=GB", delivery=Follow.Delivery.NONE)
    emailed = SavedSearchFactory(user=reader, name="B", query="stage=appeal", delivery=Follow.Delivery.INSTANT)
    event = status_update(uk_case, analyst)
    alert = Alert.objects.get(event=event)
    assert (alert.saved_search, alert.channel) == (emailed, Alert.Channel.EMAIL)


def test_the_searchs_scope_decides_which_events_alert(reader, uk_case, analyst, publish):
    SavedSearchFactory(user=reader, query="requested_state=GB", scope=Follow.Scope.STAGES)
    status_update(uk_case, analyst)
    assert not Alert.objects.exists()
    with committed():
        event = case_services.case_change_stage(
            case=uk_case, to_stage=Stage.SURRENDER_PENDING, reason="Appeal dismissed", occurred_on=datetime.date(2025, 2, 4),
            by=analyst,
        )
    assert Alert.objects.get().event == event


def test_the_author_of_the_event_is_not_alerted(uk_case, publish):
    author = ReaderFactory()
    SavedSearchFactory(user=author, query="requested_state=GB")
    status_update(uk_case, author)
    assert not Alert.objects.exists()


def test_a_user_who_may_not_read_cases_is_not_alerted(uk_case, analyst, publish):
    SavedSearchFactory(user=UserFactory(), query="requested_state=GB")  # no role
    status_update(uk_case, analyst)
    assert not Alert.objects.exists()


def test_a_digest_search_writes_a_digest_row(reader, uk_case, analyst, publish):
    SavedSearchFactory(user=reader, query="requested_state=GB", delivery=Follow.Delivery.DIGEST)
    status_update(uk_case, analyst)
    assert Alert.objects.get().channel == Alert.Channel.DIGEST
    publish.event.assert_not_called()


def test_a_filter_no_longer_understood_matches_nothing(reader, uk_case, analyst, publish):
    court = AuthorityFactory()
    SavedSearchFactory(user=reader, query=f"requested_state=GB&court={court.pk}")
    court.delete()
    status_update(uk_case, analyst)
    assert not Alert.objects.exists()


def test_the_sweep_fans_out_an_event_whose_announcement_was_lost(reader, uk_case, analyst, publish):
    from cases.signals import event_recorded

    SavedSearchFactory(user=reader, query="requested_state=GB")
    assert event_recorded.disconnect(dispatch_uid="alerts.event_recorded_receive")
    try:
        event = status_update(uk_case, analyst)
    finally:
        event_recorded.connect(services.event_recorded_receive, dispatch_uid="alerts.event_recorded_receive")
    assert not Alert.objects.exists()
    later = timezone.now() + datetime.timedelta(minutes=10)
    with committed():
        assert services.events_fan_out_missed(now=later) == 1
    assert Alert.objects.get().event == event
    assert services.events_fan_out_missed(now=later) == 0


def test_matching_many_saved_searches_costs_a_few_queries(uk_case):
    """Filters on the case's own fields and events are checked a hundred to a query. (Words and
    names add the text and name search's own look-ups of them, about one query per search.)"""
    countries = ["GB", "US", "FR", "DE", "ES", "IT", "PT", "IE", "CA", "AU", "NZ", "ZA", "AE", "PK", "BD"]
    queries = [f"stage={stage}&requested_state={country}" for stage in Stage.values for country in countries][:150]
    assert len(queries) == 150
    with CaptureQueriesContext(connection) as captured:
        matched = selectors.saved_queries_matching(case_id=uk_case.pk, queries=queries)
    assert matched == {"stage=appeal&requested_state=GB"}
    assert len(captured) == 2


def test_matching_agrees_with_the_case_list(uk_case, us_case):
    queries = ["requested_state=GB", "stage=appeal&requested_state=US", "q=Modi", "q=Rana", "person=Nobody"]
    for case in (uk_case, us_case):
        expected = {
            query for query in queries
            if CaseFilter(QueryDict(query), queryset=Case.objects.all()).qs.filter(pk=case.pk).exists()
        }
        assert selectors.saved_queries_matching(case_id=case.pk, queries=queries) == expected


# A new case that matches ---------------------------------------------------------------------------


def open_case(by, people=(), **fields):
    """A case opened as the case form opens it: with its person sought, in one transaction."""
    with committed():
        case = case_services.case_create(
            by=by, title=fields.pop("title", "Mehul Choksi (Antigua → India)"), reference=fields.pop("reference", "choksi"),
            requesting_state="IN", requested_state=fields.pop("requested_state", "AG"), offences="Bank fraud", **fields,
        )
        for name in people:
            case_services.case_add_party(
                case=case, person=case_services.person_create(name=name, by=by), role=CaseParty.Role.PERSON_SOUGHT, by=by
            )
    return case


def test_a_matching_new_case_writes_one_alert_and_queues_it(reader, analyst, publish):
    search = SavedSearchFactory(user=reader, query="requesting_state=IN&q=fraud")
    case = open_case(analyst)
    alert = Alert.objects.get()
    assert (alert.kind, alert.case, alert.saved_search, alert.recipient) == (Alert.Kind.CASE, case, search, reader)
    assert CaseFanout.objects.filter(case=case).exists()
    publish.alerts.assert_called_once()
    assert publish.alerts.call_args.kwargs["args"] == ([alert.pk],)


def test_a_new_case_is_matched_with_the_people_added_in_its_transaction(reader, analyst, publish):
    SavedSearchFactory(user=reader, query="person=Choksi")
    open_case(analyst, people=["Mehul Choksi"])
    assert Alert.objects.get().kind == Alert.Kind.CASE


def test_a_new_case_that_does_not_match_writes_nothing(reader, analyst, publish):
    SavedSearchFactory(user=reader, query="requested_state=GB")
    case = open_case(analyst)
    assert not Alert.objects.exists()
    assert CaseFanout.objects.filter(case=case).exists()
    publish.alerts.assert_not_called()


def test_a_second_fan_out_of_a_new_case_writes_nothing(reader, analyst, publish):
    SavedSearchFactory(user=reader, query="requesting_state=IN")
    case = open_case(analyst)
    assert services.case_alerts_queue(case_id=case.pk, actor_id=analyst.pk) is False
    assert Alert.objects.count() == 1


def test_the_sweep_fans_out_a_new_case_whose_announcement_was_lost(reader, publish):
    author = ReaderFactory()
    SavedSearchFactory(user=reader, query="requesting_state=IN")
    SavedSearchFactory(user=author, query="requesting_state=IN")
    assert case_created.disconnect(dispatch_uid="alerts.case_created_receive")
    try:
        case = open_case(author)
    finally:
        case_created.connect(services.case_created_receive, dispatch_uid="alerts.case_created_receive")
    assert not Alert.objects.exists()
    later = timezone.now() + datetime.timedelta(minutes=10)
    with committed():
        assert services.cases_fan_out_missed(now=later) == 1
    # The author, read from the case's history, is not alerted about their own case.
    assert list(Alert.objects.values_list("case", "recipient")) == [(case.pk, reader.pk)]
    assert services.cases_fan_out_missed(now=later) == 0


def test_a_case_imported_with_its_events_alerts_once_as_a_new_case(reader, analyst, publish):
    SavedSearchFactory(user=reader, query="requesting_state=IN")
    with committed():
        case = case_services.case_create(
            by=analyst, title="Imported (US → India)", reference="imported", requesting_state="IN", requested_state="US",
            offences="Fraud",
        )
        for n in range(3):
            case_services.event_record(
                case=case, kind=Event.Kind.STATUS, by=analyst, summary=f"Imported entry {n}", occurred_on=datetime.date(2024, 1, n + 1)
            )
    assert list(Alert.objects.values_list("kind", flat=True)) == [Alert.Kind.CASE]
    assert EventFanout.objects.filter(event__case=case).count() == 3
    # A later event on it is news again.
    event = status_update(case, analyst, summary="Interpol notice")
    assert Alert.objects.filter(event=event, recipient=reader).exists()


def test_an_imported_cases_events_fanned_out_before_the_case_itself_still_alert_once_as_a_new_case(
    reader, analyst, publish
):
    SavedSearchFactory(user=reader, query="requesting_state=IN")
    publish.worker_stopped = True
    with committed():
        case = case_services.case_create(
            by=analyst, title="Imported (US → India)", reference="imported", requesting_state="IN", requested_state="US",
            offences="Fraud",
        )
        for n in range(2):
            case_services.event_record(
                case=case, kind=Event.Kind.STATUS, by=analyst, summary=f"Imported entry {n}", occurred_on=datetime.date(2024, 1, n + 1)
            )
    # Two workers: the events' tasks are taken before the case's.
    case_message, *event_messages = publish.waiting
    publish.waiting[:] = [*event_messages, case_message]
    with committed():
        assert publish.work() == 3
    assert list(Alert.objects.values_list("kind", flat=True)) == [Alert.Kind.CASE]
    assert CaseFanout.objects.filter(case=case).count() == 1


# Emails ------------------------------------------------------------------------------------------


def test_the_email_says_which_saved_search_it_is_for_and_unsubscribes_from_it(reader, uk_case, analyst, publish):
    search = SavedSearchFactory(user=reader, name="UK appeals", query="requested_state=GB")
    event = status_update(uk_case, analyst)
    alert = Alert.objects.get(event=event)
    message = AlertRenderer().email(alert=AlertRenderer().attach(alert))
    html = message.alternatives[0][0]
    assert "matches your saved search “UK appeals”" in message.body
    assert "matches your saved search “UK appeals”" in html
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert "/alerts/searches/unsubscribe/" in link and link in message.body

    client_path = urlsplit(link).path
    from django.test import Client

    anonymous = Client()
    assert "UK appeals" in anonymous.get(client_path).content.decode()
    assert anonymous.post(client_path).status_code == 200
    search.refresh_from_db()
    assert search.delivery == Follow.Delivery.NONE


def test_a_new_case_email_names_the_search_and_the_case(reader, analyst, publish):
    SavedSearchFactory(user=reader, name="Indian requests", query="requesting_state=IN")
    case = open_case(analyst, people=["Mehul Choksi"])
    alert = Alert.objects.get()
    services.alerts_deliver(alert_ids=[alert.pk])
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == f"New case matching “Indian requests”: {case.title}"
    assert "Mehul Choksi" in message.body
    assert "matches your saved search “Indian requests”" in message.body
    assert "/alerts/searches/unsubscribe/" in message.extra_headers["List-Unsubscribe"]


def test_the_unsubscribe_link_of_a_search_refuses_a_forged_token(client):
    response = client.post(reverse("alerts:search_unsubscribe", args=["forged"]))
    assert response.status_code == 400


def test_the_unsubscribe_link_of_another_users_search_does_nothing(client, reader):
    search = SavedSearchFactory(user=reader)
    token = search_unsubscribe_token_make(user_id=reader.pk + 1000, saved_search_id=search.pk)
    assert client.post(reverse("alerts:search_unsubscribe", args=[token])).status_code == 404
    search.refresh_from_db()
    assert search.delivery == Follow.Delivery.INSTANT


def test_the_digest_unsubscribe_also_silences_saved_searches(client, reader):
    from alerts.tokens import unsubscribe_token_make

    search = SavedSearchFactory(user=reader, delivery=Follow.Delivery.DIGEST)
    client.post(reverse("alerts:unsubscribe", args=[unsubscribe_token_make(user_id=reader.pk, case_id=None)]))
    search.refresh_from_db()
    assert search.delivery == Follow.Delivery.NONE


# The API takes the same filters ----------------------------------------------------------------------


def test_a_saved_searchs_filters_give_the_same_cases_through_the_api(client, reader, uk_case, us_case):
    CaseFactory(reference="closed-gb", requested_state="GB", stage=Stage.APPEAL, outcome="refused", closed_on=datetime.date(2024, 1, 1))
    search = services.saved_search_create(user=reader, name="Open UK appeals", query="requested_state=GB&stage=appeal&status=open")
    token = Token.objects.create(user=reader)
    response = client.get(
        reverse("api:case-list") + "?" + search.query, headers={"Authorization": f"Token {token.key}"}
    )
    assert response.status_code == 200
    through_api = {row["reference"] for row in response.json()["results"]}
    in_list = set(CaseFilter(QueryDict(search.query), queryset=Case.objects.all()).qs.values_list("reference", flat=True))
    assert through_api == in_list == {"modi-uk"}


# Hostile input -----------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402

from tests.test_hostile_input import hostile_text  # noqa: E402


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(name=hostile_text, query=hostile_text, delivery=hostile_text, scope=hostile_text)
def test_the_saved_search_forms_survive_anything(reader_client, reader, name, query, delivery, scope):
    search = SavedSearchFactory(user=reader, name="Mine", query="stage=appeal")
    data = {"name": name, "query": query, "delivery": delivery, "scope": scope}
    for url in (reverse("alerts:saved_search_create") + "?" + query.replace("\x00", ""), reverse("alerts:saved_search_edit", args=[search.pk])):
        for response in (reader_client.get(url), reader_client.post(url, data)):
            assert response.status_code in (200, 302), (url, response.status_code)
            assert "<script>alert(1)</script>" not in response.content.decode()
    page = reader_client.get(reverse("alerts:following"))
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.content.decode()
    SavedSearch.objects.all().delete()
