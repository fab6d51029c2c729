from django import template

from ..feeds import case_feed_private_url, feed_address_of

register = template.Library()


@register.inclusion_tag("exchange/_case_feed_panel.html", takes_context=True)
def case_feed_link(context, case):
    """The case's private feed address, ready to copy, or a button that makes the user one."""
    request = context.get("request")
    user = getattr(request, "user", None)
    # The private feed answers only while its owner may read cases: offer it to no one else.
    allowed = user is not None and user.is_authenticated and user.has_perm("cases.view_case")
    address = feed_address_of(user) if allowed else None
    return {
        "allowed": allowed,
        "case": case,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "feed_url": case_feed_private_url(case=case, address=address) if address else "",
    }
