from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        # Registers the bankapi_* counters and connects their signal receivers, once per process.
        from monitoring import metrics  # noqa: F401
