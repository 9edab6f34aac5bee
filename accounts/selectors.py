"""
Provides the reads of users that more than one caller needs.
"""

import uuid

from django.db.models import Exists

from accounts.account_numbers import is_account_number
from accounts.models import EndedSession, User


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


def user_get_for_session(public_id: str, session_id: str) -> User | None:
    """
    The user a token names, unless the token's session has ended (logout). Every authenticated
    request asks, so both questions go in one plain, unordered statement.
    """
    try:
        parsed_user, parsed_session = uuid.UUID(public_id), uuid.UUID(session_id)
    except ValueError:
        return None
    session_ended = Exists(EndedSession.objects.filter(sid=parsed_session))
    try:
        return User.objects.filter(~session_ended).get(public_id=parsed_user)
    except User.DoesNotExist:
        return None
