"""
Provides the reads of users that more than one caller needs.
"""

import uuid

from django.db import connections, router

from accounts.account_numbers import is_account_number
from accounts.models import EndedSession, Status, User


def user_get_by_login_identifier(identifier: str) -> User | None:
    """The user a login names by account number (12 digits) or email (case-insensitive), if any."""
    identifier = identifier.strip()
    if is_account_number(identifier):
        return User.objects.filter(account_number=identifier).first()
    if "@" not in identifier or "\x00" in identifier:
        return None
    return User.objects.filter(email__iexact=identifier).first()


def email_is_taken(email: str, *, exclude: User | None = None) -> bool:
    """
    Whether a user (other than `exclude`) has this email, compared case-insensitively as the
    database's unique constraint (user_email_ci_unique) compares it.
    """
    users = User.objects.filter(email__iexact=email)
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return users.exists()


def user_get_for_set_password_link(public_id: str) -> User | None:
    """The active user a set-password link names by public id; None for anything else in its place."""
    try:
        parsed = uuid.UUID(public_id)
    except ValueError:
        return None
    return User.objects.filter(public_id=parsed, status=Status.ACTIVE).first()


def user_get_for_session(public_id: str, session_id: str) -> User | None:
    """
    The user a token names, unless the token's session has ended (logout). Every authenticated
    request asks, so both questions go in one plain, unordered statement, written once as SQL:
    Django's compiler took longer to build the `NOT EXISTS` query than PostgreSQL takes to answer
    it (docs/performance.md, "Sessions").
    """
    try:
        parsed_user, parsed_session = uuid.UUID(public_id), uuid.UUID(session_id)
    except ValueError:
        return None
    connection = connections[router.db_for_read(User)]
    params = [
        _PUBLIC_ID.get_db_prep_value(parsed_user, connection),
        _SESSION_ID.get_db_prep_value(parsed_session, connection),
    ]
    return next(iter(User.objects.raw(_USER_FOR_SESSION_SQL, params)), None)


_PUBLIC_ID = User._meta.get_field("public_id")
_SESSION_ID = EndedSession._meta.get_field("sid")
# Names from the models' own metadata; values always go as parameters.
_USER_TABLE, _ENDED_TABLE = User._meta.db_table, EndedSession._meta.db_table
_USER_FOR_SESSION_SQL = (
    f'SELECT * FROM "{_USER_TABLE}" WHERE "{_PUBLIC_ID.column}" = %s AND NOT EXISTS '  # noqa: S608  # nosec B608 - names from model metadata
    f'(SELECT 1 FROM "{_ENDED_TABLE}" WHERE "{_SESSION_ID.column}" = %s)'
)
