"""
`manage.py unlock EMAIL|ACCOUNT_NUMBER`
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from accounts.account_numbers import is_account_number
from accounts.services import lockout_clear
from bankapi.errors import ServiceUnavailableError


class Command(BaseCommand):
    help = "Clear the login lockout of an account (by email or account number), or of an unknown identifier."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("identifier", help="email or 12-digit account number")

    def handle(self, *args: object, identifier: str, **options: object) -> None:
        if not is_account_number(identifier):
            try:
                validate_email(identifier)
            except Exception as exc:
                raise CommandError(f"not an email or a 12-digit account number: {identifier!r}") from exc
        try:
            key = lockout_clear(identifier=identifier)
        except ServiceUnavailableError as exc:
            raise CommandError("the cache (Redis) is unreachable; nothing was unlocked") from exc
        self.stdout.write(f"unlocked {key}")
