"""The search bar's engine: accounts by name, ranked, scoped to the user's partner.

Raw SQL on purpose (see the statements below): the ranking reads a few index streams and
stops early, which the ORM cannot express.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

import psycopg
from django.db import connection, transaction

from orion.accounts.models import User
from orion.core.prepared import GENERIC_PLANS, prepared_cursor, prepared_execute

SEARCH_MAX_QUERY = 80

# Matches are ranked within windows of this many consecutive rows of an index's stream (see
# ``account_search``). The prefix stream comes from index-only scans and is cheap, so its
# window is wider (it ranks the usual prefix exactly: a surname's accounts; 200 made a common
# surname's first page cost 1.1 ms of numbering and sorting, 1000 cost 5 ms); the contains
# streams fetch heap rows, and a GIN bitmap heap scan that stops after 30 rows instead of 100
# cut the mix's p95 by a third (issue 20): page 1 then ranks the first 30 matches per table.
PREFIX_WINDOW = 50
CONTAINS_WINDOW = 30


@dataclass(frozen=True)
class AccountHit:
    """One row of the search results table."""

    role: str  # "Enterprise" or "Customer"
    id: int
    name: str
    enterprise_id: int
    enterprise_name: str
    city: str
    partner_name: str
    status: str  # Customer.status; an enterprise is Active or Disconnected (cancelled
    # ones are not shown); a disconnected customer stays findable, marked Disconnected
    domain: str  # the group's default domain (Customer.group_domain), the enterprise's

    @property
    def url(self) -> str:
        kind = "enterprises" if self.role == "Enterprise" else "customers"
        return f"/{kind}/{self.id}/"


@dataclass(frozen=True)
class SearchPage:
    query: str
    hits: list[AccountHit]
    page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --------------------------------------------------------------------------- the statements
#
# Every statement reads, per table, one index stream in a fixed order and stops after
# %(fetch)s rows (LIMIT); it then numbers the rows of each table's stream and ranks the fetched
# rows by tier and window (stream row number // window size), then shorter name, name in any
# case, Enterprise before Customer, name, id. The partner condition sits in every arm, inside
# the index scans (the indexes lead with or contain partner_id), never after the LIMIT.

# Tiers 1 and 2: names equal to the query (any case), then names starting with it. One range
# scan of a lower(name) text_pattern_ops B-tree, read from the index alone (INCLUDE id, name);
# the exact matches come first in that range. The range is spelled out (``low``/``high``, what
# the planner derives from a constant LIKE prefix) so that the prepared statement's generic
# plan, made once per connection, still scans just that range.
_PREFIX_SQL = """
SELECT role, id, 0, 0 FROM (
    (SELECT 'Enterprise' AS role, e.id, e.name,
            (row_number() OVER (ORDER BY lower(e.name) USING ~<~, e.id) - 1)
                / %(window)s::int AS win
       FROM accounts_enterprise e
      WHERE lower(e.name) ~>=~ lower(%(query)s::text)
        AND lower(e.name) ~<~ (lower(%(query)s::text) || chr(1114111))
        AND lower(e.name) LIKE lower(%(prefix)s) {scope_e}
      ORDER BY lower(e.name) USING ~<~, e.id LIMIT %(fetch)s::int)
    UNION ALL
    (SELECT 'Customer', c.id, c.name,
            (row_number() OVER (ORDER BY lower(c.name) USING ~<~, c.id) - 1) / %(window)s::int
       FROM accounts_customer c
      WHERE lower(c.name) ~>=~ lower(%(query)s::text)
        AND lower(c.name) ~<~ (lower(%(query)s::text) || chr(1114111))
        AND lower(c.name) LIKE lower(%(prefix)s) {scope_c}
      ORDER BY lower(c.name) USING ~<~, c.id LIMIT %(fetch)s::int)
) candidates
ORDER BY win, lower(name) <> lower(%(query)s), length(name), lower(name), role DESC, name, id
LIMIT %(wanted)s::int
"""

# Tiers 3 and 4: the query at the start of a later word (after a space), then anywhere else.
# The GIN trigram index narrows the rows with a few words of the query (``{keys}``: a long
# query's every trigram would make the index scan itself the slow part); the lower(name)
# conditions then decide exactly. The stream order is the heap's physical order (ctid), which
# is the order a bitmap heap scan returns rows in: the scans are kept to bitmap scans.
_CONTAINS_SQL = """
SELECT role, id, fullest_stream, thinnest_stream FROM (
    SELECT role, id, name, inside,
           greatest(count(*) FILTER (WHERE role = 'Enterprise') OVER (),
                    count(*) FILTER (WHERE role = 'Customer') OVER ()) AS fullest_stream,
           least(count(*) FILTER (WHERE role = 'Enterprise') OVER (),
                 count(*) FILTER (WHERE role = 'Customer') OVER ()) AS thinnest_stream,
           (row_number() OVER (PARTITION BY role, inside ORDER BY row_position) - 1)
               / %(window)s::int AS win
      FROM (
        (SELECT 'Enterprise' AS role, e.id, e.name, e.ctid AS row_position,
                lower(e.name) NOT LIKE lower(%(word)s) AS inside
           FROM accounts_enterprise e
          WHERE {keys_e} AND lower(e.name) LIKE lower(%(pattern)s)
            AND lower(e.name) NOT LIKE lower(%(prefix)s) {tier_e} {scope_e}
          LIMIT %(fetch)s::int)
        UNION ALL
        (SELECT 'Customer', c.id, c.name, c.ctid,
                lower(c.name) NOT LIKE lower(%(word)s)
           FROM accounts_customer c
          WHERE {keys_c} AND lower(c.name) LIKE lower(%(pattern)s)
            AND lower(c.name) NOT LIKE lower(%(prefix)s) {tier_c} {scope_c}
          LIMIT %(fetch)s::int)
      ) streams
) candidates
ORDER BY inside, win, length(name), lower(name), role DESC, name, id
LIMIT %(wanted)s::int
"""
_CONTAINS_TIERS = {
    "word": "AND lower({t}.name) LIKE lower(%(word)s)",
    "inside": "AND lower({t}.name) NOT LIKE lower(%(word)s)",
    "contains": "",  # both at once, for queries expected to match few accounts
}
SEARCH_STATEMENTS = ("prefix", *_CONTAINS_TIERS)

# Keep the contains streams in physical order whatever the planner estimates: bitmap scans
# only (no index-ordered or parallel scans, no synchronised seq scans). The prefix statement
# orders explicitly and needs none of this.
_CONTAINS_SETTINGS = {
    "enable_indexscan": "off", "enable_indexonlyscan": "off", "enable_seqscan": "off",
    "max_parallel_workers_per_gather": "0", "synchronize_seqscans": "off",
}

# How dense the matches are at the start of each table's physical order: the matching rows of
# its first PROBE_PAGES pages (a TID range scan, a few hundred rows). See ``_dense_bounds``.
# It runs only when the prefix statement (the same round trip) cannot fill the page: a
# one-time filter counts the prefix matches, up to the page, from the index alone (0.03 ms
# against the probe's 0.6). Word starts (tier 3) are counted apart: a query found mostly
# inside words ("rontier") has few of them, and a dense tier 3 predicted from all the
# matches read pages in vain.
_PROBE_SQL = """
SELECT e.found, e.word, c.found, c.word,
       (SELECT relpages FROM pg_class WHERE oid = 'accounts_enterprise'::regclass),
       (SELECT relpages FROM pg_class WHERE oid = 'accounts_customer'::regclass)
  FROM (SELECT count(*) AS found,
               count(*) FILTER (WHERE lower(e.name) LIKE lower(%(word)s)) AS word
          FROM accounts_enterprise e
         WHERE e.ctid < %(probe)s::tid AND lower(e.name) LIKE lower(%(pattern)s) {scope_e}) e,
       (SELECT count(*) AS found,
               count(*) FILTER (WHERE lower(c.name) LIKE lower(%(word)s)) AS word
          FROM accounts_customer c
         WHERE c.ctid < %(probe)s::tid AND lower(c.name) LIKE lower(%(pattern)s) {scope_c}) c
 WHERE (SELECT count(*) FROM (
          (SELECT FROM accounts_enterprise e
            WHERE lower(e.name) ~>=~ lower(%(query)s::text)
              AND lower(e.name) ~<~ (lower(%(query)s::text) || chr(1114111))
              AND lower(e.name) LIKE lower(%(prefix)s) {scope_e} LIMIT %(wanted)s::int)
          UNION ALL
          (SELECT FROM accounts_customer c
            WHERE lower(c.name) ~>=~ lower(%(query)s::text)
              AND lower(c.name) ~<~ (lower(%(query)s::text) || chr(1114111))
              AND lower(c.name) LIKE lower(%(prefix)s) {scope_c} LIMIT %(wanted)s::int)
        ) prefix_matches) < %(wanted)s::int
