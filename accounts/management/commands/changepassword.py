"""`manage.py changepassword`: refused (see _service_bypass_refused)."""

from accounts.management.commands._service_bypass_refused import ServiceBypassRefusedCommand


class Command(ServiceBypassRefusedCommand):
    instead = (
        "Use `python manage.py set_password_link EMAIL|ACCOUNT_NUMBER`: it prints a one-time link with which "
        "the user sets their own password (audited; their tokens are revoked)."
    )
    help = "Disabled: " + instead
