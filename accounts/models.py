"""Private addresses: the feed and calendar links that work without logging in, because the apps that
read them (feed readers, calendar apps) cannot log in. Each is a random key held here, so each can be
listed with when it was last used, revoked on its own and replaced by a new one."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from tracker.absolute_urls import absolute_url


def private_key_new() -> str:
    return secrets.token_urlsafe(32)


class PrivateAddressQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class PrivateAddress(models.Model):
    class Purpose(models.TextChoices):
        FEED = "feed", "Atom feeds (followed cases and each case)"
        CALENDAR = "calendar", "Calendar of deadlines and hearings"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="private_addresses", verbose_name="user"
    )
    purpose = models.CharField("for", max_length=10, choices=Purpose)
    label = models.CharField(
        "label", max_length=80, blank=True, help_text="Where the address is used, e.g. “feed reader at work”."
    )
    key = models.CharField(
        "key", max_length=100, unique=True, default=private_key_new,
        help_text="The secret part of the address: whoever holds it reads what the user may read.",
    )
    created_at = models.DateTimeField("created at", auto_now_add=True)
    last_used_at = models.DateTimeField(
        "last used at", null=True, blank=True, help_text="Updated at most every few minutes, not on every read."
    )
    revoked_at = models.DateTimeField("revoked at", null=True, blank=True, help_text="From then on the address answers 404.")

    objects = PrivateAddressQuerySet.as_manager()

    class Meta:
        verbose_name = "private address"
        verbose_name_plural = "private addresses"
        ordering = ["purpose", "-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(key=""), name="private_address_has_key")]

    def __str__(self):
        return f"{self.get_purpose_display()} of {self.user}" + (f" ({self.label})" if self.label else "")

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def get_absolute_url(self) -> str:
        """The address itself, without the host (see ``url``)."""
        if self.purpose == self.Purpose.CALENDAR:
            return reverse("alerts:calendar_feed", args=[self.key])
        return reverse("exchange:following_feed", args=[self.key])

    def url(self) -> str:
        return absolute_url(self.get_absolute_url())
