"""
Alert emails: subject, plain text and HTML rendered from templates under templates/alerts/email/.

Every email says why the reader got it, links to the case and to the reader's preferences, and
carries a one-click unsubscribe link (also as List-Unsubscribe headers, RFC 2369 and RFC 8058)
and a Message-ID fixed per alert, so that a copy sent twice is recognised as the same message.
"""

import email.policy
from collections import defaultdict
from email.headerregistry import HeaderRegistry, UnstructuredHeader

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from cases.models import Authority, Case, Event, Stage, Statement, StatusCategory
from tracker.absolute_urls import absolute_url

from .models import Alert, Deadline, SavedSearch, event_label
from .selectors import digest_items
from .tokens import search_unsubscribe_token_make, unsubscribe_token_make


class _UnfoldedHeader(UnstructuredHeader):
    """A header written on one line as given (up to the 998 octets RFC 5322 allows).

    Python folds an over-long header that has no space in it by turning it into encoded words,
    which breaks a URL in angle brackets: mail clients would not find the unsubscribe link."""

    def fold(self, *, policy):
        return f"{self.name}: {self}{policy.linesep}"


class _AlertHeaders(HeaderRegistry):
    """The header classes of alert emails: List-Unsubscribe unfolded, and each class made once.
    The standard registry makes a new class for every header of every message, which was a tenth of
    the time of sending a thousand emails."""

    def __init__(self):
        super().__init__()
        self.map_to_type("list-unsubscribe", _UnfoldedHeader)
        self._classes: dict[str, type] = {}

    def __getitem__(self, name):
        key = name.lower()
        header_class = self._classes.get(key)
        if header_class is None:
            header_class = self._classes[key] = super().__getitem__(name)
        return header_class


_HEADERS = _AlertHeaders()
# The policies Django asks for (default, SMTP), each with the registry above; made once per policy.
_POLICIES: dict[int, tuple] = {}


def _with_alert_headers(policy):
    kept = _POLICIES.get(id(policy))
    if kept is None or kept[0] is not policy:
        kept = _POLICIES[id(policy)] = (policy, policy.clone(header_factory=_HEADERS))
    return kept[1]


class AlertEmail(EmailMultiAlternatives):
    """An email whose List-Unsubscribe header reaches the reader as a plain URL, however long."""

    def message(self, *, policy=email.policy.default):
        return super().message(policy=_with_alert_headers(policy))


TEMPLATE_FOR_KIND = {
    Alert.Kind.EVENT: "event",
    Alert.Kind.CASE: "case",
    Alert.Kind.REMINDER: "deadline",
    Alert.Kind.OVERDUE: "deadline",
    Alert.Kind.DIGEST: "digest",
}


def stage_label(stage: str) -> str:
    """'surrender_pending' -> 'surrender pending', as it reads inside a sentence or a subject."""
    label = Stage(stage).label if stage in Stage.values else stage
    return label[:1].lower() + label[1:]


def decision_text(event: Event) -> str:
    """'Sentenced — 14 years': the decision as its kind names it, with its detail beside it."""
    if not event.decision:
        return ""
    return event.decision_label + (f" — {event.decision_detail}" if event.decision_detail else "")


def statement_attribution(statement: Statement) -> str:
    """'Randhir Jaiswal, Spokesperson, Ministry of External Affairs, press briefing'; an unknown channel is left out."""
    parts = [str(statement.speaker) if statement.speaker else "", statement.speaker_title, statement.body]
    if statement.channel:
        parts.append(statement.get_channel_display().lower())
    return ", ".join(part for part in parts if part)


