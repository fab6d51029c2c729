"""
What the figures across matters read, derived from each case's record and rebuilt with it (in the
transaction that changes the record, see ``services``): every stay of a matter in a stage, and the
day of its first arrest and first surrender. Nobody edits these rows; they exist so that a figure
over a hundred thousand matters counts narrow rows instead of walking every timeline again.
"""

from django.db import models

from cases.models import Case, Stage


class Stay(models.Model):
    """A matter's time in one stage: from the day it was opened to its first stage change, from each
    stage change to the next, and from the last one to the day the matter was closed. The stay that
    has not ended yet is *running*: it has no length, and the figures count it apart."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField("stage", max_length=20, choices=Stage)
    finished = models.BooleanField("finished")
    days = models.PositiveIntegerField("days", help_text="0 while the stay is running.")

    class Meta:
        # Covers the figure: it is counted from the index alone.
        indexes = [models.Index(fields=["case", "stage", "finished", "days"], name="analytics_stay_counted")]

    def __str__(self):
        return f"{self.case_id}: {self.stage}, {self.days} days{'' if self.finished else ' (running)'}"


class Milestones(models.Model):
    """When a matter's clock to surrender starts and stops: its first recorded arrest and surrender
    (as a custody change or as a stage change). Only matters with either have a row."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="+")
    first_arrested_on = models.DateField("first arrested on", null=True)
    first_surrendered_on = models.DateField("first surrendered on", null=True)

    class Meta:
        verbose_name_plural = "milestones"

    def __str__(self):
        return f"{self.case_id}: arrested {self.first_arrested_on}, surrendered {self.first_surrendered_on}"
