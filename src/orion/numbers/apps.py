from __future__ import annotations

from django.apps import AppConfig


class NumbersConfig(AppConfig):
    name = "orion.numbers"
    label = "numbers"
    verbose_name = "DIDs"
    default_auto_field = "django.db.models.BigAutoField"