def event_facts(event: Event) -> list[tuple[str, str]]:
    """The labelled lines an alert shows under an event's summary, in the vocabulary of its kind.

    Rendered by the plain-text and the HTML email alike, so the two never disagree. A statement's
    words are not here: the templates show a verbatim quote as a quotation and reported speech
    never as one."""
    facts: list[tuple[str, str]] = []
    if event.authority_id:
        if event.authority.kind == Authority.Kind.COURT:
            label = "Court"
        elif event.kind == Event.Kind.EXECUTIVE_DECISION:
            label = "Decided by"
        else:
            label = "Acting authority"
        facts.append((label, str(event.authority)))
    if event.kind == Event.Kind.EXECUTIVE_DECISION and event.official_id:
        facts.append(("Official", str(event.official)))
    if event.decision:
        facts.append(("Decision", decision_text(event)))
    if event.hearing_status:
        facts.append(("Hearing", event.get_hearing_status_display()))
    if event.filing_type:
        facts.append(("Filing", event.get_filing_type_display() + (f" by {event.filed_by}" if event.filed_by else "")))
    if event.custody_change:
        then = f", then {event.get_custody_change_then_display().lower()}" if event.custody_change_then else ""
        facts.append(("Custody", event.get_custody_change_display() + then))
    if event.kind == Event.Kind.STATUS and event.category and event.category != StatusCategory.OTHER:
        facts.append(("About", event.get_category_display()))
    if event.judges:
        facts.append(("Judge(s)", event.judges))
    if event.docket_number:
        facts.append(("Docket" if event.kind != Event.Kind.EXECUTIVE_DECISION else "Reference", event.docket_number))
    facts.append(("Confidence", event.get_confidence_display()))
    return facts


# Stands for a recipient's unsubscribe link in an email rendered once for many recipients.
_UNSUBSCRIBE_PLACEHOLDER = "https://unsubscribe.invalid/RECIPIENT-LINK"


