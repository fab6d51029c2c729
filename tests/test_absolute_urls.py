"""Every absolute link the app gives out starts with SITE_URL, whatever host the request named."""

import datetime

import feedparser
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from alerts.notifications import AlertRenderer
from tests.factories import (
    AlertFactory,
    CaseFactory,
    DeadlineFactory,
    EventFactory,
    FollowFactory,
    PrivateAddressFactory,
    UserFactory,
)
from tracker.absolute_urls import absolute_url, site_hostname

pytestmark = pytest.mark.django_db

SITE = "https://tracker.example.org"
# A host the app accepts but is not SITE_URL's, as a client behind a proxy or on another port sends.
OTHER_HOST = {"HTTP_HOST": "localhost"}


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def viewer(client):
    user = UserFactory(username="viewer", groups=[Group.objects.get(name="viewer")])
    client.force_login(user)
    return user


def test_absolute_url_puts_site_url_before_a_path():
    assert absolute_url("/cases/rana/") == f"{SITE}/cases/rana/"
    assert site_hostname() == "tracker.example.org"


def test_absolute_url_refuses_what_is_not_a_path():
    with pytest.raises(ValueError):
        absolute_url("cases/rana/")


def test_the_feeds_page_gives_the_feed_address_from_site_url(client, viewer):
    address = PrivateAddressFactory(user=viewer, purpose="feed")
    content = client.get(reverse("exchange:feeds"), **OTHER_HOST).content.decode()
    assert f'value="{SITE}{reverse("exchange:following_feed", args=[address.key])}"' in content
    assert "http://localhost" not in content


def test_the_calendar_address_starts_with_site_url(client, viewer):
    address = PrivateAddressFactory(user=viewer, purpose="calendar")
    content = client.get(reverse("alerts:following"), **OTHER_HOST).content.decode()
    assert f'value="{SITE}{reverse("alerts:calendar_feed", args=[address.key])}"' in content


def test_calendar_events_link_to_site_url(client, viewer):
    followed = FollowFactory(user=viewer).case
    deadline = DeadlineFactory(case=followed, due_on=timezone.localdate() + datetime.timedelta(days=7))
    address = PrivateAddressFactory(user=viewer, purpose="calendar")
    body = client.get(reverse("alerts:calendar_feed", args=[address.key]), **OTHER_HOST).content.decode()
    unfolded = body.replace("\r\n ", "")
    assert f"{SITE}{deadline.get_absolute_url()}" in unfolded
    assert f"UID:deadline-{deadline.pk}@tracker.example.org" in body


@pytest.mark.parametrize("private", [False, True], ids=["logged-in", "private"])
def test_every_link_of_a_case_feed_starts_with_site_url(client, viewer, private):
    case = CaseFactory(reference="rana")
    event = EventFactory(case=case)
    if private:
        client.logout()
        url = reverse("exchange:case_feed_private", args=[PrivateAddressFactory(user=viewer).key, case.reference])
    else:
        url = reverse("exchange:case_feed", args=[case.reference])
    parsed = feedparser.parse(client.get(url, **OTHER_HOST).content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.link == f"{SITE}{case.get_absolute_url()}"
    assert [link.href for link in parsed.feed.links if link.rel == "self"] == [f"{SITE}{url}"]
    assert [entry.link for entry in parsed.entries] == [f"{SITE}{event.get_absolute_url()}"]


def test_the_following_feed_links_to_site_url(client, viewer):
    follow = FollowFactory(user=viewer)
    EventFactory(case=follow.case)
    url = reverse("exchange:following_feed", args=[PrivateAddressFactory(user=viewer).key])
    client.logout()
    parsed = feedparser.parse(client.get(url, **OTHER_HOST).content)
    assert parsed.feed.link == f"{SITE}{reverse('alerts:following')}"
    assert parsed.entries and all(entry.link.startswith(f"{SITE}/") for entry in parsed.entries)


def test_an_alert_email_links_to_site_url():
    alert = AlertFactory(event=EventFactory(case=CaseFactory(reference="rana")))
    message = AlertRenderer().email(alert=alert)
    assert f"{SITE}/cases/rana/#event-{alert.event_id}" in message.body
    assert f'href="{SITE}/cases/rana/' in message.alternatives[0].content
    assert message.extra_headers["List-Unsubscribe"].strip("<>").startswith(f"{SITE}/")


def test_the_api_links_to_site_url(client, viewer):
    CaseFactory(reference="rana")
    CaseFactory(reference="salem")
    client.logout()
    token = Token.objects.create(user=viewer).key
    body = client.get("/api/cases/?page_size=1", HTTP_AUTHORIZATION=f"Token {token}", **OTHER_HOST).json()
    assert body["results"][0]["url"].startswith(f"{SITE}/cases/")
    assert body["results"][0]["events_url"].startswith(f"{SITE}/api/events/?case=")
    assert body["next"].startswith(f"{SITE}/api/cases/?")
