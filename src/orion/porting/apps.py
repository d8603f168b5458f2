from __future__ import annotations

from django.apps import AppConfig


class PortingConfig(AppConfig):
    name = "orion.porting"
    label = "porting"
    verbose_name = "Porting"
    default_auto_field = "django.db.models.BigAutoField"
