"""Accounts: private addresses, two-factor login, passwords, sessions, the security log's file."""

import datetime
import importlib
import json
import os
import re
import subprocess
import sys
from binascii import unhexlify
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from accounts import services
from accounts.models import PrivateAddress
from accounts.views import SETUP_SECRET
from cases import roles
from tests.factories import PrivateAddressFactory, UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def reader(db):
    roles.roles_sync()
    return UserFactory(username="reader", groups=[Group.objects.get(name=roles.VIEWER)])


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def code_for(secret_hex: str, *, at: datetime.datetime | None = None) -> str:
    totp = TOTP(unhexlify(secret_hex))
    if at is not None:
        totp.time = at.timestamp()
    return f"{totp.token():06d}"


# Private addresses -------------------------------------------------------------------------------


def feed_url(address):
    return reverse("exchange:following_feed", args=[address.key])


def test_a_revoked_address_stops_working_at_once_and_the_others_go_on(reader):
    kept, revoked = PrivateAddressFactory(user=reader, label="home"), PrivateAddressFactory(user=reader, label="work")
    client = Client()
    assert client.get(feed_url(revoked)).status_code == 200
    response = logged_in(reader).post(reverse("accounts:private_address_revoke", args=[revoked.pk]))
    assert response.status_code == 302
    assert client.get(feed_url(revoked)).status_code == 404
    assert client.get(feed_url(kept)).status_code == 200


def test_replacing_an_address_gives_a_new_one_for_the_same_use_and_the_old_one_ends(reader):
    old = PrivateAddressFactory(user=reader, purpose=PrivateAddress.Purpose.CALENDAR, label="phone")
    logged_in(reader).post(reverse("accounts:private_address_rotate", args=[old.pk]))
    new = PrivateAddress.objects.active().get(user=reader)
    assert (new.purpose, new.label) == (PrivateAddress.Purpose.CALENDAR, "phone") and new.key != old.key
    client = Client()
    assert client.get(reverse("alerts:calendar_feed", args=[old.key])).status_code == 404
    assert client.get(reverse("alerts:calendar_feed", args=[new.key])).status_code == 200


