from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    """Who changed what and when: orders, billing dates, prices, inventory, users, tokens."""

    name = "orion.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from orion.audit import signals  # noqa: F401  (connects the auth-event receivers)
