"""
The append-only audit trail: who did what to whom, when, from where, and what changed.

Rows are written in the same transaction as the change they record, and PostgreSQL itself refuses
to UPDATE, DELETE or TRUNCATE them (migration 0002).
"""

from datetime import UTC

from django.conf import settings
from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    REGISTER = "register"
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"
    LOGIN_REFUSED_LOCKED = "login_refused_locked"
    LOCKOUT = "lockout"
    UNLOCK = "unlock"
    LOGOUT = "logout"
    TOKEN_REVOKED = "token_revoked"  # noqa: S105 - action names, not secrets
    TOKEN_REUSE_DETECTED = "token_reuse_detected"  # noqa: S105
    PASSWORD_CHANGED = "password_changed"  # noqa: S105
    PASSWORD_LINK_ISSUED = "password_link_issued"  # noqa: S105 - a one-time set-password link was made
    CUSTOMER_CREATED = "customer_created"
    CUSTOMER_UPDATED = "customer_updated"
    CUSTOMER_CLOSED = "customer_closed"
    CUSTOMERS_IMPORTED = "customers_imported"  # one event per import_customers run that writes
    MFA_ENROLLED = "mfa_enrolled"
    MFA_RESET = "mfa_reset"  # an operator removed a user's second factor (a lost phone)
    PARTNER_KEY_ISSUED = "partner_key_issued"
    PARTNER_KEY_REVOKED = "partner_key_revoked"
    PARTNER_KEY_USED = "partner_key_used"
    OAUTH_APP_REGISTERED = "oauth_app_registered"
    OAUTH_APP_AUTHORIZED = "oauth_app_authorized"  # a customer consented to a third-party app
    OAUTH_AUTHORIZATION_REVOKED = "oauth_authorization_revoked"
    TRANSFER_POSTED = "transfer_posted"
    DEPOSIT_POSTED = "deposit_posted"
    WITHDRAWAL_POSTED = "withdrawal_posted"
    REVERSAL_POSTED = "reversal_posted"


class Outcome(models.TextChoices):
    SUCCESS = "success"
    FAILURE = "failure"
    REFUSED = "refused"


class AuditEvent(models.Model):
    occurred_at = models.DateTimeField(default=timezone.now)
    # The user who acted (None for an anonymous attempt or an operator's command), and a label that
    # outlives any later change to them: an account number, "system", or a partner key's name.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=255, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    # The account acted upon; the label also names an identity that has no account (a login
    # attempt on an unknown email).
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_label = models.CharField(max_length=255, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    # {field: {"before": …, "after": …}}; never a secret.
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["-occurred_at", "-id"], name="audit_newest_idx"),
            models.Index(fields=["action", "-occurred_at", "-id"], name="audit_action_newest_idx"),
            models.Index(fields=["target_label", "-occurred_at", "-id"], name="audit_target_newest_idx"),
            models.Index(fields=["actor_label", "-occurred_at", "-id"], name="audit_actor_newest_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(action__in=Action.values), name="audit_action_valid"),
            models.CheckConstraint(condition=models.Q(outcome__in=Outcome.values), name="audit_outcome_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC {self.action} {self.target_label}".rstrip()
