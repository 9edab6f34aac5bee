"""
Provides the per-account login lockout, exact under concurrency.

django-axes records every failure in the database and refuses identities it has locked, but its
read-then-write check lets a burst of parallel attempts past the limit. So every password check
first takes a numbered slot from an atomic counter in the shared cache (Redis `INCR`): only slots
1..LOCKOUT_FAILURES may check a password; every later attempt is refused unchecked. Failures keep
their slot; a success clears the counter. When a failure fills the last slot, the identity is locked
for LOCKOUT_MINUTES and the counter expires with the lock. A lock is never extended by attempts
made while it holds.

One identity is counted whichever way a login names it: a known user by their account number (so
email and account-number logins count together), an unknown email or account number by itself, so
probing for unknown identities locks the same way and answers the same bytes. Anything else typed
as a login's identifier (often a password, in the admin site's user-name box) is counted under a
keyed hash of it: repeated garbage still locks, and neither the cache, django-axes' records nor the
audit trail (which keeps what `kept_identifier` allows) hold the text.
"""

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

from accounts.account_numbers import is_account_number
from bankapi.errors import AccountLockedError, ServiceUnavailableError, is_problem, problem_for_error
from bankapi.middleware import keeps_error_format

if TYPE_CHECKING:
    from accounts.models import User

CACHE_ERRORS = (RedisError, ConnectionInterrupted, ConnectionError)


# django-axes keeps the key in AccessAttempt.username, a 255-character column.
KEY_MAX_LENGTH = 255
HASHED_PREFIX = "hash:"
_HASH_SALT = "accounts.lockout.lockout_key"


def is_email(value: str) -> bool:
    """Whether `value` is an email the API's login accepts (DRF's EmailField: Django's validator, 254 chars)."""
    from accounts.models import User

    if len(value) > User._meta.get_field("email").max_length:
        return False
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def lockout_key(identifier: str, *, account_number: str | None) -> str:
    """
    The identity a login attempt counts against. Only an account number or a well-formed email
    appears in it; any other text (and an email too long for axes' column) is replaced by an HMAC
    keyed by SECRET_KEY, so it counts as itself without being readable or guessable offline.
    """
    if account_number:
        return f"acct:{account_number}"
    identifier = identifier.strip()
    if is_account_number(identifier):
        return f"acct:{identifier}"
    if is_email(identifier):
        key = f"email:{identifier.lower()}"
        if len(key) <= KEY_MAX_LENGTH:
            return key
        hashed = key
    else:
        hashed = f"typed:{identifier}"  # never the same input as an email's
    return HASHED_PREFIX + salted_hmac(_HASH_SALT, hashed, algorithm="sha256").hexdigest()


def kept_identifier(key: str) -> str | None:
    """
    What the audit trail may keep of a login naming no account: the account number or email in
    its key, never a hash of something typed.
    """
    if key.startswith(HASHED_PREFIX):
        return None
    return key.partition(":")[2]


@dataclass(frozen=True)
class LoginIdentity:
    """Whom a login attempt names: the user, if any, and the identity the lockout counts against."""

    user: "User | None"
    key: str


def login_identity(request: HttpRequest | None, identifier: str) -> LoginIdentity:
    """
    Resolve `identifier` once per request: the backend, django-axes (several times per attempt),
    the audit trail and the services all ask, and each answer would otherwise be a query.
    """
    from accounts.selectors import user_get_by_login_identifier

    memo: dict[str, LoginIdentity] = request.__dict__.setdefault("_login_identities", {}) if request else {}
    if identifier not in memo:
        user = user_get_by_login_identifier(identifier)
        memo[identifier] = LoginIdentity(
            user=user, key=lockout_key(identifier, account_number=user.account_number if user else None)
        )
    return memo[identifier]


def _failures_key(key: str) -> str:
    return f"lockout:failures:{key}"


def _lock_key(key: str) -> str:
    return f"lockout:locked-until:{key}"


def lockout_seconds() -> int:
    return settings.LOCKOUT_MINUTES * 60


@dataclass(frozen=True)
class Slot:
    """Permission to check one password for `key`; report its outcome exactly once."""

    key: str
    number: int

    @property
    def is_last(self) -> bool:
        return self.number >= settings.LOCKOUT_FAILURES


def seconds_until_unlocked(key: str) -> int | None:
    """Seconds left on the lock of `key`, or None when it is not locked."""
    try:
        locked_until = cache.get(_lock_key(key))
    except CACHE_ERRORS as exc:
        raise ServiceUnavailableError() from exc
    if locked_until is None:
        return None
    remaining = math.ceil(locked_until - time.time())
    return remaining if remaining > 0 else None


