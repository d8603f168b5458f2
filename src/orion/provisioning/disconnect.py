"""Provisioning a disconnect order: the customer's group leaves BroadWorks.

``order_disconnect`` is what the provisioning job runs for a disconnect (the task body
dispatches on the order's kind). It is the rollback's removal of one order generalised to
"everything of this group" (``plan.removal.group_removal``): every round reads BroadWorks
first and sends only the removals still needed, in dependency order (users, phones, the
group's numbers, the enterprise's numbers, the group, the enterprise when the partner asked
and no other group is left), in documents of at most 15 commands, each recorded as it
returns. A re-run after any crash therefore never sends a removal twice for an object that
is gone, and converges. BroadWorks answering "not found" means the object is gone already.

It waits for the customer's earlier orders still being provisioned (the job comes back
later, as for a busy enterprise) and never starts before its effective date, even when a
sweep queued it early. On completion the customer is Disconnected, its numbers age in
quarantine, its users are no longer live, and the enterprise is marked removed when it went.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from orion.accounts.models import Customer, Enterprise
from orion.audit.services import audit_record
from orion.broadworks.client import BroadWorksClient
from orion.broadworks.config import BroadWorksConfig
from orion.broadworks.exceptions import OCINotFound
from orion.core.clock import local_today
from orion.numbers.models import DID
from orion.numbers.services import customer_numbers_quarantine
from orion.orders.lifecycle import order_activate, order_transition
from orion.orders.models import Order, OrderKind
from orion.orders.states import PROVISIONING_STATES, OrderState
from orion.provisioning import plan
from orion.provisioning.exceptions import ProvisioningBusy, ProvisioningStepFailed
from orion.provisioning.fencing import JobFence, enterprise_lock, enterprise_unlock
from orion.provisioning.models import ProvisioningStep, StepStatus
from orion.provisioning.notifications import notify_after_commit
from orion.provisioning.plan.reads import group_read_requests
from orion.provisioning.plan.removal import (
    DISCONNECT_STEPS,
    REMOVAL_LABELS,
    group_removal,
    removal_actions,
)
from orion.provisioning.queue import effective_start, provisioning_job_defer, steps_create
from orion.provisioning.rollback import _documents, _items, removal_failure
from orion.provisioning.services import (
    _audit,
    _fail,
    _flush_exchanges,
    _Run,
    broadworks_config,
    broadworks_pool,
)
from orion.users.services import order_users_release

logger = logging.getLogger(__name__)
MAX_ROUNDS = 3
REMOVAL_CHECK_LABEL = dict(DISCONNECT_STEPS)["check"]


def earlier_orders_in_provisioning(order: Order) -> list[str]:
    """The customer's orders saved before this disconnect that a worker is still provisioning:
    the disconnect waits for them, so that nothing they add arrives after the group went."""
    assert order.customer_id is not None  # a placed order has its account
    return [number or "" for number in Order.objects.filter(
        customer_id=order.customer_id, state__in=PROVISIONING_STATES,
        submitted_at__lt=order.submitted_at).exclude(pk=order.pk).order_by("submitted_at")
        .values_list("number", flat=True)]


def order_disconnect(*, order_id: int, config: BroadWorksConfig | None = None,
                     fence: JobFence | None = None) -> str:
    """Remove the disconnect order's customer from BroadWorks. Returns the order's state."""
    order = Order.objects.select_related("customer", "enterprise").filter(pk=order_id).first()
    if order is None or order.kind != OrderKind.DISCONNECT:
        logger.warning("order id %s: no disconnect order to run", order_id)
        return "missing"
    if order.state not in PROVISIONING_STATES:
        return order.state
    customer, enterprise_id = order.customer, order.enterprise_id
    assert customer is not None and enterprise_id is not None  # a placed order has them
    assert order.effective_date is not None  # the order_day_two_placed_has_effective_date
    if local_today(customer.time_zone) < order.effective_date:
        # Queued early (a sweep, a retry): back to the effective date, never before.
        with transaction.atomic():
            provisioning_job_defer(order=order, schedule_at=effective_start(order))
        return order.state
    waiting = earlier_orders_in_provisioning(order)
    if waiting:
        # The order page says what it waits for (the first step's label).
        order.provisioning_steps.filter(key="check").update(
            label=f"waiting for {', '.join(waiting)} to finish"[:120])
        raise ProvisioningBusy(f"waiting for the customer's earlier orders "
                               f"({', '.join(waiting)}) to finish provisioning")
    enterprise_lock(enterprise_id=enterprise_id, fence=fence)
    try:
        order.refresh_from_db()
        if order.state not in PROVISIONING_STATES:
            return order.state
        if order.state == OrderState.ACKNOWLEDGED:
            order_transition(order=order, to=OrderState.IN_PROGRESS, by=None,
                             note="Disconnect started: removing the customer from BroadWorks.")
        steps_create(order=order)
        run = _Run(order=order, steps={s.key: s for s in order.provisioning_steps.all()},
                   touched=set(), fence=fence)
        _audit.buffer = []
        try:
            with broadworks_pool(config or broadworks_config()).connection() as client:
                client.before_send = run.check_fence
                try:
                    _converge(run, client, run.check_fence)
                finally:
                    client.before_send = None
        except ProvisioningStepFailed as exc:
            _flush_exchanges(order)
            run.check_fence()
            return _fail(run, exc.step, exc.message, code=exc.code)
        finally:
            try:
                _flush_exchanges(order)
            finally:
                _audit.buffer = None
        run.check_fence()
        return _complete(run)
    finally:
        enterprise_unlock(enterprise_id=enterprise_id)


def _customer_numbers(customer: Customer) -> tuple[str, ...]:
    """The customer's numbers in Orion's inventory, in BroadWorks' form."""
    return tuple(plan.bw_number(e164) for e164 in DID.objects.filter(
        customer_id=customer.pk, state="assigned").values_list("e164", flat=True))


