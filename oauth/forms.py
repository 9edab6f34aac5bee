"""
Provides the authorization pages' sign-in form.
"""

from django import forms

from accounts.models import User


class SignInForm(forms.Form):
    """An email or account number and a password, as the API's login takes them (and a one-time code for MFA)."""

    username = forms.CharField(
        label="Email or account number",
        max_length=User._meta.get_field("email").max_length,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    otp_token = forms.CharField(
        label="Code from your authenticator app (if you set one up)",
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
