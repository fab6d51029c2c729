import datetime
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts import tasks
from alerts.models import Alert, AlertAttempt
from tests.factories import AlertFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_failed_alerts_are_listed_with_their_error(admin_client):
    AlertFactory(status=Alert.Status.FAILED, last_error="SMTPServerDisconnected: gone")
    AlertFactory(status=Alert.Status.SENT, last_error="")
    response = admin_client.get(reverse("admin:alerts_alert_changelist"), {"status__exact": "failed"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "SMTPServerDisconnected: gone" in content
    assert content.count('name="_selected_action"') == 1


def test_the_retry_action_queues_failed_alerts_again(admin_client, django_capture_on_commit_callbacks):
    failed = AlertFactory(status=Alert.Status.FAILED, attempts=6)
    with (
        mock.patch.object(tasks.alerts_send, "apply_async") as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = admin_client.post(
            reverse("admin:alerts_alert_changelist"), {"action": "retry_failed", "_selected_action": [failed.pk]}
        )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Alert.Status.PENDING, 6)
    assert publish.call_args.kwargs["args"] == ([failed.pk],)
    assert failed.attempt_log.get().by.username == "root"


def test_an_alerts_page_lists_its_attempts(admin_client):
    alert = AlertFactory(status=Alert.Status.FAILED, attempts=2)
    AlertAttempt.objects.create(alert=alert, outcome=AlertAttempt.Outcome.FAILED, error="ConnectionRefusedError: first")
    AlertAttempt.objects.create(alert=alert, outcome=AlertAttempt.Outcome.GAVE_UP, error="SMTPRecipientsRefused: second")
    content = admin_client.get(reverse("admin:alerts_alert_change", args=[alert.pk])).content.decode()
    assert "ConnectionRefusedError: first" in content and "SMTPRecipientsRefused: second" in content


def test_every_admin_page_warns_while_the_outbox_is_stuck(admin_client):
    assert 'id="outbox-warning"' not in admin_client.get(reverse("admin:index")).content.decode()
    AlertFactory(status=Alert.Status.FAILED)
    for name in ("admin:index", "admin:alerts_alert_changelist", "admin:cases_case_changelist"):
        content = admin_client.get(reverse(name)).content.decode()
        assert 'id="outbox-warning"' in content and "1 failed email" in content, name


def test_an_email_waiting_longer_than_the_limit_is_reported_with_its_age(admin_client, settings):
    settings.ALERTS_OUTBOX_MAX_AGE_MINUTES = 30
    alert = AlertFactory(attempts=4, next_attempt_at=timezone.now() + datetime.timedelta(minutes=20))
    Alert.objects.filter(pk=alert.pk).update(created_at=timezone.now() - datetime.timedelta(hours=2))
    content = admin_client.get(reverse("admin:index")).content.decode()
    assert "1 waiting" in content and "2\xa0hours" in content


def test_deadlines_and_follows_have_admin_pages(admin_client):
    for name in ("admin:alerts_deadline_changelist", "admin:alerts_follow_changelist"):
        assert admin_client.get(reverse(name)).status_code == 200
