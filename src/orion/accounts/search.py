"""The search bar's engine: accounts by name, ranked, scoped to the user's partner.

Raw SQL on purpose (see the statements below): the ranking reads a few index streams and
stops early, which the ORM cannot express.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import psycopg
from django.db import connection, transaction

from orion.accounts.models import User
from orion.core.prepared import (
    GENERIC_PLANS,
    positional,
    prepared_cursor,
    prepared_execute,
    prepared_raw_cursor,
)

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
_PREFIX_CANDIDATES = """
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
"""
_PREFIX_ORDER = ("win, lower(name) <> lower(%(query)s), length(name), lower(name), role DESC, "
                 "name, id")
# (Constants joined: no value is ever part of the text.)
_PREFIX_SQL = ("SELECT role, id, 0, 0 FROM (" + _PREFIX_CANDIDATES  # noqa: S608
               + ") candidates\nORDER BY " + _PREFIX_ORDER + "\nLIMIT %(wanted)s::int\n")

# Tiers 3 and 4: the query at the start of a later word (after a space), then anywhere else.
# The GIN trigram index narrows the rows with a few words of the query (``{keys}``: a long
# query's every trigram would make the index scan itself the slow part); the lower(name)
# conditions then decide exactly. The stream order is the heap's physical order (ctid), which
# is the order a bitmap heap scan returns rows in: the scans are kept to bitmap scans.
_CONTAINS_STREAMS = """
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
"""
_CONTAINS_ORDER = "inside, win, length(name), lower(name), role DESC, name, id"
_CONTAINS_SQL = ("SELECT role, id, fullest_stream, thinnest_stream FROM ("  # noqa: S608
                 + _CONTAINS_STREAMS
                 + ") candidates\nORDER BY " + _CONTAINS_ORDER + "\nLIMIT %(wanted)s::int\n")
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
_PROBE_COUNTS = """
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
"""
_PROBE_SQL = _PROBE_COUNTS + """ WHERE (SELECT count(*) FROM (
          (SELECT FROM accounts_enterprise e
            WHERE lower(e.name) ~>=~ lower(%(query)s::text)
              AND lower(e.name) ~<~ (lower(%(query)s::text) || chr(1114111))
              AND lower(e.name) LIKE lower(%(prefix)s) {scope_e} LIMIT %(wanted)s::int)
          UNION ALL
          (SELECT FROM accounts_customer c
            WHERE lower(c.name) ~>=~ lower(%(query)s::text)
              AND lower(c.name) ~<~ (lower(%(query)s::text) || chr(1114111))
              AND lower(c.name) LIKE lower(%(prefix)s) {scope_c} LIMIT %(wanted)s::int)
        ) prefix_matches) < %(wanted)s::int AND {big}
"""  # noqa: S608
PROBE_PAGES = 8
# The probe runs only on tables of at least this many pages together (their size now, not the
# statistics): below, a common word's GIN scan costs less than the probe itself (at 100,000
# accounts, 2,900 pages, the probe was half of a typical search's server time), and tiers 3
# and 4 read the GIN index without asking.
PROBE_MIN_PAGES = 8192
_BIG = ("(pg_relation_size('accounts_enterprise') + pg_relation_size('accounts_customer')) "
        "/ current_setting('block_size')::int >= %(probe_min_pages)s::bigint")
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

# The first page in one round trip (``_one_trip``): tiers 1 and 2, and when they cannot fill
# the page the probe and tiers 3 and 4 together, then the page's display rows, as one
# statement built from the statements above. Most searches end here: their tiers 3 and 4
# have fewer matches than a window. The probe's verdict gates the tiers 3 and 4 arm (a
# one-time filter: a common word's GIN scan never runs here); when that arm was skipped or
# found more than a window, the statement returns what it read (the prefix rows, the probe)
# and ``account_search`` goes on with the tier statements from there. Hits are joined only
# for a complete page.
_ONE_TRIP_SQL = """
WITH prefix AS MATERIALIZED (
    SELECT role, id, row_number() OVER (ORDER BY {prefix_order}) AS ord
      FROM ({prefix_candidates}) candidates
     ORDER BY ord LIMIT %(wanted)s::int),
{contains_ctes}final AS (
    SELECT role, id, ord FROM prefix{contains_final}),
page AS (
    SELECT role, id, ord FROM final
     WHERE ord > %(offset)s::int AND ord <= %(offset)s::int + %(page_size)s::int)
