"""Change orders (day two; TMF622's order item action "modify"): what a customer has now, and
what BroadWorks would refuse of a change, checked before Save Order places it.

A change order's line says "package P: ``previous_quantity`` -> ``quantity``" (0 removes P; a
package the change adds has previous quantity 0). Everything downstream works on the line's
*delta* ``quantity - previous_quantity``: provisioning sums the deltas of a customer's orders
into the group's authorizations, billing bills the delta from the effective date, and the
users follow the increase. So a customer's current quantity of a package is the sum of its
orders' deltas (new and add-services lines are deltas from 0).

Pure reads and checks: no writes here (``orion.orders.services`` places the order).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q

from orion.accounts.models import Customer
from orion.core.clock import local_today
from orion.orders.models import DAY_TWO_KINDS, Order, OrderKind, OrderLine
from orion.orders.states import OrderState

EFFECTIVE_DATE_MAX_AHEAD_DAYS = 730
# Open day-two orders (the order_one_open_day_two_per_customer constraint's states).
_CLOSED = (OrderState.DRAFT, OrderState.COMPLETED, OrderState.CANCELLED)


def customer_current_quantities(*, customer: Customer,
                                exclude_order_id: int | None = None) -> dict[int, int]:
    """Package id -> the quantity the customer has now, from its orders: the lines of its
    placed new and add-services orders that were not cancelled, plus the deltas of its
    completed change orders. Packages it no longer has (0) are left out.

    The same sum as billing's and provisioning's, so the change form starts from what the
    customer is billed for and what BroadWorks was told.
    """
    lines = (OrderLine.objects.filter(order__customer=customer)
             .exclude(order__state__in=(OrderState.DRAFT, OrderState.CANCELLED))
             .exclude(Q(order__kind=OrderKind.CHANGE) & ~Q(order__state=OrderState.COMPLETED))
             .exclude(order__kind=OrderKind.DISCONNECT))
    if exclude_order_id is not None:
        lines = lines.exclude(order_id=exclude_order_id)
    totals: dict[int, int] = defaultdict(int)
    for package_id, quantity, previous in lines.values_list("package_id", "quantity",
                                                           "previous_quantity"):
        totals[package_id] += quantity - previous
    return {pk: qty for pk, qty in totals.items() if qty > 0}


def line_change_label(line: OrderLine) -> str:
    """What a change line does, as the form shows it: "+2", "-1" (a minus sign), "removed",
    "new", or "" when it changes nothing."""
    if line.quantity == line.previous_quantity:
        return ""
    if line.quantity == 0:
        return "removed"
    if line.previous_quantity == 0:
        return "new"
    delta = line.quantity - line.previous_quantity
    return f"+{delta}" if delta > 0 else f"\u2212{-delta}"


def monthly_change(lines: Iterable[OrderLine]) -> Decimal:
    """The change in the monthly total: each monthly line's delta at its price (on a draft
    the quote has put today's catalog prices on the lines)."""
    return sum((line.unit_price * (line.quantity - line.previous_quantity)
                for line in lines if line.charge_type == "MRC"), Decimal("0.00"))


def effective_date_problem(value: date | None, *, time_zone: str) -> str | None:
    """Why ``value`` cannot be a change's effective date, or None. Today is the customer's."""
    if value is None:
        return "Give the effective date: the day the change takes effect (today or later)."
    if value < local_today(time_zone):
        return "The effective date cannot be in the past; choose today or a later day."
    if value > local_today(time_zone) + timedelta(days=EFFECTIVE_DATE_MAX_AHEAD_DAYS):
        return "The effective date may be at most two years ahead."
    return None


def customer_change_problem(customer: Customer) -> str | None:
    """Why no change may be ordered for ``customer`` at all, or None."""
    if customer.cancelled_at is not None:
        return (f"{customer.name} was cancelled with the order that created it; it has no "
                "services to change.")
    if customer.disconnected_at is not None:
        return (f"{customer.name} was disconnected on {customer.disconnected_at:%Y-%m-%d}; a "
                "disconnected customer's services cannot be changed.")
    return None


def open_day_two_order(*, customer: Customer, exclude_order_id: int | None = None
                       ) -> Order | None:
    """The customer's open change or disconnect order (at most one: a database constraint)."""
    orders = (Order.objects.filter(customer=customer, kind__in=DAY_TWO_KINDS)
              .exclude(state__in=_CLOSED))
    if exclude_order_id is not None:
        orders = orders.exclude(pk=exclude_order_id)
    return orders.order_by("pk").first()


def open_day_two_message(other: Order) -> str:
    return (f"{other.account_name} already has an open {other.get_kind_display().lower()} "
            f"({other.number}, {other.get_state_display().lower()}); wait until it is "
            "completed or cancel it, then save this change.")


