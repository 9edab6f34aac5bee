"""
`manage.py set_password_link EMAIL|ACCOUNT_NUMBER [--base-url URL]`: the operator's way to let a
user (an admin who forgot their password, say) choose a new one, instead of Django's
`changepassword`, which would have the operator type it and leave no audit event.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.selectors import user_get_by_login_identifier
from accounts.services import set_password_link_issue
from accounts.set_password_links import set_password_link_path
from bankapi.errors import ConflictError


class Command(BaseCommand):
    help = (
        "Print a one-time link with which the user sets their own password (audited as "
        "password_link_issued; it works once, for PASSWORD_RESET_TIMEOUT). Nothing is emailed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("identifier", metavar="EMAIL|ACCOUNT_NUMBER")
        parser.add_argument("--base-url", default="", help="the service's address, put before the link's path")

    def handle(self, *args: object, identifier: str, base_url: str, **options: object) -> None:
        user = user_get_by_login_identifier(identifier)
        if user is None:
            raise CommandError(f"no user has the email or account number {identifier!r}")
        try:
            token = set_password_link_issue(actor=None, user=user)
        except ConflictError as exc:
            raise CommandError(f"{user}: {exc.detail}") from exc
        hours = settings.PASSWORD_RESET_TIMEOUT // 3600
        self.stdout.write(f"one-time set-password link for {user}, valid {hours} hours:")
        self.stdout.write(base_url.rstrip("/") + set_password_link_path(user, token))