SELECT complete, (SELECT count(*) FROM final),
       (SELECT json_agg(json_build_array(role, id) ORDER BY ord) FROM prefix),
       {probe_json}, {contains_ran},
       CASE WHEN complete THEN
           (SELECT json_agg(json_build_array(role, id) ORDER BY ord) FROM page) END,
       CASE WHEN complete THEN (SELECT json_agg(json_build_array(
           h.role, h.id, h.name, h.enterprise_id, h.enterprise_name, h.city, h.partner_name,
           h.status, h.domain)) FROM ({hits}) AS h(role, id, name, enterprise_id,
           enterprise_name, city, partner_name, status, domain)) END
  FROM (SELECT {complete} AS complete) verdict
"""
_ONE_TRIP_CONTAINS = """big AS MATERIALIZED (SELECT {big} AS yes),
probe (e_found, e_word, c_found, c_word, e_pages, c_pages) AS MATERIALIZED (
    {probe_counts} WHERE (SELECT count(*) FROM prefix) < %(wanted)s::int
                     AND (SELECT yes FROM big)),
ran AS MATERIALIZED (
    SELECT (SELECT count(*) FROM prefix) < %(wanted)s::int
           AND coalesce((SELECT NOT (e_found * greatest(e_pages, 1) >= %(dense_rows)s::bigint
                                     AND c_found * greatest(c_pages, 1) >= %(dense_rows)s::bigint)
                           FROM probe), NOT (SELECT yes FROM big)) AS yes),
contains AS MATERIALIZED (
    SELECT role, id, fullest_stream, row_number() OVER (ORDER BY {contains_order}) AS ord
      FROM ({contains_streams}) candidates
     WHERE (SELECT yes FROM ran)
     ORDER BY ord LIMIT %(wanted)s::int),
