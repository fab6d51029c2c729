"""
Who follows which case, the dated items on a case that deserve a reminder, and the outbox.

Every alert is an ``Alert`` row; a Celery worker sends the email and marks the row sent. A row
therefore cannot be lost with the broker or a worker, and the unique constraints below make a
second row for the same reader and the same happening impossible, so nothing is written (or sent)
twice. The rows about a new event are written once its change has committed (the case record
announces it), in the same transaction as the event's ``EventFanout`` marker; the beat sweep
writes them for any recent event that has no marker, so none is forgotten.

A saved search (``SavedSearch``: a case-list filter with a name) is followed like a case: a new
case or a new event on a case that its filters match writes an ``Alert`` row through the same
fan-out, naming the search, so the email can say why it was sent. New cases have their own
marker (``CaseFanout``) and sweep.
"""

import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cases.models import Case, Event, StatusCategory
from tracker.absolute_urls import site_hostname


def default_reminder_days() -> str:
    return ",".join(str(days) for days in settings.ALERTS_REMINDER_DAYS)


def reminder_days_parse(value: str) -> list[int]:
    """'7, 1' -> [7, 1]: the lead times of a deadline, largest first, without repeats."""
    return sorted({int(part) for part in value.replace(" ", "").split(",") if part}, reverse=True)


# Up to a year ahead; the reminder run only looks that far.
MAX_REMINDER_DAYS = 365
reminder_days_validator = RegexValidator(
    r"^\s*\d{1,3}\s*(,\s*\d{1,3}\s*)*$", "Give whole numbers of days separated by commas, e.g. “7, 1”."
)


def event_label(event: Event) -> str:
    """'Court ruling (Convicted)', 'Status update (Interpol notice)': the kind, with what sets it apart."""
    label = event.get_kind_display()
    if event.kind in (Event.Kind.RULING, Event.Kind.EXECUTIVE_DECISION) and event.decision:
        return f"{label} ({event.decision_label})"
    if event.kind == Event.Kind.STATUS and event.category and event.category != StatusCategory.OTHER:
        return f"{label} ({event.get_category_display()})"
    return label


# The order in which sentences name event kinds: stage changes first, as following promises them first.
_KINDS_IN_SENTENCES = [Event.Kind.STAGE_CHANGE, *(kind for kind in Event.Kind if kind != Event.Kind.STAGE_CHANGE)]


def event_kinds_text(kinds, *, conjunction: str = "and") -> str:
    """'stage changes, court rulings and government statements': event kinds as a sentence names them
    (every kind's label takes a plain plural)."""
    names = [f"{kind.label[:1].lower()}{kind.label[1:]}s" for kind in _KINDS_IN_SENTENCES if kind in kinds]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def scope_choice_label(scope: str) -> str:
    """A scope as a choice on a form: exactly which event kinds it alerts about and which it leaves out,
    read from ``Follow.SCOPE_KINDS`` so the words cannot drift from what is sent."""
    sent = Follow.SCOPE_KINDS[scope]
    left_out = set(Event.Kind.values) - sent
    text = event_kinds_text(sent)
    if not left_out:
        return f"Everything: {text}"
    text = text[:1].upper() + text[1:] + (" only" if len(sent) == 1 else "")
    return f"{text}; not {event_kinds_text(left_out, conjunction='or')}"


def scope_left_out_text(scope: str) -> str:
    """The event kinds a scope sends no alert about, as a sentence names them ('' for none)."""
    return event_kinds_text(set(Event.Kind.values) - Follow.SCOPE_KINDS[scope])


