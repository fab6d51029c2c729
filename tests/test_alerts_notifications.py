import datetime
import email.policy

import pytest
import time_machine
from django.core import signing

from alerts.models import Alert, Follow
from alerts.notifications import AlertRenderer, stage_label
from alerts.tokens import search_unsubscribe_token_make, unsubscribe_token_make, unsubscribe_token_read
from cases.models import Authority, Event, ExecutiveDecision, Stage, StatusCategory
from tests.factories import (
    AlertFactory,
    CaseFactory,
    DeadlineFactory,
    EventFactory,
    AuthorityFactory,
    PersonFactory,
    StatementFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2025, 2, 1, 12, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def rana():
    return CaseFactory(title="Rana (US→India)", reference="rana", stage=Stage.SURRENDERED)


@pytest.fixture
def stage_alert(rana):
    recorder = UserFactory(username="asha", first_name="Asha", last_name="Rao")
    EventFactory(case=rana, occurred_on=datetime.date(2025, 1, 21), summary="Supreme Court declined to hear the case")
    event = EventFactory(
        case=rana, kind=Event.Kind.STAGE_CHANGE, from_stage=Stage.SURRENDER_PENDING, to_stage=Stage.SURRENDERED,
        summary="Flown to New Delhi on a special flight", occurred_on=datetime.date(2025, 4, 10), recorded_by=recorder,
    )
    return AlertFactory(event=event, recipient=UserFactory(email="reader@example.org"))


def render(alert):
    return AlertRenderer().email(alert=alert)


def test_stage_label_reads_inside_a_sentence():
    assert stage_label(Stage.SURRENDER_PENDING) == "surrender pending"


def test_stage_change_subject_names_the_case_and_the_move(stage_alert):
    assert render(stage_alert).subject == "Rana (US→India): surrender pending → surrendered"


def test_stage_change_body_has_the_move_reason_author_date_history_and_link(stage_alert, settings):
    settings.SITE_URL = "https://tracker.example.org"
    body = render(stage_alert).body
    assert "moved from surrender pending to surrendered" in body
    assert "Reason: Flown to New Delhi on a special flight" in body
    assert "Recorded by Asha Rao on 1 Feb 2025" in body
    assert "Date: 10 Apr 2025" in body
    assert "Supreme Court declined to hear the case" in body  # the latest events
    assert f"https://tracker.example.org/cases/rana/#event-{stage_alert.event_id}" in body


def test_every_email_says_why_and_how_to_unsubscribe(stage_alert, settings):
    settings.SITE_URL = "https://tracker.example.org"
    message = render(stage_alert)
    html = message.alternatives[0].content
    assert "because you follow this case" in message.body and "because you follow this case" in html
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert link.startswith("https://tracker.example.org/alerts/unsubscribe/")
    assert link in message.body and link in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe_token_read(link.rstrip("/").rsplit("/", 1)[1]) == (stage_alert.recipient_id, stage_alert.case_id)


def test_message_id_is_fixed_per_alert(stage_alert, settings):
    settings.SITE_URL = "https://tracker.example.org"
    first, second = render(stage_alert), render(stage_alert)
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"] == f"<alert-{stage_alert.pk}@tracker.example.org>"
    assert first.message()["Message-ID"] == f"<alert-{stage_alert.pk}@tracker.example.org>"


def test_html_part_escapes_what_analysts_typed(rana):
    event = EventFactory(case=rana, summary="<script>alert(1)</script> & co")
    html = render(AlertFactory(event=event)).alternatives[0].content
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script>alert(1)</script> & co" in render(AlertFactory(event=event)).body  # plain text stays plain


def test_ruling_email_names_the_court_and_decision(rana):
    event = EventFactory(
        case=rana, kind=Event.Kind.RULING, authority=AuthorityFactory(name="Supreme Court of the United States"),
        decision=Event.Decision.CERT_DENIED, summary="Cert denied",
    )
    message = render(AlertFactory(event=event))
    assert message.subject == "Rana (US→India): ruling: declined to hear (certiorari denied) (Supreme Court of the United States)"
    assert "Decision: Declined to hear" in message.body


def test_statement_email_quotes_the_statement(rana):
    statement = StatementFactory(quote="We have been pursuing it.", speaker_title="Spokesperson")
    event = EventFactory(case=rana, kind=Event.Kind.STATEMENT, statement=statement, summary="MEA on Rana")
    message = render(AlertFactory(event=event))
    assert message.subject == "Rana (US→India): statement by Ministry of External Affairs"
    assert "“We have been pursuing it.”" in message.body


def test_a_conviction_after_surrender_shows_the_decision_and_its_detail(rana):
    event = EventFactory(
        case=rana, kind=Event.Kind.RULING, authority=AuthorityFactory(name="Special NIA Court", country="IN", level="requesting_state"),
        decision=Event.Decision.CONVICTED, decision_detail="on two of three counts", summary="Convicted in Delhi",
    )
    message = render(AlertFactory(event=event))
    assert message.subject == "Rana (US→India): ruling: convicted — on two of three counts (Special NIA Court)"
    assert "Court ruling (Convicted) on Rana (US→India)" in message.body
    assert "Court: Special NIA Court\nDecision: Convicted — on two of three counts\n" in message.body
    assert "<strong>Convicted — on two of three counts</strong>" in message.alternatives[0].content


@pytest.fixture
def executive_decision(rana):
    return EventFactory(
        case=rana, kind=Event.Kind.EXECUTIVE_DECISION,
        authority=AuthorityFactory(name="Home Office", country="GB", kind=Authority.Kind.EXECUTIVE, level=""),
        official=PersonFactory(name="Priti Patel"), decision=ExecutiveDecision.EXTRADITION_ORDERED,
        decision_detail="after assurances on prison conditions", summary="The Home Secretary ordered the extradition",
    )


def test_an_executive_decision_names_the_ministry_the_official_and_its_own_decision(executive_decision):
    message = render(AlertFactory(event=executive_decision))
    assert message.subject == (
        "Rana (US→India): executive decision: extradition ordered — after assurances on prison conditions (Home Office)"
    )
    assert "Decided by: Home Office\nOfficial: Priti Patel\n" in message.body
    assert "Decision: Extradition ordered — after assurances on prison conditions" in message.body
    assert "Court:" not in message.body  # a minister is not a court


def test_the_notifications_headline_names_an_executive_decision(executive_decision):
    alert = AlertFactory(event=executive_decision)
    assert alert.headline == "Executive decision (Extradition ordered): The Home Secretary ordered the extradition"


def test_reported_speech_is_never_shown_as_a_quotation(rana):
    statement = StatementFactory(
        reported_speech=True, quote="", gist="India would liaise with the US authorities", channel=""
    )
    event = EventFactory(case=rana, kind=Event.Kind.STATEMENT, statement=statement, summary="MEA on the request")
    message = render(AlertFactory(event=event))
    html = message.alternatives[0].content
    assert "Reported speech: India would liaise with the US authorities\n" in message.body
    assert "“India would liaise" not in message.body and "“" not in message.body
    assert "<blockquote" not in html and "“" not in html
    # The channel is unknown: nothing is said about it.
    assert "(Ministry of External Affairs)\n" in message.body
    assert "<p>Ministry of External Affairs</p>" in html


def test_a_verbatim_quote_stays_quoted_and_names_the_speaker_and_channel(rana):
    statement = StatementFactory(
        quote="We have been pursuing it.", speaker=PersonFactory(name="Randhir Jaiswal"), speaker_title="Spokesperson"
    )
    event = EventFactory(case=rana, kind=Event.Kind.STATEMENT, statement=statement, summary="MEA on Rana")
    message = render(AlertFactory(event=event))
    assert "“We have been pursuing it.”\n(Randhir Jaiswal, Spokesperson, Ministry of External Affairs, press briefing)" in message.body
    assert "<blockquote" in message.alternatives[0].content
    assert "Reported speech" not in message.body


def test_any_event_names_its_acting_authority_and_its_category(rana):
    event = EventFactory(
        case=rana, category=StatusCategory.INTERPOL_NOTICE, summary="Red notice issued",
        authority=AuthorityFactory(name="Interpol", country="", kind=Authority.Kind.INTERNATIONAL, level=""),
    )
    alert = AlertFactory(event=event)
    body = render(alert).body
    assert "Status update (Interpol notice) on Rana (US→India)" in body
    assert "Acting authority: Interpol\nAbout: Interpol notice\n" in body
    assert alert.headline == "Status update (Interpol notice): Red notice issued"


def test_dates_and_the_analysts_note_are_shown_as_known(rana):
    EventFactory(case=rana, occurred_on=datetime.date(2018, 8, 1), date_precision="month", summary="Arrested in London")
    event = EventFactory(
        case=rana, kind=Event.Kind.STAGE_CHANGE, from_stage=Stage.ARREST, to_stage=Stage.HEARING, summary="Hearing set",
        occurred_on=datetime.date(2016, 1, 1), date_precision="year", date_approximate=True,
        note="sources conflict: Feb vs Aug 2016",
    )
    message = render(AlertFactory(event=event))
    assert "Date: c. 2016\n" in message.body
    assert "- Aug 2018 · Status update: Arrested in London" in message.body
    assert "1 Aug 2018" not in message.body and "1 Jan 2016" not in message.body
    assert "Analyst's note: sources conflict: Feb vs Aug 2016" in message.body
    assert "Analyst's note: sources conflict: Feb vs Aug 2016" in message.alternatives[0].content


@pytest.mark.parametrize(
    ("due_on", "kind", "subject"),
    [
        (datetime.date(2025, 2, 8), Alert.Kind.REMINDER, "Rana (US→India): hearing in 7 days: Status hearing"),
        (datetime.date(2025, 2, 2), Alert.Kind.REMINDER, "Rana (US→India): hearing tomorrow: Status hearing"),
        (datetime.date(2025, 1, 31), Alert.Kind.OVERDUE, "Rana (US→India): overdue: Status hearing (was due 31 Jan 2025)"),
    ],
)
def test_deadline_subjects_say_when(rana, due_on, kind, subject):
    deadline = DeadlineFactory(case=rana, title="Status hearing", due_on=due_on)
    alert = AlertFactory(kind=kind, event=None, case=rana, deadline=deadline, lead_days=7 if kind == "reminder" else None)
    message = render(alert)
    assert message.subject == subject
    assert "reminders of its deadlines and hearings go to every follower" in message.body


def test_digest_lists_each_case_and_what_happened(rana, settings):
    reader = UserFactory()
    other = CaseFactory(title="Modi (UK→India)")
    digest = AlertFactory(kind=Alert.Kind.DIGEST, event=None, case=None, digest_on=datetime.date(2025, 2, 1), recipient=reader)
    stage = EventFactory(case=rana, kind=Event.Kind.STAGE_CHANGE, from_stage=Stage.SURRENDER_PENDING, to_stage=Stage.SURRENDERED)
    AlertFactory(recipient=reader, event=stage, channel=Alert.Channel.DIGEST, digest=digest)
    AlertFactory(recipient=reader, event=EventFactory(case=other, summary="Appeal lodged"), channel=Alert.Channel.DIGEST, digest=digest)
    message = render(digest)
    assert message.subject == "Daily digest, 1 Feb 2025: 2 updates on 2 cases"
    assert "Modi (UK→India)" in message.body and "Status update: Appeal lodged" in message.body
    assert "Stage changed: Surrender pending → Surrendered" in message.body
    assert "because you chose a daily digest" in message.body
    # A digest's unsubscribe link covers every case.
    token = message.extra_headers["List-Unsubscribe"].strip("<>").rstrip("/").rsplit("/", 1)[1]
    assert unsubscribe_token_read(token) == (reader.pk, None)


def test_the_renderer_reads_a_cases_latest_events_once_for_many_readers(stage_alert, django_assert_max_num_queries):
    others = [AlertFactory(event=stage_alert.event) for _ in range(3)]
    renderer = AlertRenderer()
    alerts = list(Alert.objects.select_related("recipient", "case", "event", "event__recorded_by").filter(
        pk__in=[stage_alert.pk, *[o.pk for o in others]]
    ))
    with django_assert_max_num_queries(1):
        for alert in alerts:
            renderer.email(alert=alert)


def test_readers_of_one_event_share_the_body_but_each_gets_their_own_unsubscribe_link(stage_alert):
    other = AlertFactory(event=stage_alert.event, case=stage_alert.case)
    renderer = AlertRenderer()
    first, second = renderer.email(alert=stage_alert), renderer.email(alert=other)
    links = []
    for message, alert in ((first, stage_alert), (second, other)):
        link = message.extra_headers["List-Unsubscribe"].strip("<>")
        assert link in message.body and link in message.alternatives[0].content
        assert "unsubscribe.invalid" not in message.body + message.alternatives[0].content
        token = link.rstrip("/").rsplit("/", 1)[1]
        assert unsubscribe_token_read(token) == (alert.recipient_id, alert.case_id)
        links.append(link)
    assert links[0] != links[1]
    assert first.body.replace(links[0], "") == second.body.replace(links[1], "")


# Tokens ------------------------------------------------------------------------------------


def test_unsubscribe_token_round_trip_and_tamper():
    token = unsubscribe_token_make(user_id=7, case_id=3)
    assert unsubscribe_token_read(token) == (7, 3)
    with pytest.raises(signing.BadSignature):
        unsubscribe_token_read(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))


