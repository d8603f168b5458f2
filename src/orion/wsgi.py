"""WSGI entry point for gunicorn (``gunicorn orion.wsgi``)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from orion.db import ensure_embedded

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orion.settings")
ensure_embedded()
application = get_wsgi_application()
