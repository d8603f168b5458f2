"""Disconnect orders: a customer leaves (TMF622's order item action *delete*).

A disconnect is saved in one step (there is nothing to draft): ``order_disconnect_save``
checks everything first, then in one transaction numbers and acknowledges the order, cancels
the customer's open drafts (their reserved numbers go back to the inventory) and defers its
provisioning job to the disconnect date (``provisioning.queue``), where
``provisioning.disconnect`` removes the group from BroadWorks. Until that date the partner
may cancel it (``order_disconnect_cancel``); staff may cancel it while it has not started.

One open change or disconnect per customer: the customer row is locked while saving, so two
tabs saving at once are told about each other in order; the database's
``order_one_open_day_two_per_customer`` constraint backs it for any other path.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from orion.accounts.models import Customer, User
from orion.accounts.validators import clean_text
from orion.audit.services import audit_record
from orion.catalog.models import Package
from orion.core.clock import local_today
from orion.core.exceptions import NotFound
from orion.numbers.services import order_draft_numbers_release
from orion.orders.exceptions import OrderError, OrderValidationError
from orion.orders.lifecycle import clean_reason, order_transition
from orion.orders.models import (
    DAY_TWO_KINDS,
    DISCONNECT_REASON_MAX_LENGTH,
    MAX_QUANTITY,
    Order,
    OrderKind,
    OrderLine,
)
from orion.orders.states import OrderState
from orion.provisioning.queue import order_provisioning_start

logger = logging.getLogger(__name__)
OPEN_EXCLUDED = (OrderState.DRAFT, OrderState.COMPLETED, OrderState.CANCELLED)
# The states in which a disconnect has not started removing anything.
NOT_STARTED = (OrderState.ACKNOWLEDGED,)


def termination_fee_packages() -> QuerySet[Package]:
    """The catalog's early termination fees (one-time charges) a disconnect may bill."""
    return Package.objects.filter(is_active=True, charge_type="NRC",
                                  name__icontains="termination").order_by("sort_order", "name")


def disconnect_date_problem(value: date | None, *, time_zone: str) -> str | None:
    """Why a disconnect date is refused (None: fine). Today or later, in the customer's
    time zone: BroadWorks cannot be told to have removed the group yesterday."""
    if value is None:
        return "Enter the disconnect date."
    today = local_today(time_zone)
    if value < today:
        return (f"The disconnect date cannot be in the past: today is {today:%Y-%m-%d} in "
                "the customer's time zone.")
    return None


def open_day_two_order(customer: Customer) -> Order | None:
    """The customer's change or disconnect that is saved and not finished, if any."""
    return (Order.objects.filter(customer=customer, kind__in=DAY_TWO_KINDS)
            .exclude(state__in=OPEN_EXCLUDED).order_by("-submitted_at").first())


def customer_disconnect_problem(customer: Customer) -> str | None:
    """Why this customer cannot be disconnected now (None: it can)."""
    if customer.cancelled_at is not None:
        return (f"{customer.name} was cancelled with the order that created it; there is "
                "nothing to disconnect.")
    if customer.disconnected_at is not None:
        return f"{customer.name} is already disconnected."
    if customer.activated_at is None:
        return (f"{customer.name} is not active yet (its first order is still being "
                "provisioned); cancel that order instead of disconnecting.")
    if customer.is_trunking:
        return (f"{customer.name} is a Trunking customer: its trunk was set up by hand, and "
                "operations take it down the same way; ask them to disconnect it.")
    pending = open_day_two_order(customer)
    if pending is not None:
        what = "disconnect" if pending.kind == OrderKind.DISCONNECT else "change"
        return (f"{customer.name} already has an open {what} order ({pending.number}); wait "
                "for it to complete or cancel it first.")
    return None


def other_live_customers(customer: Customer) -> list[str]:
    """The enterprise's other customers that are neither cancelled nor disconnected."""
    return list(Customer.objects.filter(enterprise_id=customer.enterprise_id,
                                        cancelled_at__isnull=True, disconnected_at__isnull=True)
                .exclude(pk=customer.pk).order_by("name").values_list("name", flat=True))


