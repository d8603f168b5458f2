"""Reads for billing: subscriptions from order lines, invoices, the Billing tab, the export.

Everything is scoped by ``visible_to(user)``: partner users see their own customers only,
provider staff see all partners. A customer another partner owns is ``NotFound``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from orion.accounts.models import Customer, User, Viewer
from orion.billing import charges as ch
from orion.billing.charges import BillingMonth, Charge, Subscription, Totals
from orion.billing.models import InvoiceRunLine
from orion.core.clock import local_today
from orion.core.exceptions import NotFound
from orion.orders.models import Order, OrderKind, OrderLine, OrderStateChange
from orion.orders.states import OrderState

HISTORY_MONTHS = 24


class _System:
    """The reader behind ``orion billing export`` (a console, no login): every partner."""

    is_provider_staff = True
    is_authenticated = True
    partner_id = None
    username = "system"


SYSTEM = _System()


def subscriptions(*, user: Viewer, customer_id: int | None = None, partner_id: int | None = None,
                  month: BillingMonth | None = None) -> list[Subscription]:
    """The billable order lines: of placed orders that were not rejected.

    A cancelled order bills up to the end of the day of its cancellation, in the customer's
    time zone. ``month`` only narrows the query (lines starting after it cannot bill in it).
    """
    orders = Order.objects.visible_to(user).placed()
    if customer_id is not None:
        orders = orders.filter(customer_id=customer_id)
    if partner_id is not None:
        orders = orders.filter(partner_id=partner_id)
    if month is not None:
        orders = orders.filter(billing_start_date__lte=month.last)
    lines = (OrderLine.objects.filter(order__in=orders)
             .select_related("order__customer", "order__enterprise", "order__partner",
                             "package")
             .order_by("id"))
    cancelled_at = dict(
        OrderStateChange.objects.filter(order__in=orders, to_state=OrderState.CANCELLED)
        .values_list("order_id", "changed_at"))
    # A completed disconnect ends every subscription of its customer on the disconnect day
    # (billed through the end of it, in the customer's time zone).
    disconnected_on = dict(
        Order.objects.filter(kind=OrderKind.DISCONNECT, state=OrderState.COMPLETED,
                             customer_id__in=orders.values("customer_id"))
        .values_list("customer_id", "effective_date"))
    result = []
    for line in lines:
        order = line.order
        customer = order.customer
        # placed orders are complete (the order_placed_is_complete constraint)
        assert customer is not None and order.enterprise is not None
        assert order.billing_start_date is not None
        tz = customer.time_zone
        ends_on = None
        if order.state == OrderState.CANCELLED:
            moment = cancelled_at.get(order.pk) or order.updated_at
            ends_on = ch.local_date(moment, tz)
        last_day = disconnected_on.get(customer.pk)
        if last_day is not None and (ends_on is None or last_day < ends_on):
            ends_on = last_day
        result.append(Subscription(
            line_id=line.pk, order_id=order.pk, order_number=order.number or "",
            customer_id=customer.pk, customer_name=customer.name,
            enterprise_name=order.enterprise.name, partner_name=order.partner.name,
            time_zone=tz, package=line.package.name, charge_type=line.charge_type,
            # A change order's line bills its delta from the effective date (its Billing
            # Start Date): +2 seats bill two more, a removal is a negative (credit) line; the
            # lines of the orders before it keep their frozen prices. Other lines: 0 before.
            quantity=line.quantity - line.previous_quantity, unit_price=line.unit_price,
            billing_start=order.billing_start_date,
            activated_on=ch.local_date(order.activated_at, tz) if order.activated_at else None,
            ends_on=ends_on))
    return result


@dataclass
class Invoice:
    """A dry run (Kill Bill's invoice preview) or an export: the charges of one month."""

    month: BillingMonth
    charges: list[Charge]
    totals: Totals


def invoice_for(subs: Iterable[Subscription], month: BillingMonth) -> Invoice:
    found = ch.charges_for_month(subs, month)
    return Invoice(month=month, charges=found, totals=ch.totals(found))


def customer_for_billing(*, user: User, customer_id: int) -> Customer:
    customer = (Customer.objects.visible_to(user).select_related("enterprise")
                .filter(pk=customer_id).first())
    if customer is None:
        raise NotFound("No such customer.")
    return customer


def invoice_preview(*, user: User, customer_id: int, month: BillingMonth) -> Invoice:
    """What the customer's invoice for ``month`` holds, computed now; nothing is stored."""
    customer = customer_for_billing(user=user, customer_id=customer_id)
    return invoice_for(subscriptions(user=user, customer_id=customer.pk, month=month), month)


def billing_export(*, user: Viewer, month: BillingMonth, partner_id: int | None = None) -> Invoice:
    """Every customer line of ``month`` this user may see (staff: all partners, or one)."""
    return invoice_for(subscriptions(user=user, partner_id=partner_id, month=month), month)


@dataclass(frozen=True)
class Upcoming:
    on: date
    subscription: Subscription
    amount: Decimal
    what: str


@dataclass(frozen=True)
class MonthTotal:
    month: BillingMonth
    mrc: Decimal
    nrc: Decimal

    @property
    def total(self) -> Decimal:
        return self.mrc + self.nrc


@dataclass
class CustomerBilling:
    """The customer page's Billing tab."""

    customer: Customer
    today: date
    current: Invoice
    next: Invoice
    monthly_recurring: Decimal
    subscriptions: list[tuple[Subscription, str]]
    upcoming: list[Upcoming]
    history: list[MonthTotal]
    runs: list[dict] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)


