from __future__ import annotations

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The home page: a partner's recent orders; for provider staff, the queues that need
    them. It reads every other app, so no app reads it (as Oscar keeps its dashboard)."""

    name = "orion.dashboard"
    label = "dashboard"
