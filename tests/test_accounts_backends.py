"""accounts.backends: permissions read once and kept in the cache until a role or permission changes."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from cases import roles
from tests.factories import UserFactory, user_in_role

pytestmark = pytest.mark.django_db


def _fresh(user):
    """The user as the next request loads it, with no permissions read yet."""
    return get_user_model().objects.get(pk=user.pk)


def test_a_second_request_reads_the_permissions_from_the_cache(django_assert_num_queries):
    user = user_in_role(roles.ANALYST, "ana")
    first, second = _fresh(user), _fresh(user)
    with django_assert_num_queries(1):
        assert first.has_perm("cases.add_event") is True
    with django_assert_num_queries(0):
        assert second.has_perm("cases.add_event") is True


@pytest.mark.parametrize("change", ["role", "group_permission", "own_permission", "group_deleted"])
def test_a_change_of_roles_or_permissions_takes_effect_on_the_next_request(change):
    user = user_in_role(roles.ANALYST, "ana")
    assert _fresh(user).has_perm("cases.add_event") is True
    if change == "role":
        roles.user_set_role(user=user, role=roles.VIEWER)
    elif change == "group_permission":
        Group.objects.get(name=roles.ANALYST).permissions.remove(Permission.objects.get(codename="add_event"))
    elif change == "own_permission":
        user.groups.clear()
        assert _fresh(user).has_perm("cases.add_event") is False
        user.user_permissions.add(Permission.objects.get(codename="add_event"))
    else:
        Group.objects.get(name=roles.ANALYST).delete()
    expected = change == "own_permission"
    assert _fresh(user).has_perm("cases.add_event") is expected


def test_a_superuser_and_an_inactive_user_are_not_given_each_others_permissions():
    user = UserFactory(username="sam")
    assert _fresh(user).has_perm("cases.add_event") is False
    user.is_superuser = True
    user.save()
    assert _fresh(user).has_perm("cases.add_event") is True
    user.is_active = False
    user.save()
    assert _fresh(user).has_perm("cases.add_event") is False