def customer_billing(*, user: User, customer_id: int, today: date | None = None
                     ) -> CustomerBilling:
    customer = customer_for_billing(user=user, customer_id=customer_id)
    today = today or local_today(customer.time_zone)
    subs = subscriptions(user=user, customer_id=customer.pk)
    this_month = BillingMonth.of(today)
    live = [s for s in subs if s.ends_on is None or s.ends_on >= today]
    upcoming: list[Upcoming] = []
    for sub in live:
        if sub.billing_start <= today:
            continue
        if sub.charge_type == ch.NRC:
            upcoming.append(Upcoming(sub.billing_start, sub, sub.price, "one-time charge"))
        else:
            first = ch.charge_for(sub, BillingMonth.of(sub.billing_start))
            if first is not None:
                what = ("first month, prorated " f"{first.days}/{first.month.days} days"
                        if first.is_prorated else "first month")
                upcoming.append(Upcoming(sub.billing_start, sub, first.amount, what))
    upcoming.sort(key=lambda u: (u.on, u.subscription.package, u.subscription.line_id))
    history: list[MonthTotal] = []
    if subs:
        month = this_month.previous()
        earliest = BillingMonth.of(min(s.billing_start for s in subs))
        while month >= earliest and len(history) < HISTORY_MONTHS:
            t = invoice_for(subs, month).totals
            history.append(MonthTotal(month, t.mrc, t.nrc))
            month = month.previous()
    runs = list(
        InvoiceRunLine.objects.filter(customer=customer)
        .values("run_id", "run__month", "run__created_at")
        .annotate(total=Sum("amount"))
        .order_by("-run__created_at", "-run_id")[:12])
    orders = list(Order.objects.visible_to(user).placed().filter(customer=customer)
                  .exclude(state=OrderState.CANCELLED)
                  .order_by("-submitted_at"))
    return CustomerBilling(
        customer=customer, today=today, current=invoice_for(subs, this_month),
        next=invoice_for(subs, this_month.next()),
        monthly_recurring=sum((s.price for s in live if s.charge_type == ch.MRC),
                              Decimal("0.00")),
        subscriptions=[(s, s.status(today)) for s in subs], upcoming=upcoming,
        history=history, runs=runs, orders=orders)