class Follow(models.Model):
    """A user's wish to hear about a case, and how."""

    class Delivery(models.TextChoices):
        INSTANT = "instant", "An email for each update"
        DIGEST = "digest", "One daily digest email"
        NONE = "none", "No email (in the app only)"

    class Scope(models.TextChoices):
        STAGES = "stages", "Stage changes only"
        MAJOR = "major", "Stage changes, court rulings, executive decisions and government statements"
        ALL = "all", "Everything recorded on the case"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows", verbose_name="user"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follows", verbose_name="case")
    delivery = models.CharField(
        "email", max_length=10, choices=Delivery, default=Delivery.INSTANT,
        help_text="How the follower hears of updates; every alert is also listed on their notifications page.",
    )
    scope = models.CharField(
        "updates", max_length=10, choices=Scope, default=Scope.MAJOR,
        help_text="Which new events cause an alert. Deadline reminders are always sent.",
    )
    created_at = models.DateTimeField("following since", auto_now_add=True)
    history = HistoricalRecords()

    # The event kinds each scope alerts about.
    SCOPE_KINDS: dict[str, frozenset[str]] = {
        Scope.STAGES: frozenset({Event.Kind.STAGE_CHANGE}),
        Scope.MAJOR: frozenset(
            {Event.Kind.STAGE_CHANGE, Event.Kind.RULING, Event.Kind.EXECUTIVE_DECISION, Event.Kind.STATEMENT}
        ),
        Scope.ALL: frozenset(Event.Kind.values),
    }

    class Meta:
        verbose_name = "follow"
        verbose_name_plural = "follows"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "case"], name="follow_user_case_unique")]

    def __str__(self):
        return f"{self.user} follows {self.case}"

    def get_absolute_url(self):
        return reverse("alerts:follow_edit", args=[self.pk])

    @classmethod
    def scopes_for_kind(cls, kind: str) -> list[str]:
        return [scope for scope, kinds in cls.SCOPE_KINDS.items() if kind in kinds]

    @property
    def left_out_text(self) -> str:
        """'status updates, hearings, filings and custody changes': what this follow is never alerted about."""
        return scope_left_out_text(self.scope)

    @property
    def sent_text(self) -> str:
        """What this follow sends and how, as one sentence, read from its delivery and scope (the follow
        button shows it for an unsaved ``Follow()``, that is for the defaults)."""
        kinds = event_kinds_text(self.SCOPE_KINDS[self.scope])
        events = f"every event recorded on it ({kinds})" if self.scope == self.Scope.ALL else f"its {kinds}"
        if self.delivery == self.Delivery.INSTANT:
            each = f"every event recorded on it ({kinds})" if self.scope == self.Scope.ALL else f"each of its {kinds}"
            return f"An email for {each}, and reminders before its deadlines."
        if self.delivery == self.Delivery.DIGEST:
            return f"One daily digest email of {events}, and of reminders before its deadlines."
        return f"No email: {events}, and reminders before its deadlines, are listed only on your notifications page."


