from unittest import mock

import pytest
from django.urls import reverse

from alerts import tasks
from alerts.models import Alert
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
    assert (failed.status, failed.attempts) == (Alert.Status.PENDING, 0)
    assert publish.call_args.kwargs["args"] == ([failed.pk],)


def test_deadlines_and_follows_have_admin_pages(admin_client):
    for name in ("admin:alerts_deadline_changelist", "admin:alerts_follow_changelist"):
        assert admin_client.get(reverse(name)).status_code == 200
