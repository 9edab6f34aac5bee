"""
`manage.py unlock EMAIL|ACCOUNT_NUMBER` (or `--any-text TEXT`)
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.account_numbers import is_account_number
from accounts.lockout import is_email
from accounts.services import lockout_clear
from bankapi.errors import ServiceUnavailableError


class Command(BaseCommand):
    help = "Clear the login lockout of an account (by email or account number), or of an unknown identifier."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("identifier", help="email or 12-digit account number")
        # A mistyped email must not report success for an identity nobody uses, so other text is
        # taken only when asked for; the lockout counts it under a keyed hash, which this computes.
        parser.add_argument(
            "--any-text",
            action="store_true",
            help="the identifier is other text typed at a login (neither an email nor an account number)",
        )

    def handle(self, *args: object, identifier: str, any_text: bool, **options: object) -> None:
        well_formed = is_account_number(identifier) or is_email(identifier)
        if not identifier.strip() or not (any_text or well_formed):
            raise CommandError(
                f"not an email or a 12-digit account number: {identifier!r} (for other text typed at a login, "
                "add --any-text)"
            )
        try:
            key = lockout_clear(identifier=identifier).key
        except ServiceUnavailableError as exc:
            raise CommandError("the cache (Redis) is unreachable; nothing was unlocked") from exc
        self.stdout.write(f"unlocked {key}")