class SavedSearch(models.Model):
    """A case-list filter kept under a name, followed like a case: new cases and new events on the cases
    it matches alert its owner."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches", verbose_name="user"
    )
    name = models.CharField("name", max_length=100, help_text="What the owner calls it, e.g. “UK appeals”.")
    query = models.TextField(
        "filters",
        help_text="The case list's filters as in its address after the “?”, e.g. “stage=appeal&requested_state=GB”; "
        "the same filters as the case list and the API, with the same meaning.",
    )
    delivery = models.CharField(
        "email", max_length=10, choices=Follow.Delivery, default=Follow.Delivery.INSTANT,
        help_text="How the owner hears of matches; every alert is also listed on their notifications page.",
    )
    scope = models.CharField(
        "updates", max_length=10, choices=Follow.Scope, default=Follow.Scope.ALL,
        help_text="Which new events on a matching case cause an alert. New cases that match always do.",
    )
    created_at = models.DateTimeField("saved at", auto_now_add=True)
    updated_at = models.DateTimeField("changed at", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "saved search"
        verbose_name_plural = "saved searches"
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"], name="savedsearch_user_name_unique",
                violation_error_message="You already have a saved search with this name.",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("alerts:saved_search_edit", args=[self.pk])

    @property
    def case_list_url(self) -> str:
        """The case list with these filters applied."""
        return f"{reverse('cases:case_list')}?{self.query}"


class DeadlineQuerySet(models.QuerySet):
    def open(self):
        return self.filter(done_at__isnull=True)


class Deadline(models.Model):
    """A dated item on a case that must not pass unnoticed: a hearing, a filing deadline, a time limit."""

    class Kind(models.TextChoices):
        HEARING = "hearing", "Hearing"
        FILING = "filing", "Filing deadline"
        TIME_LIMIT = "time_limit", "Statutory time limit"
        SURRENDER = "surrender", "Surrender deadline"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines", verbose_name="case")
    kind = models.CharField("kind", max_length=12, choices=Kind)
    title = models.CharField(
        "what", max_length=200,
        help_text="E.g. “Formal request due (60 days after provisional arrest, Art. 12)”.",
    )
    due_on = models.DateField("due on", help_text="The day of the hearing, or the last day to act.")
    reminder_days = models.CharField(
        "remind", max_length=50, default=default_reminder_days, validators=[reminder_days_validator],
        help_text="Days before the date to remind followers, separated by commas; 0 is the day itself.",
    )
    notes = models.TextField("notes", blank=True, help_text="The legal basis, where the limit comes from, who acts.")
    done_at = models.DateTimeField(
        "done at", null=True, blank=True, help_text="When it was marked done; no reminder or overdue notice after that."
    )
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="done by",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="recorded by",
    )
    created_at = models.DateTimeField("recorded at", auto_now_add=True)
    computed = models.BooleanField(
        "computed", default=False, editable=False,
        help_text="Kept from a time limit the case's record implies (a statutory clock): corrected there, not here.",
    )
    history = HistoricalRecords()

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = "deadline or hearing"
        verbose_name_plural = "deadlines and hearings"
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["due_on"], condition=Q(done_at__isnull=True), name="deadline_open_due_idx")]

    def __str__(self):
        return f"{self.due_on:%d %b %Y}: {self.title}"

    def get_absolute_url(self):
        return self.case.get_absolute_url() + f"#deadline-{self.pk}"

    @property
    def reminder_offsets(self) -> list[int]:
        return reminder_days_parse(self.reminder_days)

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def days_left(self, today: datetime.date | None = None) -> int:
        return (self.due_on - (today or timezone.localdate())).days


class EventFanout(models.Model):
    """Marks an event whose outbox rows have been written: written in the same transaction as them,
    so that the rows of one event are written once, however often its fan-out is attempted."""

    event = models.OneToOneField(
        Event, on_delete=models.CASCADE, primary_key=True, related_name="alerts_fanout", verbose_name="event"
    )
    fanned_out_at = models.DateTimeField(
        "alerts written at",
        help_text="When the followers' alerts about the event were written (none, if nobody was to be told).",
    )

    class Meta:
        verbose_name = "event fanned out to its followers"
        verbose_name_plural = "events fanned out to their followers"
        ordering = ["-fanned_out_at"]
        indexes = [
            # The sweep reads the newest marker older than its window, to start its search after that event.
            models.Index(fields=["fanned_out_at", "event"], name="eventfanout_time_idx"),
        ]

    def __str__(self):
        return f"Alerts about event {self.event_id} written at {self.fanned_out_at:%d %b %Y %H:%M}"


class CaseFanout(models.Model):
    """Marks a new case whose outbox rows (for the saved searches it matches) have been written, in the
    same transaction as them: the case's announcement and the sweep then write them once between them."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, primary_key=True, related_name="alerts_fanout", verbose_name="case"
    )
    fanned_out_at = models.DateTimeField(
        "alerts written at",
        help_text="When the alerts about the new case were written (none, if no saved search matched).",
    )

    class Meta:
        verbose_name = "new case fanned out to saved searches"
        verbose_name_plural = "new cases fanned out to saved searches"
        ordering = ["-fanned_out_at"]
        indexes = [
            # The sweep reads the newest marker older than its window, to start its search after that case.
            models.Index(fields=["fanned_out_at", "case"], name="casefanout_time_idx"),
        ]

    def __str__(self):
        return f"Alerts about new case {self.case_id} written at {self.fanned_out_at:%d %b %Y %H:%M}"