"""
_ONE_TRIP_CONTAINS_FINAL = """
    UNION ALL
    SELECT role, id, ord + (SELECT count(*) FROM prefix) FROM contains
     WHERE ord <= %(wanted)s::int - (SELECT count(*) FROM prefix)"""
_ONE_TRIP_CONTAINS_COMPLETE = (
    "(SELECT count(*) FROM prefix) >= %(wanted)s::int OR ((SELECT yes FROM ran) "
    "AND coalesce((SELECT max(fullest_stream) FROM contains), 0) < %(contains_fetch)s::int)")
# Its settings with tiers 3 and 4: theirs, with index scans kept on for tiers 1 and 2 (which
# walk the B-tree in name order). The contains arms are used here only when complete, and a
# complete stream holds every match whatever the scan's order, so their plan decides only the
# cost: the GIN bitmap scan (no B-tree can narrow '%q%'; no sequential scan).
_ONE_TRIP_SETTINGS = {**GENERIC_PLANS, **_CONTAINS_SETTINGS, "enable_indexscan": "on",
                      "enable_indexonlyscan": "on"}
# GIN keys of the one-trip statement at most (a statement of its own per count, as the tier
# statements have: padding the keys with repeats made the recheck of every candidate row
# evaluate them all); a query with more (many two-letter words) runs the tier statements.
ONE_TRIP_KEYS = 6
ONE_TRIP = "one trip"  # its name in ``search_plans``


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


@cache
def one_trip_sql(*, scoped: bool, contains: bool, keys: int = 0) -> str:
    """The SQL of the one-trip first page (``_ONE_TRIP_SQL``), with ``one_trip_params``.

    ``contains``: with the probe and tiers 3 and 4 (queries with a run of three letters or
    digits) and ``keys`` GIN keys; without, tiers 1 and 2 are the whole search. Public for
    the tests' EXPLAIN.
    """
    scope = _scope(scoped)
    hits = (_HITS_SQL.replace("%(enterprise_ids)s", "(SELECT array_agg(id) FROM page "
                                                    "WHERE role = 'Enterprise')")
            .replace("%(customer_ids)s", "(SELECT array_agg(id) FROM page "
                                         "WHERE role = 'Customer')"))
    parts = {"prefix_order": _PREFIX_ORDER, "prefix_candidates": _PREFIX_CANDIDATES,
             "hits": hits, "contains_ctes": "", "contains_final": "",
             "probe_json": "NULL::json", "contains_ran": "false", "complete": "true"}
    if contains:
        matches = " AND ".join(f"{{t}}.name ILIKE %(key{i})s" for i in range(keys))
        streams = (_CONTAINS_STREAMS.replace("%(window)s", "%(contains_window)s")
                   .replace("%(fetch)s", "%(contains_fetch)s")
                   .format(keys_e=matches.format(t="e"), keys_c=matches.format(t="c"),
                           tier_e="", tier_c="", scope_e="{scope_e}", scope_c="{scope_c}"))
        parts |= {
            "contains_ctes": _ONE_TRIP_CONTAINS.format(
                big=_BIG, probe_counts=_PROBE_COUNTS, contains_order=_CONTAINS_ORDER,
                contains_streams=streams, scope_e="{scope_e}", scope_c="{scope_c}"),
            "contains_final": _ONE_TRIP_CONTAINS_FINAL,
            "probe_json": "(SELECT json_build_array(e_found, e_word, c_found, c_word, "
                          "e_pages, c_pages) FROM probe)",
            "contains_ran": "(SELECT yes FROM ran)",
            "complete": _ONE_TRIP_CONTAINS_COMPLETE,
        }
    return _ONE_TRIP_SQL.format(**{**parts, **scope}).format(**scope)


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
    if statement != "prefix":  # tiers 1 and 2 read the B-tree, without GIN keys
        keys = _index_keys(query, word_start=statement == "word")
        params.update({f"key{i}": key for i, key in enumerate(keys)})
    return params


def one_trip_params(*, query: str, contains: bool, wanted: int, offset: int, page_size: int,
                    partner_id: int | None) -> dict[str, Any] | None:
    """Parameters of ``one_trip_sql``, or None when the page does not fit one trip (tiers 3
    and 4 would need more than one window of rows, or more GIN keys than the statement has).
    """
    params = search_params(query=query, statement="prefix", wanted=wanted,
                           partner_id=partner_id) | {"offset": offset, "page_size": page_size}
    if not contains:
        return params
    if wanted > CONTAINS_WINDOW:
        return None  # tiers 3 and 4 then read as many windows as the prefix leaves them
    keys = _index_keys(query, word_start=False)
    if not keys or len(keys) > ONE_TRIP_KEYS:
        return None
    return params | {f"key{i}": key for i, key in enumerate(keys)} | {
        "word": f"% {_like_escape(query)}%",
        "pattern": f"%{_like_escape(query)}%",
        "probe": f"({PROBE_PAGES},0)",
        "contains_window": CONTAINS_WINDOW,
        "contains_fetch": CONTAINS_WINDOW,
        "dense_rows": 2 * CONTAINS_WINDOW * PROBE_PAGES,  # _Density.expects_more_than
        "probe_min_pages": PROBE_MIN_PAGES,
    }


def _key_count(params: dict[str, Any]) -> int:
    """How many GIN keys (``key0``, ``key1`` ...) ``params`` has."""
    return sum(name.startswith("key") for name in params)


@lru_cache(maxsize=4096)  # a page of results, then the next: the same query again
def _index_keys(query: str, *, word_start: bool) -> tuple[str, ...]:
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
    return tuple(keys)


_SHORT_WORD = re.compile(r"(?<![^\W_])[^\W_]{2}(?![^\W_])")


# English letters from the most to the least frequent: a trigram of rare letters is likely
# rare in names too, and a GIN scan costs about the length of its trigrams' posting lists.
_COMMON_LETTERS = "etaoinsrhldcumfpgwybvkxjqz"


def _key_trigrams(word: str, count: int = 2) -> list[str]:
    """The ``count`` trigrams of ``word`` likely to be rarest: what narrows the GIN scan."""
    word = word.lower()
    trigrams = list(dict.fromkeys(word[i:i + 3] for i in range(len(word) - 2)))
    return sorted(trigrams, key=_commonness)[:count]


_LETTER_WEIGHTS = {ch: len(_COMMON_LETTERS) - i for i, ch in enumerate(_COMMON_LETTERS)}


def _commonness(trigram: str) -> int:
    weights = _LETTER_WEIGHTS
    return sum(weights.get(ch, 0) for ch in trigram.lower())


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
        contains = len(statements) > 1
        begin: list[dict[str, str]] = []
        quick = one_trip_params(query=query, contains=contains, wanted=wanted, offset=offset,
                                page_size=page_size, partner_id=user.partner_id)
        if quick is not None:
            trip = _one_trip(cursor, scoped=scoped, contains=contains, params=quick, own=own)
            saved = trip.saved
            if trip.hits is not None:
                if outer:
                    _settings_apply(cursor, saved)
                return SearchPage(query=query, hits=trip.hits, page=page,
                                  has_next=trip.keys > offset + page_size)
            # Not complete: on from the tier statements, with what the trip read.
            prefix_rows, density = trip.prefix_rows, trip.density
            if trip.contains_ran:  # tiers 3 and 4 together had more than a window
                statements = [s for s in statements if s != "contains"]
            if own:  # the trip committed: the tier statements' transaction and settings,
                begin = [GENERIC_PLANS, _CONTAINS_SETTINGS]  # sent with the first of them
        else:
            first = _first_trip(cursor, query=query, scoped=scoped, partner_id=user.partner_id,
                                wanted=wanted, contains=contains, begin=own)
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
                dense = _run(cursor, begin, search_sql(scoped=scoped, statement=statement,
                                                dense=True), params | bounds)
                if dense and dense[0][3] >= params["fetch"]:  # both streams full
                    if statement == "contains":
                        continue  # tiers 3 and 4 are not complete together
                    rows = dense  # what the GIN scan returns first, read directly
            if rows is None:
                rows = _run(cursor, begin, search_sql(
                    scoped=scoped, statement=statement,
                    keys=_key_count(params)), params)
            if statement == "contains":
                # Tiers 3 and 4 together: only usable if both streams ended before the LIMIT.
                if rows and rows[0][2] >= params["fetch"]:
                    continue
                keys.extend((role, pk) for role, pk, *_ in rows)
                break
            keys.extend((role, pk) for role, pk, *_ in rows)
            if len(keys) >= wanted:
                break
        hits = _hits(cursor, keys[offset:offset + page_size], scoped=scoped,  # by id:
                     partner_id=user.partner_id, commit=own and not begin)  # bitmap scans
        if outer:  # SET LOCAL outlives a savepoint: the caller's values back (at
            _settings_apply(cursor, saved)  # the outermost level COMMIT ends them)
    return SearchPage(query=query, hits=hits, page=page, has_next=len(keys) > offset + page_size)


def search_plans(*, user: User, query: str, analyze: bool = False,
                 wanted: int = 26) -> dict[str, str]:
    """EXPLAIN of every statement ``query`` can run (``ONE_TRIP`` first, when the first page
    fits one), with the settings the search uses.

    For tests and the benchmark: proof of which index serves which tier. Rolls back.
    """
    query = " ".join(query.split())[:SEARCH_MAX_QUERY]
    scoped = not user.is_provider_staff
    plans = {}
    cursor = prepared_cursor()
    statements = search_statements(query)
    contains = len(statements) > 1
    explain = f"EXPLAIN ({'ANALYZE, BUFFERS' if analyze else 'COSTS'})"
    with transaction.atomic():
        quick = one_trip_params(query=query, contains=contains, wanted=wanted, offset=0,
                                page_size=wanted - 1, partner_id=user.partner_id)
        if quick is not None:
            with transaction.atomic():  # its settings end with the savepoint
                _settings_apply(cursor, _ONE_TRIP_SETTINGS if contains else GENERIC_PLANS)
                sql = one_trip_sql(scoped=scoped, contains=contains, keys=_key_count(quick))
                cursor.execute(f"{explain} {sql}", quick)
                plans[ONE_TRIP] = "\n".join(row[0] for row in cursor.fetchall())
                transaction.set_rollback(True)
        for statement in statements:
            if statement != "prefix":
                _settings_apply(cursor, _CONTAINS_SETTINGS)
            params = search_params(query=query, statement=statement, wanted=wanted,
                                   partner_id=user.partner_id)
            sql = search_sql(scoped=scoped, statement=statement, keys=_key_count(params))
            cursor.execute(f"{explain} {sql}", params)
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
    the page, or the tables are smaller than PROBE_MIN_PAGES). On a busy machine every round
    trip waits for the server process to be scheduled: sending these statements together
    saves three such waits.
    """
    raw = cursor.connection
    prefix_params = search_params(query=query, statement="prefix", wanted=wanted,
                                  partner_id=partner_id)
    settings = [GENERIC_PLANS, *([_CONTAINS_SETTINGS] if contains else [])]
    with connection.wrap_database_errors, raw.pipeline():  # Django's errors, as its cursors
        if begin:
            cursor.execute("BEGIN")
        set_cursors = [psycopg.Cursor(raw) for _ in settings]
        prefix, probe = psycopg.Cursor(raw), psycopg.Cursor(raw)
        _settings_send(set_cursors[0], settings[0])
        prepared_execute(prefix, search_sql(scoped=scoped, statement="prefix"), prefix_params)
        if contains:
            _settings_send(set_cursors[1], settings[1])
            prepared_execute(probe, _PROBE_SQL.format(big=_BIG, **_scope(scoped)),
                             {**prefix_params, "probe": f"({PROBE_PAGES},0)",
                              "probe_min_pages": PROBE_MIN_PAGES})
    saved: dict[str, str] = {}
    for set_cursor, wanted_settings in zip(set_cursors, settings, strict=True):
        row = set_cursor.fetchone()
        assert row is not None
        saved |= {name: row[2 * i] for i, name in enumerate(wanted_settings)}
    density = None
    found = probe.fetchone() if contains else None
    if found is not None:  # None: the prefix fills the page, or small tables (its filter)
        density = _Density(found=(int(found[0]), int(found[2])),
                           word=(int(found[1]), int(found[3])),
                           pages=(int(found[4]), int(found[5])))
    return saved, prefix.fetchall(), density


