"""
Atom feeds of case timelines: one per case, and one of every case a user follows.

Feed readers cannot log in, so each feed also has a private address carrying the key of one of the
user's private addresses (``accounts.models.PrivateAddress``); whoever holds it reads what that user
may read, until the user revokes it.
"""

import datetime

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from accounts.models import PrivateAddress
from accounts.services import private_address_reader
from alerts.models import Follow
from cases.models import Case, Event
from cases.selectors import case_timeline
from tracker.absolute_urls import absolute_url, site_hostname

FEED_ENTRIES = 50


def feed_address_of(user) -> PrivateAddress | None:
    """The user's newest private feed address that still works, if they have one."""
    return user.private_addresses.active().filter(purpose=PrivateAddress.Purpose.FEED).order_by("-created_at").first()


def case_feed_private_url(*, case: Case, address: PrivateAddress) -> str:
    """The case's feed at a private address: what a feed reader, which cannot log in, is given."""
    return absolute_url(reverse("exchange:case_feed_private", args=[address.key, case.reference]))


def feed_user(token: str):
    """The active user a feed address belongs to, if it is not revoked and they may still read cases; else 404."""
    user = private_address_reader(key=token, purpose=PrivateAddress.Purpose.FEED)
    if user is None:
        raise Http404("No such feed.")
    return user


class PlainTextAtomFeed(Atom1Feed):
    """Atom whose entry summaries are text, not HTML: an event's words are the analysts' and the
    sources', and a reader must show them as written, never run them (Django marks them "html")."""

    def add_item_elements(self, handler, item):
        description, item["description"] = item.get("description"), None
        super().add_item_elements(handler, item)
        item["description"] = description
        if description:
            handler.addQuickElement("summary", description, {"type": "text"})


def entry_id(event: Event) -> str:
    """An entry's id as a tag: URI (RFC 4151), unique to this installation and the same in every
    version of the feed: its host, the day the event was recorded, its number."""
    return f"tag:{site_hostname()},{event.recorded_at:%Y-%m-%d}:event/{event.pk}"


class _TimelineFeed(Feed):
    feed_type = PlainTextAtomFeed

    def get_feed(self, obj, request):
        # Django completes relative links with the request's host; every link here is already
        # absolute (from SITE_URL), and so is the feed's own address, like every link the app gives out.
        feed = super().get_feed(obj, request)
        feed.feed["feed_url"] = absolute_url(request.path)
        return feed

    def item_title(self, event: Event) -> str:
        return f"{event.date_display} · {event.get_kind_display()}: {event.case.title}"

    def item_description(self, event: Event) -> str:
        parts = [event.summary]
        if event.statement_id:
            statement = event.statement
            speaker = statement.speaker or statement.body
            # Reported speech is the source's words, never shown as a quotation; a quote stays verbatim.
            if statement.gist and (statement.reported_speech or not statement.quote):
                parts.append(f"{speaker}, as reported: {statement.gist}")
            if statement.quote:
                parts.append(f"“{statement.quote}” ({speaker})")
        if event.authority_id:
            decision = f": {event.decision_label}" if event.decision else ""
            detail = f" ({event.decision_detail})" if event.decision_detail else ""
            parts.append(f"{event.authority.name}{decision}{detail}")
        if event.official_id:
            parts.append(f"Decided by {event.official.name}.")
        if event.category:
            parts.append(f"About: {event.get_category_display()}.")
        if event.note:
            parts.append(f"Analyst's note: {event.note}")
        return "\n\n".join(parts)

    def item_link(self, event: Event) -> str:
        return absolute_url(event.get_absolute_url())

    def item_guid(self, event: Event) -> str:
        return entry_id(event)

    def item_pubdate(self, event: Event) -> datetime.datetime:
        return event.recorded_at

    def item_updateddate(self, event: Event) -> datetime.datetime:
        return event.updated_at

    def item_author_name(self, event: Event) -> str:
        return event.recorded_by.get_full_name() or event.recorded_by.get_username() if event.recorded_by_id else ""


class CaseTimelineFeed(_TimelineFeed):
    """The latest entries of one case's timeline, newest first."""

    def get_object(self, request, reference, token=None):
        if token is not None:
            feed_user(token)
        return get_object_or_404(Case, reference=reference)

    def title(self, case: Case) -> str:
        return f"{case.title}: timeline"

    def subtitle(self, case: Case) -> str:
        return f"Stage: {case.get_stage_display()}. {case.summary}"

    def link(self, case: Case) -> str:
        return absolute_url(case.get_absolute_url())

    def items(self, case: Case):
        return case_timeline(case=case).select_related("case")[:FEED_ENTRIES]


class FollowingFeed(_TimelineFeed):
    """The latest events on every case the token's user follows."""

    title = "Cases I follow"
    subtitle = "The latest events on the cases you follow in the Extradition Tracker."

    def get_object(self, request, token):
        return feed_user(token)

    def link(self, user) -> str:
        return absolute_url(reverse("alerts:following"))

    def items(self, user):
        cases = Follow.objects.filter(user=user).values("case_id")
        return (
            Event.objects.filter(case_id__in=cases, case__in=Case.objects.all())
            .timeline_order()
            .select_related("case", "authority", "official", "statement", "statement__speaker", "recorded_by")[:FEED_ENTRIES]
        )
