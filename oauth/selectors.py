"""
Provides the reads of OAuth tokens and authorizations.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Min, Q
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, RefreshToken

from accounts.models import User


def token_checksum(raw_token: str) -> str:
    """How django-oauth-toolkit finds a token: tokens are kept only as their SHA-256 (RFC 9700)."""
    return hashlib.sha256(raw_token.encode("utf-8")).hexdigest()


def access_token_get(raw_token: str) -> AccessToken | None:
    """
    The access token `raw_token` is, with its user and app, in one statement: every request
    that carries an OAuth token asks. A revoked token has no row (revoking deletes it).
    """
    return (
        AccessToken.objects.select_related("user", "application")
        .filter(token_checksum=token_checksum(raw_token))
        .first()
    )


@dataclass(frozen=True)
class Authorization:
    """An app a customer authorized, while it still holds an access or refresh token of theirs."""

    id: int  # the app's id: one authorization per app and customer
    app: str
    scopes: list[str]
    created_at: datetime


def _live_access(user: User) -> Q:
    return Q(user=user, expires__gt=timezone.now())


def authorizations_of(user: User) -> list[Authorization]:
    """
    The apps holding a live token of `user` (an unexpired access token, or a refresh token not
    revoked), newest first: when each was first authorized among the tokens still live, and the
    scopes those tokens carry.
    """
    live_refresh = RefreshToken.objects.filter(user=user, revoked__isnull=True)
    app_ids = set(AccessToken.objects.filter(_live_access(user)).values_list("application_id", flat=True))
    app_ids |= set(live_refresh.values_list("application_id", flat=True))
    app_ids.discard(None)
    if not app_ids:
        return []
    apps = {app.pk: app for app in Application.objects.filter(pk__in=app_ids).only("id", "name", "client_id")}
    scopes: dict[int, set[str]] = {pk: set() for pk in app_ids}
    first: dict[int, datetime] = {}
    for application_id, scope, created in AccessToken.objects.filter(user=user, application_id__in=app_ids).values_list(
        "application_id", "scope", "created"
    ):
        scopes[application_id].update(scope.split())
        first[application_id] = min(first.get(application_id, created), created)
    for row in live_refresh.values("application_id").annotate(first=Min("created")):
        pk = row["application_id"]
        first[pk] = min(first.get(pk, row["first"]), row["first"])
    found = [
        Authorization(id=pk, app=apps[pk].name or apps[pk].client_id, scopes=sorted(scopes[pk]), created_at=first[pk])
        for pk in app_ids
        if pk in apps
    ]
    return sorted(found, key=lambda authorization: (authorization.created_at, authorization.id), reverse=True)
