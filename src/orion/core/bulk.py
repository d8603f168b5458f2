"""Writing many rows in one plain statement.

Django's ``bulk_update`` builds a ``CASE WHEN id = ... THEN ...`` expression per column and
row; compiling it costs more than running it (a provisioning run spent a quarter of its time
there). ``rows_update`` sends ``UPDATE ... FROM (VALUES ...)`` instead: one statement, one
round trip, no expression tree, the same values as the ORM would write.

``rows_update_sql`` and ``rows_insert_sql`` return such statements without running them, with
an optional guard (``WHERE ... AND <guard>``), so a caller can write several tables in one
statement (``WITH a AS (UPDATE ...), b AS (INSERT ...) SELECT ...``): provisioning records an
OCI-P document's log rows and its steps, behind its fence, in one round trip.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, models
from django.db.models.fields import AutoFieldMixin

Statement = tuple[str, list[Any]]


def rows_update(objs: Sequence[models.Model], fields: Sequence[str]) -> int:
    """Write ``fields`` of ``objs`` (all of one model, saved before) in one statement."""
    if not objs:
        return 0
    connection = connections[objs[0]._state.db or "default"]
    sql, params = rows_update_sql(objs, fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def rows_update_sql(objs: Sequence[models.Model], fields: Sequence[str], *,
                    guard: str = "") -> Statement:
    """``UPDATE ... FROM (VALUES ...)`` writing ``fields`` of ``objs`` (a non-empty list of
    one model's saved rows); ``guard``, a boolean SQL expression, must hold as well."""
    model = type(objs[0])
    meta = model._meta
    connection = connections[objs[0]._state.db or "default"]
    qn = connection.ops.quote_name
    columns = [_concrete(meta.get_field(name)) for name in fields]
    pk = meta.pk
    assert pk is not None
    types = [pk.db_type(connection), *(f.db_type(connection) for f in columns)]
    row = "(" + ", ".join(f"%s::{t}" for t in types) + ")"
    params: list[Any] = []
    for obj in objs:
        if type(obj) is not model:
            raise TypeError("rows_update takes objects of one model")
        params.append(pk.get_db_prep_value(obj.pk, connection))
        params += [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns]
    names = [qn(str(f.column)) for f in columns]
    # Identifiers come from the model's meta (quoted); every value is a parameter.
    sql = (f"UPDATE {qn(meta.db_table)} AS t SET "  # noqa: S608
           + ", ".join(f"{n} = v.{n}" for n in names)
           + f" FROM (VALUES {', '.join([row] * len(objs))})"
           + f" AS v({qn(pk.column)}, {', '.join(names)})"
           + f" WHERE t.{qn(pk.column)} = v.{qn(pk.column)}"
           + (f" AND ({guard})" if guard else ""))
    return sql, params


def rows_insert_sql(objs: Sequence[models.Model], *, guard: str = "") -> Statement:
    """``INSERT ... SELECT ... FROM (VALUES ...)`` of ``objs`` (a non-empty list of one
    model's new rows, every concrete column but an automatic key, defaults applied as the ORM
    applies them); ``guard``, a boolean SQL expression, must hold for anything to be written.
    The new rows' keys are not read back."""
    model = type(objs[0])
    meta = model._meta
    connection = connections[objs[0]._state.db or "default"]
    qn = connection.ops.quote_name
    columns = [f for f in meta.concrete_fields if not isinstance(f, AutoFieldMixin)]
    types = [f.db_type(connection) for f in columns]
    row = "(" + ", ".join(f"%s::{t}" for t in types) + ")"
    params: list[Any] = []
    for obj in objs:
        if type(obj) is not model:
            raise TypeError("rows_insert_sql takes objects of one model")
        params += [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in columns]
    names = ", ".join(qn(str(f.column)) for f in columns)
    # Identifiers come from the model's meta (quoted); every value is a parameter.
    sql = (f"INSERT INTO {qn(meta.db_table)} ({names}) SELECT * FROM "  # noqa: S608
           + f"(VALUES {', '.join([row] * len(objs))}) AS v({names})"
           + (f" WHERE {guard}" if guard else ""))
    return sql, params


def _concrete(field: object) -> models.Field[Any, Any]:
    if not isinstance(field, models.Field) or not field.concrete:
        raise TypeError(f"rows_update writes concrete columns, not {field!r}")
    return field
