"""Django app for the BroadWorks client and emulator (no models: it owns no tables)."""

from __future__ import annotations

from django.apps import AppConfig


class BroadworksAppConfig(AppConfig):
    name = "orion.broadworks"
    label = "broadworks"
    verbose_name = "BroadWorks (OCI-P)"
