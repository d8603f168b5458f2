from __future__ import annotations

from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running Orion: ``orion setup`` (prepare the database) and ``orion run`` (every process
    under one supervisor). Entry points only: they call the other apps, nothing calls them."""

    name = "orion.ops"
    label = "ops"
