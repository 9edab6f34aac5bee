from django.urls import path

from monitoring import metrics, views

urlpatterns = [
    path("health", views.health, name="health"),
    path("db_check", views.db_check, name="db-check"),
    path("metrics", metrics.metrics_view, name="metrics"),
]
