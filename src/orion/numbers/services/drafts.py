"""Numbers on draft orders: reserve, remove, backorder; Save Order's numbers; expiry of
reservations; an order's numbers taken back when it is cancelled.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from orion.accounts.models import User
from orion.core.exceptions import NotFound
from orion.numbers import conf
from orion.numbers.exceptions import (
    InvalidBackorder,
    InvalidQuantity,
    NumberError,
    TollFreeNeedsPackage,
)
from orion.numbers.models import DID, MAX_SELECTION, Backorder
from orion.numbers.nanp import (
    TOLL_FREE_NPAS,
    TOLL_FREE_PACKAGE,
    clean_npa,
    clean_nxx,
    display,
    is_toll_free,
    to_e164,
)
from orion.numbers.selectors import order_toll_free_allowance
from orion.numbers.services.moves import (
    _DRAFT_FIELDS,
    _draft_lock_sql,
    _refuse_unless_draft,
    dids_move,
    dids_pick,
)
from orion.numbers.states import NumberState
from orion.orders.models import Order
from orion.orders.states import OrderState

logger = logging.getLogger(__name__)

S = NumberState
# The history note of a number whose reservation ran out (``order_numbers_released`` reads it).
EXPIRED_NOTE = "Reservation expired."

# --- drafts: reserve, remove, backorder ---------------------------------------------------------

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


def _check_toll_free(*, order: Order, adding: int, keeping: Iterable[str] = ()) -> None:
    """Toll-free numbers only with the toll-free package, at most one per package ordered;
    never as local DIDs. ``adding`` new toll-free numbers (``keeping``: already on the order
    and counted in ``adding``)."""
    if adding <= 0:
        return
    allowance = order_toll_free_allowance(order=order)
    if not allowance:
        raise TollFreeNeedsPackage(
            f"Toll-free numbers are for the {TOLL_FREE_PACKAGE} package: add it under the Toll "
            "Free order type first.", field="npa")
    held = (order.dids.filter(npa__in=sorted(TOLL_FREE_NPAS),
                              state__in=[S.RESERVED, S.ASSIGNED])
            .exclude(e164__in=list(keeping)).count())
    if held + adding > allowance:
        raise TollFreeNeedsPackage(
            f"The order has {allowance} {TOLL_FREE_PACKAGE} package{'s' if allowance != 1 else ''}"
            f" and {held} toll-free number{'s' if held != 1 else ''} on it: select at most "
            f"{max(0, allowance - held)} more, or raise the package's quantity.", field="npa")


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
    toll_free = {n for n in wanted if is_toll_free(n[2:5])}
    with transaction.atomic():
        order = _draft(user=user, order_id=order_id)
        until = _reservation_end()
        mine = set(order.dids.filter(e164__in=wanted, state=S.RESERVED)
                   .values_list("e164", flat=True))
        _check_toll_free(order=order, adding=len(toll_free - mine))
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
    if is_toll_free(npa):
        _check_toll_free(order=_draft(user=user, order_id=order_id), adding=quantity)
    # One statement, so no transaction of its own (one round trip): it locks the draft, then
    # picks, moves and logs the numbers, or moves none and says how many were free.
    moved = dids_pick(prefix=(npa, nxx), draft=(user, order_id), all_or_none=True,
                      to=S.RESERVED, from_states=[S.AVAILABLE], by=user,
                      note="Ordered on the draft.", limit=quantity,
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



def order_draft_numbers_release(*, order: Order, by: User | None) -> int:
    """A discarded draft's reserved numbers are free for others at once (the caller holds the
    draft's lock). Returns how many were released."""
    return len(dids_move(queryset=DID.objects.filter(order_id=order.pk), to=S.AVAILABLE,
                         from_states=[S.RESERVED], by=by, order=order,
                         note="Draft discarded.", order_id=None, reserved_until=None,
                         is_for_trunking=False))


def numbers_renew_reservations(*, user: User, order_id: int) -> datetime | None:
    """The partner is still working on the draft: its reserved numbers stay reserved for the
    full reservation time from now. Returns the new end, or None without reserved numbers.

    Numbers the periodic job already released are not taken back here: another order may
    have them now (Save Order names them instead, see ``order_numbers_released``).
    """
    with transaction.atomic():
        order = _draft(user=user, order_id=order_id)
        until = _reservation_end()
        renewed = order.dids.filter(state=S.RESERVED).update(reserved_until=until)
    return until if renewed else None


