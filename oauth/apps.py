from django.apps import AppConfig


class OauthConfig(AppConfig):
    name = "oauth"
    verbose_name = "Third-party apps"

    def ready(self) -> None:
        from oauth import schema  # noqa: F401 - registers the OpenAPI scheme of OAuth tokens
