"""Number search as a carrier offers it (Bandwidth's is the model): the NPA-NXX blocks in stock
with their counts, search by NPA, NPA-NXX, rate center, city/state or ZIP, runs of consecutive
numbers, and toll-free (8XX) numbers for the toll-free package.

Reads only: a search never reserves (Order on the picker does, through ``numbers.services``).
Free numbers are the provider's, not a partner's, so any signed-in user may search them; what
a partner may do with them (the toll-free rule, the reservation limits) is enforced by the
services. The queries read only free numbers of the searched blocks, found by the NPA-NXX
indexes (the partial index ``did_available_npa_nxx`` serves pages in number order), and the
block table's indexes serve rate center, city/state and ZIP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils.http import urlencode

from orion.numbers import conf
from orion.numbers.exceptions import InvalidNumber, TollFreeNeedsPackage
from orion.numbers.models import DID, MAX_SELECTION, NumberBlock
from orion.numbers.nanp import (
    TOLL_FREE_NPAS,
    TOLL_FREE_PACKAGE,
    clean_city,
    clean_npa,
    clean_nxx,
    clean_rate_center,
    clean_region,
    clean_zip,
    is_toll_free,
)
from orion.numbers.states import NumberState

# Longest run of consecutive numbers one search asks for: what one Order press may reserve.
MAX_CONSECUTIVE = 100
# Most blocks one location search looks in (a rate center has a few dozen at most).
MAX_BLOCKS = 200


@dataclass(frozen=True)
class BlockInStock:
    """One NPA-NXX with free numbers, and what the routing guide says about it."""

    npa: str
    nxx: str
    available: int
    rate_center: str = ""
    locality: str = ""
    region: str = ""

    @property
    def prefix(self) -> str:
        return f"{self.npa}-{self.nxx}"

    @property
    def is_toll_free(self) -> bool:
        return is_toll_free(self.npa)

    @property
    def place(self) -> str:
        return ", ".join(p for p in (self.locality, self.region) if p)


_STOCK_SQL = """
SELECT s.npa, s.nxx, s.n, coalesce(b.rate_center, ''), coalesce(b.locality, ''),
       coalesce(b.region, '')
  FROM (SELECT npa, nxx, count(*) AS n FROM numbers_did
         WHERE state = 'available' AND {where}
         GROUP BY npa, nxx) AS s
  LEFT JOIN numbers_numberblock AS b ON b.npa = s.npa AND b.nxx = s.nxx
 {block_where}
 ORDER BY {order}
 LIMIT %s
