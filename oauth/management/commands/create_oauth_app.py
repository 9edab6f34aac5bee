"""
`manage.py create_oauth_app NAME --redirect-uri URI --client-type public|confidential
--grant authorization-code|client-credentials [--scopes "profile:read account-verification"]`:
registers a third-party app and prints its client_id and, for a confidential app, its secret, once.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from oauth.scopes import ALLOWED_CLIENT_TYPES, ALLOWED_GRANT_TYPES
from oauth.services import OAuthAppError, oauth_app_create


class Command(BaseCommand):
    help = (
        "Register a third-party OAuth app and print its client_id and, for a confidential app, its "
        "client_secret once (only a hash is kept)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the app's name, shown to customers on the consent page")
        parser.add_argument(
            "--redirect-uri",
            action="append",
            default=[],
            dest="redirect_uris",
            help="an exact redirect URI (https, or http to 127.0.0.1/[::1]); repeat for several",
        )
        # Checked by the service, not argparse: a bad value is one clear line and exit status 1.
        parser.add_argument("--client-type", required=True, help=" or ".join(ALLOWED_CLIENT_TYPES))
        parser.add_argument("--grant", required=True, help=" or ".join(ALLOWED_GRANT_TYPES))
        parser.add_argument(
            "--scopes", default=None, help="space-separated scopes (default: every scope the grant can carry)"
        )

    def handle(self, *args: object, name: str, redirect_uris: list[str], **options: object) -> None:
        scopes = options["scopes"]
        try:
            application, secret = oauth_app_create(
                name=name,
                client_type=str(options["client_type"]),
                grant=str(options["grant"]),
                redirect_uris=redirect_uris,
                scopes=str(scopes).split() if scopes is not None else None,
            )
        except OAuthAppError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"client_id: {application.client_id}")
        if secret is not None:
            self.stdout.write(f"client_secret: {secret}")
            self.stderr.write("Store the client secret now: it is not shown again (only its hash is kept).")
