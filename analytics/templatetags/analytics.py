from django import template

register = template.Library()


@register.filter
def share_at(curve, days):
    """A survival curve's share not yet surrendered after so many days, as a percentage."""
    return f"{curve.at(int(days)):.0%}"
