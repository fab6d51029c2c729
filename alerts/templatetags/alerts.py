from django import template
from django.utils import timezone

from ..selectors import case_deadlines_upcoming, case_follow_get, outbox_health

register = template.Library()


@register.inclusion_tag("alerts/_case_panel.html", takes_context=True)
def case_alerts_panel(context, case):
    """The follow button and upcoming deadlines shown on a case page, in a fixed number of queries."""
    request = context.get("request")
    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    return {
        "case": case,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "follow": case_follow_get(user=user, case=case) if authenticated else None,
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
