"""
`manage.py check_health`: exit 0 when the database and the cache answer, 1 otherwise.

Standard output is the same JSON as /db_check's `checks`, for scripts; each failing dependency also
gets one line on standard error saying what failed and why, in an operator's terms
(monitoring.diagnosis).
"""

import json

from django.core.management.base import BaseCommand

from monitoring.checks import OK, UNAVAILABLE, check_failures
from monitoring.diagnosis import explain


class Command(BaseCommand):
    help = "Check that the database and the cache answer (exit 0) or not (exit 1); say why on stderr."

    def handle(self, *args: object, **options: object) -> None:
        failures = check_failures()
        checks = {name: OK if failure is None else UNAVAILABLE for name, failure in failures.items()}
        self.stdout.write(json.dumps({"checks": checks}))
        for name, failure in failures.items():
            if failure is not None:
                self.stderr.write(explain(name, failure))
        if any(failure is not None for failure in failures.values()):
            raise SystemExit(1)
