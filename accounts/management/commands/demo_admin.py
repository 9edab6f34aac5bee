"""
`manage.py demo_admin [--reset]`: the demo admin of `make run`, for development only.

`make run` runs this every time it starts. The password is printed once, when the admin is created,
and kept afterwards (only its hash is stored, so it cannot be shown again): a password saved in a
browser keeps working across restarts. `--reset` gives the admin a new one and prints it.

The admin site needs a TOTP code too, so the demo admin is enrolled through the MFA services (a
code computed here confirms the device) and its otpauth URI and base32 secret are printed every
time: add either to an authenticator app once. (A TOTP secret is kept as it is, to compute codes.)
"""

from base64 import b32encode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.management.commands.create_staff import generate_password
from accounts.models import Role
from accounts.selectors import user_get_by_login_identifier
from accounts.services import user_create, user_set_password
from mfa.services import totp_enrollment_confirm, totp_enrollment_start

DEMO_ADMIN_EMAIL = "demo.admin@example.com"
RESET_HINT = "`python manage.py demo_admin --reset` makes a new one"


class Command(BaseCommand):
    help = (
        "Create the demo admin and print its credentials; once it exists, its password is kept "
        "(--reset makes a new one). DEBUG only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="where the server will listen")
        parser.add_argument(
            "--reset", action="store_true", help="give the existing demo admin a new password, and print it"
        )

    def handle(self, *args: object, base_url: str, reset: bool, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_admin runs only with DEBUG on; use create_staff in production")
        user = user_get_by_login_identifier(DEMO_ADMIN_EMAIL)
        if user is None:
            password = generate_password()
            user = user_create(actor=None, email=DEMO_ADMIN_EMAIL, role=Role.ADMIN, password=password)
            password_line = f"{password}  (new)"
        elif reset:
            password = generate_password()
            user_set_password(user=user, password=password)
            password_line = f"{password}  (new: the previous one no longer works)"
        else:
            password_line = f"unchanged since it was printed; {RESET_HINT}"
        device = _enrolled_device(user)
        self.stdout.write(
            "\n"
            "  Demo admin (development only)\n"
            f"    email:          {user.email}\n"
            f"    account number: {user.account_number}\n"
            f"    password:       {password_line}\n"
            f"    TOTP secret:    {b32encode(device.bin_key).decode()}  (base32, for an authenticator app)\n"
            f"    otpauth URI:    {device.config_url}\n"
            f"    admin site:     {base_url.rstrip('/')}/{settings.ADMIN_URL}  (password, then the app's code)\n"
        )


def _enrolled_device(user) -> TOTPDevice:
    """The demo admin's confirmed TOTP device, enrolled now through the MFA services if it has none."""
    if not user.has_mfa:
        totp_enrollment_start(user=user)
        pending = TOTPDevice.objects.get(user=user, confirmed=False)
        code = f"{totp(pending.bin_key, step=pending.step, t0=pending.t0, digits=pending.digits):0{pending.digits}d}"
        totp_enrollment_confirm(user=user, code=code)
    return TOTPDevice.objects.get(user=user, confirmed=True)
