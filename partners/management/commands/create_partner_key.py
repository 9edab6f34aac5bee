"""
`manage.py create_partner_key NAME`: issues a partner API key and prints it, once.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from partners.services import PartnerKeyError, partner_key_create


class Command(BaseCommand):
    help = "Issue a partner API key named NAME and print it once (only its hash is kept)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the partner's name (at most 50 characters; one usable key per name)")

    def handle(self, *args: object, name: str, **options: object) -> None:
        try:
            partner_key, key = partner_key_create(name=name)
        except PartnerKeyError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"api_key: {key}")
        self.stderr.write(
            f"Issued a partner API key for {partner_key.name!r}. Store it now: it is not shown again. "
            "Partners send it as 'Authorization: Api-Key <key>'."
        )
