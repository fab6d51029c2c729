import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from cases.models import Case, Event

from .catalogue import Rule, catalogue


class ClockQuerySet(models.QuerySet):
    def open(self):
        """Still to be acted on: neither settled nor set aside (as ``Clock.is_open``)."""
        return self.filter(settled="", not_applicable=False)


class Clock(models.Model):
    """A time limit that the case's record implies: one rule of the catalogue, started by one event.

    Computed by ``clocks.services.case_clocks_recompute`` from the case's events whenever they
    change; the analyst's override (not applicable, or a corrected last day, with the reason) is
    the only part written by hand, and survives every recomputation. Recomputation writes with
    ``update()``, so the history holds the overrides, not the arithmetic."""

    class Settled(models.TextChoices):
        MET = "met", "Met"
        MET_LATE = "met_late", "Met after the time limit"
        STOPPED = "stopped", "Stopped"
        SUPERSEDED = "superseded", "Superseded"
        CASE_CLOSED = "case_closed", "Case closed"

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        MET = "met", "Met"
        LAPSED = "lapsed", "Lapsed"
        STOPPED = "stopped", "Stopped"
        NOT_APPLICABLE = "not_applicable", "Not applicable"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clocks", verbose_name="case")
    rule_id = models.CharField("rule", max_length=80, help_text="The rule's id in the catalogue (clocks/rules).")
    trigger = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="clocks_started", verbose_name="started by"
    )
    due_earliest = models.DateField(
        "last day (earliest)", help_text="The last day to act, counted from the earliest day the trigger's date can mean."
    )
    due_latest = models.DateField(
        "last day (latest)", help_text="The same, from the latest day: a month-precision trigger gives a window."
    )
    settled = models.CharField("settled", max_length=12, choices=Settled, blank=True)
    settled_by = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="clocks_settled",
        verbose_name="settled by", help_text="The event that met, stopped or superseded the clock.",
    )
    not_applicable = models.BooleanField(
        "not applicable", default=False, help_text="The analyst's judgement that the rule does not govern this matter."
    )
    corrected_due_on = models.DateField(
        "corrected last day", null=True, blank=True,
        help_text="Replaces the computed last day: the person was informed later, time was extended…",
    )
    override_reason = models.TextField("reason", blank=True, help_text="Why the clock was corrected or set aside.")
    deadline = models.OneToOneField(
        "alerts.Deadline", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="reminder deadline",
    )
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="overridden by",
    )
    computed_at = models.DateTimeField("computed at", auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["computed_at", "deadline"])

    objects = ClockQuerySet.as_manager()

    class Meta:
        verbose_name = "clock"
        verbose_name_plural = "clocks"
        ordering = ["due_earliest", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "rule_id", "trigger"], name="clock_unique_per_trigger"),
            models.CheckConstraint(condition=models.Q(due_latest__gte=models.F("due_earliest")), name="clock_window_ordered"),
        ]
        indexes = [
            # The Clocks page: what falls due soon, of the clocks still running.
            models.Index(fields=["due_earliest"], condition=models.Q(settled="", not_applicable=False), name="clock_open_due"),
        ]

    def __str__(self):
        return f"{self.rule.title if self.rule else self.rule_id} ({self.case})"

    def get_absolute_url(self):
        return self.case.get_absolute_url() + f"#clock-{self.pk}"

    def get_edit_url(self):
        return reverse("clocks:clock_edit", args=[self.pk])

    @property
    def rule(self) -> Rule | None:
        """The catalogue's rule; None when a rule was removed from the catalogue since."""
        return catalogue().get(self.rule_id)

    @property
    def due_first(self) -> datetime.date:
        return self.corrected_due_on or self.due_earliest

    @property
    def due_last(self) -> datetime.date:
        return self.corrected_due_on or self.due_latest

    @property
    def is_window(self) -> bool:
        return self.due_first != self.due_last

    def state(self, today: datetime.date) -> str:
        if self.not_applicable:
            return self.State.NOT_APPLICABLE
        if self.settled == self.Settled.MET:
            return self.State.MET
        if self.settled == self.Settled.MET_LATE:
            return self.State.LAPSED
        if self.settled:
            return self.State.STOPPED
        return self.State.LAPSED if today > self.due_last else self.State.RUNNING

    def days_left(self, today: datetime.date) -> int:
        """Days from today to the last day (to its earliest, for a window); negative once passed."""
        return (self.due_first - today).days

    @property
    def is_open(self) -> bool:
        """Still to be acted on: neither settled nor set aside (lapsed clocks stay open: they are overdue)."""
        return not self.settled and not self.not_applicable
