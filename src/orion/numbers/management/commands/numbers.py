"""``orion numbers import FILE.csv | add-range FIRST-LAST | expire | demo``: the DID inventory.

Loading is idempotent (a second run adds nothing twice) and reports every refused line with
the NANP rule it breaks; the exit status is 1 when any line was refused.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from orion.numbers import services
from orion.numbers.exceptions import InvalidNumber


class Command(BaseCommand):
    help = "DID inventory: import a CSV, add a range, expire reservations, load demo numbers."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Load numbers from a CSV: "
                             "number[,rate center[,state[,city[,zip]]]]")
        imp.add_argument("file", help="CSV file, or - for standard input")
        rng = sub.add_parser("add-range", help="Load a block, e.g. 2125550100-2125550199")
        rng.add_argument("range")
        rng.add_argument("--rate-center", default="")
        rng.add_argument("--state", default="")
        rng.add_argument("--city", default="")
        rng.add_argument("--zip", default="")
        sub.add_parser("expire", help="Free expired reservations; end finished quarantines")
        sub.add_parser("demo", help="Load the demo numbers")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "expire":
            freed = services.numbers_expire_reservations()
            aged = services.numbers_end_quarantine()
            self.stdout.write(f"numbers: {freed} expired reservations freed, {aged} numbers "
                              "back from quarantine")
            return
        if action == "demo":
            self._report(services.numbers_demo_load())
            return
        if action == "import":
            path = options["file"]
            try:
                if path == "-":
                    lines = sys.stdin.read().splitlines()
                else:
                    file = Path(path)
                    if not file.is_file():
                        raise CommandError(f"{path}: no such file")
                    lines = file.read_text(encoding="utf-8-sig").splitlines()
            except UnicodeDecodeError as exc:
                raise CommandError(f"{path}: not UTF-8 text (byte {exc.start}); save the CSV "
                                   "as UTF-8 and import it again") from None
            with tqdm(total=len(lines), unit="line", desc="import", file=sys.stderr,
                      disable=None) as bar:
                result = services.numbers_import(lines=lines, source=f"import {path}",
                                                 progress=bar.update)
        else:
            try:
                first, last = services.parse_range(options["range"])
            except InvalidNumber as exc:
                raise CommandError(exc.message) from exc
            with tqdm(total=last - first + 1, unit="number", desc="add-range",
                      file=sys.stderr, disable=None) as bar:
                try:
                    result = services.numbers_add_range(
                        spec=options["range"], rate_center=options["rate_center"],
                        region=options["state"], city=options["city"],
                        zip_code=options["zip"], progress=bar.update)
                except InvalidNumber as exc:
                    raise CommandError(exc.message) from exc
        self._report(result)
        if result.rejected:
            raise SystemExit(1)

    def _report(self, result: services.ImportResult) -> None:
        for line_no, text, reason in result.rejected:
            self.stderr.write(f"line {line_no}: {text}: rejected: {reason}")
        self.stdout.write(f"numbers: {result.summary()}")
