from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

# Every page checks permissions; reading them cost a query of ~3 ms per request. They are kept in the
# cache under a generation number that any change of roles or permissions raises, so a changed role
# takes effect on the next request. With several web processes the cache must be shared (CACHE_URL);
# PERMISSIONS_CACHE_SECONDS bounds how long a per-process cache could lag behind another's change.
GENERATION_KEY = "permissions:generation"
PERMISSIONS_CACHE_SECONDS = 300


def _generation() -> int:
    return cache.get_or_set(GENERATION_KEY, 1, timeout=None)


def _generation_raise() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet, or evicted: any new number is as good
        cache.set(GENERATION_KEY, 2, timeout=None)


def permissions_changed() -> None:
    """Forget every user's cached permissions: a role, a group's permissions or a user's own changed.

    Now, and again once the change commits: a request in between reads the permissions from before
    the change and would otherwise cache them under the new generation."""
    _generation_raise()
    transaction.on_commit(_generation_raise)


class RolePermissionBackend(ModelBackend):
    """Django's model backend, reading a user's own and their groups' permissions in one query
    instead of two, and only when the cache does not hold them: every page checks permissions, and
    the roles are groups."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            key = f"permissions:{_generation()}:{user_obj.pk}:{int(user_obj.is_superuser)}"
            cached = cache.get(key)
            if cached is None:
                if user_obj.is_superuser:
                    permissions = Permission.objects.all()
                else:
                    permissions = Permission.objects.filter(Q(user=user_obj) | Q(group__user=user_obj))
                cached = {
                    f"{app_label}.{codename}"
                    for app_label, codename in permissions.values_list("content_type__app_label", "codename").distinct()
                }
                cache.set(key, cached, timeout=PERMISSIONS_CACHE_SECONDS)
            user_obj._perm_cache = cached
        return user_obj._perm_cache


User = get_user_model()


@receiver(m2m_changed, sender=User.groups.through)
@receiver(m2m_changed, sender=User.user_permissions.through)
@receiver(m2m_changed, sender=Group.permissions.through)
def _memberships_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        permissions_changed()


@receiver(post_delete, sender=Group)
@receiver(post_save, sender=Permission)
@receiver(post_delete, sender=Permission)
def _permission_records_changed(sender, **kwargs):
    permissions_changed()
