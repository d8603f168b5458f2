"""``orion setup``: migrate, collect static files, load the catalog, and (with ORION_DEMO=1)
the demo data. Safe to run on every start: every step is idempotent."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Prepare the database: migrate, catalog, demo data when ORION_DEMO=1."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("database: migrated")
        call_command("catalog", "load")
        if settings.PRODUCTION:
            call_command("collectstatic", interactive=False, verbosity=0)
        if settings.ORION_DEMO:
            call_command("demo", "load")  # also seeds the emulator when it is BroadWorks
