"""Staff repair of orders: Retry, Cancel, the manual trunking set-up done, and the sweep that
gives lost jobs back to the queue. Each is one use case that writes its audit row in its own
transaction (as Zulip's actions do)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from orion.accounts.models import Customer, Domain, User
from orion.audit.services import audit_record
from orion.core.exceptions import NotFound, OrionError
from orion.core.permissions import require_provider_staff
from orion.numbers.services import order_numbers_quarantine, order_numbers_return
from orion.orders.lifecycle import clean_reason, order_activate, order_transition
from orion.orders.models import Order, OrderKind
from orion.orders.states import CANCELLABLE_STATES, PROVISIONING_STATES, OrderState
from orion.provisioning.models import (
    FINISHED_STEP_STATUSES,
    Rollback,
    RollbackStatus,
    StepStatus,
)
from orion.provisioning.notifications import notify_after_commit
from orion.provisioning.queue import provisioning_job_defer, rollback_job_defer, steps_create
from orion.provisioning.selectors import (
    order_job_lost,
    orders_with_lost_jobs,
    rollbacks_with_lost_jobs,
)
from orion.users.services import order_users_release

logger = logging.getLogger(__name__)


def _locked_order(order_id: int) -> Order:
    order = (Order.objects.select_for_update(of=("self",), no_key=True).select_related("customer")
             .filter(pk=order_id).first())
    if order is None:
        raise NotFound("No such order.")
    return order


def _customer(order: Order) -> Customer:
    """A placed order's account (the order_placed_is_complete constraint)."""
    assert order.customer is not None
    return order.customer


def orders_requeue_lost(*, grace_seconds: float = 30) -> list[int]:
    """The sweep: give every order (and every rollback) whose job was lost a new job (at most
    one each).

    Run every minute by the worker, so that no order waits in acknowledged or in progress
    for a job that a database outage, a crash or a bug made disappear.
    """
    requeued: list[int] = []
    for order_id in orders_with_lost_jobs(grace_seconds=grace_seconds):
        with transaction.atomic():
            order = _locked_order(order_id)
            if order.state not in PROVISIONING_STATES:
                continue
            steps_create(order=order)
            if provisioning_job_defer(order=order):
                logger.warning("order %s: its provisioning job was lost; queued a new one",
                               order.number)
                requeued.append(order_id)
    # A cancelled order's rollback whose job was lost the same way gets a new one too.
    for order_id in rollbacks_with_lost_jobs(grace_seconds=grace_seconds):
        with transaction.atomic():
            if rollback_job_defer(order_id=order_id):
                logger.warning("order id %s: its rollback job was lost; queued a new one",
                               order_id)
    return requeued


def order_retry(*, order_id: int, user: User) -> Order:
    """Retry a failed order, or one whose job was lost: it continues where it stopped."""
    require_provider_staff(user, what="order")
    with transaction.atomic():
        order = _locked_order(order_id)
        lost = order_job_lost(order=order, grace_seconds=0)
        if order.state != OrderState.FAILED and not lost:
            raise OrionError(f"Order {order} is {order.get_state_display()}, not failed.",
                             code="not_failed")
        order.provisioning_steps.filter(status=StepStatus.FAILED).update(
            status=StepStatus.PENDING, error="", error_code="")
        from_state = order.state
        if order.state == OrderState.FAILED:
            order_transition(order=order, to=OrderState.IN_PROGRESS, by=user,
                             note="Retry requested by staff.")
        steps_create(order=order)
        audit_record(actor=user, action="order.retry", obj=order,
                     changes={"state": [from_state, order.state], "job_lost": lost})
        provisioning_job_defer(order=order)
    return order


@dataclass(frozen=True)
class CancelResult:
    order: Order
    created_in_broadworks: list[str]
    numbers_released: int
    rollback: Rollback | None = None


def _reached_broadworks(order: Order) -> bool:
    """Some step sent BroadWorks a write (recorded, or sent with its answer lost)."""
    return order.provisioning_steps.exclude(key="check").filter(
        Q(attempts__gt=0) | ~Q(created=[])).exists()


