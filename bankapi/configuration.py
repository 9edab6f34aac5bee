"""
Reads the settings from the environment, and reports a configuration error as one line.

The README promises operators one clear line for a bad setting, whichever way the service starts:
`manage.py` (any command) and the WSGI application under gunicorn. So a value the settings cannot
use fails while the settings load, as `ImproperlyConfigured` naming the variable (never echoing a
password or a secret), and the entry points turn that into one line and a non-zero exit instead of
a traceback. Rates and proxy networks are parsed here as they load, by the very parsers the rate
limits and the client IP use (bankapi.setting_values): gunicorn never runs system checks, and a
malformed rate or network would otherwise fail every request it touches.
"""

import logging
import os
import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import environ
from django.core.exceptions import ImproperlyConfigured

from bankapi.setting_values import Rate, parse_networks

NOTSET = environ.Env.NOTSET
TRUE_WORDS = frozenset({"true", "on", "ok", "y", "yes", "1"})  # django-environ's
FALSE_WORDS = frozenset({"false", "off", "no", "n", "0", ""})
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_KINDS = {int: "a whole number", float: "a number"}
# Only a scheme that looks like one is repeated in an error: anything else may be part of a secret.
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]{0,20}")
DATABASE_URL_EXAMPLE = "postgres://USER:PASSWORD@HOST:PORT/NAME (or sqlite:///PATH for development)"


class Env(environ.Env):
    """django-environ's reader, whose every refusal is an `ImproperlyConfigured` naming the variable."""

    def get_value(self, var: str, cast: object = None, default: object = NOTSET, parse_default: bool = False) -> object:
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except (ValueError, TypeError) as exc:
            kind = _KINDS.get(cast, "valid")  # type: ignore[call-overload]
            raise ImproperlyConfigured(f"{var} must be {kind}, got {self.ENVIRON.get(var)!r}") from exc

    def bool(self, var: str, default: object = NOTSET) -> bool:  # type: ignore[override]
        """Strict: a typo such as SECURE_SSL_REDIRECT=ture is refused, not read as false."""
        value = self.get_value(var, cast=str, default=default)
        if isinstance(value, bool):  # the default
            return value
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ImproperlyConfigured(f"{var} must be true or false, got {value!r}")

    def db_url(self, var: str = environ.Env.DEFAULT_DATABASE_ENV, default: object = NOTSET, engine=None) -> dict:
        """A database URL's settings; the error names the variable and never repeats the URL (it holds a password)."""
        url = str(self.get_value(var, default=default))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # django-environ warns of an unknown scheme; the error below says it
            try:
                config = self.db_url_config(url, engine=engine)
            except ValueError as exc:  # such as a port that is not a number
                raise ImproperlyConfigured(f"{var} is not a database URL ({exc}); use {DATABASE_URL_EXAMPLE}") from exc
        if not config.get("ENGINE") or "://" not in url:
            raise ImproperlyConfigured(f"{var} is not a database URL; use {DATABASE_URL_EXAMPLE}")
        return config

    db = db_url

    def rate(self, var: str, default: object = NOTSET) -> str:
        """A rate limit as bankapi.ratelimits reads it: `20/m`, `300/5m` (COUNT/[N]UNIT, UNIT one of s, m, h, d)."""
        value = self.str(var, default=default)
        try:
            Rate.parse(value)
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{var} must be a rate like 20/m or 300/5m (COUNT/[N]UNIT, UNIT one of s, m, h, d), got {value!r}"
            ) from exc
        return value

    def networks(self, var: str, default: object = NOTSET) -> list[str]:
        """A comma-separated list of networks (CIDRs), as bankapi.client_ip reads them."""
        values = self.list(var, default=default)
        try:
            parse_networks(tuple(values))
        except ValueError as exc:
            raise ImproperlyConfigured(f"{var} must list networks like 10.0.0.0/8,::1/128: {exc}") from exc
        return values

    def log_level(self, var: str, default: object = NOTSET) -> str:
        value = self.str(var, default=default)
        if value.strip().upper() not in LOG_LEVELS:
            raise ImproperlyConfigured(f"{var} must be one of {', '.join(LOG_LEVELS)}, got {value!r}")
        return value.strip().upper()


def unsupported_database_scheme(*, var: str, url: str) -> ImproperlyConfigured:
    scheme = url.partition("://")[0].lower()
    named = f"the {scheme}:// scheme" if _SCHEME.fullmatch(scheme) else "its scheme"
    return ImproperlyConfigured(f"{var}: {named} is not supported; use {DATABASE_URL_EXAMPLE}")


def one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


@contextmanager
def exit_on_configuration_error(*, log: logging.Logger | None = None, status: int = 1) -> Iterator[None]:
    """
    Turn a configuration error (a bad or missing setting, or a DJANGO_SETTINGS_MODULE that does not
    exist) into one line, `Error: <message>` on stderr or an error on `log`, and exit with `status`.
    `--traceback` on the command line lets the traceback through.
    """
    try:
        yield
    except (ImproperlyConfigured, ModuleNotFoundError) as exc:
        if "--traceback" in sys.argv or (isinstance(exc, ModuleNotFoundError) and not _is_settings_module(exc)):
            raise
        message = one_line(exc)
        if isinstance(exc, ModuleNotFoundError):
            message = f"DJANGO_SETTINGS_MODULE: no module named {exc.name!r}"
        if log is not None:
            log.error("Configuration error, not starting: %s", message)
        else:
            print(f"Error: {message}", file=sys.stderr)
        raise SystemExit(status) from None


@contextmanager
def exit_on_database_error() -> Iterator[None]:
    """
    A command that cannot reach the database (or that the database refuses for a reason of its own,
    an OperationalError) prints one line saying where and why, as `check_health` does
    (monitoring.diagnosis), and exits 1. `--traceback` lets the traceback through.
    """
    from django.db import OperationalError

    try:
        yield
    except OperationalError as exc:
        if "--traceback" in sys.argv:
            raise
        from monitoring.diagnosis import explain

        print(f"Error: {explain('database', exc)}", file=sys.stderr)
        raise SystemExit(1) from None


def _is_settings_module(error: ModuleNotFoundError) -> bool:
    module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
    return bool(error.name) and (module == error.name or module.startswith(f"{error.name}."))