def _converge(run: _Run, client: BroadWorksClient, check: Callable[[], None]) -> None:
    """Read, diff, remove; once more to verify that BroadWorks holds none of the group."""
    order = run.order
    customer, enterprise = order.customer, order.enterprise
    assert customer is not None and enterprise is not None
    sp_id, group_id = enterprise.bw_service_provider_id, customer.bw_group_id
    numbers = _customer_numbers(customer)
    totals: dict[str, int] = {}
    done: dict[str, int] = {}
    for round_ in range(MAX_ROUNDS):
        results = client.batch([
            *group_read_requests(sp_id=sp_id, group_id=group_id),
            ("GroupGetListInServiceProviderRequest", {"service_provider_id": sp_id})])
        seen = plan.parse_reads(results[:-1])
        groups = results[-1]
        listed = groups.response.group_table if groups.ok and groups.response else None
        other_groups = {row.group_id for row in (listed or [])} - {group_id}
        removal = group_removal(sp_id=sp_id, group_id=group_id, seen=seen, numbers=numbers,
                                remove_enterprise=order.remove_enterprise)
        actions = removal_actions(removal, seen, other_groups=other_groups)
        now = timezone.now()
        step = run.steps["check"]
        step.status, step.finished_at, step.attempts = StepStatus.DONE, now, step.attempts + 1
        step.label = REMOVAL_CHECK_LABEL
        step.started_at = step.started_at or now
        if round_ == 0:
            for action in actions:
                totals[action.step] = totals.get(action.step, 0) + _items(action)
            for key, total in totals.items():
                done[key] = 0
                _label(run.steps[key], key, 0, total)
        with transaction.atomic():
            check()
            _flush_exchanges(order)
            _save([step, *(run.steps[k] for k in totals)])
        if not actions:
            return
        for chunk in _documents(actions):
            touched = list(dict.fromkeys(a.step for a in chunk))
            for key in touched:
                row = run.steps[key]
                run.touched.add(key)
                row.status, row.started_at = StepStatus.RUNNING, row.started_at or now
                row.attempts += 1
            _save([run.steps[k] for k in touched])
            answers = client.batch([a.request for a in chunk])
            with transaction.atomic():
                check()
                _flush_exchanges(order)
                failure = _record(run, chunk, answers, totals, done)
            if failure is not None:
                raise failure
    raise ProvisioningStepFailed(
        "BroadWorks still holds objects of this customer after three rounds of removals; "
        "check the group in BroadWorks, then press Retry.", step="check")


