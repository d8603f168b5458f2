"""Handing orders to the provisioning workers: steps, jobs, and the moves that need a job.

Services import this module (and through it the task) at module level; the task imports the
services inside its body (HackSoft's rule), so there is no import cycle. Numbers (a filled
backorder) and orders (Save Order) queue provisioning through here, never through
``provisioning.services``.
"""

from __future__ import annotations

from datetime import datetime, time

from django.db import transaction
from django.utils import timezone
from procrastinate.exceptions import AlreadyEnqueued

from orion.accounts.models import User
from orion.core.clock import zone
from orion.core.compiled import by_order
from orion.orders.lifecycle import order_transition
from orion.orders.models import Order, OrderKind
from orion.orders.states import OrderState
from orion.provisioning.models import ProvisioningStep, StepStatus
from orion.provisioning.notifications import notify_after_commit
from orion.provisioning.plan import STEPS
from orion.provisioning.plan.removal import DISCONNECT_STEPS
from orion.provisioning.tasks import provision_order, rollback_order

TRUNKING_HELD_NOTE = (
    "Trunking customer: not provisioned in BroadWorks automatically. Complete the trunking "
    "order form (PDF on the order page) for the manual set-up; staff then mark it done.")


def order_provisioning_start(*, order: Order) -> None:
    """Called by Save Order inside its transaction: defer the job, or hold a trunking order.

    The job row is written in the same transaction as the order, so an order can never be
    saved without its job, nor a job exist for an order that was rolled back.
    """
    assert order.customer is not None  # a saved order has its account
    if order.customer.is_trunking:
        order_transition(order=order, to=OrderState.HELD, by=None, note=TRUNKING_HELD_NOTE)
        notify_after_commit(order)
        return
    steps_create(order=order, first=True)
    provisioning_job_defer(order=order, schedule_at=effective_start(order))


def effective_start(order: Order) -> datetime | None:
    """When a change or disconnect dated later may start: midnight of its effective date in
    the customer's time zone. None for an order that starts at once (no date, or today)."""
    if order.effective_date is None:
        return None
    assert order.customer is not None  # a saved order has its account
    tz = zone(order.customer.time_zone)
    start = datetime.combine(order.effective_date, time.min, tzinfo=tz)
    return start if start > timezone.now() else None


def provisioning_job_defer(*, order: Order, delay_seconds: int = 0, wait_round: int = 0,
                           schedule_at: datetime | None = None) -> bool:
    """Queue the provisioning job of ``order``, in the caller's transaction.

    One lock per enterprise (Procrastinate runs an enterprise's jobs one after the other) and
    one queueing lock per order (at most one waiting job per order, however often the sweep,
    a retry or a waiting run asks). Returns False when a job was already waiting.

    ``schedule_at`` (a change or disconnect dated later) defers the job to that moment. Such
    a job carries no enterprise lock: Procrastinate lets no job of a lock run while an
    earlier one of the same lock waits, scheduled or not, so a disconnect dated next month
    would hold up every order of the enterprise until then. When it fires, the run takes the
    enterprise's advisory lock (``fencing``) and, if the enterprise is busy, comes back as a
    locked job like any waiting run.
    """
    options: dict[str, object] = {"queueing_lock": f"order-{order.pk}"}
    if schedule_at is not None and schedule_at > timezone.now():
        options["schedule_at"] = schedule_at
    else:
        options["lock"] = f"enterprise-{order.enterprise_id}"
    if delay_seconds:
        options["schedule_in"] = {"seconds": delay_seconds}
    kwargs: dict[str, int] = {"order_id": order.pk}
    if wait_round:
        kwargs["wait_round"] = wait_round
    try:
        with transaction.atomic():
            provision_order.configure(**options).defer(**kwargs)  # type: ignore[arg-type]
    except AlreadyEnqueued:
        return False
    return True


def rollback_job_defer(*, order_id: int, enterprise_id: int | None = None,
                       delay_seconds: int = 0, wait_round: int = 0) -> bool:
    """Queue the rollback of a cancelled order, in the caller's transaction.

    It takes the enterprise's job lock like provisioning, so it runs after the jobs queued
    before it and before those queued after. Returns False when one was already waiting.
    """
    if enterprise_id is None:
        enterprise_id = Order.objects.values_list("enterprise_id", flat=True).get(pk=order_id)
    options: dict[str, object] = {"lock": f"enterprise-{enterprise_id}",
                                  "queueing_lock": f"rollback-{order_id}"}
    if delay_seconds:
        options["schedule_in"] = {"seconds": delay_seconds}
    kwargs: dict[str, int] = {"order_id": order_id}
    if wait_round:
        kwargs["wait_round"] = wait_round
    try:
        with transaction.atomic():
            rollback_order.configure(**options).defer(**kwargs)  # type: ignore[arg-type]
    except AlreadyEnqueued:
        return False
    return True


def order_numbers_added(*, order: Order, by: User | None) -> None:
    """Numbers were added to a placed order (a backorder filled): provision them.

    Orders not yet provisioned pick them up anyway and a completed one had nothing pending;
    a partial one goes back to in progress with a new job. Trunking orders stay on the
    manual path.
    """
    assert order.customer is not None  # a placed order has its account
    if order.customer.is_trunking or order.state != OrderState.PARTIAL:
        return
    order_transition(order=order, to=OrderState.IN_PROGRESS, by=by,
                     note="Backordered numbers filled; provisioning them.")
    order.provisioning_steps.filter(key__in=("check", "numbers", "assign_numbers")).update(
        status=StepStatus.PENDING)
    provisioning_job_defer(order=order)


def steps_create(*, order: Order, first: bool = False) -> list[ProvisioningStep]:
    """The order's steps, once ("step 4 of 11"), so the page shows the plan from the start.

    Returns all of them in plan order: the run that creates them goes on to use them, and
    reading them once is one statement of the run's bookkeeping, not two. ``first``: Save
    Order's call, whose order cannot have steps yet, so none are read (the unique
    ``(order, key)`` would refuse a second set)."""
    plan = DISCONNECT_STEPS if order.kind == OrderKind.DISCONNECT else STEPS
    have = [] if first else by_order(ProvisioningStep, [order.pk], "order_steps")
    for step in have:
        step.order = order  # as ``order.provisioning_steps`` would: no query to reach it
    keys = {step.key for step in have}
    if len(keys) == len(plan):
        return have
    # An order saved before a step was added to the plan gets the new step too (new steps
    # come last, so the positions agree).
    created = ProvisioningStep.objects.bulk_create(
        ProvisioningStep(order=order, position=n, key=key, label=label)
        for n, (key, label) in enumerate(plan, start=1) if key not in keys)
    return sorted([*have, *created], key=lambda step: step.position)