class AlertRenderer:
    """Builds the email of each alert of a delivery run.

    Sending to a thousand followers renders a thousand emails about one event: what they share
    (the case, the event, its latest events, the links) is read and built once per run."""

    def __init__(self):
        self._cases: dict[int, Case] = {}
        self._events: dict[int, Event] = {}
        self._deadlines: dict[int, Deadline] = {}
        self._saved_searches: dict[int, SavedSearch] = {}
        self._latest_events: dict[int, list[Event]] = {}
        self._bodies: dict[tuple, tuple[str, str, str]] = {}
        self._following_url = absolute_url(reverse("alerts:following"))
        self._notifications_url = absolute_url(reverse("alerts:notifications"))
        # Tokens are URL-safe, so the path is built once and the token put in its place.
        self._unsubscribe_url = absolute_url(reverse("alerts:unsubscribe", args=["TOKEN"]))
        self._search_unsubscribe_url = absolute_url(reverse("alerts:search_unsubscribe", args=["TOKEN"]))

    def attach(self, alert: Alert) -> Alert:
        """Give the alert its case, event and deadline from this run's cache, reading each once."""
        if alert.case_id:
            if alert.case_id not in self._cases:
                self._cases[alert.case_id] = Case.objects.get(pk=alert.case_id)
            alert.case = self._cases[alert.case_id]
        if alert.event_id:
            if alert.event_id not in self._events:
                self._events[alert.event_id] = Event.objects.select_related(
                    "recorded_by", "authority", "official", "statement", "statement__speaker"
                ).get(pk=alert.event_id)
            alert.event = self._events[alert.event_id]
        if alert.deadline_id:
            if alert.deadline_id not in self._deadlines:
                self._deadlines[alert.deadline_id] = Deadline.objects.get(pk=alert.deadline_id)
            alert.deadline = self._deadlines[alert.deadline_id]
        if alert.saved_search_id:
            if alert.saved_search_id not in self._saved_searches:
                self._saved_searches[alert.saved_search_id] = SavedSearch.objects.get(pk=alert.saved_search_id)
            alert.saved_search = self._saved_searches[alert.saved_search_id]
        return alert

    def latest_events(self, case_id: int) -> list[Event]:
        if case_id not in self._latest_events:
            self._latest_events[case_id] = list(
                Event.objects.filter(case_id=case_id)
                .timeline_order()
                .select_related("recorded_by")[: settings.ALERTS_LATEST_EVENTS]
            )
        return self._latest_events[case_id]

    def unsubscribe_url(self, *, alert: Alert) -> str:
        # An alert of a saved search turns off that search's emails.
        if alert.saved_search_id and alert.kind != Alert.Kind.DIGEST:
            token = search_unsubscribe_token_make(user_id=alert.recipient_id, saved_search_id=alert.saved_search_id)
            return self._search_unsubscribe_url.replace("TOKEN", token)
        # A digest covers every followed case, so its link turns off every email; others only the case's.
        case_id = None if alert.kind == Alert.Kind.DIGEST else alert.case_id
        return self._unsubscribe_url.replace("TOKEN", unsubscribe_token_make(user_id=alert.recipient_id, case_id=case_id))

    def context(self, *, alert: Alert) -> dict:
        context = {
            "alert": alert,
            "recipient": alert.recipient,
            "unsubscribe_url": self.unsubscribe_url(alert=alert),
            "following_url": self._following_url,
            "notifications_url": self._notifications_url,
        }
        if alert.case_id:
            case = alert.case
            case_url = absolute_url(case.get_absolute_url())
            context.update(case=case, case_url=case_url)
        if alert.kind == Alert.Kind.EVENT:
            event = alert.event
            context.update(
                event=event,
                event_label=event_label(event),
                facts=event_facts(event),
                decision=decision_text(event),
                attribution=statement_attribution(event.statement) if event.statement_id else "",
                event_url=f"{case_url}#event-{event.pk}",
                from_stage=stage_label(event.from_stage) if event.from_stage else "",
                to_stage=stage_label(event.to_stage) if event.to_stage else "",
                latest_events=self.latest_events(alert.case_id),
                why="you follow this case and chose an email for each update",
            )
            if alert.saved_search_id:
                context.update(
                    saved_search=alert.saved_search,
                    why=f"the case matches your saved search “{alert.saved_search.name}”, "
                    "for which you chose an email for each match",
                )
        elif alert.kind == Alert.Kind.CASE:
            context.update(
                saved_search=alert.saved_search,
                saved_search_url=absolute_url(alert.saved_search.case_list_url) if alert.saved_search_id else "",
                latest_events=self.latest_events(alert.case_id),
                people=list(alert.case.parties.select_related("person").order_by("role", "person__name")),
                why=f"the new case matches your saved search “{alert.saved_search.name}”"
                if alert.saved_search_id
                else "it matched one of your saved searches",
            )
        elif alert.kind in (Alert.Kind.REMINDER, Alert.Kind.OVERDUE):
            deadline = alert.deadline
            context.update(
                deadline=deadline,
                days_left=deadline.days_left(),
                overdue=alert.kind == Alert.Kind.OVERDUE,
                why="you follow this case; reminders of its deadlines and hearings go to every follower",
            )
        elif alert.kind == Alert.Kind.DIGEST:
            by_case = defaultdict(list)
            for item in digest_items(digest=alert):
                by_case[item.case].append(item)
            context.update(
                cases=[
                    {"case": case, "url": absolute_url(case.get_absolute_url()), "items": items}
                    for case, items in by_case.items()
                ],
                item_count=sum(len(items) for items in by_case.values()),
                why="you chose a daily digest for the cases you follow"
                + (" and your saved searches" if any(i.saved_search_id for v in by_case.values() for i in v) else ""),
            )
        return context

    def _rendered(self, *, alert: Alert, name: str, unsubscribe_url: str) -> tuple[str, str, str]:
        """Subject, text and HTML of the alert's email.

        The emails about one event differ only in their unsubscribe link, so they are rendered
        once per event with a placeholder that each recipient's link then replaces."""
        # Rows of a saved search say so: rendered once per search and event.
        key = (alert.kind, alert.event_id, alert.saved_search_id) if alert.kind == Alert.Kind.EVENT else None
        if key is None or key not in self._bodies:
            context = self.context(alert=alert)
            if key is not None:
                context["unsubscribe_url"] = _UNSUBSCRIBE_PLACEHOLDER
            rendered = tuple(
                render_to_string(f"alerts/email/{name}{suffix}", context) for suffix in ("_subject.txt", ".txt", ".html")
            )
            if key is None:
                return rendered
            self._bodies[key] = rendered
        return tuple(part.replace(_UNSUBSCRIBE_PLACEHOLDER, unsubscribe_url) for part in self._bodies[key])

    def email(self, *, alert: Alert) -> EmailMultiAlternatives:
        name = TEMPLATE_FOR_KIND[alert.kind]
        unsubscribe_url = self.unsubscribe_url(alert=alert)
        subject, text, html = self._rendered(alert=alert, name=name, unsubscribe_url=unsubscribe_url)
        message = AlertEmail(
            subject=" ".join(subject.split()),
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[alert.recipient.email],
            headers={
                "Message-ID": alert.message_id,
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Auto-Submitted": "auto-generated",
            },
        )
        message.attach_alternative(html, "text/html")
        return message

