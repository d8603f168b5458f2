"""The one state-changing function of the DID inventory, ``dids_move``, and its
prefix form ``dids_pick``.

Every state change goes through ``dids_move``: it locks the rows in id order (``SELECT ... FOR
UPDATE``, ``SKIP LOCKED`` where a busy row should simply be passed over), moves only rows whose
current state allows the move (TRANSITIONS) and writes one history row per number. Two drafts
asking for the same number therefore cannot both get it: the second finds it locked or no longer
available, and the check constraints on ``DID`` refuse any row that would break the rules anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeAlias

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field, Model, QuerySet
from django.utils import timezone

from orion.accounts.models import User
from orion.core.exceptions import NotFound
from orion.core.prepared import prepared_cursor, prepared_execute
from orion.numbers.exceptions import (
    InvalidNumberTransition,
    NotEnoughNumbers,
)
from orion.numbers.models import DID, E911Location
from orion.numbers.states import TRANSITIONS, NumberState, sources_of
from orion.orders.exceptions import OrderNotEditable
from orion.orders.models import Order
from orion.orders.states import OrderState

logger = logging.getLogger(__name__)

S = NumberState
# Query parameters, as the ORM's compilers return them and the database driver adapts them.
SqlParams: TypeAlias = list[Any]


# --- the one state-changing function ---------------------------------------------------------

@dataclass(frozen=True)
class Moved:
    id: int
    e164: str
    from_state: str


NUMBER_ORDER = ("npa", "nxx", "e164")

# A move is one statement: lock the picked rows in lock order (``picked`` is MATERIALIZED, so
# each row is locked once, before the update reads it), move them, write one history row each
# (the event keeps the row's own order when the move names none), and return them in lock order.
# With a draft, the draft row is locked first (a one-time filter of the pick, evaluated before
# any number is locked, the order Save Order uses too); the first row reports the draft and how
# many numbers were picked, and an all-or-none move moves nothing unless all were.
_MOVE_SQL = """
WITH {draft}picked (id, state, order_id) AS MATERIALIZED ({pick}),
moved AS (
    UPDATE numbers_did AS d SET {assignments}
      FROM picked AS p
     WHERE d.id = p.id{all_or_none}
    RETURNING d.id, d.e164, p.state AS from_state, p.order_id AS old_order_id{sort_columns}
),
history AS (
    INSERT INTO numbers_didevent (did_id, from_state, to_state, order_id, changed_by_id,
                                  changed_at, note)
    SELECT id, from_state, %s, COALESCE(%s, old_order_id), %s, %s, %s FROM moved
)
SELECT {draft_columns}, (SELECT count(*) FROM picked), m.id, m.e164, m.from_state
  FROM (SELECT) AS one{draft_join} LEFT JOIN moved AS m ON true
 ORDER BY {sort}
