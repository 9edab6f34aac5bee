"""
Staff must set up MFA before the API serves them anything else (docs/mfa.md). This is what the
benchmarks' admin and auditor do after their first login, as a person with an authenticator app
would: start enrollment, and confirm it with the code the otpauth URI gives now. Their access token
then works everywhere their role allows.
"""

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from urllib.parse import parse_qs, urlparse

from django_otp.oath import totp  # RFC 6238; the module needs no Django settings

ENROLL = "/api/v1/auth/mfa/totp"
CONFIRM = "/api/v1/auth/mfa/totp/confirm"
VERIFY = "/api/v1/auth/mfa/verify"


def code_from_otpauth_uri(uri: str) -> str:
    secret = parse_qs(urlparse(uri).query)["secret"][0]
    return f"{totp(base64.b32decode(secret + '=' * (-len(secret) % 8))):06d}"


def _post(url: str, body: dict | None, headers: Mapping[str, str]) -> dict:
    request = urllib.request.Request(  # noqa: S310 - the benchmark's own server
        url,
        data=json.dumps(body).encode() if body is not None else None,
        headers={**headers, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  # nosec B310 - the bench's own http:// server
        return json.load(response)


def enroll_staff(base_url: str, access_token: str, headers: Mapping[str, str] | None = None) -> list[str]:
    """
    Set up MFA for the staff member whose token this is; returns the recovery codes, for later
    logins (one each). A revision without MFA (compare_revisions' base) answers 404 at the
    enrollment endpoint: nothing to do there, and no codes.
    """
    headers = {**(headers or {}), "Authorization": f"Bearer {access_token}"}
    try:
        uri = _post(base_url + ENROLL, None, headers)["otpauth_uri"]
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return []
        raise
    return _post(base_url + CONFIRM, {"code": code_from_otpauth_uri(uri)}, headers)["recovery_codes"]


def complete_login(base_url: str, login_body: dict, recovery_codes: list[str]) -> str:
    """The access token of a login answered with an MFA challenge, spending one recovery code."""
    return _post(base_url + VERIFY, {"mfa_token": login_body["mfa_token"], "code": recovery_codes.pop()}, {})["access"]
