from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.security, name="security"),
    path("addresses/", views.private_addresses, name="private_addresses"),
    path("addresses/<int:pk>/revoke/", views.private_address_revoke, name="private_address_revoke"),
    path("addresses/<int:pk>/rotate/", views.private_address_rotate, name="private_address_rotate"),
    path("two-factor/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/off/", views.two_factor_disable, name="two_factor_disable"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
]

# Django's password reset pages, under the names its templates and views reverse.
password_reset_urlpatterns = [
    path("accounts/password/reset/", login_not_required(views.PasswordResetView.as_view()), name="password_reset"),
    path("accounts/password/reset/sent/", login_not_required(auth_views.PasswordResetDoneView.as_view()), name="password_reset_done"),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        login_not_required(views.PasswordResetConfirmView.as_view()), name="password_reset_confirm",
    ),
    path("accounts/password/reset/done/", login_not_required(auth_views.PasswordResetCompleteView.as_view()), name="password_reset_complete"),
]
