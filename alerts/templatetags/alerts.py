from django import template
from django.utils import timezone

from ..selectors import case_deadlines_upcoming, case_follow_get, outbox_health

register = template.Library()


def _follow_context(context, case) -> dict:
    """What every follow control of a case needs: the reader, and their follow of the case, read
    once per request (the case page shows it twice)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    follow = None
    if authenticated:
        follows = request.__dict__.setdefault("_case_follows", {})
        if case.pk not in follows:
            follows[case.pk] = case_follow_get(user=user, case=case)
        follow = follows[case.pk]
    return {
        "case": case, "request": request, "csrf_token": context.get("csrf_token"), "user": user,
        "authenticated": authenticated, "follow": follow,
    }


@register.inclusion_tag("alerts/_case_panel.html", takes_context=True)
def case_alerts_panel(context, case):
    """The follow button and upcoming deadlines shown on a case page, in a fixed number of queries."""
    shown = _follow_context(context, case)
    user, authenticated = shown["user"], shown["authenticated"]
    return shown | {
        # A list, so the template's emptiness test and loop share one query.
        "deadlines": list(case_deadlines_upcoming(case=case)),
        "today": timezone.localdate(),
        "can_add": authenticated and user.has_perm("alerts.add_deadline"),
        "can_change": authenticated and user.has_perm("alerts.change_deadline"),
    }


@register.inclusion_tag("alerts/_outbox_warning.html", takes_context=True)
def outbox_warning(context):
    """A warning on every admin page while the outbox is stuck, for those who may see the outbox."""
    user = context["request"].user
    if not user.has_perm("alerts.view_alert"):
        return {}
    return {"health": outbox_health()}


@register.inclusion_tag("alerts/_follow_button.html", takes_context=True)
def case_follow_button(context, case):
    """Follow or unfollow among the case page's actions; what following sends is said in the alerts panel."""
    return _follow_context(context, case)