def order_cancel(*, order_id: int, user: User, reason: str = "") -> CancelResult:
    """Cancel an order that has not completed, and take out of BroadWorks what it created.

    An order in progress can be cancelled only when its job was lost (nothing is working
    on it). The order is cancelled at once; when it reached BroadWorks, a rollback job
    (``provisioning.rollback``) removes what it created, and its numbers go back to
    available when that is done. Numbers of an order that reached nothing are available at
    once: they were never in service. A cancelled order that created its customer (and
    enterprise) leaves them cancelled: kept for the record, hidden from search and new
    orders, never reused.
    """
    require_provider_staff(user, what="order")
    reason = clean_reason(reason)
    with transaction.atomic():
        order = _locked_order(order_id)
        if order.state not in CANCELLABLE_STATES and not order_job_lost(order=order,
                                                                         grace_seconds=0):
            raise OrionError(f"Order {order} is {order.get_state_display()} and cannot be "
                             "cancelled.", code="not_cancellable")
        created = [item for step in order.provisioning_steps.all() for item in step.created]
        # A disconnect is never rolled back: what it removed (users, numbers, the group)
        # is not put back; cancelling a stopped one leaves the customer as BroadWorks has it.
        reached = _reached_broadworks(order) and order.kind != OrderKind.DISCONNECT
        rollback = None
        released = 0
        if reached:
            # The numbers stay the order's until BroadWorks no longer holds them.
            rollback = Rollback.objects.create(order=order)
            rollback_job_defer(order_id=order.pk, enterprise_id=order.enterprise_id)
        elif order.activated_at is None:
            released = order_numbers_return(order=order, by=user, note="Order cancelled.")
        else:
            released = order_numbers_quarantine(order=order, by=user, note="Order cancelled.")
        if not reached:  # else when the rollback has removed them from BroadWorks
            order_users_release(order=order)
        order.provisioning_steps.exclude(status__in=FINISHED_STEP_STATUSES) \
            .update(status=StepStatus.CANCELLED)
        note = "Cancelled by staff." + (f" Reason: {reason}" if reason else "")
        if reached:
            note += " Removing from BroadWorks what it created" + (
                ": " + "; ".join(created) if created else "") + "."
        from_state = order.state
        order_transition(order=order, to=OrderState.CANCELLED, by=user, note=note[:500])
        accounts = _cancel_created_accounts(order, in_broadworks=reached)
        audit_record(actor=user, action="order.cancel", obj=order, reason=reason,
                     changes={"state": [from_state, OrderState.CANCELLED],
                              "numbers_released": released, "in_broadworks": created,
                              "rollback": reached, "accounts_cancelled": accounts})
    return CancelResult(order=order, created_in_broadworks=created,
                        numbers_released=released, rollback=rollback)


def order_rollback_retry(*, order_id: int, user: User) -> Rollback:
    """Run a stopped rollback again (after BroadWorks refused a removal and someone fixed
    the cause): it reads BroadWorks and removes only what is still there."""
    require_provider_staff(user, what="order")
    with transaction.atomic():
        order = _locked_order(order_id)
        rollback = Rollback.objects.select_for_update().filter(order=order).first()
        if rollback is None or rollback.status != RollbackStatus.FAILED:
            raise OrionError(f"Order {order} has no stopped rollback to retry.",
                             code="no_failed_rollback")
        rollback.status, rollback.error = RollbackStatus.PENDING, ""
        rollback.save(update_fields=["status", "error"])
        audit_record(actor=user, action="order.rollback_retry", obj=order,
                     changes={"rollback": [RollbackStatus.FAILED, RollbackStatus.PENDING]})
        rollback_job_defer(order_id=order.pk, enterprise_id=order.enterprise_id)
    return rollback


def _cancel_created_accounts(order: Order, *, in_broadworks: bool) -> list[str]:
    """Cancel the customer (and enterprise) that only this order brought into being."""
    if not order.creates_account:
        return []
    now = timezone.now()
    customer = _customer(order)
    done: list[str] = []
    if customer.activated_at is None and customer.cancelled_at is None:
        customer.cancelled_at = now
        customer.save(update_fields=["cancelled_at"])
        done.append(f"customer {customer.name}")
    enterprise = order.enterprise
    assert enterprise is not None  # a placed order has its enterprise
    if (order.kind == "new_enterprise" and enterprise.cancelled_at is None
            and not enterprise.customers.filter(cancelled_at__isnull=True).exists()):
        enterprise.cancelled_at = now
        enterprise.save(update_fields=["cancelled_at"])
        done.append(f"enterprise {enterprise.name}")
        if not in_broadworks:
            # Nothing reached BroadWorks: the domain is free for the partner's next try.
            Domain.objects.filter(enterprise=enterprise).delete()
    return done


def order_trunking_done(*, order_id: int, user: User) -> Order:
    """Staff confirm the manual trunking set-up: the held order completes."""
    require_provider_staff(user, what="order")
    with transaction.atomic():
        order = _locked_order(order_id)
        if order.state != OrderState.HELD or not _customer(order).is_trunking:
            raise OrionError("Only a held trunking order can be marked as set up.",
                             code="not_held_trunking")
        order_activate(order=order)
        order_transition(order=order, to=OrderState.COMPLETED, by=user,
                         note="Manual trunking set-up done.")
        audit_record(actor=user, action="order.trunking_done", obj=order,
                     changes={"state": [OrderState.HELD, OrderState.COMPLETED],
                              "activated_at": order.activated_at})
        notify_after_commit(order)
    return order
