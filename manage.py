#!/usr/bin/env python
"""Django's command-line utility; development settings unless DJANGO_SETTINGS_MODULE says otherwise."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bankapi.settings.local")
    from django.core.management import execute_from_command_line

    from bankapi.configuration import exit_on_configuration_error

    # A bad or missing setting is one line on stderr and exit status 1, for every command.
    with exit_on_configuration_error():
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
