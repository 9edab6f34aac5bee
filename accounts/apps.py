from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Customers and staff"  # the admin site's heading over the customers list

    def ready(self) -> None:
        # Registers the system checks of the rate settings and the trusted proxies (the rate limits
        # and the lockout guarding these endpoints count by client IP).
        from bankapi import client_ip, ratelimits  # noqa: F401
