"""
django-axes' reset commands, refused: they delete attempt rows only, so they would lift part of a
lock without clearing the shared counter (accounts.lockout) and without an `unlock` audit event.
Commands of the same names here win Django's command lookup (accounts is listed before axes in
INSTALLED_APPS) and point the operator to `unlock`, the one audited way to lift a lock.
"""

import argparse

from django.core.management.base import BaseCommand, CommandError, CommandParser


class LockResetRefusedCommand(BaseCommand):
    help = "Disabled: use `manage.py unlock EMAIL|ACCOUNT_NUMBER`, which is audited and clears the whole lock."

    def add_arguments(self, parser: CommandParser) -> None:
        # Whatever axes' command took, the answer is the same refusal, not an argument error.
        parser.add_argument("arguments", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)

    def handle(self, *args: object, **options: object) -> None:
        name = type(self).__module__.rpartition(".")[2]
        raise CommandError(
            f"{name} is disabled here: it would lift a lock without an audit event and leave the shared "
            "counter in place. Use `python manage.py unlock EMAIL|ACCOUNT_NUMBER` instead."
        )
