"""
`manage.py create_staff EMAIL --role admin|auditor [--first-name NAME] [--last-name NAME] [--password-stdin]`
"""

import secrets
import sys

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from accounts.models import Role
from accounts.services import user_create
from accounts.validators import normalize_name, validate_name
from bankapi.errors import ConflictError


def generate_password() -> str:
    return secrets.token_urlsafe(18)


class Command(BaseCommand):
    help = "Create a staff user (admin or auditor). Without --password-stdin a password is generated and printed once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=[Role.ADMIN.value, Role.AUDITOR.value])
        # Optional: staff without a name are shown by their email (User.display_name).
        parser.add_argument("--first-name", default="", help="the name staff see (optional)")
        parser.add_argument("--last-name", default="", help="the name staff see (optional)")
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from the first line of standard input"
        )

    def handle(self, *args: object, email: str, role: str, password_stdin: bool, **options: str) -> None:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"invalid email address: {email!r}") from exc
        names = {field: normalize_name(options[field]) for field in ("first_name", "last_name")}
        for field, name in names.items():
            if name:
                try:
                    validate_name(name)
                except ValidationError as exc:
                    option = "--" + field.replace("_", "-")
                    raise CommandError(f"invalid {option} {name!r}: " + " ".join(exc.messages)) from exc
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
            try:
                password_validation.validate_password(password)
            except ValidationError as exc:
                raise CommandError("password rejected: " + " ".join(exc.messages)) from exc
        else:
            password = generate_password()
        try:
            user = user_create(actor=None, email=email, role=role, password=password, **names)
        except ConflictError as exc:
            raise CommandError(f"a user with email {email} already exists") from exc
        named = f" ({user.display_name})" if user.display_name != user.email else ""
        self.stdout.write(f"created {role} {user.email}{named} with account number {user.account_number}")
        if not password_stdin:
            self.stdout.write(f"password (shown once): {password}")
        self.stdout.write(
            "they must set up two-factor authentication at first login: until they enroll (POST "
            "/api/v1/auth/mfa/totp, then /api/v1/auth/mfa/totp/confirm) every other endpoint answers "
            "403 mfa_enrollment_required, and the admin site needs its code"
        )
