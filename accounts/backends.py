"""
Provides the authentication backend behind the API login and the admin site login.
"""

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.hashers import get_hasher, identify_hasher
from django.http import HttpRequest

from accounts import lockout
from accounts.models import User
from accounts.signals import account_locked
from bankapi.errors import AccountLockedError


class AccountBackend(BaseBackend):
    """
    Authenticates by account number or email and a password, and only after taking a slot from
    the lockout counter, so that no more than LOCKOUT_FAILURES passwords are ever checked for one
    identity before it locks. An unknown identity costs a full hash too, so its answer comes in
    comparable time and counts towards a lock of its own; so does a user without a usable or with a
    corrupt password, and a wrong password against a cheaper hash imported from the earlier service
    is topped up to the work of a check of ours (bench/login_timing.py measures the times). For a
    user with MFA a right password is only the first step: it resets no count, the code's check
    does (mfa.services.second_factor_check).
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if request is None or not username or password is None:
            return None
        identity = lockout.login_identity(request, username)
        user, key = identity.user, identity.key
        try:
            slot = lockout.acquire_slot(key)
        except AccountLockedError as locked:
            # Tell django-axes this attempt was refused by a lock, so it records no new failure and
            # its middleware answers with the lockout response.
            request.axes_locked_out = True
            request.lockout_retry_after = locked.retry_after
            return None
        if user is None or not user.has_usable_password():
            # Unknown, or without a password yet (Django would answer at once): spend the time of a
            # real check, so the answer's timing does not tell either apart from a wrong password.
            User().set_password(password)
            authenticated = False
        else:
            encoded = user.password
            try:
                password_matches = user.check_password(password)
            except ValueError:  # a corrupt stored hash (e.g. a bad import row) matches nothing
                User().set_password(password)  # and fails in the time of a real check
                password_matches = False
            else:
                if not password_matches:
                    harden_failed_check(password, encoded)
            authenticated = password_matches and user.is_active
        if authenticated:
            if user.has_mfa:  # the second factor's check (mfa.services) decides, and resets the count
                lockout.release(slot)
            else:
                lockout.record_success(slot)
            return user
        request.lockout_just_locked = lockout.record_failure(slot)
        if request.lockout_just_locked:
            account_locked.send(sender=AccountBackend, request=request, key=key, user=user)
        return None

    def get_user(self, user_id: int) -> User | None:
        user = User.objects.filter(pk=user_id).first()
        return user if user is not None and user.is_active else None


def harden_failed_check(password: str, encoded: str) -> None:
    """
    After a wrong password against a hash made by a hasher other than the preferred one (an imported
    bcrypt hash, cheaper than ours), do the rest of the preferred hasher's work, so that the
    answer's timing does not tell which accounts were imported and have not logged in since.
    Django's check does this only for the preferred hasher's own hashes of an older cost.
    """
    try:
        hasher = identify_hasher(encoded)
    except ValueError:  # no hasher knows it: Django's check already spent the preferred hasher's time
        return
    if hasher.algorithm != get_hasher().algorithm:
        hasher.harden_runtime(password, encoded)
