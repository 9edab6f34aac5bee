"""
Signals the accounts app sends, for the audit trail and the metrics to listen to.
"""

from django.dispatch import Signal

# Sent when a failed login fills the last slot and locks an identity. Arguments: request, key, and
# user (None for an unknown identity).
account_locked = Signal()
