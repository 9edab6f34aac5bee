"""
`manage.py revoke_partner_key NAME`: revokes the partner's usable API key, at once.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from partners.services import PartnerKeyError, partner_key_revoke


class Command(BaseCommand):
    help = "Revoke the usable partner API key named NAME; requests with it are refused from now on."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the name the key was issued under")

    def handle(self, *args: object, name: str, **options: object) -> None:
        try:
            partner_key = partner_key_revoke(name=name)
        except PartnerKeyError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"revoked the partner API key {partner_key.prefix}… of {partner_key.name!r}")
