from django import forms
from django.contrib.auth.forms import PasswordResetForm

from .models import PrivateAddress
from .network import client_ip
from .throttling import throttle_hit


class OneTimeCodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app", max_length=8, min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*"}),
        help_text="Six digits; a new code every 30 seconds.",
    )

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "")
        if not code.isdigit():
            raise forms.ValidationError("Enter the digits the app shows.")
        return code


class PrivateAddressForm(forms.ModelForm):
    purpose = forms.ChoiceField(
        label="For", choices=PrivateAddress.Purpose.choices, initial=PrivateAddress.Purpose.FEED, widget=forms.RadioSelect
    )

    class Meta:
        model = PrivateAddress
        fields = ["purpose", "label"]


class ThrottledPasswordResetForm(PasswordResetForm):
    """Django's reset form, refusing more requests than PASSWORD_RESET_LIMIT an hour from one address
    or for one email; the message is the same whether or not the email belongs to anyone."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        keys = [f"reset:email:{email}"]
        if self.request is not None:
            keys.append(f"reset:ip:{client_ip(self.request)}")
        if not throttle_hit(keys):
            raise forms.ValidationError("Too many reset requests. Please wait an hour and try again.")
        return email
