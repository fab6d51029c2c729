from django import template
from django.utils import timezone

from ..selectors import case_clocks

register = template.Library()


@register.inclusion_tag("clocks/_case_panel.html", takes_context=True)
def case_clocks_panel(context, case):
    """The time limits a case's record implies, as its page shows them."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "case": case,
        "clocks": case_clocks(case=case),
        "today": timezone.localdate(),
        "can_change": user is not None and user.has_perm("clocks.change_clock"),
    }


@register.simple_tag
def clock_view(clock, today):
    """What a clock's line says today: its state, and the days left or since it lapsed."""
    left = clock.days_left(today)
    return {
        "state": clock.state(today), "left": left, "left_latest": (clock.due_last - today).days,
        "ago": (today - clock.due_last).days,
    }
