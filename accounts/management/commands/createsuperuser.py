"""`manage.py createsuperuser`: refused (see _service_bypass_refused)."""

from accounts.management.commands._service_bypass_refused import ServiceBypassRefusedCommand


class Command(ServiceBypassRefusedCommand):
    instead = "Use `python manage.py create_staff EMAIL --role admin`, which is audited."
    help = "Disabled: " + instead
