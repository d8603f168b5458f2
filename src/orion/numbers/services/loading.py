"""Loading numbers into the inventory: CSV import, ranges, the demo blocks.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction

from orion.accounts.models import User
from orion.audit.services import audit_record
from orion.numbers.exceptions import (
    InvalidNumber,
)
from orion.numbers.models import Backorder
from orion.numbers.nanp import clean_region, display, to_e164
from orion.numbers.states import NumberState

logger = logging.getLogger(__name__)

S = NumberState

MAX_RANGE = 10_000


# --- loading numbers ---------------------------------------------------------------------------

@dataclass
class ImportResult:
    added: int = 0
    already_present: int = 0
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # line, text, reason
    open_backorders: int = 0  # open backorders the loaded prefixes could fill

    def summary(self) -> str:
        text = (f"{self.added} added, {self.already_present} already in the inventory, "
                f"{len(self.rejected)} rejected")
        if self.open_backorders:
            text += f"; {self.open_backorders} open backorders match: fill them on the queue"
        return text


_INSERT_SQL = """
INSERT INTO numbers_did (e164, npa, nxx, rate_center, region, state, is_for_trunking,
                         created_at, updated_at)
SELECT e, substr(e, 3, 3), substr(e, 6, 3), rc, rg, 'available', false, now(), now()
  FROM unnest(%s::text[], %s::text[], %s::text[]) AS t(e, rc, rg)
ON CONFLICT (e164) DO NOTHING
RETURNING id
"""
_EVENT_SQL = """
INSERT INTO numbers_didevent (did_id, from_state, to_state, changed_by_id, changed_at, note)
SELECT unnest(%s::bigint[]), '', 'available', %s, now(), %s
"""


def _parse_row(cells: list[str]) -> tuple[str, str, str]:
    cells = [c.strip() for c in cells] + ["", ""]
    e164 = to_e164(cells[0])
    rate_center = cells[1][:40]
    region = clean_region(cells[2])
    return e164, rate_center, region


def numbers_import(*, lines: Iterable[str], by: User | None = None, source: str = "import",
                   progress: Callable[[int], object] | None = None,
                   chunk: int = 5000, via: str | None = None) -> ImportResult:
    """Load numbers from CSV lines ``number[,rate center[,state]]``; a header is optional.

    Idempotent: numbers already in the inventory are counted, never added twice or changed.
    Every refused line is reported with its line number and the NANP rule it breaks.
    """
    result = ImportResult()
    seen: dict[str, int] = {}
    batch: list[tuple[str, str, str]] = []
    prefixes: set[tuple[str, str]] = set()
    for line_no, line in enumerate(lines, start=1):
        if progress:
            progress(1)
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        cells = next(csv.reader(io.StringIO(text)))
        if line_no == 1 and cells and "number" in cells[0].lower():
            continue  # header
        try:
            row = _parse_row(cells)
        except InvalidNumber as exc:
            result.rejected.append((line_no, text, exc.message))
            continue
        if row[0] in seen:
            result.rejected.append((line_no, text, f"duplicate of line {seen[row[0]]}"))
            continue
        seen[row[0]] = line_no
        batch.append(row)
        prefixes.add((row[0][2:5], row[0][5:8]))
        if len(batch) >= chunk:
            _insert(batch, by=by, source=source, result=result)
            batch = []
    if batch:
        _insert(batch, by=by, source=source, result=result)
    result.open_backorders = _open_backorders_for(prefixes)
    audit_record(actor=by, action="numbers.import", via=via, object_type="numbers.DID",
                 object_id=source[:40], object_repr=f"DID inventory ({source})",
                 changes={"added": result.added, "already_present": result.already_present,
                          "rejected": len(result.rejected)})
    logger.info("numbers %s: %s", source, result.summary())
    return result


def _insert(rows: list[tuple[str, str, str]], *, by: User | None, source: str,
            result: ImportResult) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, [[r[0] for r in rows], [r[1] for r in rows],
                                     [r[2] for r in rows]])
        ids = [row[0] for row in cursor.fetchall()]
        if ids:
            cursor.execute(_EVENT_SQL, [ids, by.pk if by else None,
                                        f"Added to the inventory ({source})."[:200]])
    result.added += len(ids)
    result.already_present += len(rows) - len(ids)


def _open_backorders_for(prefixes: set[tuple[str, str]]) -> int:
    if not prefixes:
        return 0
    npas = {npa for npa, _ in prefixes}
    count = 0
    for bo in Backorder.objects.open().filter(npa__in=npas).only("npa", "nxx"):
        if not bo.nxx or (bo.npa, bo.nxx) in prefixes:
            count += 1
    return count


def parse_range(spec: str) -> tuple[int, int]:
    """``2125550100-2125550199`` (either end may be written as +1/E.164) -> the two ends."""
    parts = [p for p in spec.replace(" ", "").split("-") if p]
    if len(parts) == 2:
        first, last = parts
    else:
        # Allow separators inside the numbers: split in the middle of the digits.
        raise InvalidNumber(f"{spec}: write a range as FIRST-LAST, e.g. 2125550100-2125550199.")
    start, end = to_e164(first), to_e164(last)
    if start[:8] != end[:8]:
        raise InvalidNumber(f"{spec}: both ends must be in the same NPA-NXX "
                            f"({display(start)[:7]} vs {display(end)[:7]}); add one range per "
                            "NXX.")
    a, b = int(start[2:]), int(end[2:])
    if b < a:
        raise InvalidNumber(f"{spec}: the last number is before the first.")
    if b - a + 1 > MAX_RANGE:
        raise InvalidNumber(f"{spec}: at most {MAX_RANGE:,} numbers per range.")
    return a, b


def numbers_add_range(*, spec: str, rate_center: str = "", region: str = "",
                      by: User | None = None,
                      progress: Callable[[int], object] | None = None) -> ImportResult:
    """Load a block of consecutive numbers of one NPA-NXX; idempotent like the import."""
    first, last = parse_range(spec)
    region = clean_region(region)
    rc = rate_center.replace(",", " ").strip()
    lines = (f"{n},{rc},{region}" for n in range(first, last + 1))
    return numbers_import(lines=lines, by=by, source=f"range {spec}", progress=progress)


DEMO_BLOCKS = [
    # NPA, NXX, first line, count, rate center, state: the demo cities' area codes.
    ("212", "555", 100, 600, "NWYRCYZN01", "NY"),
    ("212", "646", 1000, 400, "NWYRCYZN01", "NY"),
    ("303", "555", 100, 500, "DENVER", "CO"),
    ("512", "555", 100, 500, "AUSTIN", "TX"),
    ("312", "555", 100, 500, "CHICAGO", "IL"),
    ("213", "555", 100, 400, "LOSANGELES", "CA"),
    ("305", "555", 100, 400, "MIAMI", "FL"),
    ("206", "555", 100, 400, "SEATTLE", "WA"),
    ("206", "432", 7000, 3, "SEATTLE", "WA"),  # an NXX with only 3 free numbers: backorder it
]


def numbers_demo_load() -> ImportResult:
    """A few thousand demo numbers across the demo cities' NPAs; idempotent."""
    lines = [f"{npa}{nxx}{line:04d},{rc},{st}"
             for npa, nxx, start, count, rc, st in DEMO_BLOCKS
             for line in range(start, start + count)]
    return numbers_import(lines=lines, source="demo")