"""


def _stock(*, where: str = "true", params: tuple[Any, ...] = (), block_where: str = "",
           block_params: tuple[Any, ...] = (), order: str = "s.npa, s.nxx",
           limit: int = 500) -> list[BlockInStock]:
    sql = _STOCK_SQL.format(where=where, block_where=block_where, order=order)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *block_params, limit])
        return [BlockInStock(*row) for row in cursor.fetchall()]


def blocks_in_stock(*, toll_free: bool = False, limit: int = 500) -> list[BlockInStock]:
    """The NPA-NXX blocks with free numbers and their counts, shown before anyone types.

    One grouped query over the free numbers (the rows of the partial index on free numbers),
    joined to the block table for rate center and city. Local blocks, or the toll-free ones.
    """
    where = "npa = ANY(%s)" if toll_free else "NOT (npa = ANY(%s))"
    return _stock(where=where, params=(sorted(TOLL_FREE_NPAS),), limit=limit)


@dataclass(frozen=True)
class NumberQuery:
    """What the partner typed, cleaned. Empty fields are not searched on."""

    npa: str = ""
    nxx: str = ""
    rate_center: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    consecutive: int = 0  # 0: any numbers; N >= 2: runs of N numbers in a row
    toll_free: bool = False

    @property
    def located(self) -> bool:
        """Searched by place (rate center, city/state, ZIP) rather than by NPA-NXX only."""
        return bool(self.rate_center or self.city or self.zip or self.state)

    @property
    def label(self) -> str:
        parts = []
        if self.npa:
            parts.append(f"{self.npa}-{self.nxx}" if self.nxx else self.npa)
        if self.rate_center:
            parts.append(f"rate center {self.rate_center}")
        if self.city or self.state:
            parts.append(", ".join(p for p in (self.city, self.state) if p))
        if self.zip:
            parts.append(f"ZIP {self.zip}")
        if not parts and self.toll_free:
            parts.append("toll-free NPAs")
        return " ".join(parts)

    @property
    def query_string(self) -> str:
        """The query as URL parameters (the pager's links)."""
        return urlencode(self.as_params())

    def as_params(self) -> dict[str, str]:
        values = {"npa": self.npa, "nxx": self.nxx, "rate_center": self.rate_center,
                  "city": self.city, "state": self.state, "zip": self.zip,
                  "consecutive": str(self.consecutive or ""),
                  "toll_free": "1" if self.toll_free else ""}
        return {k: v for k, v in values.items() if v}


def number_query_clean(*, npa: object = "", nxx: object = "", rate_center: object = "",
                       city: object = "", state: object = "", zip_code: object = "",
                       consecutive: object = "", toll_free: bool = False) -> NumberQuery:
    """The search fields, each checked at the field (InvalidNumber names the field)."""
    npa_s = clean_npa(npa) if str(npa or "").strip() else ""
    nxx_s = clean_nxx(nxx) if str(nxx or "").strip() else ""
    if nxx_s and not npa_s:
        raise InvalidNumber("Enter the NPA (area code) of the NXX too.", field="npa")
    try:
        region = clean_region(state)
    except InvalidNumber as exc:
        raise InvalidNumber(exc.message, field="state") from None
    run = str(consecutive or "").strip()
    if run and (not run.isascii() or not run.isdigit() or not
                2 <= int(run) <= MAX_CONSECUTIVE):
        raise InvalidNumber(f"Numbers in a row: a whole number from 2 to {MAX_CONSECUTIVE}.",
                            field="consecutive")
    query = NumberQuery(npa=npa_s, nxx=nxx_s, rate_center=clean_rate_center(rate_center),
                        city=clean_city(city), state=region, zip=clean_zip(zip_code),
                        consecutive=int(run) if run else 0,
                        toll_free=toll_free or (bool(npa_s) and is_toll_free(npa_s)))
    if query.toll_free and query.located:
        raise InvalidNumber("Toll-free numbers ring anywhere: they have no rate center, city "
                            "or ZIP. Search them by NPA (800, 833, 844, 855, 866, 877, 888).",
                            field="rate_center" if query.rate_center else
                            "city" if query.city else "zip" if query.zip else "state")
    if query.toll_free and query.npa and not is_toll_free(query.npa):
        raise InvalidNumber(f"{query.npa} is not a toll-free NPA (800, 833, 844, 855, 866, "
                            "877, 888).", field="npa")
    if not (query.npa or query.located or query.toll_free):
        raise InvalidNumber("Enter an NPA, an NPA-NXX, a rate center, a city and state or a "
                            "ZIP code, or choose a block from the list.", field="npa")
    if query.city and not query.state:
        raise InvalidNumber("Enter the state of the city too (e.g. NY).", field="state")
    return query


@dataclass(frozen=True)
class NumberSearchResult:
    query: NumberQuery
    numbers: list[DID]  # the page's numbers, in number order (runs one after the other)
    runs: list[list[DID]] = field(default_factory=list)  # consecutive: the page's runs
    page: int = 1
    has_next: bool = False
    message: str = ""  # why nothing was found, and where there is stock
    suggestions: list[BlockInStock] = field(default_factory=list)
    blocks: dict[tuple[str, str], BlockInStock] = field(default_factory=dict)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def rows(self) -> list[tuple[DID, BlockInStock | None]]:
        """Each number with its block's rate center and city."""
        return [(d, self.blocks.get((d.npa, d.nxx))) for d in self.numbers]

    @property
    def run_rows(self) -> list[list[tuple[DID, BlockInStock | None]]]:
        return [[(d, self.blocks.get((d.npa, d.nxx))) for d in run] for run in self.runs]

    # The picker's backorder is for one NPA (and NXX): the searched one, if any.
    @property
    def npa(self) -> str:
        return self.query.npa

    @property
    def nxx(self) -> str:
        return self.query.nxx

    @property
    def prefix(self) -> str:
        return self.query.label


def _blocks_for(query: NumberQuery) -> list[tuple[str, str]]:
    """The NPA-NXX blocks of a place search (block table, by its indexes)."""
    rows = NumberBlock.objects.all()
    if query.npa:
        rows = rows.filter(npa=query.npa)
    if query.nxx:
        rows = rows.filter(nxx=query.nxx)
    if query.rate_center:
        rows = rows.filter(rate_center=query.rate_center)
    if query.state:
        rows = rows.filter(region=query.state)
    if query.city:
        rows = rows.filter(locality__iexact=query.city)
    if query.zip:
        rows = rows.filter(zip_codes__contains=[query.zip])
    return list(rows.order_by("npa", "nxx").values_list("npa", "nxx")[:MAX_BLOCKS])


def _free(query: NumberQuery, blocks: list[tuple[str, str]] | None) -> Q:
    where = Q(state=NumberState.AVAILABLE)
    if blocks is not None:
        match = Q(pk__in=[])
        for npa, nxx in blocks:
            match |= Q(npa=npa, nxx=nxx)
        return where & match
    if query.npa:
        where &= Q(npa=query.npa)
        if query.nxx:
            where &= Q(nxx=query.nxx)
    elif query.toll_free:
        where &= Q(npa__in=sorted(TOLL_FREE_NPAS))
    return where


def numbers_search(*, query: NumberQuery, toll_free_allowed: bool, page: int = 1,
                   page_size: int | None = None) -> NumberSearchResult:
    """Free numbers matching ``query``, a page at a time, or runs of N in a row.

    ``toll_free_allowed``: the order has the toll-free package. Without it a toll-free search
    is refused with what to do, and local searches never return toll-free numbers. With
    nothing in stock the result says so and names the nearest blocks that have stock.
    """
    if query.toll_free and not toll_free_allowed:
        raise TollFreeNeedsPackage(
            f"Toll-free numbers are for the {TOLL_FREE_PACKAGE} package: add it under the Toll "
            "Free order type, then search again.", field="npa")
    size = page_size or conf.search_page_size()
    page = max(1, min(int(page), 10_000))
    blocks = _blocks_for(query) if query.located else None
    if blocks == []:
        message, suggestions = _not_stocked(query, None)
        return NumberSearchResult(query=query, numbers=[], page=page, message=message,
                                  suggestions=suggestions)
    where = _free(query, blocks)
    if query.consecutive:
        runs, has_next = _runs(where, length=query.consecutive, page=page,
                               per_page=max(1, min(10, MAX_SELECTION // query.consecutive)))
        numbers = [d for run in runs for d in run]
    else:
        rows = (DID.objects.filter(where).order_by("npa", "nxx", "e164")
                .only("id", "e164", "npa", "nxx", "rate_center", "region"))
        found = list(rows[(page - 1) * size: page * size + 1])
        numbers, has_next, runs = found[:size], len(found) > size, []
    facts = _facts({(d.npa, d.nxx) for d in numbers})
    if numbers or page > 1:
        return NumberSearchResult(query=query, numbers=numbers, runs=runs, page=page,
                                  has_next=has_next, blocks=facts)
    message, suggestions = _not_stocked(query, where)
    return NumberSearchResult(query=query, numbers=[], page=page, message=message,
                              suggestions=suggestions)


def _facts(prefixes: set[tuple[str, str]]) -> dict[tuple[str, str], BlockInStock]:
    """Rate center and city of the blocks on a page (one query)."""
    if not prefixes:
        return {}
    match = Q(pk__in=[])
    for npa, nxx in prefixes:
        match |= Q(npa=npa, nxx=nxx)
    return {(b.npa, b.nxx): BlockInStock(npa=b.npa, nxx=b.nxx, available=0,
                                         rate_center=b.rate_center, locality=b.locality,
                                         region=b.region)
            for b in NumberBlock.objects.filter(match)}


_RUNS_SQL = """
WITH free AS (
  SELECT id, e164, npa, nxx,
         substr(e164, 2)::bigint - row_number() OVER (PARTITION BY npa, nxx ORDER BY e164)
           AS island
    FROM ({free}) AS f
), runs AS (
  SELECT npa, nxx, island, min(e164) AS first, count(*) AS n
    FROM free GROUP BY npa, nxx, island
)
{select}
"""
_RUNS_PAGE = "SELECT first, n FROM runs WHERE n >= %s ORDER BY first LIMIT %s OFFSET %s"
_LONGEST = "SELECT coalesce(max(n), 0) FROM runs"


def _islands_sql(where: Q) -> tuple[str, list[Any]]:
    qs = DID.objects.filter(where).order_by().values("id", "e164", "npa", "nxx")
    sql, params = qs.query.sql_with_params()
    return sql, list(params)


def _runs(where: Q, *, length: int, page: int, per_page: int) -> tuple[list[list[DID]], bool]:
    """Runs of ``length`` free numbers in a row within one NPA-NXX: gaps and islands (a
    number minus its rank among the free numbers of its block is the same along a run), over
    the free numbers of the searched blocks only. Each run found offers its first ``length``
    numbers."""
    free_sql, params = _islands_sql(where)
    sql = _RUNS_SQL.format(free=free_sql, select=_RUNS_PAGE)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, length, per_page + 1, (page - 1) * per_page])
        found = cursor.fetchall()
    starts = [first for first, _n in found[:per_page]]
    wanted = [f"+{int(first[1:]) + i}" for first in starts for i in range(length)]
    by_number = {d.e164: d for d in DID.objects.filter(e164__in=wanted, state=NumberState.AVAILABLE)
                 .only("id", "e164", "npa", "nxx", "rate_center", "region")}
    runs = [[by_number[f"+{int(first[1:]) + i}"] for i in range(length)
             if f"+{int(first[1:]) + i}" in by_number] for first in starts]
    return [run for run in runs if len(run) == length], len(found) > per_page


def _longest_run(where: Q) -> int:
    free_sql, params = _islands_sql(where)
    sql = _RUNS_SQL.format(free=free_sql, select=_LONGEST)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _has(blocks: list[BlockInStock]) -> str:
    return "; ".join(f"{b.prefix} has {b.available}" for b in blocks)


def _not_stocked(query: NumberQuery, where: Q | None) -> tuple[str, list[BlockInStock]]:
    """Say what is not in stock, and where the nearest stock is: the same NPA, else the same
    state, else the largest blocks (toll-free: the other toll-free NPAs)."""
    what = query.label
    if query.consecutive and where is not None:
        longest = _longest_run(where)
        if longest:
            return (f"No {query.consecutive} numbers in a row in {what}; the longest run there "
                    f"is {longest}. Ask for fewer in a row, or search another block.", [])
    exclude = (query.npa, query.nxx)
    suggestions: list[BlockInStock] = []
    by_size = "s.n DESC, s.npa, s.nxx"
    if query.toll_free:
        suggestions = blocks_in_stock(toll_free=True, limit=5)
    else:
        local = "NOT (s.npa = ANY(%s))"
        if query.npa:
            suggestions = _stock(where="npa = %s", params=(query.npa,), order=by_size, limit=6)
        state = query.state or (_state_of(query.npa) if query.npa else "")
        if not [b for b in suggestions if (b.npa, b.nxx) != exclude] and state:
            suggestions = _stock(block_where=f"WHERE b.region = %s AND {local}",
                                 block_params=(state, sorted(TOLL_FREE_NPAS)), order=by_size,
                                 limit=6)
        if not [b for b in suggestions if (b.npa, b.nxx) != exclude]:
            suggestions = _stock(where="NOT (npa = ANY(%s))", params=(sorted(TOLL_FREE_NPAS),),
                                 order=by_size, limit=5)
    suggestions = [b for b in suggestions if (b.npa, b.nxx) != exclude][:5]
    kind = "toll-free numbers" if query.toll_free else "numbers"
    text = f"No {kind} in stock in {what}"
    if query.consecutive:
        text = f"No {query.consecutive} {kind} in a row in {what}"
    if suggestions:
        return f"{text}; {_has(suggestions)}.", suggestions
    return f"{text}, and none elsewhere. Enter the number of backordered DIDs.", []


def _state_of(npa: str) -> str:
    return (NumberBlock.objects.filter(npa=npa).exclude(region="")
            .values_list("region", flat=True).first() or "")
