"""
WSGI entry point for gunicorn: `gunicorn bankapi.wsgi`.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bankapi.settings.production")

django_application = get_wsgi_application()

# Both need the apps loaded above.
from bankapi.warmup import warm_up  # noqa: E402
from monitoring.liveness import LivenessShortcut  # noqa: E402

warm_up(django_application)
application = LivenessShortcut(django_application)
