"""
Provides the manager for the custom user model.
"""

from typing import Any

from django.contrib.auth.base_user import BaseUserManager
from django.db import IntegrityError, transaction

from accounts.account_numbers import generate_account_number

ACCOUNT_NUMBER_ATTEMPTS = 10


class UserManager(BaseUserManager):
    """
    Creates users with a freshly issued account number; used by the services, not views. There is
    no create_superuser: staff are made by accounts.services.user_create (`create_staff`), audited.
    """

    use_in_migrations = True

    def get_by_natural_key(self, username: str) -> Any:
        return self.get(account_number=username)

    def create_user(self, *, email: str | None, password: str | None = None, **fields: Any) -> Any:
        """
        Create a user with a new random account number. A collision with an existing number is
        retried with another (the unique constraint decides, so concurrent creations are safe).
        """
        email = self.normalize_email(email) if email else None
        for attempt in range(ACCOUNT_NUMBER_ATTEMPTS):
            user = self.model(email=email, account_number=generate_account_number(), **fields)
            if password is None:
                user.set_unusable_password()
            else:
                user.set_password(password)
            try:
                with transaction.atomic():
                    user.save(using=self._db)
            except IntegrityError:
                if attempt == ACCOUNT_NUMBER_ATTEMPTS - 1 or not self._account_number_taken(user.account_number):
                    raise
                continue
            return user
        raise AssertionError("unreachable")

    def _account_number_taken(self, account_number: str) -> bool:
        return self.filter(account_number=account_number).exists()
