"""Orion's pytest plugin (``-p orion.pytest_plugin`` in the pytest options).

Loaded before pytest-django reads the settings, so the embedded PostgreSQL is up (and the
settings stay free of side effects). A no-op with ``DATABASE_URL``.
"""

from __future__ import annotations

from orion.db import ensure_embedded

ensure_embedded()
