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
    The access token `raw_token` is, with its app and its customer (None for an app's own token,
    from the client credentials), in one statement: every request that carries an OAuth token
    asks. A revoked token has no row (revoking deletes it); a token of no app (a resource server's
    cache of another server's token, which this service never makes) is none of ours either.
    Written as SQL, as accounts.selectors.user_get_for_session is, for the same reason: Django's
    compiler took longer to build the three-table query than PostgreSQL takes to answer it.
    """
    row = next(iter(User.objects.raw(_TOKEN_SQL, [token_checksum(raw_token)])), None)
    if row is None:
        return None
    # from_db, not the constructors: they would run the fields' defaults (a new client id and a
    # 128-character secret for the app), work thrown away on every request.
    application = Application.from_db(
        None, ["id", "client_id", "name"], [row.oauth_app_id, row.oauth_app_client_id, row.oauth_app_name]
    )
    token = AccessToken.from_db(
        None,
        ["id", "user_id", "application_id", "expires", "scope", "created"],
        [
            row.oauth_token_id,
            row.pk,
            row.oauth_app_id,
            row.oauth_token_expires,
            row.oauth_token_scope,
            row.oauth_token_created,
        ],
    )
    token.application = application
    token.user = row if row.pk is not None else None
    return token


# Names from the models' own metadata; the value always goes as a parameter.
_TOKEN, _APP, _USER = AccessToken._meta, Application._meta, User._meta
_TOKEN_SQL = (
    f'SELECT u.*, t."id" AS oauth_token_id, t."expires" AS oauth_token_expires, '  # noqa: S608  # nosec B608 - names from model metadata
    f't."scope" AS oauth_token_scope, t."created" AS oauth_token_created, a."id" AS oauth_app_id, '
    f'a."client_id" AS oauth_app_client_id, a."name" AS oauth_app_name '
    f'FROM "{_TOKEN.db_table}" t JOIN "{_APP.db_table}" a ON a."id" = t."application_id" '
    f'LEFT JOIN "{_USER.db_table}" u ON u."id" = t."user_id" WHERE t."token_checksum" = %s'
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
