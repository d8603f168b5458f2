"""Model reads compiled once per shape, then only bound and executed (hot single-row reads).

Django compiles a queryset's SQL anew on every evaluation: for a read of one order with its
account, partner and authors (six tables) that compilation cost more than PostgreSQL took to
plan and run it, and every order page, order action and provisioning run starts with such a
read. ``fetch`` compiles a queryset once per ``key``, finds where its one varying value sits
among the statement's parameters (by compiling it a second time with another value), and from
then on binds the value into the kept statement, runs it as a prepared statement
(``core.prepared``: PostgreSQL plans it once per connection too) and builds the model
instances exactly as Django's ``ModelIterable`` does, from the kept compiler's column map.

The key must name everything the statement's text and its other parameters depend on besides
the value: the read, and for tenancy-scoped reads what ``visible_to`` reads of the user (staff
or not, the partner). A shape whose text changes with the value is never kept (each call then
compiles as Django would).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import (  # type: ignore[attr-defined]
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.models.sql.compiler import SQLCompiler

from orion.core.prepared import prepared_cursor, prepared_execute

M = TypeVar("M", bound=Model)

_MAX_SHAPES = 4096  # bounded, whatever keys callers make (one per partner and read, say)


@dataclass(frozen=True)
class _Shape:
    sql: str
    params: tuple[Any, ...]
    at: tuple[int, ...]  # where the value goes among ``params``
    compiler: SQLCompiler  # compiled: its select, klass_info and annotation map are kept
    rows: str  # "models", "tuples" (values_list) or "flat" (values_list(flat=True))


def _rows_kind(queryset: QuerySet[Any]) -> str | None:
    """How ``fetch`` returns the queryset's rows, as Django would; None: a kind it does not
    build (``values()`` dicts, named tuples, prefetches, known related objects)."""
    if (getattr(queryset, "_known_related_objects", None)
            or getattr(queryset, "_prefetch_related_lookups", None)):
        return None
    kinds: dict[type, str] = {ModelIterable: "models", ValuesListIterable: "tuples",
                              FlatValuesListIterable: "flat"}
    return kinds.get(getattr(queryset, "_iterable_class", None))  # type: ignore[arg-type]


_shapes: dict[Hashable, _Shape | None] = {}


def _compile(queryset: QuerySet[Any]) -> tuple[str, tuple[Any, ...], SQLCompiler]:
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    return sql, tuple(params), compiler


def _other(value: int) -> int:
    return value + 1 if value < (1 << 62) else value - 1


def _shape(key: Hashable, build: Callable[[int], QuerySet[Any]], value: int) -> _Shape | None:
    if key in _shapes:
        return _shapes[key]
    queryset = build(value)
    kind = _rows_kind(queryset)
    if kind is None:
        shape = None
    else:
        try:
            sql, params, compiler = _compile(queryset)
            other_sql, other_params, _ = _compile(build(_other(value)))
        except (EmptyResultSet, FullResultSet):
            shape = None  # nothing to read (``none()``): Django says so without a statement
        else:
            at = tuple(n for n, (a, b) in enumerate(zip(params, other_params, strict=False))
                       if a != b)
            fits = (other_sql == sql and len(other_params) == len(params) and bool(at)
                    and all(params[n] == value for n in at))
            shape = _Shape(sql, params, at, compiler, kind) if fits else None
    if len(_shapes) < _MAX_SHAPES:
        _shapes[key] = shape
    return shape


def _built(shape: _Shape, rows: list[Any], db: str) -> list[Any]:
    """What Django's iterable of the queryset yields, from rows of the kept statement:
    ``ModelIterable`` (without known related objects, which ``_rows_kind`` refuses), or the
    tuples or single values of ``values_list``."""
    compiler = copy.copy(shape.compiler)
    if shape.rows != "models":
        if compiler.col_count is not None:
            rows = [row[:compiler.col_count] for row in rows]
        values = compiler.results_iter([rows], tuple_expected=True)
        return [row[0] for row in values] if shape.rows == "flat" else list(values)
    select, klass_info = compiler.select, compiler.klass_info
    annotation_col_map = compiler.annotation_col_map
    assert klass_info is not None
    model_cls = klass_info["model"]
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [f[0].target.attname for f in select[start:end]]
    populators = get_related_populators(klass_info, select, db)
    objects = []
    if compiler.col_count is not None:
        rows = [row[:compiler.col_count] for row in rows]  # as Django's cursor_iter trims
    for row in compiler.results_iter([rows]):
        obj = model_cls.from_db(db, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        if annotation_col_map:
            for attr_name, col_pos in annotation_col_map.items():
                setattr(obj, attr_name, row[col_pos])
        objects.append(obj)
    return objects


def fetch(key: Hashable, build: Callable[[int], QuerySet[Any]], value: int) -> list[Any]:
    """``list(build(value))``, compiled once per ``key`` (see the module's docstring):
    model instances, or ``values_list`` rows.

    ``build`` must return the same statement for every value but for ``value`` itself, an
    integer (an id): the same filters, relations, ordering and slice.
    """
    shape = _shape(key, build, value)
    if shape is None:
        return list(build(value))
    params = list(shape.params)
    for n in shape.at:
        params[n] = value
    db = DEFAULT_DB_ALIAS
    assert shape.compiler.using == db and connections[db].vendor == "postgresql"
    cursor = prepared_cursor()
    prepared_execute(cursor, shape.sql, params)
    return _built(shape, cursor.fetchall(), db)


@dataclass(frozen=True)
class Read:
    """One ``fetch`` for ``fetch_many``: its key, its queryset builder and its value."""

    key: Hashable
    build: Callable[[int], QuerySet[Any]]
    value: int


def fetch_many(reads: Sequence[Read]) -> list[list[Any]]:
    """``[fetch(r.key, r.build, r.value) for r in reads]`` in one round trip.

    The kept statements go to PostgreSQL together (a psycopg pipeline) and their rows come
    back together: a provisioning run's reads of the desired state were six statements one
    after the other, each waiting for the server, where the statements themselves take a
    few hundredths of a millisecond. They run in the caller's transaction, or without one
    each on its own; the first failure is raised (as Django's error, like ``fetch``'s) and
    nothing after it runs. A read whose shape is not kept runs afterwards, as Django would.
    """
    shapes = [_shape(read.key, read.build, read.value) for read in reads]
    kept = [(n, shape) for n, shape in enumerate(shapes) if shape is not None]
    results: list[list[Any]] = [[] for _ in reads]
    db = DEFAULT_DB_ALIAS
    if len(kept) == 1:
        n, _ = kept[0]
        results[n] = fetch(reads[n].key, reads[n].build, reads[n].value)
    elif kept:
        raw = prepared_cursor().connection
        cursors = [psycopg.Cursor(raw) for _ in kept]
        with connections[db].wrap_database_errors, raw.pipeline():
            for cursor, (n, shape) in zip(cursors, kept, strict=True):
                assert shape.compiler.using == db
                params = list(shape.params)
                for at in shape.at:
                    params[at] = reads[n].value
                prepared_execute(cursor, shape.sql, params)
        for cursor, (n, shape) in zip(cursors, kept, strict=True):
            results[n] = _built(shape, cursor.fetchall(), db)
    for n, missing in enumerate(shapes):
        if missing is None:
            results[n] = list(reads[n].build(reads[n].value))
    return results


def fetch_one(key: Hashable, build: Callable[[int], QuerySet[M]], value: int) -> M | None:
    """The first of ``fetch`` or None; ``build`` slices (``[:1]``) so one row is read."""
    rows = fetch(key, build, value)
    return rows[0] if rows else None


def by_order(model: type[M], order_ids: Sequence[int], name: str, *,
             related: tuple[str, ...] = ()) -> list[M]:
    """The rows of ``model`` that belong to these orders (its ``order_id``), in the model's
    ordering, with ``related`` selected: for one order (the order page and form, a
    provisioning run) a statement compiled once (``fetch``), for several one ``IN`` query."""
    if len(order_ids) == 1:
        read = by_order_read(model, int(order_ids[0]), name, related=related)
        return fetch(read.key, read.build, read.value)
    return list(_by_order_rows(model, related, order_id__in=list(order_ids)))


def by_order_read(model: type[M], order_id: int, name: str, *,
                  related: tuple[str, ...] = ()) -> Read:
    """``by_order`` for one order as a ``Read`` (the same kept statement), for
    ``fetch_many``."""
    return Read(("by_order", model._meta.label, name, related),
                lambda pk: _by_order_rows(model, related, order_id=pk), order_id)


def _by_order_rows(model: type[M], related: tuple[str, ...], **lookups: Any) -> QuerySet[M]:
    queryset = model._default_manager.filter(**lookups)
    return queryset.select_related(*related) if related else queryset


def fetch_constant(key: Hashable, build: Callable[[], QuerySet[Any]]) -> list[Any]:
    """``list(build())`` for a read without a varying value (the catalog's number prices),
    compiled once per ``key``."""
    shape = _shapes.get(key)
    if shape is None and key not in _shapes:
        queryset = build()
        kind = _rows_kind(queryset)
        try:
            if kind is not None:
                sql, params, compiler = _compile(queryset)
                shape = _Shape(sql, params, (), compiler, kind)
        except (EmptyResultSet, FullResultSet):
            shape = None
        if len(_shapes) < _MAX_SHAPES:
            _shapes[key] = shape
    if shape is None:
        return list(build())
    cursor = prepared_cursor()
    prepared_execute(cursor, shape.sql, list(shape.params))
    return _built(shape, cursor.fetchall(), DEFAULT_DB_ALIAS)