"""
PROBE_PAGES = 8
# A dense statement reads at most this many heap pages of each table, and only when the
# GIN scan it replaces would collect at least DENSE_MATCHES_PER_PAGE matches per page read
# (the probe's estimate): reading a page checks ~100 names, a GIN match costs much less.
DENSE_MAX_PAGES = 1024
DENSE_MATCHES_PER_PAGE = 10

_HITS_SQL = """
SELECT 'Enterprise', e.id, e.name, e.id, e.name, '', p.name,
       CASE WHEN e.disconnected_at IS NULL THEN 'Active' ELSE 'Disconnected' END,
       e.default_domain
  FROM accounts_enterprise e JOIN accounts_partner p ON p.id = e.partner_id
 WHERE e.id = ANY(%(enterprise_ids)s::bigint[]) AND e.cancelled_at IS NULL {scope_e}
UNION ALL
SELECT 'Customer', c.id, c.name, e.id, e.name, c.city, p.name,
       CASE WHEN c.disconnected_at IS NOT NULL THEN 'Disconnected'
            WHEN c.activated_at IS NULL THEN 'Pending' ELSE 'Active' END,
       coalesce(nullif(c.domain, ''), e.default_domain)
  FROM accounts_customer c
  JOIN accounts_enterprise e ON e.id = c.enterprise_id
  JOIN accounts_partner p ON p.id = c.partner_id
 WHERE c.id = ANY(%(customer_ids)s::bigint[]) AND c.cancelled_at IS NULL {scope_c}
