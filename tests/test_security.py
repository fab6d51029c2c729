import datetime
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

from cases import roles
from tests.factories import CaseFactory, EventFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


@pytest.fixture
def analyst(db):
    roles.roles_sync()
    user = UserFactory(username="ana")
    roles.user_set_role(user=user, role=roles.ANALYST)
    return user


def _login(client, username, password=PASSWORD, **headers):
    return client.post(reverse("login"), {"username": username, "password": password}, headers=headers)


def _security_events(caplog) -> list[dict]:
    return [r.__dict__ for r in caplog.records if r.name == "security"]


# Login throttling ---------------------------------------------------------------------------------


@pytest.mark.login_throttling
def test_repeated_failures_lock_the_username_out_with_a_clear_message(client, analyst, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        assert _login(client, "ana", "wrong").status_code in (200, 429)
    response = _login(client, "ana")
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.login_throttling
def test_a_correct_password_before_the_limit_logs_in(client, analyst, settings):
    settings.AXES_FAILURE_LIMIT = 3
    _login(client, "ana", "wrong")
    assert _login(client, "ana").status_code == 302


@pytest.mark.login_throttling
def test_behind_a_proxy_the_forwarded_address_is_locked_not_the_proxy(client, analyst, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.PROXY_COUNT = 1
    other = UserFactory(username="other")
    roles.user_set_role(user=other, role=roles.VIEWER)
    # The client forges a leftmost entry each time; the proxy appends the address it really saw.
    for forged, name in (("1.1.1.1", "x1"), ("2.2.2.2", "x2"), ("3.3.3.3", "x3")):
        _login(client, name, "wrong", x_forwarded_for=f"{forged}, 203.0.113.5")
    assert _login(client, "other", x_forwarded_for="203.0.113.5").status_code == 429
    assert _login(client, "other", x_forwarded_for="203.0.113.5, 198.51.100.7").status_code == 302


@pytest.mark.login_throttling
def test_lockouts_are_listed_for_administrators(client, analyst, settings):
    from axes.models import AccessAttempt

    settings.AXES_FAILURE_LIMIT = 2
    _login(client, "ana", "wrong")
    _login(client, "ana", "wrong")
    assert AccessAttempt.objects.filter(username="ana", failures_since_start__gte=2).exists()
    boss = UserFactory(username="boss")
    roles.user_set_role(user=boss, role=roles.ADMINISTRATOR)
    client.force_login(boss)
    assert b"ana" in client.get(reverse("admin:axes_accessattempt_changelist")).content


# Security log --------------------------------------------------------------------------------------


def test_login_and_failed_login_are_logged_without_the_password(client, analyst, caplog):
    caplog.set_level(logging.INFO, logger="security")
    _login(client, "ana", "wrong-secret-123")
    _login(client, "ana")
    events = _security_events(caplog)
    assert [e["event"] for e in events] == ["login_failed", "login"]
    assert events[0]["user"] == "ana" and events[0]["ip"] == "127.0.0.1"
    assert "wrong-secret-123" not in caplog.text and PASSWORD not in caplog.text
    assert client.session.session_key not in caplog.text


def test_a_permission_refusal_is_logged(client, caplog):
    roles.roles_sync()
    viewer = UserFactory(username="reader")
    roles.user_set_role(user=viewer, role=roles.VIEWER)
    client.force_login(viewer)
    caplog.set_level(logging.INFO, logger="security")
    assert client.get(reverse("cases:case_create")).status_code == 403
    refusal = _security_events(caplog)[-1]
    assert (refusal["event"], refusal["user"], refusal["path"]) == ("permission_denied", "reader", "/cases/new/")


def test_a_role_change_is_logged(analyst, caplog):
    caplog.set_level(logging.INFO, logger="security")
    roles.user_set_role(user=analyst, role=roles.ADMINISTRATOR)
    changes = [(e["action"], e["roles"]) for e in _security_events(caplog) if e["event"] == "role_changed"]
    assert ("remove", ["analyst"]) in changes and ("add", ["administrator"]) in changes


def test_security_log_lines_are_json():
    from django.conf import settings

    handler = settings.LOGGING["handlers"]["security"]
    assert settings.LOGGING["formatters"][handler["formatter"]]["()"].startswith("pythonjsonlogger")


# Sessions -----------------------------------------------------------------------------------------


def test_a_session_idle_too_long_ends(client, analyst, settings):
    settings.SESSION_IDLE_TIMEOUT = 600
    with time_machine.travel(datetime.datetime(2025, 2, 1, 9, 0, tzinfo=datetime.UTC), tick=False) as clock:
        client.force_login(analyst)
        assert client.get(reverse("cases:case_list")).status_code == 200
        clock.shift(datetime.timedelta(minutes=9))
        assert client.get(reverse("cases:case_list")).status_code == 200
        clock.shift(datetime.timedelta(minutes=11))
        response = client.get(reverse("cases:case_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_a_session_ends_after_its_lifetime_however_active(client, analyst, settings):
    settings.SESSION_IDLE_TIMEOUT, settings.SESSION_ABSOLUTE_LIFETIME = 3600, 4 * 3600
    with time_machine.travel(datetime.datetime(2025, 2, 1, 9, 0, tzinfo=datetime.UTC), tick=False) as clock:
        client.force_login(analyst)
        for _ in range(9):
            clock.shift(datetime.timedelta(minutes=30))
            last = client.get(reverse("cases:case_list"))
    assert last.status_code == 302


def test_logout_ends_the_session(client, analyst):
    _login(client, "ana")
    cookie = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    client.cookies["sessionid"] = cookie
    assert client.get(reverse("cases:case_list")).status_code == 302


# Content Security Policy ----------------------------------------------------------------------------


def test_every_page_type_carries_a_strict_policy(client, analyst):
    case = CaseFactory(reference="rana")
    event = EventFactory(case=case)
    client.force_login(analyst)
    urls = [
        reverse("cases:case_list"),
        case.get_absolute_url(),
        reverse("cases:event_create", args=[case.reference, "ruling"]),
        reverse("cases:case_stage_change", args=[case.reference]),
        reverse("cases:case_edit", args=[case.reference]),
        reverse("cases:event_history", args=[event.pk]),
        reverse("cases:person_list"),
        "/no-such-page/",
        reverse("cases:case_delete", args=[case.reference]),  # GET on a POST-only view
    ]
    for url in urls:
        policy = client.get(url)["Content-Security-Policy"]
        for directive in ("default-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "object-src 'none'"):
            assert directive in policy, (url, directive)
        assert "unsafe-inline" not in policy and "http" not in policy
    client.logout()
    assert "frame-ancestors 'none'" in client.get(reverse("login"))["Content-Security-Policy"]


def test_no_template_marks_user_text_safe():
    templates = Path(__file__).resolve().parents[1] / "templates"
    offenders = [p.name for p in templates.rglob("*.html") if "|safe" in p.read_text() or "autoescape off" in p.read_text()]
    assert offenders == []


# Deployment check ------------------------------------------------------------------------------------


def test_deploy_check_passes_with_production_settings(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")},
        "DEBUG": "false",
        "SECRET_KEY": "k" * 20 + "production-like-secret-key-for-the-check-0123456789",
        "ALLOWED_HOSTS": "tracker.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://tracker.example.org",
        "EMAIL_URL": "smtp+tls://alerts:password@smtp.example.org:587",
        "VAR_DIR": str(tmp_path),
        "PROXY_COUNT": "1",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(__file__).resolve().parents[1], env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off(tmp_path):
    env = {**os.environ, "DEBUG": "false", "SECRET_KEY": "", "VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'tracker.settings'); django.setup()"],
        cwd=Path(__file__).resolve().parents[1], env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_uploads_over_the_limit_are_refused(client, analyst, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(analyst)
    case = CaseFactory()
    response = client.post(
        reverse("cases:event_create", args=[case.reference, "status"]), {"summary": "x" * 5000, "date": "2025"}
    )
    assert response.status_code == 400
