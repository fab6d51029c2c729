"""The read-only API under /api/: the clients authenticate with their token, not a session login."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from .api import CaseViewSet, EventViewSet

app_name = "api"


def _open(view):
    # LoginRequiredMiddleware would send token clients to the login page; DRF checks the token.
    return login_not_required(view)


urlpatterns = [
    path("cases/", _open(CaseViewSet.as_view({"get": "list"})), name="case-list"),
    path("cases/<slug:reference>/", _open(CaseViewSet.as_view({"get": "retrieve"})), name="case-detail"),
    path("events/", _open(EventViewSet.as_view({"get": "list"})), name="event-list"),
    path("events/<int:pk>/", _open(EventViewSet.as_view({"get": "retrieve"})), name="event-detail"),
    path("schema/", _open(SpectacularAPIView.as_view()), name="schema"),
]
