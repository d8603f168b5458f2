from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data of ``make run``: partners, logins, accounts, numbers, and the same
    accounts in the BroadWorks emulator. Only ever loaded with ORION_DEMO=1."""

    name = "orion.demo"
    label = "demo"
