"""
django-axes' lockout records in the admin site, read-only.

Axes registers pages that let staff delete attempt rows, which would lift part of a lock with no
`unlock` event and leave the shared counter (accounts.lockout) in place. A lock is lifted only by
accounts.services.lockout_clear (the `unlock` command, the customers' unlock action), so here axes'
pages are registered again with nothing to add, change, delete or run.
"""

import axes.admin as axes_admin  # registers axes' own pages first (when AXES_ENABLE_ADMIN), to be replaced
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin

from bankapi.admin_site import ReadOnlyAdminMixin


class AccessAttemptAdmin(ReadOnlyAdminMixin, axes_admin.AccessAttemptAdmin):
    pass


class AccessLogAdmin(ReadOnlyAdminMixin, axes_admin.AccessLogAdmin):
    pass


class AccessFailureLogAdmin(ReadOnlyAdminMixin, axes_admin.AccessFailureLogAdmin):
    pass


for model, model_admin in [
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
]:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
        admin.site.register(model, model_admin)
