from __future__ import annotations

from django.apps import AppConfig


class AdoptionConfig(AppConfig):
    name = "orion.adoption"
    label = "adoption"
    verbose_name = "Adoption of an existing BroadWorks"
    default_auto_field = "django.db.models.BigAutoField"
