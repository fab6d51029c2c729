from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.urls import password_reset_urlpatterns

from .health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    *password_reset_urlpatterns,
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("alerts/", include("alerts.urls")),
    path("clocks/", include("clocks.urls")),
    path("analytics/", include("analytics.urls")),
    path("exchange/", include("exchange.urls")),
    path("api/", include("exchange.api_urls")),
    path("", include("cases.urls")),
]

handler403 = "accounts.views.permission_denied"
