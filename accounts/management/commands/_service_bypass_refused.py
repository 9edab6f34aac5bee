"""
Django's own user commands, refused: `createsuperuser` and `changepassword` write users directly,
past the services (accounts.services), so they would leave no audit event, revoke no token and, for
a new user, skip the one creation path. Commands of the same names here win Django's command
lookup (accounts is listed before django.contrib.auth in INSTALLED_APPS) and point the operator to
the audited ways.
"""

import argparse

from django.core.management.base import BaseCommand, CommandError, CommandParser


class ServiceBypassRefusedCommand(BaseCommand):
    instead = ""  # what to run instead, said in the refusal

    # Whatever Django's command took (`--noinput`, `--username X`, a user name), the answer is the
    # same refusal, not an argument error.
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("arguments", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)

    def run_from_argv(self, argv: list[str]) -> None:
        super().run_from_argv(argv[:2])

    def handle(self, *args: object, **options: object) -> None:
        name = type(self).__module__.rpartition(".")[2]
        raise CommandError(f"{name} is disabled here: it would bypass the audit trail. {self.instead}")