@dataclass(frozen=True)
class DisconnectDetails:
    """What the disconnect form (or the API) entered."""

    effective_date: date | None
    reason: str
    remove_enterprise: bool = False
    termination_fee_id: int | None = None
    termination_fee_quantity: int = 1


def _clean(customer: Customer, details: DisconnectDetails) -> tuple[str, Package | None]:
    errors: dict[str, list[str]] = {}
    problem = disconnect_date_problem(details.effective_date, time_zone=customer.time_zone)
    if problem:
        errors["effective_date"] = [problem]
    reason = ""
    try:
        reason = clean_text(details.reason or "", max_length=DISCONNECT_REASON_MAX_LENGTH,
                            label="The reason")
    except ValidationError as exc:
        errors["reason"] = list(exc.messages)
    fee = None
    if details.termination_fee_id is not None:
        fee = termination_fee_packages().filter(pk=details.termination_fee_id).first()
        if fee is None:
            errors["termination_fee"] = ["Choose an early termination fee from the list."]
    if not 1 <= details.termination_fee_quantity <= MAX_QUANTITY:
        errors["termination_fee_quantity"] = [f"Enter a quantity from 1 to {MAX_QUANTITY}."]
    if details.remove_enterprise:
        others = other_live_customers(customer)
        if others:
            errors["remove_enterprise"] = [
                f"The enterprise still has other customers ({', '.join(others[:5])}"
                f"{', ...' if len(others) > 5 else ''}); it can only be removed with its "
                "last customer. Untick the box."]
    if errors:
        raise OrderValidationError(errors)
    return reason, fee


def _customer_for(user: User, customer_id: int, *, lock: bool) -> Customer:
    queryset = Customer.objects.visible_to(user).select_related("enterprise")
    if lock:
        queryset = queryset.select_for_update(of=("self",), no_key=True)
    customer = queryset.filter(pk=customer_id).first()
    if customer is None:
        raise NotFound("No such customer.")  # another partner's: as if it did not exist
    return customer


def order_disconnect_save(*, user: User, customer_id: int, details: DisconnectDetails) -> Order:
    """Save a disconnect order for the customer: numbered, acknowledged, its job deferred to
    the disconnect date; the customer's open drafts are cancelled and their numbers freed."""
    try:
        with transaction.atomic():
            customer = _customer_for(user, customer_id, lock=True)
            problem = customer_disconnect_problem(customer)
            if problem:
                raise OrderError(problem, code="not_disconnectable")
            reason, fee = _clean(customer, details)
            drafts = _drafts_cancel(user=user, customer=customer)
            order = _place(user=user, customer=customer, details=details, reason=reason,
                           fee=fee)
            audit_record(actor=user, action="order.disconnect_save", obj=order, reason=reason,
                         changes={
                             "kind": order.kind, "customer": customer.pk,
                             "effective_date": order.effective_date,
                             "remove_enterprise": order.remove_enterprise,
                             "termination_fee": fee.name if fee else None,
                             "drafts_cancelled": drafts,
                             **({"on_behalf_of": order.partner_id}
                                if user.is_provider_staff else {})})
            # Inside the transaction: the order and its (deferred) job commit together.
            order_provisioning_start(order=order)
    except IntegrityError as exc:
        if "order_one_open_day_two_per_customer" not in str(exc):
            raise
        raise OrderError("This customer already has an open change or disconnect order; wait "
                         "for it to complete or cancel it first.",
                         code="day_two_order_open") from None
    logger.info("order %s: disconnect of customer %s saved by %s for %s", order.number,
                customer_id, user.username, order.effective_date)
    return order