def _label(step: ProvisioningStep, key: str, done: int, total: int) -> None:
    step.label = f"{REMOVAL_LABELS[key]} ({min(done, total)} of {total})"[:120]


def _save(steps: list[ProvisioningStep]) -> None:
    for step in steps:
        step.save(update_fields=["status", "attempts", "started_at", "finished_at", "label",
                                 "created", "error", "error_code"])


def _record(run: _Run, actions: list[plan.Action], answers: list, totals: dict[str, int],
            done: dict[str, int]) -> Exception | None:
    """Count what went; return the first refusal (or the lost link, retried by the job)."""
    failure: Exception | None = None
    refused: set[str] = set()
    for action, answer in zip(actions, answers, strict=True):
        step = run.steps[action.step]
        if answer.ok or isinstance(answer.error, OCINotFound):
            step.created = [*step.created, action.creates]
            done[action.step] = done.get(action.step, 0) + _items(action)
            if action.step in totals:
                _label(step, action.step, done[action.step], totals[action.step])
            continue
        refused.add(action.step)
        if failure is None:
            failure = removal_failure(action, answer.error)
    touched = list(dict.fromkeys(a.step for a in actions))
    for key in touched:
        if key not in refused and done.get(key, 0) >= totals.get(key, 0):
            run.steps[key].status = StepStatus.DONE
            run.steps[key].finished_at = timezone.now()
    _save([run.steps[k] for k in touched])
    return failure


def _complete(run: _Run) -> str:
    """BroadWorks holds nothing of the group: the customer is Disconnected in Orion too."""
    now = timezone.now()
    # A step an earlier (crashed) run did the work of is done; one with nothing to remove
    # had nothing to do.
    open_steps = run.order.provisioning_steps.exclude(key="check").exclude(
        status__in=(StepStatus.DONE, StepStatus.NOT_NEEDED))
    open_steps.exclude(created=[]).update(status=StepStatus.DONE, finished_at=now, error="",
                                          error_code="")
    open_steps.filter(created=[]).update(status=StepStatus.NOT_NEEDED, finished_at=now,
                                         error="", error_code="")
    with transaction.atomic():
        order = (Order.objects.select_for_update(of=("self",), no_key=True)
                 .select_related("customer", "enterprise").get(pk=run.order.pk))
        assert order.customer_id is not None and order.enterprise_id is not None
        customer = Customer.objects.select_for_update().get(pk=order.customer_id)
        note = f"Customer disconnected ({order.number})."
        numbers = customer_numbers_quarantine(customer_id=customer.pk, order=order, by=None,
                                              note=note)
        users = sum(order_users_release(order=o) for o in customer.orders.exclude(pk=order.pk))
        customer.disconnected_at = now
        customer.save(update_fields=["disconnected_at"])
        removed = [item for step in order.provisioning_steps.all() for item in step.created]
        enterprise = Enterprise.objects.select_for_update().get(pk=order.enterprise_id)
        enterprise_gone = any(item.startswith("enterprise ") for item in removed)
        if enterprise_gone and enterprise.disconnected_at is None:
            enterprise.disconnected_at = now
            enterprise.save(update_fields=["disconnected_at"])
        order_activate(order=order)
        done = "Disconnected: removed from BroadWorks."
        if order.remove_enterprise and not enterprise_gone:
            done += (" The enterprise stays: BroadWorks still holds other groups in it "
                     "(remove them first, then the enterprise, by hand).")
        order_transition(order=order, to=OrderState.COMPLETED, by=None, note=done)
        audit_record(actor=None, action="order.disconnect_complete", obj=order, changes={
            "customer": customer.pk, "numbers_quarantined": numbers, "users_released": users,
            "enterprise_removed": enterprise_gone, "removed": len(removed)})
        notify_after_commit(order)
    logger.info("order %s: customer %s disconnected (%s removals)", order.number,
                customer.pk, len(removed))
    return order.state
