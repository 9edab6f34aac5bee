"""
`manage.py unlock EMAIL|ACCOUNT_NUMBER` (or `--any-text TEXT`)
"""

from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import NoReverseMatch, reverse

from accounts.account_numbers import is_account_number
from accounts.lockout import is_email
from accounts.models import User
from accounts.selectors import user_get_by_login_identifier
from accounts.services import lockout_clear
from bankapi.errors import ServiceUnavailableError


class Command(BaseCommand):
    help = "Clear the login lockout of an account (by email or account number), or of an unknown identifier."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("identifier", help="email or 12-digit account number")
        # A mistyped email must not report success for an identity nobody uses, so other text is
        # taken only when asked for; the lockout counts it under a keyed hash, which this computes.
        parser.add_argument(
            "--any-text",
            action="store_true",
            help="the identifier is other text typed at a login (neither an email nor an account number)",
        )

    def handle(self, *args: object, identifier: str, any_text: bool, **options: object) -> None:
        well_formed = is_account_number(identifier) or is_email(identifier)
        if not identifier.strip() or not (any_text or well_formed):
            raise CommandError(
                f"not an email or a 12-digit account number: {identifier!r} (for other text typed at a login, "
                "add --any-text)"
            )
        refuse_an_unreachable_lockout()
        user = user_get_by_login_identifier(identifier)
        try:
            cleared = lockout_clear(identifier=identifier)
        except ServiceUnavailableError as exc:
            raise CommandError("the cache (Redis) is unreachable; nothing was unlocked") from exc
        who = describe(user, identifier if well_formed else None)
        if cleared.was_locked:
            self.stdout.write(f"unlocked {who}")
        elif cleared.had_failures:
            self.stdout.write(f"{who} was not locked; its failed login attempts are forgotten")
        else:
            self.stdout.write(f"{who} was not locked; nothing to unlock")


def refuse_an_unreachable_lockout() -> None:
    """
    The lockout lives in the default cache. An in-process one (LocMemCache: no REDIS_URL, as under
    `make run`) belongs to the server's process; this one would clear its own empty copy and report
    a success that changed nothing, so it refuses and says where the lock can be lifted.
    """
    if not isinstance(caches["default"], LocMemCache | DummyCache):
        return
    try:
        where = f" ({reverse('admin:accounts_user_changelist')})"
    except NoReverseMatch:
        where = ""
    raise CommandError(
        "cannot reach the lockout: the cache is in-process (REDIS_URL is not set), so locks live inside the "
        "running server, out of this command's reach; nothing was unlocked. Use the Unlock action of the admin "
        f"site's customer list{where}, or run the server and this command with REDIS_URL set."
    )


def describe(user: User | None, typed: str | None) -> str:
    """The account as staff know it (account number, and email if any); else what was typed, if well-formed."""
    if user is not None:
        return f"account {user.account_number}" + (f" ({user.email})" if user.email else "")
    if typed is not None:
        return f"{typed.strip()} (no account has it)"
    return "the text given (no account has it)"
