"""
Provides the helpers that insert users in bulk (seed_customers, import_customers) share.
"""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, UNUSABLE_PASSWORD_SUFFIX_LENGTH

from accounts.models import User


def unusable_password() -> str:
    """What `make_password(None)` stores (the prefix and a random suffix), without its slower RNG loop."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(UNUSABLE_PASSWORD_SUFFIX_LENGTH // 2)


@contextmanager
def explicit_timestamps() -> Iterator[None]:
    """
    Let bulk_create keep the created_at/updated_at set on each user (seeded ones spread over the
    past years, imported ones as the earlier service had them) instead of stamping every row with
    now(): auto_now(_add) is switched off for the duration.
    """
    created_at = User._meta.get_field("created_at")
    updated_at = User._meta.get_field("updated_at")
    saved = created_at.auto_now_add, updated_at.auto_now
    created_at.auto_now_add = updated_at.auto_now = False
    try:
        yield
    finally:
        created_at.auto_now_add, updated_at.auto_now = saved
