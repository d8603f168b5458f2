"""``orion billing export --month 2026-12``: the monthly export as CSV (or JSON).

Writes to standard output or ``--output FILE``. Every export is recorded as an invoice run
(its lines, totals and the CSV's SHA-256) unless ``--dry-run``; when the same month was
exported before and the result differs, it says so (a price or date changed since).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orion.accounts.models import Partner
from orion.billing import selectors
from orion.billing.charges import BillingMonth
from orion.billing.exceptions import InvalidMonth
from orion.billing.export import digest, export_csv, export_json
from orion.billing.services import invoice_run_previous, invoice_run_record


class Command(BaseCommand):
    help = "Billing: the monthly export of every customer line (CSV or JSON), with totals."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        exp = sub.add_parser("export", help="Write the charges of one month")
        exp.add_argument("--month", required=True, help="YYYY-MM, e.g. 2026-12")
        exp.add_argument("--format", choices=["csv", "json"], default="csv")
        exp.add_argument("--output", "-o", default="-", help="file, or - for standard output")
        exp.add_argument("--partner", type=int, default=None, help="one partner's id only")
        exp.add_argument("--dry-run", action="store_true",
                         help="do not record an invoice run")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            month = BillingMonth.parse(options["month"])
        except InvalidMonth as exc:
            raise CommandError(exc.message) from exc
        partner = None
        if options["partner"] is not None:
            partner = Partner.objects.filter(pk=options["partner"]).first()
            if partner is None:
                raise CommandError(f"No partner with id {options['partner']}.")
        invoice = selectors.billing_export(user=selectors.SYSTEM, month=month,
                                           partner_id=partner.pk if partner else None)
        csv_text = export_csv(invoice)
        if options["format"] == "json":
            text = json.dumps(export_json(invoice), indent=2) + "\n"
        else:
            text = csv_text
        if options["output"] == "-":
            self.stdout.write(text, ending="")
        else:
            Path(options["output"]).write_text(text, encoding="utf-8", newline="")
        t = invoice.totals
        summary = (f"billing {month}: {len(invoice.charges)} lines, "
                   f"{len(t.customers)} customers, MRC {t.mrc}, NRC {t.nrc}, total {t.total}")
        if options["dry_run"]:
            print(f"{summary} (dry run, sha256 {digest(csv_text)[:12]})", file=sys.stderr)
            return
        run = invoice_run_record(invoice=invoice, user=None, partner=partner, via="cli")
        print(f"{summary}; recorded as invoice run #{run.pk} (sha256 {run.digest[:12]})",
              file=sys.stderr)
        previous = invoice_run_previous(run=run)
        if previous is not None and previous.digest != run.digest:
            print(f"note: differs from invoice run #{previous.pk} of "
                  f"{previous.created_at:%Y-%m-%d %H:%M} (total {previous.total})",
                  file=sys.stderr)