def test_a_saved_search_token_does_not_unsubscribe_from_cases():
    with pytest.raises(signing.BadSignature):
        unsubscribe_token_read(search_unsubscribe_token_make(user_id=7, saved_search_id=3))


def test_unsubscribe_link_in_a_real_email_turns_emails_off(stage_alert, client):
    follow = Follow.objects.create(user=stage_alert.recipient, case=stage_alert.case)
    link = render(stage_alert).extra_headers["List-Unsubscribe"].strip("<>")
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.post("/" + path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    follow.refresh_from_db()
    assert follow.delivery == Follow.Delivery.NONE


def test_unsubscribe_header_reaches_the_wire_as_a_plain_url(stage_alert, settings):
    import email.policy

    settings.SITE_URL = "https://extradition-tracker.example.org"
    raw = render(stage_alert).message(policy=email.policy.SMTP).as_bytes()
    header = next(line for line in raw.split(b"\r\n") if line.startswith(b"List-Unsubscribe:"))
    assert header.startswith(b"List-Unsubscribe: <https://extradition-tracker.example.org/alerts/unsubscribe/")
    assert header.endswith(b"/>") and b"=?utf-8?" not in header


def test_alert_emails_make_each_header_class_once_and_keep_the_unsubscribe_link_unfolded():
    from alerts.notifications import _HEADERS, _UnfoldedHeader, _with_alert_headers

    assert _HEADERS["Subject"] is _HEADERS["subject"]
    assert issubclass(_HEADERS["List-Unsubscribe"], _UnfoldedHeader)
    assert _with_alert_headers(email.policy.SMTP) is _with_alert_headers(email.policy.SMTP)
    assert _with_alert_headers(email.policy.SMTP).linesep == "\r\n"
