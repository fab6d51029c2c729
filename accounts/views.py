from django.shortcuts import render

from .security import security_event


def permission_denied(request, exception=None):
    """The 403 page, and a line in the security log for every refusal."""
    user = request.user.get_username() if getattr(request, "user", None) and request.user.is_authenticated else None
    security_event("permission_denied", request=request, user=user, method=request.method)
    return render(request, "403.html", status=403)
