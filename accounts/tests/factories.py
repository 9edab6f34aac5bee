"""
Factories for users, created through the model manager the services use.
"""

from datetime import date

import factory

from accounts.models import User

DEFAULT_PASSWORD = "correct horse battery staple"  # noqa: S105


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    first_name = "Ada"
    last_name = "Lovelace"
    phone = "+447700900123"
    date_of_birth = date(1990, 12, 10)
    role = "customer"
    status = "active"

    @classmethod
    def _create(cls, model_class, *args, password: str = DEFAULT_PASSWORD, **kwargs):
        return model_class.objects.create_user(*args, password=password, **kwargs)


def registration_body(**overrides) -> dict:
    """A body `POST /api/v1/auth/register` accepts, with `overrides` for the fields a test is about."""
    return {
        "email": "ada@example.com",
        "password": DEFAULT_PASSWORD,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": "+447700900123",
        "date_of_birth": "1990-12-10",
        **overrides,
    }