def order_numbers_released(*, order: Order) -> list[str]:
    """Numbers that were reserved to this draft and released because the reservation ran
    out, and that are not back on it (E.164, in number order). Save Order refuses to go on
    without them unless the partner says so: saving silently without them lost numbers."""
    from orion.numbers.models import DIDEvent

    expired = set(DIDEvent.objects.filter(order_id=order.pk, to_state=S.AVAILABLE,
                                          note=EXPIRED_NOTE).values_list("did__e164", flat=True))
    if not expired:
        return []
    back = set(DID.objects.filter(order_id=order.pk, e164__in=expired)
               .values_list("e164", flat=True))
    return sorted(expired - back)


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
        if is_toll_free(npa):
            _check_toll_free(order=order, adding=qty)
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
    # Toll-free numbers are billed by their package, not as DIDs beyond the allowance.
    toll_free = DID.objects.filter(order_id=order.pk, state=S.ASSIGNED,
                                   npa__in=sorted(TOLL_FREE_NPAS)).count()
    backordered = order.did_backorders.aggregate(n=Sum("quantity"))["n"] or 0
    extra = max(0, assigned - toll_free + backordered - included_dids(order=order))
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
                              note=EXPIRED_NOTE, limit=batch, skip_locked=True,
                              order_id=None, reserved_until=None, is_for_trunking=False)
        freed += len(moved)
        if len(moved) < batch:
            break
    if freed:
        logger.info("numbers: %s expired reservations freed", freed)
    return freed



def order_numbers_return(*, order: Order, by: User | None, note: str) -> int:
    """A cancelled order's numbers that were never in service (the order never completed,
    and nothing of it is left in BroadWorks) are available again at once: no caller ever
    reached them, so there is nothing to age. Returns how many numbers were freed."""
    return len(dids_move(
        queryset=DID.objects.filter(order_id=order.pk), to=S.AVAILABLE,
        from_states=[S.ASSIGNED], by=by, order=order, note=note, order_id=None,
        customer_id=None, reserved_until=None, backorder_id=None, is_for_trunking=False))


def customer_numbers_quarantine(*, customer_id: int, order: Order, by: User | None,
                                note: str) -> int:
    """A disconnected customer's numbers (whichever order brought them) age in quarantine,
    as a released number does: callers may still dial them for a while. ``order`` is the
    disconnect, named in each number's history. Returns how many numbers were taken back."""
    return len(dids_move(
        queryset=DID.objects.filter(customer_id=customer_id), to=S.QUARANTINED,
        from_states=[S.ASSIGNED], by=by, order=order, note=note, order_id=None,
        customer_id=None, reserved_until=None, backorder_id=None,
        quarantined_until=timezone.now() + timedelta(days=conf.quarantine_days())))


def change_numbers_give_back(*, order: Order, did_ids: Iterable[int], note: str) -> int:
    """A change order reached BroadWorks without some of the customer's numbers: those age in
    quarantine, as a released number does, since callers may still dial them. Only numbers
    still in service move. Returns how many numbers were given back."""
    return len(dids_move(
        queryset=DID.objects.filter(pk__in=list(did_ids)), to=S.QUARANTINED,
        from_states=[S.ASSIGNED], by=None, order=order, note=note, order_id=None,
        customer_id=None, reserved_until=None, backorder_id=None,
        quarantined_until=timezone.now() + timedelta(days=conf.quarantine_days())))


def order_numbers_quarantine(*, order: Order, by: User | None, note: str) -> int:
    """An order ended before its numbers were in service (cancelled): they age in quarantine
    before anyone else may take them, since some may already have reached BroadWorks.
    Returns how many numbers were taken back."""
    return len(dids_move(
        queryset=DID.objects.filter(order_id=order.pk), to=S.QUARANTINED,
        from_states=[S.ASSIGNED], by=by, order=order, note=note, order_id=None,
        customer_id=None, reserved_until=None, backorder_id=None,
        quarantined_until=timezone.now() + timedelta(days=conf.quarantine_days())))


