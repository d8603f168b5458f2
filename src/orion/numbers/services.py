"""Writes on the DID inventory: loading numbers, reserving them to drafts, Save Order, expiry,
staff release/quarantine and backorders.

Every state change goes through ``dids_move``: it locks the rows in id order (``SELECT ... FOR
UPDATE``, ``SKIP LOCKED`` where a busy row should simply be passed over), moves only rows whose
current state allows the move (TRANSITIONS) and writes one history row per number. Two drafts
asking for the same number therefore cannot both get it: the second finds it locked or no longer
available, and the check constraints on ``DID`` refuse any row that would break the rules anyway.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Model, QuerySet, Sum
from django.utils import timezone

from orion.accounts.models import User
from orion.audit.services import audit_record
from orion.core.exceptions import NotFound
from orion.numbers import conf
from orion.numbers.exceptions import (
    InvalidBackorder,
    InvalidNumber,
    InvalidNumberTransition,
    InvalidQuantity,
    NotEnoughNumbers,
    NumberError,
    NumberInService,
)
from orion.numbers.models import DID, MAX_SELECTION, Backorder
from orion.numbers.nanp import clean_npa, clean_nxx, clean_region, display, to_e164
from orion.numbers.selectors import require_staff
from orion.numbers.states import TRANSITIONS, NumberState, sources_of
from orion.orders.exceptions import OrderNotEditable
from orion.orders.models import Order
from orion.orders.states import OrderState
from orion.provisioning.queue import order_numbers_added

logger = logging.getLogger(__name__)
S = NumberState
MAX_RANGE = 10_000


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


def dids_move(*, queryset: QuerySet[DID] | None = None, prefix: tuple[str, str] | None = None,
              to: str, by: User | None = None, order: Order | None = None, note: str = "",
              from_states: Iterable[str] = (), limit: int | None = None,
              skip_locked: bool = False, lock_order: tuple[str, ...] = ("id",),
              draft: tuple[User, int] | None = None, all_or_none: bool = False,
              **values: object) -> list[Moved]:
    """Move the numbers of ``queryset`` that may go to ``to``; return those moved.

    Rows are locked in id order, so concurrent callers never deadlock; with ``skip_locked`` a row
    another transaction holds is passed over instead of waited for (such a caller never waits,
    so it may take free numbers in number order, ``lock_order``, which the search index serves:
    sorting a whole NXX by id on every pick costs milliseconds). ``values`` are the other
    columns to set (order, customer, reserved_until, ...).

    The lock, the move and the history rows are one SQL statement (``_MOVE_SQL``), one round
    trip, atomic on its own; callers that write more in the same breath wrap it in a transaction.

    ``prefix=(npa, nxx)`` (nxx may be "") instead of a queryset takes up to ``limit`` numbers
    of that prefix in number order, skipping locked ones. With it, ``draft=(user, order_id)``
    locks that draft first in the same statement (NotFound unless ``user`` may see it,
    OrderNotEditable once saved) and ``all_or_none`` moves nothing, raising NotEnoughNumbers,
    unless ``limit`` numbers were free.
    """
    allowed = set(sources_of(to))
    wanted = sorted(set(from_states) or allowed)
    if not set(wanted) <= allowed:
        raise InvalidNumberTransition(f"No number may go from {sorted(set(wanted) - allowed)} "
                                      f"to {to}.")
    if (queryset is None) == (prefix is None):
        raise ValueError("dids_move takes a queryset or a prefix.")
    if (draft is not None or all_or_none) and prefix is None:
        raise ValueError("draft and all_or_none go with a prefix pick.")
    if prefix is not None:
        if not skip_locked or limit is None:
            raise ValueError("A prefix pick skips locked rows and takes a limit.")
        lock_order = NUMBER_ORDER
    if lock_order != ("id",) and not skip_locked:
        raise ValueError("Waiting lockers must lock in id order (deadlock freedom).")
    conn = connections[queryset.db if queryset is not None else DID.objects.db]
    draft_cte, draft_params = "", []
    if draft is not None:
        draft_sql, draft_params = _draft_lock_sql(user=draft[0], order_id=draft[1])
        draft_cte = f"draft (id, number, state) AS MATERIALIZED ({draft_sql}),\n"
    if prefix is not None:
        npa, nxx = prefix
        pick = _PREFIX_PICK_SQL.format(
            nxx=" AND nxx = %s" if nxx else "", states=", ".join(["%s"] * len(wanted)),
            guard=" AND EXISTS (SELECT FROM draft WHERE state = %s)" if draft else "")
        pick_params: list[object] = [npa, *([nxx] if nxx else []), *wanted,
                                     *([OrderState.DRAFT] if draft else []), limit]
    else:
        locked = (queryset.filter(state__in=wanted).order_by(*lock_order)
                  .select_for_update(skip_locked=skip_locked, of=("self",)))
        if limit is not None:
            locked = locked[:limit]
        query = locked.values_list("id", "state", "order_id").query
        try:
            pick, params = query.get_compiler(connection=conn).as_sql()
        except EmptyResultSet:
            return []
        pick_params = list(params)
    now = timezone.now()
    qn = conn.ops.quote_name
    assignments, set_params = ["state = %s", "updated_at = %s"], [to, now]
    for name, value in values.items():
        column = DID._meta.get_field(name)
        if isinstance(value, Model):
            value = value.pk
        assignments.append(f"{qn(column.column)} = %s")
        set_params.append(column.get_db_prep_save(value, conn))
    if all_or_none:
        set_params.append(limit)
    sort = [qn(DID._meta.get_field(name).column) for name in lock_order]
    sql = _MOVE_SQL.format(
        draft=draft_cte, pick=pick, assignments=", ".join(assignments),
        all_or_none=" AND (SELECT count(*) FROM picked) = %s" if all_or_none else "",
        sort_columns="".join(f", d.{col} AS sort_{i}" for i, col in enumerate(sort)),
        draft_columns="dr.state, dr.number" if draft else "NULL, NULL",
        draft_join=" LEFT JOIN draft AS dr ON true" if draft else "",
        sort=", ".join(f"m.sort_{i}" for i in range(len(sort))))
    order_pk = order.pk if order is not None else draft[1] if draft is not None else None
    history = [to, order_pk, by.pk if by is not None else None, now, note[:200]]
    with conn.cursor() as cursor:
        cursor.execute(sql, [*draft_params, *pick_params, *set_params, *history])
        rows = cursor.fetchall()
    state, number, picked = rows[0][:3]
    if draft is not None:
        _refuse_unless_draft(None if state is None else Order.from_db(
            conn.alias, _DRAFT_FIELDS, (draft[1], number, state)))
    if all_or_none and picked < limit:
        where = f"{prefix[0]}-{prefix[1]}" if prefix[1] else prefix[0]
        raise NotEnoughNumbers(f"Not enough free numbers in {where}: {picked} of {limit}. "
                               "Choose another NXX or backorder the rest.")
    return [Moved(*row[3:]) for row in rows if row[3] is not None]


def _number_transition(*, did_id: int, to: str, by: User | None, note: str,
                       **values: object) -> DID:
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


# --- drafts: reserve, remove, backorder ---------------------------------------------------------

_DRAFT_FIELDS = ("id", "number", "state")  # Order's concrete field order, as from_db wants
_DRAFT_SQL = "SELECT id, number, state FROM orders_order WHERE id = %s{visible} FOR UPDATE"


def _draft_lock_sql(*, user: User, order_id: int) -> tuple[str, list[object]]:
    """SQL that selects and locks (FOR UPDATE) ``_DRAFT_FIELDS`` of the order if ``user`` may
    see it: partners reach only their own partner's orders. The tenancy filter is the WHERE
    clause of ``Order.objects.visible_to(user)`` itself, so the rule lives in one place.
    """
    visible = Order.objects.visible_to(user)
    query = visible.query
    pk = Order._meta.pk.get_prep_value(order_id)
    try:
        if sum(1 for n in query.alias_refcount.values() if n) > 1:
            # The rule reaches other tables: let the ORM build the whole query.
            sql, params = (visible.filter(pk=pk).values_list(*_DRAFT_FIELDS).query
                           .get_compiler(connection=connection).as_sql())
            return f"{sql} FOR UPDATE OF {Order._meta.db_table}", list(params)
        where, params = query.get_compiler(connection=connection).compile(query.where)
    except EmptyResultSet:
        raise NotFound("No such order.") from None
    except FullResultSet:
        where, params = "", []
    return (_DRAFT_SQL.format(visible=f" AND ({where})" if where else ""), [pk, *params])


def _refuse_unless_draft(order: Order | None) -> Order:
    if order is None:
        raise NotFound("No such order.")
    if order.state != OrderState.DRAFT:
        raise OrderNotEditable(f"Order {order} has been saved; its DIDs can no longer change.")
    return order


def _draft(*, user: User, order_id: int) -> Order:
    """The user's draft, locked, in one short query (else 404, or OrderNotEditable once saved).

    The order's other fields load on first use.
    """
    sql, params = _draft_lock_sql(user=user, order_id=order_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return _refuse_unless_draft(
        None if row is None else Order.from_db(DEFAULT_DB_ALIAS, _DRAFT_FIELDS, row))


def _reservation_end() -> datetime:
    return timezone.now() + timedelta(minutes=conf.reservation_minutes())


@dataclass(frozen=True)
class ReserveResult:
    reserved: list[str] = field(default_factory=list)  # E.164, newly on the draft
    already_on_order: list[str] = field(default_factory=list)
    taken: list[str] = field(default_factory=list)  # reserved or sold meanwhile
    unknown: list[str] = field(default_factory=list)  # not in the inventory

    @property
    def problem(self) -> str:
        """What to tell the user about the numbers that were not reserved ('' when none)."""
        parts = []
        if self.taken:
            parts.append(f"{', '.join(display(n) for n in self.taken)} "
                         f"{'was' if len(self.taken) == 1 else 'were'} just taken by another "
                         "order")
        if self.unknown:
            parts.append(f"{', '.join(display(n) for n in self.unknown)} "
                         f"{'is' if len(self.unknown) == 1 else 'are'} not in the inventory")
        if not parts:
            return ""
        kept = " The rest of your selection is on the order." if (
            self.reserved or self.already_on_order) else ""
        return "; ".join(parts) + ". Choose other numbers or backorder." + kept


def numbers_reserve(*, user: User, order_id: int, numbers: Iterable[str],
                    trunking: Iterable[str] = ()) -> ReserveResult:
    """Order: reserve the ticked numbers to the draft until the reservation time runs out.

    A number ticked only in the Is For Trunking column counts as ticked. Numbers another order
    took meanwhile are reported by name and the rest are kept; every reservation of the draft is
    extended, so an agent still working on the order does not lose earlier picks.
    """
    trunk = {to_e164(n) for n in trunking}
    wanted = {to_e164(n) for n in numbers} | trunk
    if not wanted:
        raise NumberError("Tick at least one number, or enter a backorder quantity.",
                          code="no_number_selected")
    if len(wanted) > MAX_SELECTION:
        raise NumberError(f"Order at most {MAX_SELECTION} numbers at a time; backorder more.",
                          code="selection_too_large")
    with transaction.atomic():
        order = _draft(user=user, order_id=order_id)
        until = _reservation_end()
        mine = set(order.dids.filter(e164__in=wanted, state=S.RESERVED)
                   .values_list("e164", flat=True))
        got: list[str] = []
        for flag, group in ((True, trunk - mine), (False, wanted - trunk - mine)):
            if group:
                moved = dids_move(queryset=DID.objects.filter(e164__in=sorted(group)),
                                  to=S.RESERVED, from_states=[S.AVAILABLE], by=user,
                                  order=order, note="Ordered on the draft.", skip_locked=True,
                                  order_id=order.pk, reserved_until=until, is_for_trunking=flag)
                got += [m.e164 for m in moved]
        if mine:
            order.dids.filter(e164__in=mine & trunk).update(is_for_trunking=True)
            order.dids.filter(e164__in=mine - trunk).update(is_for_trunking=False)
        order.dids.filter(state=S.RESERVED).update(reserved_until=until)
        missing = wanted - mine - set(got)
        present = set(DID.objects.filter(e164__in=missing).values_list("e164", flat=True))
    return ReserveResult(reserved=sorted(got), already_on_order=sorted(mine),
                         taken=sorted(present), unknown=sorted(missing - present))


def numbers_reserve_quantity(*, user: User, order_id: int, npa: str, nxx: str = "",
                             quantity: int, trunking: bool = False) -> list[str]:
    """Reserve ``quantity`` free numbers of an NPA (and NXX), all or none.

    For the API and machines that do not pick numbers one by one. With fewer free numbers than
    asked for, nothing is reserved and NotEnoughNumbers says how many there are.
    """
    npa = clean_npa(npa)
    nxx = clean_nxx(nxx) if nxx else ""
    quantity = _clean_quantity(quantity, limit=MAX_SELECTION, what="numbers to reserve",
                               error=InvalidQuantity)
    # One statement, so no transaction of its own (one round trip): it locks the draft, then
    # picks, moves and logs the numbers, or moves none and says how many were free.
    moved = dids_move(prefix=(npa, nxx), draft=(user, order_id), all_or_none=True,
                      to=S.RESERVED, from_states=[S.AVAILABLE], by=user,
                      note="Ordered on the draft.", limit=quantity, skip_locked=True,
                      order_id=order_id, reserved_until=_reservation_end(),
                      is_for_trunking=trunking)
    return [m.e164 for m in moved]


def number_unreserve(*, user: User, order_id: int, did_id: int) -> None:
    """Remove a number from the draft; it is free for others at once."""
    with transaction.atomic():
        order = _draft(user=user, order_id=order_id)
        moved = dids_move(queryset=order.dids.filter(pk=did_id), to=S.AVAILABLE,
                          from_states=[S.RESERVED], by=user, note="Removed from the draft.",
                          order_id=None, reserved_until=None, is_for_trunking=False)
        if not moved:
            raise NotFound("That number is not on this order.")


def order_numbers_release(*, order: Order, by: User | None,
                          note: str = "Draft abandoned.") -> int:
    """Free every number reserved to an abandoned (or cancelled) draft."""
    with transaction.atomic():
        return len(dids_move(queryset=DID.objects.filter(order_id=order.pk), to=S.AVAILABLE,
                             from_states=[S.RESERVED], by=by, note=note, order_id=None,
                             reserved_until=None, is_for_trunking=False))


def _clean_quantity(value: object, *, limit: int, what: str,
                    error: type[NumberError] = InvalidBackorder) -> int:
    """A whole number from 1 to ``limit``, else ``error`` (``invalid_backorder`` for a
    backorder, ``invalid_quantity`` for a reserve-by-quantity)."""
    from orion.accounts.validators import ascii_int  # int() also reads non-ASCII digits

    try:
        quantity = ascii_int(value)
    except (TypeError, ValueError):
        raise error(f"Enter the {what} as a whole number from 1 to {limit:,}.",
                    field="quantity") from None
    if not 1 <= quantity <= limit:
        raise error(f"The {what} must be from 1 to {limit:,} (not {quantity:,}).",
                    field="quantity")
    return quantity


def backorder_create(*, user: User, order_id: int, npa: str, nxx: str = "",
                     quantity: object, is_for_trunking: bool = False) -> Backorder:
    """Enter the number of backordered DIDs: numbers the inventory cannot supply yet.

    A second backorder for the same NPA/NXX on the draft adds to the first.
    """
    npa = clean_npa(npa)
    nxx = clean_nxx(nxx) if nxx else ""
    qty = _clean_quantity(quantity, limit=Backorder.MAX_QUANTITY,
                          what="number of backordered DIDs")
    with transaction.atomic():
        order = _draft(user=user, order_id=order_id)
        existing = order.did_backorders.select_for_update().filter(
            npa=npa, nxx=nxx, is_for_trunking=is_for_trunking).first()
        if existing is not None:
            if existing.quantity + qty > Backorder.MAX_QUANTITY:
                raise InvalidBackorder(
                    f"{existing.prefix} already has {existing.quantity} backordered; at most "
                    f"{Backorder.MAX_QUANTITY:,} per backorder.", field="quantity")
            existing.quantity += qty
            existing.save(update_fields=["quantity"])
            return existing
        return Backorder.objects.create(order=order, npa=npa, nxx=nxx, quantity=qty,
                                        is_for_trunking=is_for_trunking, created_by=user)


def backorder_remove(*, user: User, order_id: int, backorder_id: int) -> None:
    with transaction.atomic():
        order = _draft(user=user, order_id=order_id)
        deleted, _ = order.did_backorders.filter(pk=backorder_id).delete()
        if not deleted:
            raise NotFound("That backorder is not on this order.")


@dataclass(frozen=True)
class DidsOrdered:
    """What one press of Order did: numbers reserved (or not, and why) and the backorder."""

    reserve: ReserveResult | None
    backorder: Backorder | None
    reserved_until: datetime | None

    @property
    def message(self) -> str:
        parts = []
        if self.reserve and self.reserve.reserved:
            n = len(self.reserve.reserved)
            until = timezone.localtime(self.reserved_until).strftime("%H:%M") \
                if self.reserved_until else ""
            parts.append(f"{n} DID{'s' if n != 1 else ''} reserved until {until}; press Save "
                         "Order to keep them.")
        if self.backorder:
            parts.append(f"{self.backorder.quantity} DIDs backordered in "
                         f"{self.backorder.prefix}.")
        return " ".join(parts)


def order_dids_order(*, user: User, order_id: int, numbers: Iterable[str] = (),
                     trunking: Iterable[str] = (), npa: str = "", nxx: str = "",
                     backorder_quantity: object = "",
                     backorder_trunking: bool = False) -> DidsOrdered:
    """The Order button of Select DIDs: reserve the ticked numbers and record the backorder.

    All or nothing for bad input (an invalid backorder quantity reserves nothing); numbers that
    another order took meanwhile are reported in the result and the rest is kept.
    """
    numbers, trunking = list(numbers), list(trunking)
    wants_backorder = str(backorder_quantity or "").strip() != ""
    if not numbers and not trunking and not wants_backorder:
        raise NumberError("Tick at least one number, or enter the number of backordered DIDs.",
                          code="no_number_selected")
    with transaction.atomic():
        backorder = None
        if wants_backorder:
            if not npa:
                raise InvalidBackorder("Search an NPA (and NXX) first: a backorder is for an "
                                       "NPA.", field="npa")
            backorder = backorder_create(user=user, order_id=order_id, npa=npa, nxx=nxx,
                                         quantity=backorder_quantity,
                                         is_for_trunking=backorder_trunking)
        reserve = None
        if numbers or trunking:
            reserve = numbers_reserve(user=user, order_id=order_id, numbers=numbers,
                                      trunking=trunking)
        until = (DID.objects.filter(order_id=order_id, state=S.RESERVED)
                 .values_list("reserved_until", flat=True).first())
    return DidsOrdered(reserve=reserve, backorder=backorder, reserved_until=until)


# --- Save Order --------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlacedNumbers:
    assigned: int
    backordered: int
    extra_dids: int


def order_numbers_place(*, order: Order, user: User) -> PlacedNumbers:
    """Save Order's DID step, inside its transaction (the order row is already locked).

    Turns the draft's reservations into the customer's numbers and counts the DIDs beyond the
    packages' allowance (``extra_dids``; Save Order bills them as an "Additional DID" line).
    Backordered DIDs count as ordered: the staff queue fills them later.
    """
    if order.customer_id is None:
        raise NumberError("The order has no customer yet; numbers cannot be assigned.")
    dids_move(queryset=DID.objects.filter(order_id=order.pk), to=S.ASSIGNED,
              from_states=[S.RESERVED], by=user, order=order,
              note=f"Saved as order {order.number or order.pk}.",
              customer_id=order.customer_id, reserved_until=None)
    assigned = DID.objects.filter(order_id=order.pk, state=S.ASSIGNED).count()
    backordered = order.did_backorders.aggregate(n=Sum("quantity"))["n"] or 0
    extra = max(0, assigned + backordered - included_dids(order=order))
    logger.info("order %s: %s DIDs assigned, %s backordered, %s charged as extra",
                order.number or order.pk, assigned, backordered, extra)
    return PlacedNumbers(assigned=assigned, backordered=backordered, extra_dids=extra)


def included_dids(*, order: Order) -> int:
    """DIDs the order's packages include at no charge (today's catalog on a draft)."""
    total = 0
    for line in order.lines.select_related("package"):
        if line.package.is_extra_did:
            continue
        per_unit = line.package.included_dids if order.is_draft else line.included_dids
        total += per_unit * line.quantity
    return total


# --- periodic ---------------------------------------------------------------------------------

def numbers_expire_reservations(*, now: datetime | None = None, batch: int = 1000) -> int:
    """Free reservations that ran out, and those of drafts that are no longer drafts.

    Periodic (``orion numbers expire``; a Procrastinate periodic task later). Works in batches,
    skipping rows a Save Order holds at this moment: that save assigns them.
    """
    now = now or timezone.now()
    stale = DID.objects.filter(state=S.RESERVED).filter(
        reserved_until__lt=now) | DID.objects.filter(state=S.RESERVED).exclude(
        order__state=OrderState.DRAFT)
    freed = 0
    while True:
        with transaction.atomic():
            moved = dids_move(queryset=stale, to=S.AVAILABLE, from_states=[S.RESERVED],
                              note="Reservation expired.", limit=batch, skip_locked=True,
                              order_id=None, reserved_until=None, is_for_trunking=False)
        freed += len(moved)
        if len(moved) < batch:
            break
    if freed:
        logger.info("numbers: %s expired reservations freed", freed)
    return freed


def numbers_end_quarantine(*, now: datetime | None = None, batch: int = 1000) -> int:
    """Numbers whose aging period is over become available again."""
    now = now or timezone.now()
    freed = 0
    while True:
        with transaction.atomic():
            moved = dids_move(
                queryset=DID.objects.filter(quarantined_until__lt=now), to=S.AVAILABLE,
                from_states=[S.QUARANTINED], note="Aging period over.", limit=batch,
                skip_locked=True, quarantined_until=None)
        freed += len(moved)
        if len(moved) < batch:
            break
    return freed


# --- staff: inventory and backorders ------------------------------------------------------------

def order_numbers_quarantine(*, order: Order, by: User | None, note: str) -> int:
    """An order ended before its numbers were in service (cancelled): they age in quarantine
    before anyone else may take them, since some may already have reached BroadWorks.
    Returns how many numbers were taken back."""
    return len(dids_move(
        queryset=DID.objects.filter(order_id=order.pk), to=S.QUARANTINED,
        from_states=[S.ASSIGNED], by=by, order=order, note=note, order_id=None,
        customer_id=None, reserved_until=None, backorder_id=None,
        quarantined_until=timezone.now() + timedelta(days=conf.quarantine_days())))


def number_release(*, user: User, did_id: int, note: str = "") -> DID:
    """Staff: take a number back from its customer; it ages before it is sold again."""
    require_staff(user)
    with transaction.atomic():
        before = DID.objects.filter(pk=did_id).values("state", "customer_id", "order_id").first()
        if before and before["state"] == S.ASSIGNED and before["customer_id"] is not None:
            # It is in the customer's BroadWorks group: taking it back here alone would leave
            # it there, to be resold and to fail the next order.
            raise NumberInService(
                "This number is in service with its customer in BroadWorks. Give it back with "
                "a change order for that customer (or cancel its order if it never "
                "completed); releasing it here alone would leave it in BroadWorks.")
        did = _number_transition(
            did_id=did_id, to=S.QUARANTINED, by=user, note=note or "Released by staff.",
            order_id=None, customer_id=None, backorder_id=None, is_for_trunking=False,
            quarantined_until=timezone.now() + timedelta(days=conf.quarantine_days()))
        audit_record(actor=user, action="number.release", obj=did, reason=note,
                     changes={"state": [before and before["state"], did.state],
                              "customer": [before and before["customer_id"], None],
                              "order": [before and before["order_id"], None]})
        return did


def number_quarantine(*, user: User, did_id: int, days: int | None = None,
                      note: str = "") -> DID:
    """Staff: keep a free number out of sale (a reported bad number, a recent port-out)."""
    require_staff(user)
    days = conf.quarantine_days() if days is None else days
    if not 1 <= days <= 3650:
        raise NumberError("Quarantine for 1 to 3,650 days.")
    with transaction.atomic():
        did = _number_transition(did_id=did_id, to=S.QUARANTINED, by=user,
                                 note=note or "Quarantined by staff.",
                                 quarantined_until=timezone.now() + timedelta(days=days))
        audit_record(actor=user, action="number.quarantine", obj=did, reason=note,
                     changes={"state": [S.AVAILABLE, did.state], "days": days})
        return did


def number_unquarantine(*, user: User, did_id: int) -> DID:
    """Staff: end a quarantine early."""
    require_staff(user)
    with transaction.atomic():
        did = _number_transition(did_id=did_id, to=S.AVAILABLE, by=user,
                                 note="Made available by staff.", quarantined_until=None)
        audit_record(actor=user, action="number.unquarantine", obj=did,
                     changes={"state": [S.QUARANTINED, did.state]})
        return did


def backorder_fill(*, user: User, backorder_id: int) -> int:
    """Staff: assign free matching numbers to an open backorder, as many as are pending.

    Fills partially when fewer are free (Partial), fully otherwise (Complete).
    """
    require_staff(user)
    with transaction.atomic():
        bo = (Backorder.objects.select_for_update(of=("self",)).select_related("order")
              .filter(pk=backorder_id).first())
        if bo is None:
            raise NotFound("No such backorder.")
        order = bo.order
        if order.state in (OrderState.DRAFT, OrderState.CANCELLED):
            raise NumberError(f"Order {order} is {order.get_state_display().lower()}; its "
                              "backorder cannot be filled.")
        if bo.pending == 0:
            raise NumberError(f"The backorder for {bo.prefix} is already complete.")
        moved = dids_move(queryset=bo.matching_numbers(), to=S.ASSIGNED,
                          from_states=[S.AVAILABLE], by=user, order=order,
                          note=f"Backorder {bo.prefix} filled.", limit=bo.pending,
                          skip_locked=True, lock_order=("npa", "nxx", "e164"), order_id=order.pk,
                          customer_id=order.customer_id,
                          backorder_id=bo.pk, is_for_trunking=bo.is_for_trunking)
        if not moved:
            raise NotEnoughNumbers(f"No free numbers in {bo.prefix} yet; import or add a range "
                                   "first.")
        filled_before = bo.filled
        bo.filled += len(moved)
        bo.save(update_fields=["filled"])
        audit_record(actor=user, action="backorder.fill", obj=bo,
                     changes={"filled": [filled_before, bo.filled],
                              "numbers": [m.e164 for m in moved][:200]})
        # The new numbers must reach BroadWorks too: a provisioned order goes back to work.
        order_numbers_added(order=order, by=user)
    logger.info("backorder %s (order %s): %s filled, %s pending", bo.pk, order, len(moved),
                bo.pending)
    return len(moved)


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
                   progress: Callable[[int], None] | None = None,
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
                      progress: Callable[[int], None] | None = None) -> ImportResult:
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