def test_someone_elses_address_cannot_be_revoked_or_replaced(reader):
    theirs = PrivateAddressFactory(label="theirs")
    client = logged_in(reader)
    assert client.post(reverse("accounts:private_address_revoke", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("accounts:private_address_rotate", args=[theirs.pk])).status_code == 404
    assert PrivateAddress.objects.get(pk=theirs.pk).is_active


def test_the_account_page_lists_each_address_with_when_it_was_last_used(reader):
    used, unused = PrivateAddressFactory(user=reader, label="reader app"), PrivateAddressFactory(user=reader, label="spare")
    moment = timezone.now().replace(microsecond=0)
    with time_machine.travel(moment, tick=False):
        Client().get(feed_url(used))
    content = logged_in(reader).get(reverse("accounts:security")).content.decode()
    assert used.url() in content and unused.url() in content
    assert timezone.localtime(moment).strftime("%-d %b %Y %H:%M") in content and "Never" in content


def test_use_is_recorded_at_most_every_few_minutes(reader):
    address = PrivateAddressFactory(user=reader)
    start = timezone.now()
    for minutes in (0, 1, 2, 6):
        with time_machine.travel(start + datetime.timedelta(minutes=minutes), tick=False):
            services.private_address_reader(key=address.key, purpose="feed")
    address.refresh_from_db()
    assert address.last_used_at == start + datetime.timedelta(minutes=6)


def test_making_an_address_from_the_account_page(reader):
    response = logged_in(reader).post(reverse("accounts:private_addresses"), {"purpose": "calendar", "label": "Work calendar"})
    assert response.status_code == 302
    address = PrivateAddress.objects.get(user=reader)
    assert (address.purpose, address.label) == ("calendar", "Work calendar") and len(address.key) >= 40
    assert logged_in(reader).post(reverse("accounts:private_addresses"), {"purpose": "bogus"}).status_code == 302
    assert PrivateAddress.objects.count() == 1


def test_addresses_handed_out_before_they_could_be_revoked_keep_working_and_become_revocable(reader):
    migration = importlib.import_module("accounts.migrations.0002_private_addresses_of_existing_links")
    from django.apps import apps

    migration.forwards(apps, None)
    legacy_feed = signing.Signer(salt="exchange.feed").sign(str(reader.pk))
    legacy_calendar = signing.Signer(salt="alerts.calendar").sign(str(reader.pk))
    client = Client()
    assert client.get(reverse("exchange:following_feed", args=[legacy_feed])).status_code == 200
    assert client.get(reverse("alerts:calendar_feed", args=[legacy_calendar])).status_code == 200
    services.private_address_revoke(address=PrivateAddress.objects.get(key=legacy_feed), by=reader)
    assert client.get(reverse("exchange:following_feed", args=[legacy_feed])).status_code == 404


# Two-factor login --------------------------------------------------------------------------------


def test_setting_up_an_app_then_logging_in_asks_for_its_code(reader):
    client = logged_in(reader)
    page = client.get(reverse("accounts:two_factor_setup")).content.decode()
    secret = client.session[SETUP_SECRET]
    assert 'src="data:image/svg+xml' in page and re.search(r'id="two-factor-key">[A-Z2-7]{32}<', page)
    assert not TOTPDevice.objects.exists()  # nothing is saved until the code proves the app has the key

    wrong = client.post(reverse("accounts:two_factor_setup"), {"code": "000000" if code_for(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and "does not match" in wrong.content.decode()
    assert client.post(reverse("accounts:two_factor_setup"), {"code": code_for(secret)}).status_code == 302
    assert TOTPDevice.objects.get(user=reader).confirmed

    # A new login: the password alone reaches only the code page.
    fresh = Client()
    assert fresh.login(username="reader", password="correct-horse-battery")
    response = fresh.get(reverse("cases:case_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert fresh.get(reverse("exchange:feeds")).status_code == 302
    later = timezone.now() + datetime.timedelta(seconds=60)
    with time_machine.travel(later, tick=False):
        bad = fresh.post(reverse("accounts:two_factor_verify"), {"code": "12345x"})
        assert bad.status_code == 200
        good = fresh.post(
            reverse("accounts:two_factor_verify") + "?next=/exchange/feeds/", {"code": code_for(secret, at=later), "next": "/exchange/feeds/"}
        )
        assert good.status_code == 302 and good["Location"] == "/exchange/feeds/"
        assert fresh.get(reverse("cases:case_list")).status_code == 200


def test_a_code_cannot_be_used_twice(reader):
    secret = "3132333435363738393031323334353637383930"
    TOTPDevice.objects.create(user=reader, key=secret, confirmed=True)
    code = code_for(secret)
    first, second = Client(), Client()
    for client in (first, second):
        client.force_login(reader)
    assert first.post(reverse("accounts:two_factor_verify"), {"code": code}).status_code == 302
    response = second.post(reverse("accounts:two_factor_verify"), {"code": code})
    assert response.status_code == 200 and "used already" in response.content.decode()


def test_repeated_wrong_codes_are_throttled(reader):
    secret = "3132333435363738393031323334353637383930"
    TOTPDevice.objects.create(user=reader, key=secret, confirmed=True)
    client = logged_in(reader)
    right = code_for(secret)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(3):
        client.post(reverse("accounts:two_factor_verify"), {"code": wrong})
    # Even the right code waits out the penalty (django-otp doubles it after each failure).
    assert client.post(reverse("accounts:two_factor_verify"), {"code": right}).status_code == 200


@pytest.mark.two_factor
def test_an_administrator_without_an_app_must_set_one_up_before_anything_else(db):
    admin = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client = logged_in(admin)
    for path in (reverse("admin:index"), reverse("cases:case_list")):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:two_factor_setup"))
    assert client.get(reverse("accounts:two_factor_setup")).status_code == 200
    secret = client.session[SETUP_SECRET]
    client.post(reverse("accounts:two_factor_setup"), {"code": code_for(secret)})
    assert client.get(reverse("admin:index")).status_code == 200
    # And may not turn it off.
    client.post(reverse("accounts:two_factor_disable"))
    assert TOTPDevice.objects.filter(user=admin).exists()


@pytest.mark.two_factor
def test_two_factor_is_optional_for_others_and_they_may_turn_it_off(reader):
    client = logged_in(reader)
    assert client.get(reverse("cases:case_list")).status_code == 200
    TOTPDevice.objects.create(user=reader, key="3132333435363738393031323334353637383930", confirmed=True)
    client = logged_in(reader)
    client.post(reverse("accounts:two_factor_verify"), {"code": code_for("3132333435363738393031323334353637383930")})
    client.post(reverse("accounts:two_factor_disable"))
    assert not TOTPDevice.objects.filter(user=reader).exists()


def test_the_health_check_and_logging_out_stay_open_before_the_code(reader):
    TOTPDevice.objects.create(user=reader, key="3132333435363738393031323334353637383930", confirmed=True)
    client = logged_in(reader)
    assert client.get(reverse("healthz")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


# Passwords and sessions -----------------------------------------------------------------------------


def test_changing_the_password_keeps_this_session_and_ends_every_other(reader):
    here, elsewhere = logged_in(reader), logged_in(reader)
    response = here.post(reverse("accounts:password_change"), {
        "old_password": "correct-horse-battery", "new_password1": "a-new-Long-passphrase-42", "new_password2": "a-new-Long-passphrase-42",
    })
    assert response.status_code == 302
    assert here.get(reverse("cases:case_list")).status_code == 200
    response = elsewhere.get(reverse("cases:case_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_deactivating_a_user_ends_every_session_and_their_api_token_at_once(reader):
    sessions = [logged_in(reader), logged_in(reader)]
    token = Token.objects.create(user=reader)
    api = Client(headers={"Authorization": f"Token {token.key}"})
    assert api.get(reverse("api:case-list")).status_code == 200
    reader.is_active = False
    reader.save()
    for client in sessions:
        response = client.get(reverse("cases:case_list"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert api.get(reverse("api:case-list")).status_code == 401


def test_a_password_reset_email_links_to_site_url_and_the_link_sets_a_new_password(reader, settings):
    settings.SITE_URL = "https://tracker.example.org"
    # Even where the host check lets any Host header in, the link does not follow it.
    settings.ALLOWED_HOSTS = ["*"]
    old_session = logged_in(reader)
    client = Client()
    response = client.post(reverse("password_reset"), {"email": reader.email}, headers={"host": "evil.example"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https://tracker\.example\.org(/accounts/password/reset/\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "Choose a new password" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "Brand-new-passphrase-7", "new_password2": "Brand-new-passphrase-7"})
    assert done.status_code == 302
    assert Client().login(username="reader", password="Brand-new-passphrase-7")
    assert old_session.get(reverse("cases:case_list")).status_code == 302
    # The link works once.
    assert "does not work" in client.get(link, follow=True).content.decode()


def test_password_reset_requests_are_throttled_per_address_with_the_same_answer_for_unknown_emails(reader, settings):
    settings.PASSWORD_RESET_LIMIT = 2
    client = Client()
    for _ in range(2):
        assert client.post(reverse("password_reset"), {"email": reader.email}).status_code == 302
    refused = client.post(reverse("password_reset"), {"email": reader.email})
    assert refused.status_code == 200 and "Too many reset requests" in refused.content.decode()
    assert len(mail.outbox) == 2
    # An unknown address is answered like a known one (nothing to learn about who has an account).
    assert Client(REMOTE_ADDR="10.0.0.9").post(reverse("password_reset"), {"email": "nobody@example.org"}).status_code == 302


# The security log's file -------------------------------------------------------------------------


def test_the_security_log_also_goes_to_a_file_rotated_daily_with_the_stated_retention(tmp_path):
    log_file = tmp_path / "security.log"
    env = os.environ | {
        "DEBUG": "true", "VAR_DIR": str(tmp_path / "var"), "SECURITY_LOG_FILE": str(log_file),
        "SECURITY_LOG_RETENTION_DAYS": "30",
    }
    code = (
        "import django, logging; django.setup(); "
        "from accounts.security import security_event; security_event('login_failed', user='someone'); "
        "handler = next(h for h in logging.getLogger('security').handlers if h.__class__.__name__ == 'TimedRotatingFileHandler'); "
        "print(handler.when, handler.backupCount)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env | {"DJANGO_SETTINGS_MODULE": "tracker.settings"},
        capture_output=True, text=True, check=True,
    )
    assert result.stdout.split() == ["MIDNIGHT", "30"]
    line = json.loads(log_file.read_text().splitlines()[-1])
    assert line["event"] == "login_failed" and line["user"] == "someone"


def test_an_administrator_revokes_a_users_address_from_the_admin(reader):
    address = PrivateAddressFactory(user=reader)
    admin = logged_in(UserFactory(username="root", is_staff=True, is_superuser=True))
    listing = admin.get(reverse("admin:accounts_privateaddress_changelist")).content.decode()
    assert "reader" in listing and address.key not in listing
    admin.post(reverse("admin:accounts_privateaddress_changelist"), {"action": "revoke", "_selected_action": [address.pk]})
    assert Client().get(feed_url(address)).status_code == 404