@dataclass(frozen=True)
class _Trip:
    """What the one-trip statement returned (see ``_ONE_TRIP_SQL``)."""

    saved: dict[str, str]  # the settings it replaced (restored by the caller's transaction)
    hits: list[AccountHit] | None  # the page, in order; None when the page is not complete
    keys: int  # matches ranked (one more than the page tells whether there is a next)
    prefix_rows: list[tuple[Any, ...]]  # tiers 1 and 2, ranked
    density: _Density | None  # the probe; None when tiers 1 and 2 fill the page, or the
    # tables are smaller than PROBE_MIN_PAGES
    contains_ran: bool  # tiers 3 and 4 together were read (and were complete or not)


def _one_trip(cursor: psycopg.Cursor[Any], *, scoped: bool, contains: bool,
              params: dict[str, Any], own: bool) -> _Trip:
    """The first page in one round trip: BEGIN, the settings, the statement and COMMIT in
    one pipeline (``own``), or the settings and the statement inside the caller's
    transaction."""
    raw = cursor.connection
    settings = _ONE_TRIP_SETTINGS if contains else GENERIC_PLANS
    set_cursor = psycopg.Cursor(raw)
    # 6 KB of SQL: its placeholders are numbered once (``positional``), not on every call.
    sql, names = positional(one_trip_sql(scoped=scoped, contains=contains,
                                         keys=_key_count(params)))
    trip = prepared_raw_cursor()
    with connection.wrap_database_errors, raw.pipeline():  # Django's errors, as its cursors
        if own:
            cursor.execute("BEGIN")
        _settings_send(set_cursor, settings)
        prepared_execute(trip, sql, [params[name] for name in names])
        if own:
            psycopg.Cursor(raw).execute("COMMIT")
    row = set_cursor.fetchone()
    assert row is not None
    saved = {name: row[2 * i] for i, name in enumerate(settings)}
    found = trip.fetchone()
    assert found is not None
    complete, keys, prefix_json, probe, contains_ran, page_json, hits_json = found
    hits = None
    if complete:
        by_key = {(hit[0], hit[1]): AccountHit(*hit) for hit in hits_json or []}
        hits = [by_key[key] for key in map(tuple, page_json or []) if key in by_key]
    density = None if probe is None else _Density(
        found=(int(probe[0]), int(probe[2])), word=(int(probe[1]), int(probe[3])),
        pages=(int(probe[4]), int(probe[5])))
    return _Trip(saved=saved, hits=hits, keys=int(keys),
                 prefix_rows=[(role, pk) for role, pk in prefix_json or []],
                 density=density, contains_ran=bool(contains_ran))


def _settings_send(cursor: psycopg.Cursor[Any], settings: dict[str, str]) -> None:
    names = list(settings)
    prepared_execute(
        cursor,
        "SELECT " + ", ".join("current_setting(%s::text), set_config(%s::text, %s::text, true)"
                              for _ in names),
        [value for name in names for value in (name, name, settings[name])])


def _run(cursor: psycopg.Cursor[Any], begin: list[dict[str, str]], sql: str,
         params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of one tier statement; ``begin`` (emptied here): BEGIN and these settings
    first, in the same round trip (after a one-trip statement that committed)."""
    if not begin:
        prepared_execute(cursor, sql, params)
        return cursor.fetchall()
    raw = cursor.connection
    with connection.wrap_database_errors, raw.pipeline():  # Django's errors, as its cursors
        cursor.execute("BEGIN")
        for settings in begin:
            _settings_send(psycopg.Cursor(raw), settings)
        prepared_execute(cursor, sql, params)
    begin.clear()
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
    with connection.wrap_database_errors, raw.pipeline():  # Django's errors, as its cursors
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
