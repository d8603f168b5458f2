from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared layout, the domain error root and the process supervisor (`orion run`)."""

    name = "orion.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"