"""
# The free numbers of an NPA (and NXX) in number order, as the partial search index serves
# them: the reservation hot path, written out because compiling the same queryset costs more
# than running it.
_PREFIX_PICK_SQL = """
SELECT id, state, order_id FROM numbers_did
 WHERE npa = %s{nxx} AND state IN ({states}){guard}
 ORDER BY npa, nxx, e164 LIMIT %s FOR UPDATE SKIP LOCKED"""


def _move(*, queryset: QuerySet[DID], to: str, by: User | None = None,
          order: Order | None = None, note: str = "", from_states: Iterable[str] = (),
          limit: int | None = None, skip_locked: bool = False,
          lock_order: tuple[str, ...] = ("id",), **values: Any) -> list[Moved]:
    """Move the numbers of ``queryset`` that may go to ``to``; return those moved.

    Rows are locked in id order, so concurrent callers never deadlock; with ``skip_locked`` a row
    another transaction holds is passed over instead of waited for (such a caller never waits,
    so it may take free numbers in number order, ``lock_order``, which the search index serves:
    sorting a whole NXX by id on every pick costs milliseconds). ``values`` are the other
    columns to set (order, customer, reserved_until, ...).

    The lock, the move and the history rows are one SQL statement (``_MOVE_SQL``), one round
    trip, atomic on its own; callers that write more in the same breath wrap it in a transaction.
    """
    wanted = _sources(to, tuple(from_states))
    if lock_order != ("id",) and not skip_locked:
        raise ValueError("Waiting lockers must lock in id order (deadlock freedom).")
    conn = connections[queryset.db]
    locked = (queryset.filter(state__in=wanted).order_by(*lock_order)
              .select_for_update(skip_locked=skip_locked, of=("self",)))
    if limit is not None:
        locked = locked[:limit]
    query = locked.values_list("id", "state", "order_id").query
    try:
        pick, pick_params = query.get_compiler(connection=conn).as_sql()
    except EmptyResultSet:
        return []
    sql = _move_sql(conn=conn, draft_sql="", pick=pick, names=values, all_or_none=False,
                    lock_order=lock_order)
    order_pk = order.pk if order is not None else None
    params = [*pick_params, *_move_params(conn=conn, to=to, by=by, order_pk=order_pk, note=note,
                                          values=values)]
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [Moved(*row[3:]) for row in rows if row[3] is not None]


def _pick(*, prefix: tuple[str, str], limit: int, to: str, by: User | None, order: Order | None,
          note: str, from_states: Iterable[str], draft: tuple[User, int] | None,
          all_or_none: bool, values: dict[str, Any]) -> list[Moved]:
    """``dids_pick``: up to ``limit`` free numbers of ``prefix=(npa, nxx)`` (nxx may be "")
    in number order, skipping locked ones, in one statement like ``_move``'s.

    With ``draft=(user, order_id)`` the statement locks that draft first (NotFound unless
    ``user`` may see it, OrderNotEditable once saved); ``all_or_none`` moves nothing, raising
    NotEnoughNumbers, unless ``limit`` numbers were free. The reservation hot path: its
    statement is built once per shape and prepared once per connection.
    """
    wanted = _sources(to, tuple(from_states))
    conn = connections[DID.objects.db]
    draft_sql, draft_params = (_draft_lock_sql(user=draft[0], order_id=draft[1])
                               if draft is not None else ("", []))
    npa, nxx = prefix
    shape = (conn.alias, wanted, bool(nxx), draft_sql, all_or_none, tuple(values))
    sql = _pick_sql.get(shape)
    if sql is None:
        sql = _pick_sql[shape] = _move_sql(
            conn=conn, draft_sql=draft_sql, pick=_prefix_pick_sql(wanted, nxx=nxx,
                                                                   draft=draft is not None),
            names=values, all_or_none=all_or_none, lock_order=NUMBER_ORDER)
    order_pk = order.pk if order is not None else draft[1] if draft is not None else None
    params = [*draft_params, npa, *([nxx] if nxx else []),
              *([OrderState.DRAFT] if draft else []), limit,
              *_move_params(conn=conn, to=to, by=by, order_pk=order_pk, note=note, values=values,
                            all_or_none_limit=limit if all_or_none else None)]
    if conn.alias == DEFAULT_DB_ALIAS:
        cursor = prepared_cursor()
        prepared_execute(cursor, sql, params)
        rows = cursor.fetchall()
    else:
        with conn.cursor() as plain:
            plain.execute(sql, params)
            rows = plain.fetchall()
    state, number, picked = rows[0][:3]
    if draft is not None and state != OrderState.DRAFT:
        _refuse_unless_draft(None if state is None else Order.from_db(
            conn.alias, _DRAFT_FIELDS, (draft[1], number, state)))
    if all_or_none and picked < limit:
        where = f"{npa}-{nxx}" if nxx else npa
        raise NotEnoughNumbers(f"Not enough free numbers in {where}: {picked} of {limit}. "
                               "Choose another NXX or backorder the rest.")
    return [Moved(*row[3:]) for row in rows if row[3] is not None]


# The states a move may start from, by (to, the caller's from_states); checked once.
_sources_cache: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {}


def _sources(to: str, from_states: tuple[str, ...]) -> tuple[str, ...]:
    """The states (sorted) a move to ``to`` takes numbers from: ``from_states``, or every state
    TRANSITIONS lets reach ``to``; InvalidNumberTransition for a state that may not."""
    cached = _sources_cache.get((to, from_states))
    if cached is not None:
        return cached
    allowed = set(sources_of(to))
    wanted = tuple(sorted(set(from_states) or allowed))
    if not set(wanted) <= allowed:
        raise InvalidNumberTransition(f"No number may go from {sorted(set(wanted) - allowed)} "
                                      f"to {to}.")
    _sources_cache[(to, from_states)] = wanted
    return wanted


# The move statement of each shape of prefix pick, built once per process: formatting it anew
# on every reservation cost a third of the service's own CPU.
_pick_sql: dict[tuple[Any, ...], str] = {}


def _prefix_pick_sql(wanted: Iterable[str], *, nxx: str, draft: bool) -> str:
    # The states are written out (they are NumberState values, checked by ``_sources``): a
    # prepared statement's generic plan may use the partial index on free numbers only then.
    return _PREFIX_PICK_SQL.format(
        nxx=" AND nxx = %s" if nxx else "",
        states=", ".join(f"'{NumberState(state).value}'" for state in wanted),
        guard=" AND EXISTS (SELECT FROM draft WHERE state = %s)" if draft else "")


def _move_sql(*, conn: Any, draft_sql: str, pick: str, names: Iterable[str],
              all_or_none: bool, lock_order: tuple[str, ...]) -> str:
    """``_MOVE_SQL`` for a pick, the columns ``names`` set besides state and updated_at, and
    an optional draft lock (``draft_sql``, empty without one)."""
    qn = conn.ops.quote_name
    assignments = ["state = %s", "updated_at = %s",
                   *(f"{qn(_did_field(name).column)} = %s" for name in names)]
    sort = [qn(_did_field(name).column) for name in lock_order]
    return _MOVE_SQL.format(
        draft=f"draft (id, number, state) AS MATERIALIZED ({draft_sql}),\n" if draft_sql else "",
        pick=pick, assignments=", ".join(assignments),
        all_or_none=" AND (SELECT count(*) FROM picked) = %s" if all_or_none else "",
        sort_columns="".join(f", d.{col} AS sort_{i}" for i, col in enumerate(sort)),
        draft_columns="dr.state, dr.number" if draft_sql else "NULL, NULL",
        draft_join=" LEFT JOIN draft AS dr ON true" if draft_sql else "",
        sort=", ".join(f"m.sort_{i}" for i in range(len(sort))))


_AS_IS = (int, bool, str)


def _move_params(*, conn: Any, to: str, by: User | None, order_pk: int | None, note: str,
                 values: dict[str, Any], all_or_none_limit: int | None = None) -> SqlParams:
    """The parameters of ``_move_sql`` after the pick's: the new state and columns, the
    all-or-none count, the history row."""
    now = timezone.now()
    params: SqlParams = [to, now]
    for name, value in values.items():
        if isinstance(value, Model):
            value = value.pk
        # Keys, flags and codes go as they are; anything else (dates) as its field prepares it.
        params.append(value if value is None or type(value) in _AS_IS
                      else _did_field(name).get_db_prep_save(value, conn))
    if all_or_none_limit is not None:
        params.append(all_or_none_limit)
    return [*params, to, order_pk, by.pk if by is not None else None, now, note[:200]]


def _number_transition(*, did_id: int, to: str, by: User | None, note: str,
                       **values: Any) -> DID:
    """One number, one move, refused by name when TRANSITIONS does not allow it."""
    did = DID.objects.select_for_update().filter(pk=did_id).first()
    if did is None:
        raise NotFound("No such number.")
    if to not in TRANSITIONS[did.state]:
        raise InvalidNumberTransition(
            f"{did} is {NumberState(did.state).label.lower()}; it cannot become "
            f"{NumberState(to).label.lower()}.")
    dids_move(queryset=DID.objects.filter(pk=did.pk), to=to, by=by, note=note,
              from_states=[did.state], **values)
    did.refresh_from_db()
    return did



def dids_move(*, queryset: QuerySet[DID], to: str, by: User | None = None,
              order: Order | None = None, note: str = "", from_states: Iterable[str] = (),
              limit: int | None = None, skip_locked: bool = False,
              lock_order: tuple[str, ...] = ("id",), **values: Any) -> list[Moved]:
    """Move these numbers (those of ``queryset`` whose state allows it) to ``to``.

    The first of the two jobs of ``_move``: named numbers (a draft's, an order's, a staff
    member's pick). Locks in id order unless ``skip_locked``; see ``_move``.
    """
    moved = _move(queryset=queryset, to=to, by=by, order=order, note=note,
                  from_states=from_states, limit=limit, skip_locked=skip_locked,
                  lock_order=lock_order, **values)
    if moved and to in _LEAVES_CUSTOMER:
        # A 911 location belongs to the customer's use of the number: the next owner must
        # give its own (never inherit someone else's dispatch address).
        E911Location.objects.filter(did_id__in=[m.id for m in moved]).delete()
    return moved


# Moves after which the number is nobody's: its E911 location goes with it.
_LEAVES_CUSTOMER = frozenset({NumberState.AVAILABLE, NumberState.QUARANTINED})


def dids_pick(*, prefix: tuple[str, str], limit: int, to: str, by: User | None = None,
              order: Order | None = None, note: str = "", from_states: Iterable[str] = (),
              draft: tuple[User, int] | None = None, all_or_none: bool = False,
              **values: Any) -> list[Moved]:
    """Take up to ``limit`` free numbers of an NPA (and NXX) in number order, to ``to``.

    The second kind of move (``_pick``): any numbers of a prefix (reserve by quantity). Locked rows
    are passed over; ``draft`` locks that draft first in the same statement and
    ``all_or_none`` takes nothing unless ``limit`` were free.
    """
    return _pick(prefix=prefix, limit=limit, to=to, by=by, order=order, note=note,
                 from_states=from_states, draft=draft, all_or_none=all_or_none, values=values)


# --- the draft row a prefix pick locks first --------------------------------------------------

_DRAFT_FIELDS = ("id", "number", "state")  # Order's concrete field order, as from_db wants
# Orders are locked FOR NO KEY UPDATE everywhere (never FOR UPDATE): a number's history row
# references its order, and that foreign key check takes a KEY SHARE lock, which FOR UPDATE
# blocks. The reservation sweep, holding numbers, would then wait for a draft's lock while
# the draft's request waits for those numbers: a deadlock. Orion never changes an order's key.
_DRAFT_SQL = "SELECT id, number, state FROM orders_order WHERE id = %s{visible} FOR NO KEY UPDATE"


# The compiled tenancy filter of a user, by what ``Order.objects.visible_to`` reads of the user
# (staff or not, signed in or not, partner): compiling it on every reservation cost as much as
# running the reservation's SQL.
_draft_where: dict[tuple[bool, bool, int | None], tuple[str, tuple[Any, ...]]] = {}


def _draft_lock_sql(*, user: User, order_id: int) -> tuple[str, SqlParams]:
    """SQL that selects and locks (FOR NO KEY UPDATE) ``_DRAFT_FIELDS`` of the order if ``user`` may
    see it: partners reach only their own partner's orders. The tenancy filter is the WHERE
    clause of ``Order.objects.visible_to(user)`` itself, so the rule lives in one place.
    """
    pk = Order._meta.pk.get_prep_value(order_id)
    key = (bool(user.is_provider_staff), bool(user.is_authenticated), user.partner_id)
    cached = _draft_where.get(key)
    if cached is not None:
        return cached[0], [pk, *cached[1]]
    sql, params = _draft_lock_sql_compiled(user=user, order_id=order_id)
    if params[:1] == [pk] and sql.startswith(_DRAFT_SQL.split("{", 1)[0]):
        _draft_where[key] = (sql, tuple(params[1:]))
    return sql, params


def _draft_lock_sql_compiled(*, user: User, order_id: int) -> tuple[str, SqlParams]:
    visible = Order.objects.visible_to(user)
    query = visible.query
    pk = Order._meta.pk.get_prep_value(order_id)
    try:
        if sum(1 for n in query.alias_refcount.values() if n) > 1:
            # The rule reaches other tables: let the ORM build the whole query.
            sql, params = (visible.filter(pk=pk).values_list(*_DRAFT_FIELDS).query
                           .get_compiler(connection=connection).as_sql())
            return f"{sql} FOR NO KEY UPDATE OF {Order._meta.db_table}", list(params)
        where, params = query.get_compiler(connection=connection).compile(query.where)
    except EmptyResultSet:
        raise NotFound("No such order.") from None
    except FullResultSet:
        where, params = "", []
    return (_DRAFT_SQL.format(visible=f" AND ({where})" if where else ""), [pk, *params])


def _did_field(name: str) -> Field[Any, Any]:
    """A column of DID (``values`` and ``lock_order`` name only DID's own columns)."""
    field = DID._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def _refuse_unless_draft(order: Order | None) -> Order:
    if order is None:
        raise NotFound("No such order.")
    if order.state != OrderState.DRAFT:
        raise OrderNotEditable(f"Order {order} has been saved; its DIDs can no longer change.")
    return order


