from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Registers the rate settings' system check (the rate limits guard these endpoints).
        from bankapi import ratelimits  # noqa: F401
