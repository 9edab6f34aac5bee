"""`manage.py axes_reset_ip`: refused (see _lock_reset_refused)."""

from accounts.management.commands._lock_reset_refused import LockResetRefusedCommand


class Command(LockResetRefusedCommand):
    pass
