"""Two-factor login with a time-based code (TOTP, RFC 6238) from an authenticator app, on django-otp.

Optional for every user, required for administrators (staff) when TWO_FACTOR_REQUIRED_FOR_ADMINS is
on: ``TwoFactorMiddleware`` sends a user who has logged in with a password, but not yet with a
code, to the code page (or, for an administrator without an app set up, to the set-up page)
before anything else opens."""

import base64
from binascii import unhexlify
from urllib.parse import quote

import segno
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.urls import reverse
from django_otp import devices_for_user, user_has_device
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

ISSUER = "Extradition Tracker"


def two_factor_required(user) -> bool:
    return settings.TWO_FACTOR_REQUIRED_FOR_ADMINS and (user.is_staff or user.is_superuser)


def new_secret() -> str:
    """A new TOTP key, as django-otp stores it (hex)."""
    return random_hex(20)


def secret_base32(secret_hex: str) -> str:
    """The key as an authenticator app takes it when typed in."""
    return base64.b32encode(unhexlify(secret_hex)).decode().rstrip("=")


def provisioning_uri(*, user, secret_hex: str) -> str:
    label = quote(f"{ISSUER}:{user.get_username()}")
    return f"otpauth://totp/{label}?secret={secret_base32(secret_hex)}&issuer={quote(ISSUER)}&digits=6&period=30"


def qr_data_uri(uri: str) -> str:
    """The set-up QR code as an SVG data: address (no request to anyone else; allowed by img-src data:)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff")


def code_matches_secret(*, secret_hex: str, code: str) -> bool:
    """For the set-up page, before any device is saved: does the code come from this key?"""
    totp = TOTP(unhexlify(secret_hex))
    return totp.verify(int(code), tolerance=1)


def device_for_code(*, user, code: str) -> TOTPDevice | None:
    """The user's confirmed device that accepts the code; django-otp throttles each device's
    failures (ever longer waits) and refuses a code already used."""
    for device in devices_for_user(user, confirmed=True):
        if device.verify_token(code):
            return device
    return None


def device_create(*, user, secret_hex: str) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", key=secret_hex, confirmed=True)


def devices_delete(*, user) -> None:
    for device in devices_for_user(user, confirmed=None):
        device.delete()


# Whether the session's user has a confirmed device, found at login: the middleware then needs no
# query on each request of the many users without one.
HAS_DEVICE = "_two_factor_has_device"


def session_state_set(request, *, has_device: bool) -> None:
    request.session[HAS_DEVICE] = has_device


@receiver(user_logged_in, dispatch_uid="accounts.two_factor_state")
def _logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_state_set(request, has_device=user_has_device(user, confirmed=True))


def _has_device(request, user) -> bool:
    state = request.session.get(HAS_DEVICE)
    if state is None:  # A session from before this was recorded.
        state = user_has_device(user, confirmed=True)
        session_state_set(request, has_device=state)
    return state


class TwoFactorMiddleware:
    """After OTPMiddleware: a logged-in user who has an app, or who must have one, goes nowhere
    but the code pages (and log out) until they have given a code in this session."""

    OPEN_PATHS = ("/static/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_verified() and not self._open(request):
            if _has_device(request, user):
                return redirect_to_login(request.get_full_path(), login_url=reverse("accounts:two_factor_verify"))
            if two_factor_required(user):
                return redirect_to_login(request.get_full_path(), login_url=reverse("accounts:two_factor_setup"))
        return self.get_response(request)

    def _open(self, request) -> bool:
        if request.path.startswith(self.OPEN_PATHS) or request.path.startswith("/api/"):
            return True
        match = request.resolver_match or _resolve(request.path)
        return match is not None and match.view_name in {
            "accounts:two_factor_verify", "accounts:two_factor_setup", "logout",
        }


def _resolve(path):
    from django.urls import Resolver404, resolve

    try:
        return resolve(path)
    except Resolver404:
        return None