"""

# A run of three letters or digits: pg_trgm needs one to narrow a GIN scan. Queries without
# one (short queries, "A & B") search name prefixes only instead of scanning the whole index.
_TRIGRAM_RUN = re.compile(r"[^\W_]{3,}")
_INDEX_KEY_WORDS = 3
_INDEX_KEY_TRIGRAMS = 3


def _scope(scoped: bool) -> dict[str, str]:
    return {f"scope_{t}": f"AND {t}.partner_id = %(partner_id)s::bigint" if scoped else ""
            for t in "ec"}


def search_sql(*, scoped: bool, statement: str, keys: int = 1, dense: bool = False) -> str:
    """The SQL of one search statement (``SEARCH_STATEMENTS``), with ``search_params``.

    ``dense``: the same statement reading each table's first pages in physical order (a TID
    range scan up to ``bound_e`` / ``bound_c``) instead of the GIN index; see account_search.
    Public so that a test and the benchmark can EXPLAIN exactly what the search runs.
    """
    if statement == "prefix":
        return _PREFIX_SQL.format(**_scope(scoped))
    tier = _CONTAINS_TIERS[statement]
    if dense:
        keys_e, keys_c = "e.ctid < %(bound_e)s::tid", "c.ctid < %(bound_c)s::tid"
    else:
        keys_e = " AND ".join(f"e.name ILIKE %(key{i})s" for i in range(keys))
        keys_c = " AND ".join(f"c.name ILIKE %(key{i})s" for i in range(keys))
    return _CONTAINS_SQL.format(keys_e=keys_e, keys_c=keys_c, tier_e=tier.format(t="e"),
                                tier_c=tier.format(t="c"), **_scope(scoped))


def search_params(*, query: str, statement: str, wanted: int, partner_id: int | None) -> dict:
    """Parameters of ``search_sql``: the first ``wanted`` rows of the statement, ranked."""
    window = PREFIX_WINDOW if statement == "prefix" else CONTAINS_WINDOW
    escaped = _like_escape(query)
    params = {
        "query": query,
        "prefix": f"{escaped}%",
        "word": f"% {escaped}%",
        "pattern": f"%{escaped}%",
        "window": window,
        "fetch": -(-wanted // window) * window,  # whole windows: see account_search
        "wanted": wanted,
        "partner_id": partner_id,
    }
    keys = _index_keys(query, word_start=statement == "word")
    params.update({f"key{i}": key for i, key in enumerate(keys)})
    return params


def _index_keys(query: str, *, word_start: bool) -> list[str]:
    """ILIKE patterns that every match of the statement satisfies, to narrow the GIN scan.

    The three likely-rarest of two trigrams of each of the query's first three words (every
    key costs a posting list read: all the trigrams of a long query make the index scan
    itself the slow part, 14 ms against 0.4 ms at a million accounts), the padded start or
    end of its two-letter
    words ("Frontier Th": a word starting with "th"; pg_trgm indexes word boundaries), and for
    tier 3 the query's start after a blank. The statement checks the whole query afterwards.
    """
    escape = _like_escape
    runs = list(_TRIGRAM_RUN.finditer(query))[:_INDEX_KEY_WORDS]
    trigrams = sorted(dict.fromkeys(t for run in runs for t in _key_trigrams(run.group())),
                      key=_commonness)[:_INDEX_KEY_TRIGRAMS]
    keys = [f"%{escape(t)}%" for t in trigrams]
    for word in _SHORT_WORD.finditer(query):
        start, end = word.span()
        if start > 0 and query[start - 1] == " ":
            keys.append(f"% {escape(word.group())}%")
        elif end < len(query) and query[end] == " ":
            keys.append(f"%{escape(word.group())} %")
    if word_start and runs:
        keys.append(f"% {escape(query[:runs[0].start() + 2])}%")
    return keys


_SHORT_WORD = re.compile(r"(?<![^\W_])[^\W_]{2}(?![^\W_])")


# English letters from the most to the least frequent: a trigram of rare letters is likely
# rare in names too, and a GIN scan costs about the length of its trigrams' posting lists.
_COMMON_LETTERS = "etaoinsrhldcumfpgwybvkxjqz"


def _key_trigrams(word: str, count: int = 2) -> list[str]:
    """The ``count`` trigrams of ``word`` likely to be rarest: what narrows the GIN scan."""
    word = word.lower()
    trigrams = list(dict.fromkeys(word[i:i + 3] for i in range(len(word) - 2)))
    return sorted(trigrams, key=_commonness)[:count]


def _commonness(trigram: str) -> int:
    return sum(len(_COMMON_LETTERS) - _COMMON_LETTERS.index(ch)
               for ch in trigram.lower() if ch in _COMMON_LETTERS)


def search_statements(query: str) -> list[str]:
    """The statements a query runs, in order, until the page is full (see account_search)."""
    if not _TRIGRAM_RUN.search(query):
        return ["prefix"]
    # Tiers 3 and 4 at once first (the cheap query: most queries match fewer accounts than a
    # window, and then one GIN scan finds them all); apart only when that was not complete.
    return ["prefix", "contains", "word", "inside"]


# ------------------------------------------------------------------------------ the search


def account_search(*, user: User, query: str, page: int = 1, page_size: int = 25) -> SearchPage:
    """Accounts whose name contains ``query`` (any case, partial words), best matches first.

    A partner's user sees only that partner's accounts; provider staff see all.

    Ranking: (1) the name equals the query, (2) the name starts with it, (3) a later word of
    the name starts with it, (4) it occurs inside a word; inside a tier shorter names first,
    then alphabetical. Queries without three letters or digits in a row search (1) and (2)
    only: the trigram index cannot narrow them.

    Trade-off: a common word ("LLC") matches tens of thousands of accounts, and ranking all of
    them costs a heap fetch and a sort of each, which made the search slow. So the tiers run
    one after another and stop once the page is full (a query its prefixes answer never
    touches the trigram index), and each tier reads its index stream in a fixed order (tiers 1
    and 2: the lower(name) B-tree's order; tiers 3 and 4: the rows' physical order) and ranks
    the matches of each table only within consecutive windows of that stream (PREFIX_WINDOW,
    CONTAINS_WINDOW rows), fetching just the windows the page needs. A tier with fewer
    matches than a window, the usual case, is ranked exactly; in a bigger one, page 1 shows the
    best names of the first window, not necessarily the shortest of all. Tiers never mix (all
    of tier 2 precedes tier 3, and so on), except that an enterprise name equal to the query
    beyond the first PREFIX_WINDOW matches would rank with its window. The order is a fixed
    total order of the matches, so pages never overlap or skip a row (while the accounts do
    not change between two requests), and has_next is exact. Tiers 3 and 4 are tried in one
    statement first (the cheap query): when that finds them complete, it saves an index scan;
    it is skipped when a probe of the tables' first pages already shows more matches.

    Speed: every statement is prepared once per connection with a generic plan (planning was
    about 40 % of a search); a common word's tiers read the tables' first pages in physical
    order instead of collecting every match from the GIN index (``_dense_bounds``), which
    returns the same rows.
    """
    query = " ".join((query or "").split())[:SEARCH_MAX_QUERY]
    page = max(1, page)
    if not query or not user.is_authenticated:
        return SearchPage(query=query, hits=[], page=page, has_next=False)
    scoped = not user.is_provider_staff
    if scoped and user.partner_id is None:
        return SearchPage(query=query, hits=[], page=page, has_next=False)
    offset = (page - 1) * page_size
    wanted = offset + page_size + 1  # one more row than the page tells whether there is a next
    keys: list[tuple[str, int]] = []
    saved: dict[str, str] = {}
    outer = connection.in_atomic_block
    # Inside the caller's transaction: a savepoint. Otherwise the search's own transaction,
    # opened and committed in the pipelines of its first and last round trips.
    own = not outer and connection.get_autocommit()
    cursor = prepared_cursor()
    with (nullcontext() if own else transaction.atomic()), _rolled_back_on_error(cursor, own=own):
        # Every statement below is prepared once per connection and planned once (generic
        # plans: their SQL is written for it), which saves most of a search's time.
        statements = search_statements(query)
        first = _first_trip(cursor, query=query, scoped=scoped, partner_id=user.partner_id,
                            wanted=wanted, contains=len(statements) > 1, begin=own)
        saved, prefix_rows, density = first
        for statement in statements:
            if statement == "prefix":
                keys.extend((role, pk) for role, pk, *_ in prefix_rows)
                if len(keys) >= wanted:
                    break
                continue
            params = search_params(query=query, statement=statement,
                                   wanted=wanted - len(keys), partner_id=user.partner_id)
            rows = None
            # No probe (the prefix matched as many as the page when it ran, and fewer when
            # the prefix statement read them a moment later): GIN statements only.
            if (statement == "contains" and density is not None
                    and density.expects_more_than(params["fetch"])):
                continue
            bounds = (_dense_bounds(density, statement=statement, fetch=params["fetch"])
                      if density is not None else {})
            if bounds:
                dense = _run(cursor, search_sql(scoped=scoped, statement=statement,
                                                dense=True), params | bounds)
                if dense and dense[0][3] >= params["fetch"]:  # both streams full
                    if statement == "contains":
                        continue  # tiers 3 and 4 are not complete together
                    rows = dense  # what the GIN scan returns first, read directly
            if rows is None:
                rows = _run(cursor, search_sql(
                    scoped=scoped, statement=statement,
                    keys=sum(name.startswith("key") for name in params)), params)
            if statement == "contains":
                # Tiers 3 and 4 together: only usable if both streams ended before the LIMIT.
                if rows and rows[0][2] >= params["fetch"]:
                    continue
                keys.extend((role, pk) for role, pk, *_ in rows)
                break
            keys.extend((role, pk) for role, pk, *_ in rows)
            if len(keys) >= wanted:
                break
        hits = _hits(cursor, keys[offset:offset + page_size], scoped=scoped,
                     partner_id=user.partner_id, commit=own)  # by id: bitmap scans serve it
        if outer:  # SET LOCAL outlives a savepoint: the caller's values back (at
            _settings_apply(cursor, saved)  # the outermost level COMMIT ends them)
    return SearchPage(query=query, hits=hits, page=page, has_next=len(keys) > offset + page_size)


def search_plans(*, user: User, query: str, analyze: bool = False,
                 wanted: int = 26) -> dict[str, str]:
    """EXPLAIN of every statement ``query`` can run, with the settings the search uses.

    For tests and the benchmark: proof of which index serves which tier. Rolls back.
    """
    query = " ".join(query.split())[:SEARCH_MAX_QUERY]
    scoped = not user.is_provider_staff
    plans = {}
    cursor = prepared_cursor()
    with transaction.atomic():
        for statement in search_statements(query):
            if statement != "prefix":
                _settings_apply(cursor, _CONTAINS_SETTINGS)
            params = search_params(query=query, statement=statement, wanted=wanted,
                                   partner_id=user.partner_id)
            sql = search_sql(scoped=scoped, statement=statement,
                             keys=sum(name.startswith("key") for name in params))
            cursor.execute(f"EXPLAIN ({'ANALYZE, BUFFERS' if analyze else 'COSTS'}) {sql}",
                           params)
            plans[statement] = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plans


@contextmanager
def _rolled_back_on_error(cursor: psycopg.Cursor[Any], *, own: bool) -> Iterator[None]:
    """The search's own transaction (``own``) is rolled back if anything fails in it."""
    try:
        yield
    except BaseException:
        raw = cursor.connection
        if own and not raw.closed and (raw.info.transaction_status
                                       != psycopg.pq.TransactionStatus.IDLE):
            raw.execute("ROLLBACK")
        raise