class AlertQuerySet(models.QuerySet):
    def pending_email(self):
        return self.filter(status=Alert.Status.PENDING, channel=Alert.Channel.EMAIL)

    def failed(self):
        return self.filter(status=Alert.Status.FAILED)


class Alert(models.Model):
    """One alert for one reader: the outbox row that an email is sent from, and the notification they see."""

    class Kind(models.TextChoices):
        EVENT = "event", "New event"
        CASE = "case", "New case"
        REMINDER = "reminder", "Reminder"
        OVERDUE = "overdue", "Overdue notice"
        DIGEST = "digest", "Daily digest"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        DIGEST = "digest", "In the daily digest"
        IN_APP = "in_app", "In the app only"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        IN_APP = "in_app", "Not emailed"
        CANCELLED = "cancelled", "Not sent: no longer relevant"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts", verbose_name="recipient"
    )
    kind = models.CharField("kind", max_length=10, choices=Kind)
    channel = models.CharField(
        "delivered by", max_length=10, choices=Channel,
        help_text="Chosen from the follower's preference when the alert was written.",
    )
    status = models.CharField("status", max_length=10, choices=Status, default=Status.PENDING)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts", verbose_name="case",
        help_text="Blank for a digest, which covers several cases.",
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts", verbose_name="event"
    )
    deadline = models.ForeignKey(
        Deadline, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts", verbose_name="deadline"
    )
    lead_days = models.PositiveSmallIntegerField(
        "days before", null=True, blank=True, help_text="For a reminder: how many days before the date it was due."
    )
    deadline_due_on = models.DateField(
        "for the date", null=True, blank=True,
        help_text="For a reminder or overdue notice: the deadline's date when it was written, so a moved date is reminded of again.",
    )
    saved_search = models.ForeignKey(
        SavedSearch, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts",
        verbose_name="saved search",
        help_text="The reader's saved search that the case or event matched; blank for the alerts of a followed case.",
    )
    digest_on = models.DateField("digest of", null=True, blank=True, help_text="For a digest: the day it covers.")
    digest = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="items", verbose_name="sent in digest",
        limit_choices_to={"kind": "digest"},
    )
    attempts = models.PositiveSmallIntegerField(
        "attempts", default=0, help_text="Tries to send the email so far, counted across every resend."
    )
    attempts_allowed = models.PositiveSmallIntegerField(
        "give up after", null=True, blank=True,
        help_text="Attempts after which an error that concerns the message itself marks the row failed; "
        "blank: ALERTS_MAX_ATTEMPTS. A resend from the admin raises it, so the earlier attempts stay counted.",
    )
    last_error = models.TextField("last error", blank=True)
    next_attempt_at = models.DateTimeField(
        "next attempt at", default=timezone.now,
        help_text="Before this time a pending row is left to the task that will retry it; after it, the sweep re-queues it.",
    )
    created_at = models.DateTimeField("written at", auto_now_add=True)
    sent_at = models.DateTimeField("sent at", null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = "alert"
        verbose_name_plural = "alerts (outbox)"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="alert_recipient_idx"),
            models.Index(fields=["status", "channel", "next_attempt_at"], name="alert_outbox_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event"], condition=Q(kind="event"), name="alert_once_per_event"
            ),
            models.UniqueConstraint(
                fields=["recipient", "case"], condition=Q(kind="case"), name="alert_once_per_new_case"
            ),
            models.UniqueConstraint(
                fields=["recipient", "deadline", "deadline_due_on", "lead_days"], condition=Q(kind="reminder"),
                name="alert_once_per_reminder_date",
            ),
            models.UniqueConstraint(
                fields=["recipient", "deadline", "deadline_due_on"], condition=Q(kind="overdue"),
                name="alert_once_per_overdue_date",
            ),
            models.UniqueConstraint(
                fields=["recipient", "digest_on"], condition=Q(kind="digest"), name="alert_once_per_digest"
            ),
            models.CheckConstraint(
                condition=~Q(kind="event") | Q(event__isnull=False), name="alert_event_has_event"
            ),
            models.CheckConstraint(
                condition=~Q(kind="case") | Q(case__isnull=False), name="alert_new_case_has_case"
            ),
            models.CheckConstraint(
                condition=~Q(kind="reminder") | (Q(deadline__isnull=False) & Q(lead_days__isnull=False)),
                name="alert_reminder_has_deadline_and_lead",
            ),
            models.CheckConstraint(
                condition=~Q(kind="overdue") | Q(deadline__isnull=False), name="alert_overdue_has_deadline"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["reminder", "overdue"]) | Q(deadline_due_on__isnull=False),
                name="alert_deadline_notice_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(kind="digest") | Q(digest_on__isnull=False), name="alert_digest_has_day"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.recipient} ({self.get_status_display().lower()})"

    @property
    def headline(self) -> str:
        """One line saying what the alert is about (load event and deadline with it)."""
        if self.kind == self.Kind.EVENT:
            event = self.event
            if event.kind == Event.Kind.STAGE_CHANGE:
                return f"Stage changed: {event.get_from_stage_display()} → {event.get_to_stage_display()}"
            summary = event.summary if len(event.summary) <= 120 else event.summary[:119] + "…"
            return f"{event_label(event)}: {summary}"
        if self.kind == self.Kind.CASE:
            return f"New case: {self.case.title}"
        if self.kind == self.Kind.REMINDER:
            return f"Reminder: {self.deadline.title} ({self.deadline.due_on:%d %b %Y})"
        if self.kind == self.Kind.OVERDUE:
            return f"Overdue: {self.deadline.title} (was due {self.deadline.due_on:%d %b %Y})"
        return f"Daily digest of {self.digest_on:%d %b %Y}"

    @property
    def attempts_limit(self) -> int:
        return self.attempts_allowed or settings.ALERTS_MAX_ATTEMPTS

    @property
    def message_id(self) -> str:
        """The same for every attempt, so a mail client drops a copy sent twice."""
        return f"<alert-{self.pk}@{site_hostname()}>"


