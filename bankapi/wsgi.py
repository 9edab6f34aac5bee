"""
WSGI entry point for gunicorn: `gunicorn bankapi.wsgi`.
"""

import logging
import os
import sys

from django.core.wsgi import get_wsgi_application

from bankapi.configuration import exit_on_configuration_error
from bankapi.logging import ServerLogRequestIds

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bankapi.settings.production")

# A bad or missing setting is one line, not a traceback. Under gunicorn it goes to gunicorn's error
# log, and the exit status is gunicorn's "app failed to load": the master (preload_app) stops with
# it, and so does a master whose worker exits with it, instead of replacing that worker forever.
_gunicorn = sys.modules.get("gunicorn.arbiter")
_on_error = (
    exit_on_configuration_error(log=logging.getLogger("gunicorn.error"), status=_gunicorn.Arbiter.APP_LOAD_ERROR)
    if _gunicorn is not None
    else exit_on_configuration_error()
)
with _on_error:
    django_application = get_wsgi_application()

# Both need the apps loaded above.
from bankapi.warmup import warm_up  # noqa: E402
from monitoring.liveness import LivenessShortcut  # noqa: E402

warm_up(django_application)
application = LivenessShortcut(django_application)
# runserver's (local settings' WSGI_APPLICATION): its request lines carry the id each response had.
development_application = ServerLogRequestIds(application)
