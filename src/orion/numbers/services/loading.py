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
from orion.numbers.models import Backorder, import_summary
from orion.numbers.nanp import (
    clean_city,
    clean_rate_center,
    clean_region,
    clean_zip,
    display,
    to_e164,
)
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
        return import_summary(added=self.added, already_present=self.already_present,
                              rejected=len(self.rejected),
                              open_backorders=self.open_backorders)


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
# The block facts of a chunk, one row per NPA-NXX: empty facts never overwrite known ones,
# ZIP codes are merged (a block serves several ZIPs).
_BLOCK_SQL = """
INSERT INTO numbers_numberblock (npa, nxx, rate_center, locality, region, zip_codes, updated_at)
SELECT n, x, rc, loc, rg, CASE WHEN z = '' THEN '{}'::varchar[]
                               ELSE string_to_array(z, ',')::varchar[] END, now()
  FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[])
       AS t(n, x, rc, loc, rg, z)
ON CONFLICT (npa, nxx) DO UPDATE SET
  rate_center = COALESCE(NULLIF(EXCLUDED.rate_center, ''), numbers_numberblock.rate_center),
  locality = COALESCE(NULLIF(EXCLUDED.locality, ''), numbers_numberblock.locality),
  region = COALESCE(NULLIF(EXCLUDED.region, ''), numbers_numberblock.region),
  zip_codes = ARRAY(SELECT DISTINCT u FROM unnest(numbers_numberblock.zip_codes
                                                  || EXCLUDED.zip_codes) AS u ORDER BY u),
  updated_at = now()
"""

# Columns of the CSV, in order when the file has no header. With a header, columns are found
# by name (any case; spaces, hyphens and underscores alike), so extra columns are ignored.
COLUMNS = ("number", "rate_center", "state", "city", "zip")
_HEADER_NAMES = {
    "number": "number", "did": "number", "tn": "number", "telephone_number": "number",
    "rate_center": "rate_center", "ratecenter": "rate_center",
    "state": "state", "region": "state", "province": "state",
    "city": "city", "locality": "city",
    "zip": "zip", "zip_code": "zip", "zipcode": "zip", "postal_code": "zip",
}


@dataclass(frozen=True)
class _Row:
    e164: str
    rate_center: str
    region: str
    city: str
    zip: str


def _header(cells: list[str]) -> dict[str, int] | None:
    """The column positions if ``cells`` is a header row (its first cell names the number)."""
    names = ["_".join(c.strip().lower().replace("-", " ").replace("_", " ").split())
             for c in cells]
    if not names or ("number" not in names[0] and _HEADER_NAMES.get(names[0]) != "number"):
        return None
    positions: dict[str, int] = {}
    for i, name in enumerate(names):
        column = _HEADER_NAMES.get(name)
        if column and column not in positions:
            positions[column] = i
    positions.setdefault("number", 0)
    return positions


_POSITIONAL = {name: i for i, name in enumerate(COLUMNS)}


def _parse_row(cells: list[str], columns: dict[str, int]) -> _Row:
    def cell(name: str) -> str:
        i = columns.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    return _Row(e164=to_e164(cell("number")), rate_center=clean_rate_center(cell("rate_center")),
                region=clean_region(cell("state")), city=clean_city(cell("city")),
                zip=clean_zip(cell("zip")))


def numbers_import(*, lines: Iterable[str], by: User | None = None, source: str = "import",
                   progress: Callable[[int], object] | None = None,
                   chunk: int = 5000, via: str | None = None) -> ImportResult:
    """Load numbers from CSV lines ``number[,rate center[,state[,city[,zip]]]]``; a header is
    optional (with one, columns are found by name). The command, the staff page and the API
    all import through here, so they give the same report.

    Idempotent: numbers already in the inventory are counted, never added twice or changed.
    Every refused line is reported with its line number and the rule it breaks. Rate center,
    city and ZIP also describe the number's NPA-NXX block (what the search looks in).
    """
    result = ImportResult()
    seen: dict[str, int] = {}
    batch: list[_Row] = []
    prefixes: set[tuple[str, str]] = set()
    columns = _POSITIONAL
    for line_no, line in enumerate(lines, start=1):
        if progress:
            progress(1)
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        cells = next(csv.reader(io.StringIO(text)), [])
        if line_no == 1:
            header = _header(cells)
            if header is not None:
                columns = header
                continue
        try:
            row = _parse_row(cells, columns)
        except InvalidNumber as exc:
            result.rejected.append((line_no, text, exc.message))
            continue
        if row.e164 in seen:
            result.rejected.append((line_no, text, f"duplicate of line {seen[row.e164]}"))
            continue
        seen[row.e164] = line_no
        batch.append(row)
        prefixes.add((row.e164[2:5], row.e164[5:8]))
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


