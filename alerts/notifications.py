"""
Alert emails: subject, plain text and HTML rendered from templates under templates/alerts/email/.

Every email says why the reader got it, links to the case and to the reader's preferences, and
carries a one-click unsubscribe link (also as List-Unsubscribe headers, RFC 2369 and RFC 8058)
and a Message-ID fixed per alert, so that a copy sent twice is recognised as the same message.
"""

from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from cases.models import Event, Stage

from .models import Alert
from .selectors import digest_items
from .tokens import unsubscribe_token_make

TEMPLATE_FOR_KIND = {
    Alert.Kind.EVENT: "event",
    Alert.Kind.REMINDER: "deadline",
    Alert.Kind.OVERDUE: "deadline",
    Alert.Kind.DIGEST: "digest",
}


def absolute_url(path: str) -> str:
    return settings.SITE_URL + path


def stage_label(stage: str) -> str:
    """'surrender_pending' -> 'surrender pending', as it reads inside a sentence or a subject."""
    label = Stage(stage).label if stage in Stage.values else stage
    return label[:1].lower() + label[1:]


def unsubscribe_url(*, alert: Alert) -> str:
    # A digest covers every followed case, so its link turns off every email; others only the case's.
    case_id = None if alert.kind == Alert.Kind.DIGEST else alert.case_id
    return absolute_url(
        reverse("alerts:unsubscribe", args=[unsubscribe_token_make(user_id=alert.recipient_id, case_id=case_id)])
    )


class AlertRenderer:
    """Builds the email for each alert of a delivery run, reading what alerts of one case share only once."""

    def __init__(self):
        self._latest_events: dict[int, list[Event]] = {}

    def latest_events(self, case_id: int) -> list[Event]:
        if case_id not in self._latest_events:
            self._latest_events[case_id] = list(
                Event.objects.filter(case_id=case_id)
                .timeline_order()
                .select_related("recorded_by")[: settings.ALERTS_LATEST_EVENTS]
            )
        return self._latest_events[case_id]

    def context(self, *, alert: Alert) -> dict:
        context = {
            "alert": alert,
            "recipient": alert.recipient,
            "site_url": settings.SITE_URL,
            "unsubscribe_url": unsubscribe_url(alert=alert),
            "following_url": absolute_url(reverse("alerts:following")),
            "notifications_url": absolute_url(reverse("alerts:notifications")),
        }
        if alert.case_id:
            case = alert.case
            context.update(case=case, case_url=absolute_url(case.get_absolute_url()))
        if alert.kind == Alert.Kind.EVENT:
            event = alert.event
            context.update(
                event=event,
                event_url=absolute_url(reverse("cases:case_detail", args=[alert.case.reference]) + f"#event-{event.pk}"),
                from_stage=stage_label(event.from_stage) if event.from_stage else "",
                to_stage=stage_label(event.to_stage) if event.to_stage else "",
                latest_events=self.latest_events(alert.case_id),
                why="you follow this case and chose an email for each update",
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
                why="you chose a daily digest for the cases you follow",
            )
        return context

    def email(self, *, alert: Alert) -> EmailMultiAlternatives:
        name = TEMPLATE_FOR_KIND[alert.kind]
        context = self.context(alert=alert)
        subject = render_to_string(f"alerts/email/{name}_subject.txt", context)
        message = EmailMultiAlternatives(
            subject=" ".join(subject.split()),
            body=render_to_string(f"alerts/email/{name}.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[alert.recipient.email],
            headers={
                "Message-ID": alert.message_id,
                "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Auto-Submitted": "auto-generated",
            },
        )
        message.attach_alternative(render_to_string(f"alerts/email/{name}.html", context), "text/html")
        return message

