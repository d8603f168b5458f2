"""``orion demo load``: demo partners, logins and accounts (and the same accounts in the
BroadWorks emulator). Refused unless ORION_DEMO=1, so a production database never gets the
well-known demo passwords."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from orion.demo.accounts import demo_load
from orion.demo.broadworks import demo_broadworks_seed


class Command(BaseCommand):
    help = "Load the demo data (requires ORION_DEMO=1)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["load"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if not settings.ORION_DEMO:
            raise CommandError("demo data is only loaded with ORION_DEMO=1")
        created = demo_load()
        self.stdout.write("demo: " + ", ".join(f"{n} {k} created" for k, n in created.items()))
        self.stdout.write("demo logins: agent/agent-demo-password, agent2/agent2-demo-password, "
                          "ops/ops-demo-password")
        if settings.ORION_BROADWORKS_IS_EMULATOR:
            seeded = demo_broadworks_seed()
            self.stdout.write(f"demo: {seeded} demo customers added to the BroadWorks "
                              "emulator's state")
