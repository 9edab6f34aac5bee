"""
Factories for users, created through the model manager the services use, and the helpers that log
them in as clients do (with their second factor when they have MFA).

Staff (`admin`, `auditor`) get a confirmed TOTP device and recovery codes by default, as they must
have MFA to do anything; `UserFactory(role="admin", mfa=False)` makes one who has not enrolled yet,
and `UserFactory(mfa=True)` a customer who opted in.
"""

import base64
import time
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlparse

import factory
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import STAFF_ROLES, User

DEFAULT_PASSWORD = "correct horse battery staple"  # noqa: S105


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    first_name = "Ada"
    last_name = "Lovelace"
    phone = "+447700900123"
    date_of_birth = date(1990, 12, 10)
    role = "customer"
    status = "active"

    @classmethod
    def _create(cls, model_class, *args, password: str = DEFAULT_PASSWORD, mfa: bool | None = None, **kwargs):
        user = model_class.objects.create_user(*args, password=password, **kwargs)
        if mfa or (mfa is None and user.role in STAFF_ROLES):
            give_mfa(user)
        return user


RECOVERY_CODES = [f"{letter}2345672" for letter in "abcdefghij"]  # 8 characters of base32, as django-otp makes


def give_mfa(user: User) -> TOTPDevice:
    """
    A confirmed TOTP device and RECOVERY_CODES for `user`, as mfa.services' enrollment leaves them,
    without spending a code of the current time step (a login in the same test can use it).
    """
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    recovery = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=code) for code in RECOVERY_CODES)
    user.mfa_enrolled_at = timezone.now()
    user.save(update_fields=["mfa_enrolled_at"])
    return device


def totp_code(user: User, *, unused: bool = True) -> str:
    """
    The current TOTP code of `user`'s device, computed as an authenticator app does (RFC 6238,
    django_otp.oath.totp). A code works once per time step: with `unused`, when this step's code was
    already accepted, it waits for the next step (at most one step, 30 s).
    """
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    if unused:
        step_now = int((time.time() - device.t0) // device.step)
        if step_now <= device.last_t:
            time.sleep(device.t0 + (device.last_t + 1) * device.step - time.time() + 0.05)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def code_from_otpauth_uri(uri: str) -> str:
    """The code an authenticator app set up from this otpauth URI shows now."""
    secret = parse_qs(urlparse(uri).query)["secret"][0]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key):06d}"


LOGIN_PATH = "/api/v1/auth/login"
MFA_VERIFY_PATH = "/api/v1/auth/mfa/verify"


def api_login(post: Callable[[str, dict], Any], user: User, password: str = DEFAULT_PASSWORD) -> dict:
    """
    The whole API login of `user`, as a client does it: the password, then, for a user with MFA, the
    `mfa_token` and the current TOTP code. `post(path, body)` sends JSON (an APIClient, or requests
    against a live server); returns the token pair's body.
    """
    response = post(LOGIN_PATH, {"account_number": user.account_number, "password": password})
    assert response.status_code == 200, response.content
    body = response.json()
    if body.get("mfa_required"):
        response = post(MFA_VERIFY_PATH, {"mfa_token": body["mfa_token"], "code": totp_code(user)})
        assert response.status_code == 200, response.content
        body = response.json()
    return body


def registration_body(**overrides) -> dict:
    """A body `POST /api/v1/auth/register` accepts, with `overrides` for the fields a test is about."""
    return {
        "email": "ada@example.com",
        "password": DEFAULT_PASSWORD,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": "+447700900123",
        "date_of_birth": "1990-12-10",
        **overrides,
    }


def admin_site_login(client: Client, user: User) -> Client:
    """
    `client` signed in to the admin site as `user`, verified by their TOTP device as the login form
    leaves a session (Django's force_login alone leaves it unverified, which the site refuses).
    """
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