def _first_trip(cursor: psycopg.Cursor[Any], *, query: str, scoped: bool,
                partner_id: int | None, wanted: int, contains: bool, begin: bool,
                ) -> tuple[dict[str, str], list[tuple[Any, ...]], _Density | None]:
    """One round trip (a psycopg pipeline): generic plans on, the prefix statement, and for
    queries that may reach tiers 3 and 4 their settings and the density probe.

    Returns the settings replaced, the prefix rows and the probe (None when the prefix fills
    the page). On a busy machine every round trip waits for the server process to be
    scheduled: sending these statements together saves three such waits.
    """
    raw = cursor.connection
    prefix_params = search_params(query=query, statement="prefix", wanted=wanted,
                                  partner_id=partner_id)
    settings = [GENERIC_PLANS, *([_CONTAINS_SETTINGS] if contains else [])]
    with raw.pipeline():
        if begin:
            cursor.execute("BEGIN")
        set_cursors = [psycopg.Cursor(raw) for _ in settings]
        prefix, probe = psycopg.Cursor(raw), psycopg.Cursor(raw)
        _settings_send(set_cursors[0], settings[0])
        prepared_execute(prefix, search_sql(scoped=scoped, statement="prefix"), prefix_params)
        if contains:
            _settings_send(set_cursors[1], settings[1])
            prepared_execute(probe, _PROBE_SQL.format(**_scope(scoped)),
                             {**prefix_params, "probe": f"({PROBE_PAGES},0)"})
    saved: dict[str, str] = {}
    for set_cursor, wanted_settings in zip(set_cursors, settings, strict=True):
        row = set_cursor.fetchone()
        assert row is not None
        saved |= {name: row[2 * i] for i, name in enumerate(wanted_settings)}
    density = None
    found = probe.fetchone() if contains else None
    if found is not None:  # None: the prefix fills the page (the probe's filter)
        density = _Density(found=(int(found[0]), int(found[2])),
                           word=(int(found[1]), int(found[3])),
                           pages=(int(found[4]), int(found[5])))
    return saved, prefix.fetchall(), density


