"""
Exports too large to stream in a request: the worker writes them to a file, the user follows
the progress on the export's page, gets an email when it is ready, and downloads it from there.

A file is kept for EXCHANGE_EXPORT_KEEP_HOURS; then the beat task deletes it and its row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


class ExportFileQuerySet(models.QuerySet):
    def of(self, user):
        """The exports a user asked for: nobody else may see or download them."""
        return self.filter(requested_by=user)

    def expired(self, *, before):
        return self.filter(created_at__lt=before)


class ExportFile(models.Model):
    """One export written by the worker, from its request to its file."""

    class Format(models.TextChoices):
        JSON = "json", "JSON"
        CSV = "csv", "CSV"

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Being written"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="export_files",
        verbose_name="requested by",
        help_text="The only user who may see and download the export.",
    )
    format = models.CharField("format", max_length=4, choices=Format)
    case_reference = models.SlugField(
        "case", max_length=50, blank=True, help_text="The one case exported; blank for the case list's filters."
    )
    query = models.TextField(
        "filters",
        blank=True,
        help_text="The case list's filters as a query string (“stage=appeal&requested_state=GB”); blank "
        "with no case for everything.",
    )
    filename = models.CharField(
        "file name", max_length=100, help_text="The name the download is saved under, as an export in the page gets."
    )
    state = models.CharField("state", max_length=10, choices=State, default=State.QUEUED)
    cases_done = models.PositiveIntegerField("cases written", default=0)
    cases_total = models.PositiveIntegerField("cases to write", default=0, help_text="Counted when the writing starts.")
    error = models.TextField("error", blank=True, help_text="Why the export failed, for the user and the administrator.")
    file = models.FileField(
        "file",
        upload_to="exports/",
        blank=True,
        max_length=200,
        help_text="The written export, under a random name no one can guess; blank until it is done.",
    )
    created_at = models.DateTimeField("asked for at", auto_now_add=True)
    finished_at = models.DateTimeField("finished at", null=True, blank=True)
    ready_email_sent_at = models.DateTimeField(
        "ready email sent at",
        null=True,
        blank=True,
        help_text="Set once the email with the download link is sent, so that a retry never sends it twice.",
    )

    objects = ExportFileQuerySet.as_manager()

    class Meta:
        verbose_name = "export file"
        verbose_name_plural = "export files"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="exportfile_user_recent")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="done") | ~Q(file=""), name="exportfile_done_has_file",
                violation_error_message="A finished export has its file.",
            ),
        ]

    def __str__(self):
        return f"{self.filename} ({self.get_state_display().lower()})"

    def get_absolute_url(self):
        return reverse("exchange:export_status", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)
