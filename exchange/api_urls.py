"""The read-only API under /api/: the clients authenticate with their token, not a session login."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from .api import CaseViewSet, EventViewSet

app_name = "api"


def _open(view):
    # LoginRequiredMiddleware would send token clients to the login page; DRF checks the token.
    return login_not_required(view)


def not_found(request, *args, **kwargs):
    """Any other address under /api/ (a reference that is not a slug, an id that is not a number):
    the API's JSON 404, not the site's HTML page, which a client of the API cannot read."""
    return JsonResponse({"detail": "Not found."}, status=404)


urlpatterns = [
    path("cases/", _open(CaseViewSet.as_view({"get": "list"})), name="case-list"),
    path("cases/<slug:reference>/", _open(CaseViewSet.as_view({"get": "retrieve"})), name="case-detail"),
    path("events/", _open(EventViewSet.as_view({"get": "list"})), name="event-list"),
    path("events/<int:pk>/", _open(EventViewSet.as_view({"get": "retrieve"})), name="event-detail"),
    path("schema/", _open(SpectacularAPIView.as_view()), name="schema"),
    # Last, and only for addresses ending in a slash: without one, Django's APPEND_SLASH still
    # redirects /api/cases to /api/cases/. [\s\S], not ".", so that a newline in the address
    # matches too. Unnamed: nothing links to it, and it answers everyone alike.
    re_path(r"^[\s\S]*/$", _open(not_found)),
]
