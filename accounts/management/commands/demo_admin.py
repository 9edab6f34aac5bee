"""
`manage.py demo_admin`: the demo admin of `make run`, for development only.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.management.commands.create_staff import generate_password
from accounts.models import Role
from accounts.selectors import user_get_by_login_identifier
from accounts.services import user_create, user_set_password

DEMO_ADMIN_EMAIL = "demo.admin@example.com"


class Command(BaseCommand):
    help = "Create the demo admin (or give it a fresh password) and print its credentials. DEBUG only."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="where the server will listen")

    def handle(self, *args: object, base_url: str, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_admin runs only with DEBUG on; use create_staff in production")
        password = generate_password()
        user = user_get_by_login_identifier(DEMO_ADMIN_EMAIL)
        if user is None:
            user = user_create(actor=None, email=DEMO_ADMIN_EMAIL, role=Role.ADMIN, password=password)
        else:
            user_set_password(user=user, password=password)
        self.stdout.write(
            "\n"
            "  Demo admin (development only)\n"
            f"    email:          {user.email}\n"
            f"    account number: {user.account_number}\n"
            f"    password:       {password}\n"
            f"    admin site:     {base_url.rstrip('/')}/{settings.ADMIN_URL}\n"
        )
