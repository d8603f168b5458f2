from __future__ import annotations

from django.apps import AppConfig


class ProvisioningConfig(AppConfig):
    """Saved orders -> BroadWorks: the plan, the Procrastinate jobs, progress and repair."""

    name = "orion.provisioning"
    label = "provisioning"
    default_auto_field = "django.db.models.BigAutoField"
