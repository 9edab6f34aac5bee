#!/usr/bin/env python
"""Django's command-line utility; development settings unless DJANGO_SETTINGS_MODULE says otherwise."""

import os
import sys


def one_line_usage_errors() -> None:
    """
    A command line argparse refuses (a missing or unknown argument) is one line naming the problem and
    where the usage is, as the README promises for every command, instead of the whole usage (five to
    ten lines) above the error. `call_command` is unchanged: it still raises CommandError.
    """
    from django.core.management.base import CommandParser

    refuse_in_code = CommandParser.error

    def error(parser: CommandParser, message: str) -> None:
        if not parser.called_from_command_line:
            refuse_in_code(parser, message)
        parser.exit(2, f"{parser.prog}: error: {message} (`{parser.prog} --help` shows the usage)\n")

    CommandParser.error = error  # type: ignore[method-assign]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bankapi.settings.local")
    from django.core.management import execute_from_command_line

    from bankapi.configuration import exit_on_configuration_error, exit_on_database_error

    one_line_usage_errors()
    # A bad or missing setting, or a database out of reach, is one line on stderr and exit status 1,
    # for every command.
    with exit_on_configuration_error(), exit_on_database_error():
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
