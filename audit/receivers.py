"""
Records login outcomes. They come through Django's authentication signals because both the API
login and the admin site's login run through `authenticate()`; one receiver serves both.
"""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from accounts import lockout
from accounts.models import User
from accounts.signals import account_locked
from audit.models import Action, Outcome
from audit.services import audit_record


def _target_of(request: HttpRequest | None, identifier: str) -> tuple[User | None, str | None]:
    """
    The account a login named, or else what may be kept of the identifier: people type passwords
    into user-name boxes, so anything but an email or account number stays out of the trail.
    """
    if not identifier:
        return None, None
    identity = lockout.login_identity(request, identifier)
    if identity.user is not None:
        return identity.user, identity.user.account_number
    return None, lockout.kept_identifier(identity.key)


@receiver(user_logged_in, dispatch_uid="audit_login_succeeded")
def record_login_succeeded(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    audit_record(action=Action.LOGIN_SUCCEEDED, actor=user, target=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    target, label = _target_of(request, str(credentials.get("username") or ""))
    if lockout.refused_by_lock(request):
        audit_record(action=Action.LOGIN_REFUSED_LOCKED, target=target, target_label=label, outcome=Outcome.REFUSED)
    else:
        audit_record(action=Action.LOGIN_FAILED, target=target, target_label=label, outcome=Outcome.FAILURE)


@receiver(account_locked, dispatch_uid="audit_lockout")
def record_lockout(sender: Any, request: HttpRequest, key: str, user: User | None, **kwargs: Any) -> None:
    target, label = (user, user.account_number) if user is not None else (None, lockout.kept_identifier(key))
    audit_record(
        action=Action.LOCKOUT,
        target=target,
        target_label=label,
        changes={"locked_minutes": lockout.lockout_seconds() // 60},
    )
