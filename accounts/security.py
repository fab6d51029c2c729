"""
The security log: one structured line per login, failed login, lockout, refused permission and
change of a user's role, on the "security" logger (JSON in production).

Never a password, a session key or a token: only who, from where, and what happened.
"""

import logging

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from .network import client_ip

log = logging.getLogger("security")


def _client(request) -> dict:
    if request is None:
        return {}
    return {"ip": client_ip(request), "path": request.path[:200]}


def security_event(event: str, *, request=None, **fields) -> None:
    """Write one security-log line; fields must never hold secrets."""
    log.info(event, extra={"event": event, **_client(request), **fields})


@receiver(user_logged_in, dispatch_uid="security.login")
def _logged_in(sender, request, user, **kwargs):
    security_event("login", request=request, user=user.get_username())


@receiver(user_logged_out, dispatch_uid="security.logout")
def _logged_out(sender, request, user, **kwargs):
    security_event("logout", request=request, user=user.get_username() if user else None)


@receiver(user_login_failed, dispatch_uid="security.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # Django already masks the password in credentials; only the username is kept.
    security_event("login_failed", request=request, user=str(credentials.get("username", ""))[:150])


@receiver(user_locked_out, dispatch_uid="security.locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    security_event("lockout", request=request, user=str(username or "")[:150], locked_ip=ip_address)


@receiver(m2m_changed, sender=get_user_model().groups.through, dispatch_uid="security.role_change")
def _role_changed(sender, instance, action, pk_set, reverse, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:
        # group.user_set.add(...): instance is the group, pk_set the users.
        users = list(get_user_model().objects.filter(pk__in=pk_set or ()).values_list("username", flat=True))
        groups = [instance.name]
    else:
        users = [instance.get_username()]
        groups = list(Group.objects.filter(pk__in=pk_set or ()).values_list("name", flat=True))
    for username in users:
        security_event("role_changed", user=username, action=action.removeprefix("post_"), roles=groups)
