"""``orion broadworks import [--service-provider ID ...] --partner NAME [--dry-run]`` and
``orion broadworks audit`` (the drift audit, also run nightly by the worker).

The command lives in the adoption app, not in ``orion.broadworks``: the client and emulator
know nothing of Orion's accounts (an import-linter contract), while the import writes them.
Exit status 1 when anything was refused, so scripts notice; unmatched names are reported
only (they are the catalog's to map).
"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from orion.accounts.models import Partner
from orion.adoption import services
from orion.adoption.models import ImportRun, RunStatus


class Command(BaseCommand):
    help = "BroadWorks: import (adopt) existing enterprises, groups and numbers into Orion."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Create or update Orion's enterprises, customers, "
                             "DIDs and baselines from what BroadWorks holds")
        imp.add_argument("--service-provider", action="append", default=[], metavar="ID",
                         help="an enterprise id to import (repeat it; default: all)")
        imp.add_argument("--partner", required=True, metavar="NAME",
                         help="the partner the imported accounts belong to")
        imp.add_argument("--dry-run", action="store_true",
                         help="read and compute everything, change nothing")
        sub.add_parser("audit", help="Compare every customer's group with Orion's records "
                       "and update the open differences (the BroadWorks drift page)")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "audit":
            from orion.adoption.drift import drift_audit

            for line in drift_audit(config=settings.ORION_BROADWORKS).lines():
                self.stdout.write(line)
            return
        partner = Partner.objects.filter(name=options["partner"]).first()
        if partner is None:
            raise CommandError(f'no partner named "{options["partner"]}"')
        try:
            ids = services.clean_service_providers(options["service_provider"])
        except services.ImportRefused as exc:
            raise CommandError(exc.message) from None
        run = ImportRun.objects.create(partner=partner, service_providers=ids,
                                       dry_run=options["dry_run"], via="cli",
                                       status=RunStatus.RUNNING)
        with tqdm(total=0, unit="group", desc="import", file=sys.stderr,
                  disable=None) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            report = services.broadworks_import(
                partner=partner, service_providers=ids, dry_run=options["dry_run"],
                config=settings.ORION_BROADWORKS, by=None, via="cli", run=run,
                progress=progress)
        ImportRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE, report=report.as_dict(), finished_at=timezone.now())
        for line in report.lines():
            self.stdout.write(line)
        if report.refused_count:
            sys.exit(1)
