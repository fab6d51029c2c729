import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts.models import Alert
from tests.factories import AlertFactory

pytestmark = pytest.mark.django_db


def test_a_healthy_install_answers_200_to_an_anonymous_monitor(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {"database": True, "broker": True, "outbox": True}
    assert "no-store" in response["Cache-Control"]


def test_an_unreachable_broker_is_a_503_naming_the_broker(client, settings):
    from tracker.celery import app

    with pytest.MonkeyPatch.context() as patch:
        # A real connection, to an address where no broker listens.
        connect = app.connection_for_write
        patch.setattr(app, "connection_for_write", lambda url=None, **kwargs: connect("redis://127.0.0.1:1/0", **kwargs))
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing"
    assert body["checks"]["broker"] == {"ok": False}
    assert body["checks"]["database"]["ok"] is True


def test_failed_mail_or_mail_waiting_too_long_is_a_503_with_the_outbox_figures(client, settings):
    settings.ALERTS_OUTBOX_MAX_AGE_MINUTES = 30
    waiting = AlertFactory(attempts=7, next_attempt_at=timezone.now() + datetime.timedelta(minutes=25))
    Alert.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=45))
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    outbox = response.json()["checks"]["outbox"]
    assert outbox["ok"] is False and outbox["pending"] == 1 and outbox["failed"] == 0
    assert 45 * 60 <= outbox["oldest_pending_seconds"] < 46 * 60

    Alert.objects.filter(pk=waiting.pk).update(status=Alert.Status.FAILED)
    outbox = client.get(reverse("healthz")).json()["checks"]["outbox"]
    assert (outbox["ok"], outbox["failed"], outbox["pending"]) == (False, 1, 0)


def test_mail_the_sweep_has_missed_is_reported(client):
    AlertFactory(next_attempt_at=timezone.now() - datetime.timedelta(hours=1))
    outbox = client.get(reverse("healthz")).json()["checks"]["outbox"]
    assert outbox["ok"] is False and outbox["missed_by_sweep"] == 1


def test_mail_just_written_is_healthy(client):
    AlertFactory()
    assert client.get(reverse("healthz")).status_code == 200


def test_a_plain_http_monitor_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301
