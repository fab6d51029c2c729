"""
The three roles, kept as Django groups: viewer reads everything, analyst also creates and edits
cases and events and changes stages, administrator also deletes and manages users.

The groups are created by a migration; their permissions are set again after every ``migrate``,
so a model added later is covered without a new data migration.
"""

from django.contrib.auth.models import Group, Permission

VIEWER, ANALYST, ADMINISTRATOR = "viewer", "analyst", "administrator"
ROLES = (VIEWER, ANALYST, ADMINISTRATOR)
ROLE_LABELS = {VIEWER: "Viewer", ANALYST: "Analyst", ADMINISTRATOR: "Administrator"}

# The apps whose records the roles cover.
DOMAIN_APPS = ("cases", "alerts", "clocks")


def _permissions(actions, apps=DOMAIN_APPS):
    return Permission.objects.filter(
        content_type__app_label__in=apps, codename__regex=r"^(%s)_" % "|".join(actions)
    )


def roles_sync(**kwargs) -> None:
    """Create the role groups if missing and give each exactly its permissions."""
    wanted = {
        VIEWER: list(_permissions(["view"])),
        ANALYST: list(_permissions(["view", "add", "change"])),
        ADMINISTRATOR: list(_permissions(["view", "add", "change", "delete"]))
        + list(_permissions(["view", "add", "change", "delete"], apps=("auth", "axes"))),
    }
    for name, permissions in wanted.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)


def user_role(user) -> str | None:
    """The highest role a user holds, or None."""
    names = {group.name for group in user.groups.all()}
    for role in reversed(ROLES):
        if role in names:
            return role
    return None


def user_set_role(*, user, role: str | None) -> None:
    """Give a user exactly one role (or none); administrators also get into the admin site."""
    held = user.groups.filter(name__in=ROLES)
    if stale := list(held.exclude(name=role)):
        user.groups.remove(*stale)
    if role and not held.filter(name=role).exists():
        user.groups.add(Group.objects.get(name=role))
    user.is_staff = role == ADMINISTRATOR
    user.save(update_fields=["is_staff"])
