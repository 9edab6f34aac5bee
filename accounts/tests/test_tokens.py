"""
Tokens: who may use them, for how long, and how they are revoked.
"""

import base64
import json
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.utils import timezone

from accounts.tests.factories import DEFAULT_PASSWORD
from conftest import assert_problem, login

PROFILE = "/api/v1/profile"
REFRESH = "/api/v1/auth/token/refresh"
LOGOUT = "/api/v1/auth/logout"
pytestmark = pytest.mark.django_db


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _sign(claims: dict, *, key: str | None = None, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key or settings.JWT_SECRET_KEY, algorithm=algorithm)


def _profile_with(api_client, token: str):
    return api_client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {token}")


def _assert_not_authenticated(response) -> None:
    assert_problem(response, 401, "not_authenticated")


def test_access_token_reads_own_profile(api_client, customer):
    tokens = login(api_client, customer)

    response = _profile_with(api_client, tokens["access"])

    assert response.status_code == 200
    assert response.json()["account_number"] == customer.account_number


def test_missing_token_is_not_authenticated(api_client):
    _assert_not_authenticated(api_client.get(PROFILE))


def test_tampered_token_is_not_authenticated(api_client, customer):
    header, payload, signature = login(api_client, customer)["access"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "admin"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    _assert_not_authenticated(_profile_with(api_client, f"{header}.{forged_payload}.{signature}"))


def test_token_signed_with_another_key_is_not_authenticated(api_client, customer):
    claims = _claims(login(api_client, customer)["access"])

    _assert_not_authenticated(_profile_with(api_client, _sign(claims, key="another-key-" + "x" * 32)))


def test_expired_token_is_not_authenticated(api_client, customer):
    claims = _claims(login(api_client, customer)["access"])
    claims["exp"] = int((timezone.now() - timedelta(seconds=1)).timestamp())

    _assert_not_authenticated(_profile_with(api_client, _sign(claims)))


def test_alg_none_token_is_not_authenticated(api_client, customer):
    claims = _claims(login(api_client, customer)["access"])
    unsigned = jwt.encode(claims, key=None, algorithm="none")

    _assert_not_authenticated(_profile_with(api_client, unsigned))


def test_token_with_another_algorithm_is_not_authenticated(api_client, customer):
    claims = _claims(login(api_client, customer)["access"])

    _assert_not_authenticated(_profile_with(api_client, _sign(claims, key="k" * 64, algorithm="HS512")))


@pytest.mark.parametrize("claim, value", [("aud", "someone-else"), ("iss", "someone-else")])
def test_token_for_another_audience_or_issuer_is_not_authenticated(api_client, customer, claim, value):
    claims = _claims(login(api_client, customer)["access"])
    claims[claim] = value

    _assert_not_authenticated(_profile_with(api_client, _sign(claims)))


def test_refresh_token_is_not_an_access_token(api_client, customer):
    tokens = login(api_client, customer)

    _assert_not_authenticated(_profile_with(api_client, tokens["refresh"]))


def test_access_token_is_not_a_refresh_token(api_client, customer):
    tokens = login(api_client, customer)

    _assert_not_authenticated(api_client.post(REFRESH, {"refresh": tokens["access"]}, format="json"))


def test_token_in_query_string_is_ignored(api_client, customer):
    tokens = login(api_client, customer)

    _assert_not_authenticated(api_client.get(f"{PROFILE}?access_token={tokens['access']}&token={tokens['access']}"))


@pytest.mark.parametrize("status", ["frozen", "closed"])
def test_frozen_or_closed_user_loses_access_at_once(api_client, customer, status):
    tokens = login(api_client, customer)
    customer.status = status
    customer.save(update_fields=["status"])

    _assert_not_authenticated(_profile_with(api_client, tokens["access"]))
    _assert_not_authenticated(api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json"))


def test_role_is_read_from_the_database_not_the_claim(api_client, admin_user):
    tokens = login(api_client, admin_user)
    admin_user.role = "customer"
    admin_user.save(update_fields=["role"])

    response = _profile_with(api_client, tokens["access"])

    assert response.status_code == 200
    assert response.json()["role"] == "customer"


def test_refresh_rotates_the_pair(api_client, customer):
    tokens = login(api_client, customer)

    response = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert body["refresh"] != tokens["refresh"]
    assert response["Cache-Control"] == "no-store"
    assert _profile_with(api_client, body["access"]).status_code == 200


def test_used_refresh_token_is_refused(api_client, customer):
    tokens = login(api_client, customer)
    assert api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 200

    _assert_not_authenticated(api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json"))


def test_refreshed_access_token_keeps_staff_lifetime(api_client, admin_user):
    tokens = login(api_client, admin_user)

    body = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").json()

    claims = _claims(body["access"])
    assert claims["exp"] - claims["iat"] == settings.JWT_STAFF_ACCESS_MINUTES * 60
    assert claims["role"] == "admin"


def test_refresh_body_rejects_unknown_fields(api_client, customer):
    tokens = login(api_client, customer)

    response = api_client.post(REFRESH, {"refresh": tokens["refresh"], "extra": 1}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_garbage_refresh_token_is_not_authenticated(api_client):
    _assert_not_authenticated(api_client.post(REFRESH, {"refresh": "not-a-token"}, format="json"))


def test_logout_revokes_the_refresh_token(api_client, customer):
    tokens = login(api_client, customer)

    response = api_client.post(
        LOGOUT, {"refresh": tokens["refresh"]}, format="json", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}"
    )

    assert response.status_code == 204
    _assert_not_authenticated(api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json"))


def test_logout_of_a_session_that_has_already_ended_is_still_no_content(api_client, customer):
    tokens = login(api_client, customer)
    other_session = login(api_client, customer)
    api_client.post(
        LOGOUT, {"refresh": tokens["refresh"]}, format="json", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}"
    )

    response = api_client.post(
        LOGOUT, {"refresh": tokens["refresh"]}, format="json", HTTP_AUTHORIZATION=f"Bearer {other_session['access']}"
    )

    assert response.status_code == 204


def test_logout_again_with_the_ended_sessions_access_token_is_not_authenticated(api_client, customer):
    tokens = login(api_client, customer)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access']}"}
    api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json", **auth)

    _assert_not_authenticated(api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json", **auth))


def test_logout_requires_authentication(api_client, customer):
    tokens = login(api_client, customer)

    _assert_not_authenticated(api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json"))


def test_logout_cannot_revoke_someone_elses_token(api_client, customer, auditor):
    own = login(api_client, customer)
    others = login(api_client, auditor)

    response = api_client.post(
        LOGOUT, {"refresh": others["refresh"]}, format="json", HTTP_AUTHORIZATION=f"Bearer {own['access']}"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"refresh": ["Token does not belong to the authenticated user."]}
    assert api_client.post(REFRESH, {"refresh": others["refresh"]}, format="json").status_code == 200


def test_logout_with_an_invalid_token_is_a_validation_error(api_client, customer):
    tokens = login(api_client, customer)

    response = api_client.post(
        LOGOUT, {"refresh": "garbage"}, format="json", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_refresh_tokens_are_not_stored_in_clear(api_client, customer):
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    tokens = login(api_client, customer)

    stored = OutstandingToken.objects.get(jti=_claims(tokens["refresh"])["jti"])
    assert stored.token == ""


def test_password_change_revokes_tokens_issued_before(api_client, customer):
    tokens = login(api_client, customer)

    response = api_client.post(
        "/api/v1/profile/password",
        {"current_password": DEFAULT_PASSWORD, "new_password": "an entirely new passphrase"},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {tokens['access']}",
    )

    assert response.status_code == 204
    _assert_not_authenticated(_profile_with(api_client, tokens["access"]))
    _assert_not_authenticated(api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json"))
    fresh = login(api_client, customer, password="an entirely new passphrase")
    assert _profile_with(api_client, fresh["access"]).status_code == 200


# Sessions: logout ends one, and only one --------------------------------------------------------


def _logout(api_client, tokens: dict, refresh: str | None = None):
    return api_client.post(
        LOGOUT,
        {"refresh": refresh or tokens["refresh"]},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {tokens['access']}",
    )


def test_logout_stops_the_sessions_access_token_at_once(api_client, customer):
    tokens = login(api_client, customer)

    assert _logout(api_client, tokens).status_code == 204

    _assert_not_authenticated(_profile_with(api_client, tokens["access"]))


def test_logout_with_an_earlier_refresh_token_ends_its_rotations_too(api_client, customer):
    tokens = login(api_client, customer)
    rotated = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").json()

    assert _logout(api_client, rotated, refresh=tokens["refresh"]).status_code == 204

    _assert_not_authenticated(_profile_with(api_client, rotated["access"]))
    _assert_not_authenticated(api_client.post(REFRESH, {"refresh": rotated["refresh"]}, format="json"))


def test_logout_leaves_the_users_other_sessions_working(api_client, customer):
    phone = login(api_client, customer)
    laptop = login(api_client, customer)

    _logout(api_client, phone)

    assert _profile_with(api_client, laptop["access"]).status_code == 200
    assert api_client.post(REFRESH, {"refresh": laptop["refresh"]}, format="json").status_code == 200


def test_tokens_of_one_login_share_a_session_and_rotation_keeps_it(api_client, customer):
    tokens = login(api_client, customer)
    rotated = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").json()
    other_login = login(api_client, customer)

    assert len({_claims(tokens["access"])["sid"], _claims(tokens["refresh"])["sid"]}) == 1
    assert _claims(rotated["access"])["sid"] == _claims(tokens["access"])["sid"] == _claims(rotated["refresh"])["sid"]
    assert _claims(other_login["access"])["sid"] != _claims(tokens["access"])["sid"]


def test_an_access_token_without_a_session_is_refused(api_client, customer):
    claims = _claims(login(api_client, customer)["access"])
    del claims["sid"]

    _assert_not_authenticated(_profile_with(api_client, _sign(claims)))


def test_a_refresh_token_without_a_session_is_refused(api_client, customer):
    claims = _claims(login(api_client, customer)["refresh"])
    del claims["sid"]

    _assert_not_authenticated(api_client.post(REFRESH, {"refresh": _sign(claims)}, format="json"))


def test_flushexpiredtokens_forgets_ended_sessions_whose_tokens_have_all_expired(api_client, customer):
    from django.core.management import call_command

    from accounts.models import EndedSession

    for tokens in (login(api_client, customer), login(api_client, customer)):
        _logout(api_client, tokens)
    expired, current = EndedSession.objects.order_by("ended_at")
    EndedSession.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    call_command("flushexpiredtokens")

    assert list(EndedSession.objects.values_list("sid", flat=True)) == [current.sid]


# Refresh races and replays ------------------------------------------------------------------------


def test_a_second_use_within_the_race_window_is_refused_and_the_winners_pair_keeps_working(
    api_client, customer, settings
):
    settings.JWT_REFRESH_RACE_SECONDS = 60
    tokens = login(api_client, customer)
    winner = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").json()

    _assert_not_authenticated(api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json"))

    assert _profile_with(api_client, winner["access"]).status_code == 200
    assert api_client.post(REFRESH, {"refresh": winner["refresh"]}, format="json").status_code == 200


def test_a_replay_after_the_race_window_revokes_every_token_of_the_user(api_client, customer, settings):
    settings.JWT_REFRESH_RACE_SECONDS = 0
    tokens = login(api_client, customer)
    other_session = login(api_client, customer)
    winner = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").json()

    _assert_not_authenticated(api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json"))

    _assert_not_authenticated(_profile_with(api_client, winner["access"]))
    _assert_not_authenticated(_profile_with(api_client, other_session["access"]))
    _assert_not_authenticated(api_client.post(REFRESH, {"refresh": winner["refresh"]}, format="json"))


def test_the_race_window_defaults_to_ten_seconds():
    from bankapi.settings import base

    assert base.JWT_REFRESH_RACE_SECONDS == 10
