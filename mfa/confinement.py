"""
Provides the rule that confines staff without MFA to setting it up.

An `admin` or `auditor` without a confirmed TOTP device gets 403 `mfa_enrollment_required` on
every authenticated endpoint but those whose view sets `mfa_enrollment_open` (the two enrollment
endpoints, and logout so that a session can always be ended). It runs as part of bearer
authentication (accounts.authentication), so before any view's role check, and reads only the
user row that authentication has already loaded: no query of its own.
"""

from accounts.models import User
from bankapi.errors import MfaEnrollmentRequiredError


def enforce_mfa_enrollment(user: User, view: object) -> None:
    """Raise MfaEnrollmentRequiredError when `user` must enroll first and `view` is not open to them."""
    if user.must_enroll_mfa and not getattr(view, "mfa_enrollment_open", False):
        raise MfaEnrollmentRequiredError()
