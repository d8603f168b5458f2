"""``orion catalog load``: load the order types and packages of the source document."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from orion.catalog.services import catalog_load


class Command(BaseCommand):
    help = "Catalog tasks. 'load' creates the document's order types and packages (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["load"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        result = catalog_load()
        self.stdout.write(
            f"catalog: {result.order_types_created} order types and "
            f"{result.packages_created} packages created, {result.packages_updated} updated")
