from django import template

from ..models import Follow

register = template.Library()


@register.simple_tag
def follow_defaults() -> Follow:
    """An unsaved follow with the preference fields' defaults: what following a case would send."""
    return Follow()
