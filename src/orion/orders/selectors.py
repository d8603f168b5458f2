"""Reads on orders: the quote shown on the form and order lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, QuerySet, Sum

from orion.accounts.models import Customer, User
from orion.audit.models import AuditEntry
from orion.catalog.models import E911_SURCHARGE_PACKAGE
from orion.core.compiled import by_order, fetch_one
from orion.core.exceptions import NotFound
from orion.numbers.models import DID, Backorder
from orion.numbers.selectors import OrderNumbers, orders_numbers
from orion.orders import changes
from orion.orders.models import Order, OrderKind, OrderLine, OrderStateChange
from orion.orders.states import PROVISIONED_STATES


@dataclass(frozen=True)
class Quote:
    lines: list[OrderLine]
    mrc_total: Decimal
    nrc_total: Decimal
    included_dids: int
    seats: int = 0
    by_order_type: dict[str, list[OrderLine]] = field(default_factory=dict)
    # DIDs: numbers on the order plus backordered ones, and those beyond the allowance that
    # are charged as "Additional DID" (a virtual line on a draft, a real line once saved).
    dids_selected: int = 0
    dids_backordered: int = 0
    extra_dids: int = 0
    extra_did_price: Decimal = Decimal("0.00")
    # The order's DIDs and backorders the totals were computed from: pages show these rather
    # than reading them a second time.
    numbers: OrderNumbers | None = None

    @property
    def extra_did_amount(self) -> Decimal:
        return self.extra_did_price * self.extra_dids

    # The "E911 Surcharge": one per number with (or due) an E911 location; a virtual line on
    # a draft, the real line once saved (``numbers.services.e911.e911_surcharge_sync``).
    e911_count: int = 0
    e911_price: Decimal = Decimal("0.00")

    @property
    def e911_amount(self) -> Decimal:
        return self.e911_price * self.e911_count


def order_quote(*, order: Order) -> Quote:
    """Totals of the order's lines: monthly (MRC), one-time (NRC), DIDs included at no charge.

    Drafts show today's catalog price; saved orders show the price frozen at Save Order. DIDs
    beyond the included ones cost the "Additional DID" package each month: on a draft that
    charge is computed here; Save Order freezes it as a line.
    """
    return order_quotes(orders=[order])[order.pk]


def order_quotes(*, orders: Sequence[Order]) -> dict[int, Quote]:
    """``order_quote`` of several orders (by id) with one read of their lines, numbers,
    backorders and number prices, not one of each per order (the dashboard's open drafts)."""
    by_id = {order.pk: order for order in orders}
    lines: dict[int, list[OrderLine]] = {pk: [] for pk in by_id}
    for line in by_order(OrderLine, list(by_id), "quote_lines",
                         related=("package__order_type",)):
        line.order = by_id[line.order_id]  # as ``order.lines`` would: no query to reach it
        lines[line.order_id].append(line)
    totals = {pk: _line_totals(by_id[pk], lines[pk]) for pk in by_id}
    numbers = orders_numbers(orders=orders,
                             included={pk: t.included for pk, t in totals.items()})
    return {pk: _quote(by_id[pk], totals[pk], numbers[pk]) for pk in by_id}


@dataclass(frozen=True)
class _LineTotals:
    lines: list[OrderLine]
    mrc: Decimal
    nrc: Decimal
    included: int
    seats: int
    grouped: dict[str, list[OrderLine]]


def _line_totals(order: Order, lines: list[OrderLine]) -> _LineTotals:
    if order.is_draft:
        lines = [line for line in lines if not line.package.is_extra_did
                 and line.package.name != E911_SURCHARGE_PACKAGE]
    mrc = nrc = Decimal("0.00")
    included = seats = 0
    grouped: dict[str, list[OrderLine]] = {}
    for line in lines:
        if order.is_draft:
            line.unit_price = line.package.price
            line.charge_type = line.package.charge_type
            line.included_dids = line.package.included_dids
        if line.charge_type == "MRC":
            mrc += line.amount
        else:
            nrc += line.amount
        included += line.included_dids * line.quantity
        seats += line.quantity if line.package.is_seat else 0
        grouped.setdefault(line.package.order_type.name, []).append(line)
    return _LineTotals(lines=lines, mrc=mrc, nrc=nrc, included=included, seats=seats,
                       grouped=grouped)


def _quote(order: Order, totals: _LineTotals, numbers: OrderNumbers) -> Quote:
    lines, mrc = totals.lines, totals.mrc
    extra, extra_price = numbers.extra, numbers.extra_did_price
    if order.is_draft and order.kind == OrderKind.CHANGE and order.customer_id is not None:
        # A change counts the customer's numbers, not only its own: what it gives back too.
        extra = changes.change_extra_dids(order=order)[1]
    e911 = numbers.e911_count
    if order.is_draft:
        mrc += extra_price * extra + numbers.e911_price * e911
    else:
        e911 = 0  # the saved order's own line is among ``lines``
        frozen = next((line for line in lines if line.package.is_extra_did), None)
        extra = frozen.quantity if frozen else 0
        extra_price = frozen.unit_price if frozen else extra_price
    return Quote(lines=lines, mrc_total=mrc, nrc_total=totals.nrc,
                 included_dids=totals.included, seats=totals.seats,
                 by_order_type=totals.grouped, dids_selected=numbers.selected,
                 dids_backordered=numbers.backordered, extra_dids=extra,
                 extra_did_price=extra_price, numbers=numbers, e911_count=e911,
                 e911_price=numbers.e911_price)


def order_get(*, user: User, order_id: int) -> Order:
    """The order if this user may see it; ``NotFound`` otherwise (no existence leak)."""
    def read(pk: int) -> QuerySet[Order]:
        return (Order.objects.visible_to(user)
                .select_related("enterprise", "customer", "partner", "created_by",
                                "placed_by_staff")
                .filter(pk=pk).order_by("pk")[:1])

    # Compiled once per tenancy (what visible_to reads of the user) and process.
    key = ("order_get", bool(user.is_provider_staff), bool(user.is_authenticated),
           getattr(user, "partner_id", None))
    order = fetch_one(key, read, int(order_id))
    if order is None:
        raise NotFound("No such order.")
    return order


def order_history(*, order: Order) -> list[OrderStateChange]:
    """The order's state changes, oldest first, with who made each (the order page)."""
    changes = by_order(OrderStateChange, [order.pk], "history", related=("changed_by",))
    for change in changes:
        change.order = order
    return changes


def order_list(*, user: User, state: str = "", partner_id: int | None = None, kind: str = "",
               q: str = "", include_drafts: bool = False) -> QuerySet[Order]:
    """Orders this user may see, newest first, with the staff list's filters."""
    orders = Order.objects.visible_to(user).select_related(
        "enterprise", "customer", "partner", "created_by", "placed_by_staff")
    if not include_drafts:
        orders = orders.placed()
    if state:
        orders = orders.filter(state=state)
    if partner_id and user.is_provider_staff:
        orders = orders.filter(partner_id=partner_id)
    if kind:
        orders = orders.filter(kind=kind)
    if q:
        orders = orders.filter(number__icontains=q) | orders.filter(
            customer__name__icontains=q) | orders.filter(enterprise__name__icontains=q)
    return orders.order_by("-submitted_at", "-created_at")


@dataclass(frozen=True)
class OpenDraft:
    """A draft on the partner's list of open drafts, with its totals at today's prices."""

    order: Order
    mrc_total: Decimal
    nrc_total: Decimal


def drafts_open(*, user: User, kind: str = "", enterprise_id: int | None = None,
                customer_id: int | None = None, limit: int = 20) -> list[OpenDraft]:
    """The open drafts this user's partner has (staff: all), last changed first.

    A draft counts once anything was put on it: a package, a number, a backorder or a typed
    detail (``version`` > 1); the untouched ones are reused by Add Package Forms and removed
    by the periodic clean-up, so listing them would only be noise.
    """
    from django.db.models import Exists, OuterRef, Q

    drafts = (Order.objects.visible_to(user).filter(state="draft")
              .select_related("enterprise", "customer", "created_by")
              .filter(Q(version__gt=1) | Q(Exists(OrderLine.objects.filter(order=OuterRef("pk"))))
                      | Q(Exists(DID.objects.filter(order=OuterRef("pk"))))
                      | Q(Exists(Backorder.objects.filter(order=OuterRef("pk"))))))
    if kind:
        drafts = drafts.filter(kind=kind)
    if enterprise_id is not None:
        drafts = drafts.filter(enterprise_id=enterprise_id)
    if customer_id is not None:
        drafts = drafts.filter(customer_id=customer_id)
    found = list(drafts.order_by("-updated_at")[:limit])
    quotes = order_quotes(orders=found)
    return [OpenDraft(order=order, mrc_total=quotes[order.pk].mrc_total,
                      nrc_total=quotes[order.pk].nrc_total) for order in found]


def order_billing_date_changes(*, order: Order) -> list[AuditEntry]:
    """The Billing Start Date's history on the order page: the audit rows, oldest first."""
    return list(AuditEntry.objects.filter(
        action="order.billing_start_date_change", object_type=Order._meta.label,
        object_id=str(order.pk)).order_by("at", "id"))


@dataclass(frozen=True)
class CurrentService:
    """One package a customer has: its quantities summed over the provisioned orders."""

    order_type: str
    package: str
    quantity: int


def customer_services(*, customer: Customer) -> list[CurrentService]:
    """What the customer has now: the lines of its completed and partial orders (``orders.
    states.PROVISIONED_STATES``), one row per package with the quantities summed. A
    completed change order's line counts its delta (``quantity - previous_quantity``: a
    package it removed is gone). A disconnected customer has nothing any more (its orders
    stay, as its history)."""
    if customer.disconnected_at is not None:
        return []
    rows = (OrderLine.objects
            .filter(order__customer=customer, order__state__in=PROVISIONED_STATES)
            .values("package__order_type__name", "package__name")
            .annotate(total=Sum(F("quantity") - F("previous_quantity")))
            .filter(total__gt=0)
            .order_by("package__order_type__name", "package__name"))
    return [CurrentService(order_type=row["package__order_type__name"],
                           package=row["package__name"], quantity=row["total"])
            for row in rows]
