"""Who a private link (feed, calendar) still serves."""

from django.contrib.auth import get_user_model


def active_reader(*, user_id: int):
    """The user, if still active and still allowed to read cases; None otherwise.

    A private address outlives a user's departure or loss of role; it must stop working then."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_perm("cases.view_case"):
        return None
    return user