class AlertAttempt(models.Model):
    """One failed try at sending an alert's email, or an operator's resend: the row's history, which
    its own ``last_error`` only summarises. Successful sends are the row's ``sent_at``."""

    class Outcome(models.TextChoices):
        FAILED = "failed", "Failed, to be tried again"
        GAVE_UP = "gave_up", "Failed for good"
        RESENT = "resent", "Sent again by an administrator"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="attempt_log", verbose_name="alert")
    at = models.DateTimeField("at", default=timezone.now)
    outcome = models.CharField("outcome", max_length=10, choices=Outcome)
    error = models.TextField("error", blank=True, help_text="What the mail server or the renderer said.")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="by", help_text="For a resend: the administrator who asked for it.",
    )

    class Meta:
        verbose_name = "delivery attempt"
        verbose_name_plural = "delivery attempts"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["alert", "at"], name="alert_attempt_idx")]

    def __str__(self):
        return f"{self.get_outcome_display()} at {self.at:%Y-%m-%d %H:%M}"


class HomeVisit(models.Model):
    """When a user last looked at their home page, so that it can show what changed since. A visit
    within ``HomeVisit.SAME_VISIT`` of the one before is the same visit: a reload keeps the list."""

    SAME_VISIT = datetime.timedelta(minutes=30)

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name="user"
    )
    seen_at = models.DateTimeField("seen at", help_text="The latest look at the home page.")
    previous_seen_at = models.DateTimeField(
        "visit before", null=True, blank=True, help_text="The look before this visit: what changed is counted from it."
    )

    class Meta:
        verbose_name = "home page visit"

    def __str__(self):
        return f"{self.user} at {self.seen_at:%Y-%m-%d %H:%M}"