def _settings_send(cursor: psycopg.Cursor[Any], settings: dict[str, str]) -> None:
    names = list(settings)
    prepared_execute(
        cursor,
        "SELECT " + ", ".join("current_setting(%s::text), set_config(%s::text, %s::text, true)"
                              for _ in names),
        [value for name in names for value in (name, name, settings[name])])


def _run(cursor: psycopg.Cursor[Any], sql: str,
         params: dict[str, Any]) -> list[tuple[Any, ...]]:
    prepared_execute(cursor, sql, params)
    return cursor.fetchall()


@dataclass(frozen=True)
class _Density:
    """Matches of the query in the first PROBE_PAGES pages of each table, and its pages."""

    found: tuple[int, int]  # enterprises, customers
    word: tuple[int, int]  # of those, at the start of a later word (tier 3)
    pages: tuple[int, int]

    def of(self, statement: str) -> tuple[int, int]:
        """The probe's matches of ``statement`` (its tiers), per table."""
        if statement == "word":
            return self.word
        if statement == "inside":
            return (self.found[0] - self.word[0], self.found[1] - self.word[1])
        return self.found

    def expects_more_than(self, rows: int) -> bool:
        """Both tables likely hold more than ``rows`` matches (so tiers 3 and 4 together
        would not be complete: that statement is skipped)."""
        return all(found * max(pages, 1) >= 2 * rows * PROBE_PAGES
                   for found, pages in zip(self.found, self.pages, strict=True))