def change_problems(order: Order) -> dict[str, list[str]]:
    """What BroadWorks would refuse of this change, field -> reasons (the form shows each
    next to its control): the customer may not change, a seat package lowered below the
    users who have it (named), a line whose previous quantity is no longer the customer's
    (another order completed since the form opened), a second open day-two order."""
    customer = order.customer
    assert customer is not None  # the order_existing_customer_kinds_have_customer constraint
    errors: dict[str, list[str]] = {}
    problem = customer_change_problem(customer)
    if problem:
        errors["customer"] = [problem]
        return errors
    other = open_day_two_order(customer=customer, exclude_order_id=order.pk)
    if other is not None:
        errors["effective_date"] = [open_day_two_message(other)]
    current = customer_current_quantities(customer=customer, exclude_order_id=order.pk)
    lines = list(order.lines.select_related("package"))
    for line in lines:
        if line.previous_quantity != current.get(line.package_id, 0):
            errors.setdefault("packages", []).append(
                f"{line.package.name}: the customer now has {current.get(line.package_id, 0)}, "
                f"not {line.previous_quantity} (another order changed it since this form "
                "opened); start the change again.")
    from orion.users.removals import order_removals, removal_problems

    for field, messages in removal_problems(order).items():
        errors.setdefault(field, []).extend(messages)
    for line, names in seats_in_use_below(order=order, lines=lines).items():
        keep = line.quantity
        errors.setdefault("packages", []).append(
            f"{line.package.name} cannot go below {len(names)}: "
            f"{len(names)} user{'s' if len(names) != 1 else ''} "
            f"ha{'ve' if len(names) != 1 else 's'} it ({', '.join(names)}). "
            f"Keep {len(names)} or more (you asked for {keep}).")
    if not any(line.quantity != line.previous_quantity for line in lines) \
            and not order_removals(order):
        errors.setdefault("packages", []).append(
            "Nothing changes yet: raise or lower a quantity, remove a package or add one, "
            "give back a number or remove a user.")
    return errors


def seats_in_use_below(*, order: Order, lines: list[OrderLine]) -> dict[OrderLine, list[str]]:
    """The seat lines this change lowers below the customer's users of that package (those it
    removes do not count), with those users' names (BroadWorks refuses a service pack
    quantity below its usage)."""
    from orion.users.models import OrderUser

    customer = order.customer
    assert customer is not None
    lowered = [line for line in lines
               if line.package.is_seat and line.quantity < line.previous_quantity]
    if not lowered:
        return {}
    users: dict[int, list[str]] = defaultdict(list)
    for package_id, first, last, ext in (
            OrderUser.objects.live().filter(customer=customer, line__package_id__in=[
                line.package_id for line in lowered])
            .exclude(order__state=OrderState.CANCELLED).exclude(order=order)
            .exclude(removals__order=order)  # the users this change removes
            .order_by("extension")
            .values_list("line__package_id", "first_name", "last_name", "extension")):
        users[package_id].append(f"{first} {last} ({ext})")
    return {line: users[line.package_id] for line in lowered
            if len(users[line.package_id]) > line.quantity}


def change_extra_dids(*, order: Order) -> tuple[int, int]:
    """A change's "Additional DID" quantity (before, after): the customer's numbers beyond the
    ones its packages include, before the change (the sum of its orders' Additional DID
    lines, as billed) and after it (its numbers now, plus the change's new ones, less those
    it gives back, beyond what the change's quantities include). Giving numbers back or
    raising an allowance lowers it: the change then carries a decrease line, credited from
    the effective date like any other decrease."""
    from orion.catalog.models import Package
    from orion.numbers.models import DID
    from orion.numbers.states import NumberState

    customer = order.customer
    assert customer is not None  # a change is always of a customer
    package = Package.objects.filter(is_extra_did=True).order_by("pk").first()
    if package is None:
        return 0, 0
    # The quantities after the change: the customer's now, with the change's lines applied
    # (Save Order keeps only the lines that change something).
    quantities = customer_current_quantities(customer=customer, exclude_order_id=order.pk)
    before = quantities.get(package.pk, 0)
    for package_id, quantity in order.lines.values_list("package_id", "quantity"):
        quantities[package_id] = quantity
    included = sum(allowance * quantities[pk] for pk, allowance in Package.objects.filter(
        pk__in=quantities, is_extra_did=False).values_list("pk", "included_dids"))
    given_back = set(order.removals.filter(number__isnull=False)
                     .values_list("number_id", flat=True))
    held = set(DID.objects.filter(customer=customer, state=NumberState.ASSIGNED)
               .values_list("pk", flat=True))
    added = set(order.dids.filter(state__in=[NumberState.RESERVED, NumberState.ASSIGNED])
                .values_list("pk", flat=True))
    after = max(0, len((held | added) - given_back) - included)
    return before, after
