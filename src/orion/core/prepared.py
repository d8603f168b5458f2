"""Prepared statements for the few hot read paths (account search, DID search).

Django's PostgreSQL backend binds parameters on the client, so PostgreSQL plans every statement
again on every call. For the search bar that planning was the largest part of a search (0.5 to
2 ms per trigram statement against 0.05 to 0.5 ms to run it). A cursor of the same psycopg
connection with server-side binding and ``prepare=True`` makes psycopg PREPARE each statement
text once per connection and then only EXECUTE it; with ``plan_cache_mode`` set to
``force_generic_plan`` (``GENERIC_PLANS``, set LOCAL by the caller) PostgreSQL plans it once too.

Statements run through this cursor share Django's connection and transaction; run them with
``prepared_execute`` so that Django's query log sees them too. Use it only for SQL written so
that one generic plan serves every parameter value (explicit ranges instead of LIKE prefixes,
typed parameters). Behind a connection pooler in transaction mode, prepared statements need
one that tracks them (PgBouncer 1.21+ with ``max_prepared_statements``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, TypeVar

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections

# ``SELECT set_config(...)`` for ``plan_cache_mode``, LOCAL to the caller's transaction.
GENERIC_PLANS = {"plan_cache_mode": "force_generic_plan"}
NEVER_AUTOMATIC = 1 << 30
_KEPT = "_orion_prepared_cursor"  # the kept cursor, in the connection wrapper's __dict__
_KEPT_RAW = "_orion_prepared_raw_cursor"


def prepared_cursor() -> psycopg.Cursor[Any]:
    """A server-binding cursor on Django's current connection (opened if need be).

    One cursor per connection, kept open and reused (callers do not close it): a new cursor
    looks up the adapter of every parameter type again, which cost a reservation a tenth of
    its CPU. Its rows are the last statement's only until the next one runs.
    """
    return _kept(_KEPT, psycopg.Cursor)


def prepared_raw_cursor() -> psycopg.RawCursor[Any]:
    """``prepared_cursor``'s twin for long statements: a ``psycopg.RawCursor`` (``$1``
    placeholders, sent as they are), for SQL written with ``%(name)s`` and converted once by
    ``positional``. psycopg parses the placeholders of every statement it is given, and keeps
    the result only for statements under 4 KB: a longer one (the search's one-trip first
    page, 6 KB) cost 0.15 ms of CPU per call to parse again.
    """
    return _kept(_KEPT_RAW, psycopg.RawCursor)


_C = TypeVar("_C", psycopg.Cursor[Any], psycopg.RawCursor[Any])


def _kept(name: str, kind: type[_C]) -> _C:
    wrapper = connections[DEFAULT_DB_ALIAS]
    raw = wrapper.connection
    kept = wrapper.__dict__.get(name)
    if raw is not None and kept is not None and kept.connection is raw and not kept.closed:
        return kept
    wrapper.ensure_connection()
    raw = wrapper.connection
    assert isinstance(raw, psycopg.Connection)
    if raw.prepare_threshold is None:
        # Django turns psycopg's preparing off (None) for connection poolers. A threshold no
        # statement reaches turns it back on for ``prepare=True`` only: Django's own cursors
        # bind on the client and never prepare.
        raw.prepare_threshold = NEVER_AUTOMATIC
    cursor = kind(raw)
    wrapper.__dict__[name] = cursor
    return cursor


_NAMED = re.compile(r"%\((\w+)\)s|%%")


@cache
def positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """``sql`` with ``%(name)s`` placeholders as ``$1``, ``$2`` ... (one per name, in order of
    first use; ``%%`` becomes ``%``), and the names in that order: for
    ``prepared_raw_cursor``. Once per statement text."""
    names: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return "%"
        return f"${names.setdefault(match.group(1), len(names) + 1)}"

    return _NAMED.sub(number, sql), tuple(names)


def prepared_execute(cursor: psycopg.Cursor[Any], sql: str,
                     params: Sequence[Any] | Mapping[str, Any]) -> None:
    """Execute ``sql`` as a prepared statement; logged like Django's own queries when Django
    logs them (DEBUG, ``CaptureQueriesContext``, ``django_assert_num_queries``)."""
    # Django's error wrapper, as its own cursors have: psycopg's errors become Django's
    # (OperationalError for a lost server, which callers and the worker treat as passing) and
    # a broken connection is marked so, for Django to replace it.
    wrapper = connections[DEFAULT_DB_ALIAS]
    if not wrapper.queries_logged:
        with wrapper.wrap_database_errors:
            cursor.execute(sql, params, prepare=True)
        return
    started = time.monotonic()
    try:
        with wrapper.wrap_database_errors:
            cursor.execute(sql, params, prepare=True)
    finally:
        wrapper.queries_log.append(
            {"sql": f"EXECUTE (prepared) {sql}", "time": f"{time.monotonic() - started:.3f}"})
