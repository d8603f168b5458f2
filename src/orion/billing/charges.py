"""The billing arithmetic: pure functions on dates and ``Decimal``, no database.

The rules (docs/billing.md says the same, for billing staff):

* Money is ``Decimal``; every amount is rounded per order line to cents, ROUND_HALF_UP.
* A line's price is ``unit_price x quantity`` (prices frozen on the order at Save Order).
* **NRC** (one-time): the full line price, once, in the month of the Billing Start Date.
* **MRC** (monthly): billed for each day from the Billing Start Date up to and including the
  last day of service (the day of a cancellation, in the customer's time zone; no end while
  the service lives). For days ``a..b`` of a month of ``D`` days the charge is
  ``round(P * b / D) - round(P * (a - 1) / D)`` ("cumulative rounding"). A whole month is
  exactly ``P``; a period that starts on the 1st is ``round(P * days / D)``; and however a
  month is cut into periods, the periods add up to exactly ``P`` (no cent is lost or gained).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from orion.billing.exceptions import InvalidMonth
from orion.core.clock import local_date as local_date  # billing's name for the shared rule

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MRC = "MRC"
NRC = "NRC"
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")  # ASCII: \d is any script's digit


def money(value: Decimal) -> Decimal:
    """Round to cents, half up (the one rounding rule of billing)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, order=True)
class BillingMonth:
    """A calendar month, the unit of invoicing (``2026-12``)."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1 <= self.month <= 12 and 2000 <= self.year <= 2999):
            raise InvalidMonth(f"{self.year:04d}-{self.month:02d} is not a month; use YYYY-MM, "
                               "e.g. 2026-12.")

    @classmethod
    def parse(cls, text: str) -> BillingMonth:
        match = _MONTH.match((text or "").strip())
        if not match:
            raise InvalidMonth(f"{text!r} is not a month; use YYYY-MM, e.g. 2026-12.")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: date) -> BillingMonth:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def days(self) -> int:
        return calendar.monthrange(self.year, self.month)[1]

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, self.days)

    def next(self) -> BillingMonth:
        return BillingMonth.of(self.last + timedelta(days=1))

    def previous(self) -> BillingMonth:
        return BillingMonth.of(self.first - timedelta(days=1))

    def label(self) -> str:
        return self.first.strftime("%B %Y")


def prorate(price: Decimal, *, first_day: int, last_day: int, days_in_month: int) -> Decimal:
    """The charge for days ``first_day..last_day`` (1-based, inclusive) of a monthly ``price``.

    Cumulative rounding (see the module docstring): any split of a month sums to ``price``.
    """
    if not 1 <= first_day <= last_day <= days_in_month:
        raise ValueError(f"days {first_day}..{last_day} are not within 1..{days_in_month}")
    upto_last = money(price * last_day / days_in_month)
    before_first = money(price * (first_day - 1) / days_in_month)
    return upto_last - before_first


@dataclass(frozen=True)
class Subscription:
    """One billable order line: what was ordered, at which frozen price, billed from when.

    Named after Kill Bill's subscription: ``billing_start`` (the Billing Start Date) and
    ``activated_on`` (the service/entitlement date) are separate; a subscription whose billing
    start is still ahead is PENDING.
    """

    line_id: int
    order_id: int
    order_number: str
    customer_id: int
    customer_name: str
    enterprise_name: str
    partner_name: str
    time_zone: str
    package: str
    charge_type: str
    quantity: int
    unit_price: Decimal
    billing_start: date
    activated_on: date | None = None
    ends_on: date | None = None  # last billed day (a cancellation's day), inclusive

    @property
    def price(self) -> Decimal:
        return money(self.unit_price * self.quantity)

    def status(self, today: date) -> str:
        if self.ends_on is not None and self.ends_on < today:
            return "CANCELLED"
        if self.billing_start > today:
            return "PENDING"
        return "ACTIVE"


@dataclass(frozen=True)
class Charge:
    """One invoice line: a subscription's charge for one period of one month."""

    subscription: Subscription
    month: BillingMonth
    period_start: date
    period_end: date
    amount: Decimal

    @property
    def days(self) -> int:
        return (self.period_end - self.period_start).days + 1

    @property
    def is_prorated(self) -> bool:
        s = self.subscription
        return s.charge_type == MRC and self.days != self.month.days

    @property
    def period(self) -> str:
        if self.period_start == self.period_end:
            return f"{self.period_start:%Y-%m-%d}"
        return f"{self.period_start:%Y-%m-%d}..{self.period_end:%Y-%m-%d}"


def charge_for(sub: Subscription, month: BillingMonth) -> Charge | None:
    """What ``sub`` costs in ``month``, or None when nothing is billed that month."""
    if sub.ends_on is not None and sub.ends_on < sub.billing_start:
        return None  # cancelled before billing began: never billed
    if sub.charge_type == NRC:
        if BillingMonth.of(sub.billing_start) != month:
            return None
        return Charge(sub, month, sub.billing_start, sub.billing_start, sub.price)
    start = max(sub.billing_start, month.first)
    end = min(sub.ends_on or month.last, month.last)
    if start > end:
        return None
    amount = prorate(sub.price, first_day=start.day, last_day=end.day,
                     days_in_month=month.days)
    return Charge(sub, month, start, end, amount)


def _sort_key(sub: Subscription) -> tuple:
    return (sub.partner_name, sub.enterprise_name, sub.customer_name, sub.customer_id,
            sub.order_number, sub.charge_type, sub.package, sub.line_id)


def charges_for_month(subscriptions: Iterable[Subscription], month: BillingMonth) -> list[Charge]:
    """Every charge of ``month``, in a fixed order (so two runs give byte-identical exports)."""
    charges = (charge_for(sub, month) for sub in sorted(subscriptions, key=_sort_key))
    return [c for c in charges if c is not None]


@dataclass
class CustomerTotal:
    customer_id: int
    customer_name: str
    partner_name: str
    mrc: Decimal = ZERO
    nrc: Decimal = ZERO
    lines: int = 0

    @property
    def total(self) -> Decimal:
        return self.mrc + self.nrc


@dataclass
class Totals:
    mrc: Decimal = ZERO
    nrc: Decimal = ZERO
    customers: list[CustomerTotal] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return self.mrc + self.nrc


def totals(charges: Iterable[Charge]) -> Totals:
    result = Totals()
    by_customer: dict[int, CustomerTotal] = {}
    for charge in charges:
        sub = charge.subscription
        row = by_customer.get(sub.customer_id)
        if row is None:
            row = by_customer[sub.customer_id] = CustomerTotal(
                sub.customer_id, sub.customer_name, sub.partner_name)
            result.customers.append(row)
        row.lines += 1
        if sub.charge_type == NRC:
            row.nrc += charge.amount
            result.nrc += charge.amount
        else:
            row.mrc += charge.amount
            result.mrc += charge.amount
    return result
