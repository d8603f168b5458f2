"""``orion db status|stop``: the embedded PostgreSQL (no-op with DATABASE_URL)."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from orion.db import describe, embedded_running, stop_embedded


class Command(BaseCommand):
    help = "Show where the database is, or stop the embedded PostgreSQL."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["status", "stop"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        embedded = not os.environ.get("DATABASE_URL")
        if action == "status":
            if embedded and embedded_running() is None:
                self.stdout.write("embedded: not running (it starts with the next orion "
                                  "command that needs it)")
                return
            kind = "embedded" if embedded else "external (DATABASE_URL)"
            self.stdout.write(f"{kind}: {describe(settings.DATABASES['default'])}")
        elif embedded:
            self.stdout.write("embedded PostgreSQL stopped" if stop_embedded()
                              else "embedded PostgreSQL was not running")