def _drafts_cancel(*, user: User, customer: Customer) -> list[int]:
    """The customer's open drafts end with the disconnect: nothing more may be ordered.

    A draft was never an order (no number, no history), so it is discarded as the partner's
    Discard does (``orders.drafts``): its reserved numbers go back to the inventory at once,
    and an audit row says why it went."""
    cancelled = []
    for draft in (Order.objects.select_for_update(of=("self",), no_key=True)
                  .filter(customer=customer, state=OrderState.DRAFT).order_by("pk")):
        released = order_draft_numbers_release(order=draft, by=user)
        audit_record(actor=user, action="order.draft_discard", obj=draft,
                     reason="The customer is being disconnected.",
                     changes={"kind": draft.kind, "account": draft.account_name,
                              "numbers_released": released})
        cancelled.append(draft.pk)
        draft.delete()  # lines and backorders go with it (CASCADE)
    return cancelled


def _place(*, user: User, customer: Customer, details: DisconnectDetails, reason: str,
           fee: Package | None) -> Order:
    from orion.orders.services import _next_order_number  # the one order number sequence

    assert details.effective_date is not None  # checked by _clean
    order = Order.objects.create(
        kind=OrderKind.DISCONNECT, partner_id=customer.enterprise.partner_id,
        enterprise=customer.enterprise, customer=customer, created_by=user,
        placed_by_staff=user if user.is_provider_staff else None,
        company_name=customer.name, time_zone=customer.time_zone,
        service_type=customer.service_type, domain=customer.domain,
        number=_next_order_number(), submitted_at=timezone.now(),
        # The termination fee bills once on the disconnect date.
        billing_start_date=details.effective_date, effective_date=details.effective_date,
        disconnect_reason=reason, remove_enterprise=details.remove_enterprise)
    if fee is not None:
        OrderLine.objects.create(order=order, package=fee,
                                 quantity=details.termination_fee_quantity,
                                 charge_type=fee.charge_type, unit_price=fee.price,
                                 included_dids=0)
    order_transition(order=order, to=OrderState.ACKNOWLEDGED, by=user,
                     note=f"Disconnect saved for {order.effective_date:%Y-%m-%d}.")
    return order


def disconnect_cancel_problem(*, user: User, order: Order) -> str | None:
    """Why this disconnect cannot be cancelled by ``user`` (None: it can). The partner may
    until its effective date; staff while it has not started."""
    if order.kind != OrderKind.DISCONNECT:
        return f"Order {order} is not a disconnect."
    if order.state not in NOT_STARTED:
        return (f"Order {order} is {order.get_state_display()}: the disconnect has started or "
                "ended and can no longer be cancelled.")
    assert order.customer is not None and order.effective_date is not None
    if not user.is_provider_staff and local_today(order.customer.time_zone) > \
            order.effective_date:
        return (f"Order {order} took effect on {order.effective_date:%Y-%m-%d}; ask "
                "operations to cancel it.")
    return None


def order_disconnect_cancel(*, user: User, order_id: int, reason: str = "") -> Order:
    """Cancel a disconnect that has not started: the customer stays as it is, its job finds
    the order cancelled and does nothing."""
    reason = clean_reason(reason)
    with transaction.atomic():
        order = (Order.objects.visible_to(user).select_for_update(of=("self",), no_key=True)
                 .select_related("customer").filter(pk=order_id).first())
        if order is None:
            raise NotFound("No such order.")
        problem = disconnect_cancel_problem(user=user, order=order)
        if problem:
            raise OrderError(problem, code="not_cancellable")
        from_state = order.state
        order.provisioning_steps.filter(status="pending").update(status="cancelled")
        note = "Disconnect cancelled." + (f" Reason: {reason}" if reason else "")
        order_transition(order=order, to=OrderState.CANCELLED, by=user, note=note[:500])
        audit_record(actor=user, action="order.disconnect_cancel", obj=order, reason=reason,
                     changes={"state": [from_state, OrderState.CANCELLED],
                              "customer": order.customer_id})
    logger.info("order %s: disconnect cancelled by %s", order.number, user.username)
    return order
