from django.urls import path

from monitoring import views

urlpatterns = [
    path("health", views.health, name="health"),
    path("db_check", views.db_check, name="db-check"),
]
