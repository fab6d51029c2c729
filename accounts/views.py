from urllib.parse import urlsplit

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST
from django_otp import user_has_device

from tracker.next_url import next_url

from . import services, two_factor
from .forms import OneTimeCodeForm, PrivateAddressForm, ThrottledPasswordResetForm
from .models import PrivateAddress
from .security import security_event

SETUP_SECRET = "_two_factor_setup_secret"


def permission_denied(request, exception=None):
    """The 403 page, and a line in the security log for every refusal."""
    user = request.user.get_username() if getattr(request, "user", None) and request.user.is_authenticated else None
    security_event("permission_denied", request=request, user=user, method=request.method)
    return render(request, "403.html", status=403)


@login_required
def security(request):
    """The user's account page: password, two-factor login, private addresses."""
    addresses = request.user.private_addresses.all()
    return render(request, "accounts/security.html", {
        "has_two_factor": user_has_device(request.user, confirmed=True),
        "two_factor_required": two_factor.two_factor_required(request.user),
        "addresses": addresses,
        "form": PrivateAddressForm(),
    })


@login_required
@require_POST
def private_addresses(request):
    """Make a new private address (they are listed on the account page)."""
    form = PrivateAddressForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose what the address is for.")
        return redirect("accounts:security")
    address = services.private_address_create(user=request.user, **form.cleaned_data)
    messages.success(request, f"New private address for {address.get_purpose_display().lower()}: {address.url()}")
    return redirect(next_url(request, reverse("accounts:security")))


@login_required
@require_POST
def private_address_revoke(request, pk):
    address = get_object_or_404(PrivateAddress, pk=pk, user=request.user)
    services.private_address_revoke(address=address, by=request.user)
    messages.success(request, "The address was revoked: it no longer works, at once.")
    return redirect("accounts:security")


@login_required
@require_POST
def private_address_rotate(request, pk):
    address = get_object_or_404(PrivateAddress.objects.active(), pk=pk, user=request.user)
    new = services.private_address_rotate(address=address, by=request.user)
    messages.success(request, f"The old address no longer works. The new one: {new.url()}")
    return redirect("accounts:security")


@login_required
def two_factor_verify(request):
    """The second step of logging in, for a user with an authenticator app."""
    if request.user.is_verified():
        return redirect(next_url(request, "/"))
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.device_for_code(user=request.user, code=form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            request.session.cycle_key()
            security_event("two_factor_verified", request=request, user=request.user.get_username())
            return redirect(next_url(request, "/"))
        security_event("two_factor_failed", request=request, user=request.user.get_username())
        form.add_error("code", "That code is not right, or it was used already. Wait for the next one and try again.")
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url(request, "")})


@login_required
def two_factor_setup(request):
    """Set up an authenticator app: scan the code (or type the key), then prove it with a code.
    The key waits in the session until then, so leaving the page half-way saves nothing."""
    if user_has_device(request.user, confirmed=True) and not request.user.is_verified():
        return redirect("accounts:two_factor_verify")
    secret = request.session.get(SETUP_SECRET)
    if secret is None or request.method == "GET" and "again" in request.GET:
        secret = request.session[SETUP_SECRET] = two_factor.new_secret()
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.code_matches_secret(secret_hex=secret, code=form.cleaned_data["code"]):
            two_factor.devices_delete(user=request.user)
            device = two_factor.device_create(user=request.user, secret_hex=secret)
            del request.session[SETUP_SECRET]
            django_otp.login(request, device)
            two_factor.session_state_set(request, has_device=True)
            security_event("two_factor_enabled", request=request, user=request.user.get_username())
            messages.success(request, "Two-factor login is on: from now on you will be asked for a code after your password.")
            return redirect(next_url(request, reverse("accounts:security")))
        form.add_error("code", "That code does not match. Check the app's clock and use the newest code.")
    uri = two_factor.provisioning_uri(user=request.user, secret_hex=secret)
    return render(request, "accounts/two_factor_setup.html", {
        "form": form, "qr": two_factor.qr_data_uri(uri), "secret": two_factor.secret_base32(secret),
        "required": two_factor.two_factor_required(request.user), "next": next_url(request, ""),
    })


@login_required
@require_POST
def two_factor_disable(request):
    if two_factor.two_factor_required(request.user):
        messages.error(request, "Administrators must keep two-factor login on; set up a new app instead.")
        return redirect("accounts:security")
    two_factor.devices_delete(user=request.user)
    two_factor.session_state_set(request, has_device=False)
    security_event("two_factor_disabled", request=request, user=request.user.get_username())
    messages.success(request, "Two-factor login is off.")
    return redirect("accounts:security")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view; it keeps this session and ends every other one (the session hash changes)."""

    success_url = reverse_lazy("accounts:security")

    def form_valid(self, form):
        response = super().form_valid(form)
        security_event("password_changed", request=self.request, user=self.request.user.get_username())
        messages.success(self.request, "Your password was changed. Every other session of yours has ended.")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ThrottledPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"request": self.request}

    def form_valid(self, form):
        # The link is built from SITE_URL, like every absolute link the app sends, never from the
        # request's Host header (which a client can set, to have a reset link point elsewhere).
        # Django's view passes no domain to the form, so the form is saved here.
        site = urlsplit(settings.SITE_URL)
        form.save(
            domain_override=site.netloc, use_https=site.scheme == "https", request=self.request,
            token_generator=self.token_generator, from_email=self.from_email,
            email_template_name=self.email_template_name, subject_template_name=self.subject_template_name,
            html_email_template_name=self.html_email_template_name, extra_email_context=self.extra_email_context,
        )
        security_event("password_reset_requested", request=self.request)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        security_event("password_reset_done", request=self.request, user=form.user.get_username())
        return response