def acquire_slot(key: str) -> Slot:
    """
    Take the next slot for `key`, or raise AccountLockedError when the identity is locked or every
    slot is taken by attempts still in flight. Raises ServiceUnavailableError when the cache is down:
    the lockout fails closed.
    """
    remaining = seconds_until_unlocked(key)
    if remaining is not None:
        raise AccountLockedError(retry_after=remaining)
    failures_key = _failures_key(key)
    try:
        # add() is SET NX: it starts the window without resetting a count another process started.
        cache.add(failures_key, 0, timeout=lockout_seconds())
        try:
            number = cache.incr(failures_key)
        except ValueError:  # expired between add() and incr()
            cache.add(failures_key, 0, timeout=lockout_seconds())
            number = cache.incr(failures_key)
    except CACHE_ERRORS as exc:
        raise ServiceUnavailableError() from exc
    if number > settings.LOCKOUT_FAILURES:
        # Locked, or every slot is held by an attempt still being checked: this one is refused
        # unchecked. Without a lock yet, the held attempts may still succeed, so try again shortly.
        raise AccountLockedError(retry_after=seconds_until_unlocked(key) or 1)
    return Slot(key=key, number=number)


def record_failure(slot: Slot) -> bool:
    """
    The password in `slot` was wrong. Returns True when this failure locked the identity. The
    failure window slides: failures older than LOCKOUT_MINUTES since the last one are forgotten.
    """
    try:
        if slot.is_last:
            locked_until = time.time() + lockout_seconds()
            locked = cache.add(_lock_key(slot.key), locked_until, timeout=lockout_seconds())
            cache.touch(_failures_key(slot.key), timeout=lockout_seconds())
            return bool(locked)
        cache.touch(_failures_key(slot.key), timeout=lockout_seconds())
    except CACHE_ERRORS as exc:
        raise ServiceUnavailableError() from exc
    return False


def record_success(slot: Slot) -> None:
    """A right password resets the count of consecutive failures."""
    try:
        cache.delete(_failures_key(slot.key))
    except CACHE_ERRORS as exc:
        raise ServiceUnavailableError() from exc


def release(slot: Slot) -> None:
    """
    The password in `slot` was right, but the login is not complete until a second factor is (a
    user with MFA): the slot is given back, so the attempt counts neither as a failure nor as the
    success that would reset the count of earlier failures (only a right code resets it).
    """
    try:
        cache.decr(_failures_key(slot.key))
    except ValueError:  # the count expired or was cleared (an unlock) meanwhile: nothing to give back
        return
    except CACHE_ERRORS as exc:
        raise ServiceUnavailableError() from exc


def clear(key: str) -> None:
    """Forget the failures and lift the lock of `key` in the cache (the operator's unlock)."""
    try:
        cache.delete_many([_failures_key(key), _lock_key(key)])
    except CACHE_ERRORS as exc:
        raise ServiceUnavailableError() from exc


def refused_by_lock(request: HttpRequest | None) -> bool:
    """
    Whether a failed authentication was refused by a lock without its password being checked:
    by the counter (accounts.backends sets `lockout_retry_after`), or by django-axes' own record
    (`axes_locked_out` set before our backend ran, so without `lockout_just_locked`).
    """
    if request is None:
        return False
    if getattr(request, "lockout_retry_after", None) is not None:
        return True
    return bool(getattr(request, "axes_locked_out", False)) and not hasattr(request, "lockout_just_locked")


# django-axes integration (settings.AXES_USERNAME_CALLABLE and AXES_LOCKOUT_CALLABLE).
def axes_lockout_key(request: HttpRequest, credentials: dict | None) -> str | None:
    """Axes records attempts under the same identity as the counter above."""
    identifier = (credentials or {}).get("username")
    if not identifier:
        return None
    return login_identity(request, identifier).key


def axes_lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """
    Axes' lockout response. An API response already says what happened (the attempt that reached
    the limit is answered 401, later ones 429), in problem details or in the Flask routes' own
    format, so it stands; an admin site login page becomes 429 `account_locked`.
    """
    if original_response is not None and (is_problem(original_response) or keeps_error_format(original_response)):
        return original_response
    key = axes_lockout_key(request, credentials) if credentials else None
    try:
        retry_after = (seconds_until_unlocked(key) if key else None) or lockout_seconds()
    except ServiceUnavailableError:
        retry_after = lockout_seconds()
    return problem_for_error(AccountLockedError(retry_after=retry_after))