def _blocks(rows: list[_Row]) -> list[list[str]]:
    """The chunk's facts per NPA-NXX (first value seen wins; ZIPs merged), as the six
    arrays of ``_BLOCK_SQL``."""
    facts: dict[tuple[str, str], dict[str, str]] = {}
    zips: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        if not (r.rate_center or r.city or r.region or r.zip):
            continue
        key = (r.e164[2:5], r.e164[5:8])
        entry = facts.setdefault(key, {"rc": "", "city": "", "region": ""})
        for name, value in (("rc", r.rate_center), ("city", r.city), ("region", r.region)):
            if value and not entry[name]:
                entry[name] = value
        if r.zip:
            zips.setdefault(key, set()).add(r.zip)
    keys = sorted(facts)
    return [[k[0] for k in keys], [k[1] for k in keys],
            [facts[k]["rc"] for k in keys], [facts[k]["city"] for k in keys],
            [facts[k]["region"] for k in keys],
            [",".join(sorted(zips.get(k, ()))) for k in keys]]


def _insert(rows: list[_Row], *, by: User | None, source: str,
            result: ImportResult) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, [[r.e164 for r in rows], [r.rate_center for r in rows],
                                     [r.region for r in rows]])
        ids = [row[0] for row in cursor.fetchall()]
        if ids:
            cursor.execute(_EVENT_SQL, [ids, by.pk if by else None,
                                        f"Added to the inventory ({source})."[:200]])
        blocks = _blocks(rows)
        if blocks[0]:
            cursor.execute(_BLOCK_SQL, blocks)
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
                      city: str = "", zip_code: str = "", by: User | None = None,
                      progress: Callable[[int], object] | None = None) -> ImportResult:
    """Load a block of consecutive numbers of one NPA-NXX; idempotent like the import."""
    first, last = parse_range(spec)
    region = clean_region(region)
    rc = clean_rate_center(rate_center.replace(",", " "))
    place = clean_city(city.replace(",", " "))
    zip_code = clean_zip(zip_code)
    lines = (f"{n},{rc},{region},{place},{zip_code}" for n in range(first, last + 1))
    return numbers_import(lines=lines, by=by, source=f"range {spec}", progress=progress)


# NPA, NXX, first line, count, rate center (LERG style), state, city, ZIP codes served: the
# demo cities' area codes, and toll-free blocks for the "Toll FRee Number" package.
DEMO_BLOCKS: list[tuple[str, str, int, int, str, str, str, tuple[str, ...]]] = [
    ("212", "555", 100, 600, "NWYRCYZN01", "NY", "New York", ("10001", "10018", "10036")),
    ("212", "646", 1000, 400, "NWYRCYZN01", "NY", "New York", ("10010", "10016")),
    ("303", "555", 100, 500, "DENVER", "CO", "Denver", ("80202", "80203", "80205")),
    ("512", "555", 100, 500, "AUSTIN", "TX", "Austin", ("78701", "78702", "78704")),
    ("312", "555", 100, 500, "CHICAGO", "IL", "Chicago", ("60601", "60602", "60603")),
    ("213", "555", 100, 400, "LSAN DA 01", "CA", "Los Angeles", ("90012", "90013", "90071")),
    ("305", "555", 100, 400, "MIAMI", "FL", "Miami", ("33130", "33131", "33132")),
    ("206", "555", 100, 400, "SEATTLE", "WA", "Seattle", ("98101", "98104")),
    # An NXX with only 3 free numbers: backorder it.
    ("206", "432", 7000, 3, "SEATTLE", "WA", "Seattle", ("98109",)),
    ("888", "555", 100, 50, "", "", "", ()),
    ("877", "555", 2000, 50, "", "", "", ()),
]


def numbers_demo_load() -> ImportResult:
    """A few thousand demo numbers across the demo cities' NPAs; idempotent. Each block's
    numbers are spread over its ZIP codes, so a search by any of them finds the block."""
    lines = [f"{npa}{nxx}{line:04d},{rc},{st},{city},"
             f"{zips[(line - start) % len(zips)] if zips else ''}"
             for npa, nxx, start, count, rc, st, city, zips in DEMO_BLOCKS
             for line in range(start, start + count)]
    return numbers_import(lines=lines, source="demo")
