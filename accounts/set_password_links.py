"""
Provides the one-time links with which a user sets their own password, so that an admin who adds a
user never sees, chooses or sends a password (accounts.services.set_password_link_issue makes one,
accounts.pages.SetPasswordLinkView opens it).

A link names the user by public id and carries a token of Django's password-reset kind: an HMAC of
the user's state, signed with SECRET_KEY, nothing stored. It stops working after
PASSWORD_RESET_TIMEOUT, and as soon as that state changes: a password is set (so a link works
once), the user signs in (last_login), their email changes, or their tokens are revoked
(token_version: a freeze, a close, a role change).
"""

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse

from accounts.models import User


class SetPasswordLinkTokenGenerator(PasswordResetTokenGenerator):
    """Django's password-reset tokens, under a salt of their own, also ended by a token revocation."""

    key_salt = "accounts.set_password_links.SetPasswordLinkTokenGenerator"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        return f"{super()._make_hash_value(user, timestamp)}{user.token_version}{user.status}"


set_password_link_tokens = SetPasswordLinkTokenGenerator()


def set_password_link_path(user: User, token: str) -> str:
    """The path of the page where `user` sets a password with `token`."""
    return reverse("set_password_link", kwargs={"uidb64": str(user.public_id), "token": token})
