"""
simplejwt's `flushexpiredtokens`, which also forgets ended sessions whose tokens have all expired.
"""

from typing import Any

from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.management.commands import flushexpiredtokens

from accounts.models import EndedSession


class Command(flushexpiredtokens.Command):
    help = "Deletes the records of expired refresh tokens and of ended sessions whose tokens have all expired."

    def handle(self, *args: Any, **options: Any) -> None:
        super().handle(*args, **options)
        EndedSession.objects.filter(expires_at__lte=timezone.now()).delete()