def _dense_bounds(density: _Density, *, statement: str, fetch: int) -> dict[str, str]:
    """TID bounds for the dense form of a contains statement, or {} when the GIN scan is better.

    A common word ("LLC", one name in twelve) has tens of thousands of matches: a GIN bitmap
    scan first collects all of them (10-15 ms at a million accounts) although the statement
    keeps only its first ``fetch`` rows in physical order. When the probe says those rows lie
    in each table's first few hundred pages, reading those pages in physical order (a TID
    range scan) returns exactly the same rows, for a fraction of the cost; a dense statement
    that does not fill both streams is ignored and the GIN statement runs after all.
    """
    bounds = {}
    for table, found, relpages in zip("ec", density.of(statement), density.pages, strict=True):
        if not found:
            return {}
        pages = 4 * -(-fetch * PROBE_PAGES // found)  # 4x the pages the probe predicts
        matches = found * max(relpages, 1) / PROBE_PAGES  # what the GIN scan would collect
        if pages > DENSE_MAX_PAGES or pages * DENSE_MATCHES_PER_PAGE > matches:
            return {}
        bounds[f"bound_{table}"] = f"({pages},0)"
    return bounds


def _settings_apply(cursor: psycopg.Cursor[Any], settings: dict[str, str]) -> dict[str, str]:
    """SET LOCAL ``settings`` in one round trip; returns the values they replace."""
    names = list(settings)
    _settings_send(cursor, settings)
    row = cursor.fetchone()
    assert row is not None
    return {name: row[2 * i] for i, name in enumerate(names)}


def _hits(cursor: psycopg.Cursor[Any], keys: list[tuple[str, int]], *, scoped: bool,
          partner_id: int | None, commit: bool) -> list[AccountHit]:
    """The display rows of the page's accounts (joined only now, for at most a page); with
    ``commit``, the search's own transaction ends in the same round trip."""
    raw = cursor.connection
    with raw.pipeline():
        if keys:
            prepared_execute(cursor, _HITS_SQL.format(**_scope(scoped)), {
                "enterprise_ids": [pk for role, pk in keys if role == "Enterprise"],
                "customer_ids": [pk for role, pk in keys if role == "Customer"],
                "partner_id": partner_id,
            })
        if commit:
            psycopg.Cursor(raw).execute("COMMIT")
    if not keys:
        return []
    by_key = {(row[0], row[1]): AccountHit(*row) for row in cursor.fetchall()}
    return [by_key[key] for key in keys if key in by_key]
