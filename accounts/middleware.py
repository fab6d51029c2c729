"""Sessions end after a while idle and after an absolute lifetime, whatever the user does."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver

STARTED, LAST_SEEN = "_session_started", "_session_last_seen"
# Touch the session at most this often, so that browsing does not write to the database on every click.
TOUCH_EVERY = 60


@receiver(user_logged_in, dispatch_uid="accounts.session_started")
def session_started(sender, request, user, **kwargs):
    """The absolute lifetime counts from the login itself."""
    if request is not None and hasattr(request, "session"):
        request.session[STARTED] = request.session[LAST_SEEN] = time.time()


class SessionExpiryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.setdefault(STARTED, now)
            last_seen = request.session.get(LAST_SEEN, now)
            idle, lifetime = now - last_seen, now - started
            if idle > settings.SESSION_IDLE_TIMEOUT or lifetime > settings.SESSION_ABSOLUTE_LIFETIME:
                from accounts.security import security_event

                security_event("session_expired", request=request, user=request.user.get_username(),
                               reason="idle" if idle > settings.SESSION_IDLE_TIMEOUT else "lifetime")
                logout(request)
                messages.info(request, "Your session expired. Please log in again.")
                return redirect_to_login(request.get_full_path())
            if now - last_seen >= TOUCH_EVERY or LAST_SEEN not in request.session:
                request.session[LAST_SEEN] = now
        return self.get_response(request)
