"""
`manage.py check_health`: exit 0 when the database and the cache answer, 1 otherwise.
"""

import json

from django.core.management.base import BaseCommand

from monitoring.checks import OK, run_checks


class Command(BaseCommand):
    help = "Check that the database and the cache answer (exit 0) or not (exit 1)."

    def handle(self, *args: object, **options: object) -> None:
        checks = run_checks()
        self.stdout.write(json.dumps({"checks": checks}))
        if any(result != OK for result in checks.values()):
            raise SystemExit(1)
