"""
The custom user model: a bank customer or a member of staff.

The account number is a user's identity everywhere (login, staff URLs, lockout, audit); email is
optional only for customers imported from the earlier service. The database id never leaves the
service; tokens carry the public UUID.
"""

import uuid

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models.functions import Concat, Lower
from django.utils import timezone

from accounts.managers import UserManager
from accounts.validators import validate_date_of_birth, validate_name, validate_phone


class Role(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    AUDITOR = "auditor", "Auditor (read-only staff)"
    ADMIN = "admin", "Admin"


class Status(models.TextChoices):
    ACTIVE = "active", "Active"
    FROZEN = "frozen", "Frozen"
    CLOSED = "closed", "Closed"


STAFF_ROLES = frozenset({Role.ADMIN, Role.AUDITOR})

# What a taken email is called everywhere: the API's conflict, and any form the model validates.
EMAIL_TAKEN = "An account with this email already exists."


class User(AbstractBaseUser):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account_number = models.CharField(max_length=12, unique=True, editable=False)
    email = models.EmailField(max_length=254, null=True, blank=True)
    first_name = models.CharField(max_length=100, blank=True, validators=[validate_name])
    last_name = models.CharField(max_length=100, blank=True, validators=[validate_name])
    phone = models.CharField(max_length=16, null=True, blank=True, validators=[validate_phone])
    date_of_birth = models.DateField(null=True, blank=True, validators=[validate_date_of_birth])
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # Bumped when every token of the user must stop at once (a password change, a role change, a
    # freeze or close, a refresh token replayed): every token carrying an older value is refused.
    token_version = models.PositiveIntegerField(default=0, editable=False)
    # When the user confirmed a TOTP device (mfa.services), None without MFA. Kept on the row that
    # every authenticated request reads anyway, so that the two-step login and the confinement of
    # staff without MFA cost no query of their own; only the MFA services write it.
    mfa_enrolled_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Lower-cased "first last", kept by the database, for the staff name search (trigram-indexed
    # on PostgreSQL: see migration 0003).
    search_name = models.GeneratedField(
        expression=Lower(Concat("first_name", models.Value(" "), "last_name")),
        output_field=models.TextField(),
        db_persist=True,
    )
    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "account_number"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        # Staff (the admin site, the API's /customers) call every user a customer, staff included.
        verbose_name = "customer"
        verbose_name_plural = "customers"
        ordering = ["-created_at", "-id"]
        indexes = [
            # Staff lists: newest first, whole or filtered by status or role (cursor pagination).
            models.Index(fields=["-created_at", "-id"], name="user_newest_idx"),
            models.Index(fields=["status", "-created_at", "-id"], name="user_status_newest_idx"),
            models.Index(fields=["role", "-created_at", "-id"], name="user_role_newest_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_ci_unique",
                violation_error_code="email_taken",
                violation_error_message=EMAIL_TAKEN,
            ),
            models.CheckConstraint(
                condition=models.Q(account_number__regex=r"^[0-9]{12}$"), name="user_account_number_12_digits"
            ),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="user_role_valid"),
            models.CheckConstraint(condition=models.Q(status__in=Status.values), name="user_status_valid"),
        ]

    def __str__(self) -> str:
        """The display name and the account number, which tells two people of one name apart."""
        if not self.account_number or self.display_name == self.account_number:
            return self.display_name
        return f"{self.display_name} ({self.account_number})"

    @property
    def display_name(self) -> str:
        """What staff call a user: the name, else the email (staff may have no name), else the number."""
        return f"{self.first_name} {self.last_name}".strip() or self.email or self.account_number

    def get_short_name(self) -> str:
        """The admin site's "Welcome, …" greets staff by name (or email), not by account number."""
        return self.display_name

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        """Only active users may log in or use a token; frozen and closed ones keep their data."""
        return self.status == Status.ACTIVE

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def has_mfa(self) -> bool:
        """Whether a login needs a second factor (a TOTP or recovery code) after the password."""
        return self.mfa_enrolled_at is not None

    @property
    def must_enroll_mfa(self) -> bool:
        """Staff without MFA may only enroll (or log out) until they have it (mfa.confinement)."""
        return self.is_staff_role and self.mfa_enrolled_at is None

    # The Django admin site is for active admins only; they may do everything there.
    @property
    def is_staff(self) -> bool:
        return self.is_active and self.role == Role.ADMIN

    @property
    def is_superuser(self) -> bool:
        return self.is_staff

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return self.is_staff

    def has_perms(self, perm_list: object, obj: object = None) -> bool:
        return self.is_staff

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_staff


class EndedSession(models.Model):
    """
    A login session that logout ended. Every token of one login (its refresh token, each rotation,
    and the access tokens issued with them) carries the session's id as `sid`; a token whose session
    is listed here is refused at once, while the user's other sessions go on. A row can go once every
    token of its session has expired (`expires_at`; `manage.py flushexpiredtokens` deletes it).
    """

    sid = models.UUIDField(primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    ended_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return str(self.sid)
