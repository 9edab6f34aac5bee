"""
`manage.py reset_mfa EMAIL|ACCOUNT_NUMBER`: the operator's way back in for a user who lost their
authenticator (and their recovery codes): their MFA devices go, their tokens are revoked, and the
next login needs only the password; staff must then enroll again before doing anything else.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.selectors import user_get_by_login_identifier
from mfa.services import mfa_reset


class Command(BaseCommand):
    help = (
        "Remove a user's two-factor authentication (TOTP device and recovery codes) and revoke their tokens; "
        "audited as mfa_reset. For a lost phone: the user then logs in with the password and enrolls again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("identifier", metavar="EMAIL|ACCOUNT_NUMBER")

    def handle(self, *args: object, identifier: str, **options: object) -> None:
        user = user_get_by_login_identifier(identifier)
        if user is None:
            raise CommandError(f"no user has the email or account number {identifier!r}")
        had_mfa = mfa_reset(user=user, actor=None)
        if had_mfa:
            self.stdout.write(f"reset MFA of {user}: devices and recovery codes removed, tokens revoked")
        else:
            self.stdout.write(f"{user} had no MFA; tokens revoked")
        if user.is_staff_role:
            self.stdout.write("as staff, they must enroll again (POST /api/v1/auth/mfa/totp) at their next login")
