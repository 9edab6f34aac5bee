"""The Flask service's routes (docs/migration.md), served only while LEGACY_API_ENABLED is on."""

urlpatterns: list = []
