"""Rolling back a cancelled order: what it created in BroadWorks is removed again.

``order_rollback`` is what the ``orion.rollback_order`` job runs. Like provisioning it runs
under the enterprise lock with the job fence, reads BroadWorks first, sends only the
removals still needed (``plan.removal``) in documents of 15, records each as it returns and
logs every OCI-P exchange; it is safe to run again after any crash. A removal that
BroadWorks answers "not found" is done already (someone, or a lost answer, got there first).

The order is cancelled from the moment staff press Cancel; its ``Rollback`` row says how far
BroadWorks is. The order's numbers stay its own until the rollback is done and then go back
to available, since they were never in service.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from orion.accounts.models import Domain
from orion.audit.services import audit_record
from orion.broadworks.client import BroadWorksClient
from orion.broadworks.config import MAX_COMMANDS_PER_DOCUMENT, BroadWorksConfig
from orion.broadworks.exceptions import OCIConnectionError, OCIError, OCINotFound
from orion.numbers.services import order_numbers_quarantine, order_numbers_return
from orion.orders.models import Order
from orion.provisioning import plan
from orion.provisioning.exceptions import ProvisioningStepFailed
from orion.provisioning.fencing import JobFence, enterprise_lock, enterprise_unlock, fence_check
from orion.provisioning.models import Rollback, RollbackStatus
from orion.provisioning.plan.reads import group_read_requests
from orion.provisioning.plan.removal import (
    REMOVAL_LABELS,
    REMOVAL_STEPS,
    Removal,
    removal_actions,
    removal_for,
)
from orion.provisioning.services import (
    _audit,
    _flush_exchanges,
    broadworks_config,
    broadworks_pool,
)
from orion.users.services import order_users_release

logger = logging.getLogger(__name__)
MAX_ROUNDS = 3


def order_rollback(*, order_id: int, config: BroadWorksConfig | None = None,
                   fence: JobFence | None = None) -> str:
    """Remove what a cancelled order created in BroadWorks. Returns the rollback's status."""
    rollback = Rollback.objects.select_related("order__customer", "order__enterprise") \
        .filter(order_id=order_id).first()
    if rollback is None:
        logger.warning("order id %s: no rollback to run", order_id)
        return "missing"
    if rollback.status == RollbackStatus.DONE:
        return rollback.status
    order = rollback.order
    enterprise_id = order.enterprise_id
    assert enterprise_id is not None  # a placed order has its enterprise

    def check() -> None:
        fence_check(enterprise_id=enterprise_id, fence=fence)

    enterprise_lock(enterprise_id=enterprise_id, fence=fence)
    try:
        rollback.refresh_from_db()
        if rollback.status == RollbackStatus.DONE:
            return rollback.status
        check()
        rollback.status, rollback.error = RollbackStatus.RUNNING, ""
        rollback.attempts += 1
        rollback.save(update_fields=["status", "error", "attempts"])
        removal = removal_for(order)
        _audit.buffer = []
        try:
            with broadworks_pool(config or broadworks_config()).connection() as client:
                client.before_send = check  # before every document, resends too
                try:
                    _converge(rollback, removal, client, check)
                finally:
                    client.before_send = None
        except ProvisioningStepFailed as exc:
            _flush_exchanges(order)
            check()
            return rollback_fail(rollback=rollback, message=exc.message)
        finally:
            try:
                _flush_exchanges(order)
            finally:
                _audit.buffer = None
        check()
        return _finish(rollback)
    finally:
        enterprise_unlock(enterprise_id=enterprise_id)


def _items(action: plan.Action) -> int:
    """How many objects one command removes (a number list counts its numbers)."""
    return len(action.request[1].get("phone_number") or ()) or 1


def _progress(rollback: Rollback, actions: list[plan.Action]) -> None:
    """The steps of the first round, with totals ("removing users (0 of 5)")."""
    totals: dict[str, int] = {}
    for action in actions:
        totals[action.step] = totals.get(action.step, 0) + _items(action)
    rollback.steps = [{"key": key, "label": label, "done": 0, "total": totals[key]}
                      for key, label in REMOVAL_STEPS if key in totals]


def _label(rollback: Rollback, step: str) -> None:
    for row in rollback.steps:
        if row["key"] == step:
            rollback.label = f"{REMOVAL_LABELS[step]} ({row['done']} of {row['total']})"


def _converge(rollback: Rollback, removal: Removal, client: BroadWorksClient,
              check: Callable[[], None]) -> None:
    """Read, diff, remove; once more to verify that BroadWorks holds none of it."""
    for round_ in range(MAX_ROUNDS):
        results = client.batch([
            *group_read_requests(sp_id=removal.sp_id, group_id=removal.group_id),
            ("GroupGetListInServiceProviderRequest", {"service_provider_id": removal.sp_id})])
        seen = plan.parse_reads(results[:-1])
        groups = results[-1]
        listed = groups.response.group_table if groups.ok and groups.response else None
        other_groups = {row.group_id for row in (listed or [])} - {removal.group_id}
        _flush_exchanges(rollback.order)
        actions = removal_actions(removal, seen, other_groups=other_groups)
        if round_ == 0:
            _progress(rollback, actions)
        if not actions:
            return
        for chunk in _documents(actions):
            _label(rollback, chunk[0].step)
            rollback.save(update_fields=["label", "steps"])
            answers = client.batch([a.request for a in chunk])
            with transaction.atomic():
                check()
                _flush_exchanges(rollback.order)
                failure = _record(rollback, chunk, answers)
            if failure is not None:
                raise failure
    raise ProvisioningStepFailed(
        "BroadWorks still holds objects of this order after three rounds of removals; "
        "check the enterprise in BroadWorks, then press Retry rollback.", step="rollback")


# BroadWorks runs every command of a document even after one is refused, so a container
# (the group, then the enterprise with its packs and authorizations) is removed in a later
# document, sent only when everything before it went: a refused removal never lets the
# group's deletion take along what the refusal protected.
_PHASES = {"group": 1, "service_packs": 2, "enterprise_services": 2, "enterprise": 2}


def _documents(actions: list[plan.Action]) -> list[list[plan.Action]]:
    documents: list[list[plan.Action]] = []
    for phase in sorted({_PHASES.get(a.step, 0) for a in actions}):
        part = [a for a in actions if _PHASES.get(a.step, 0) == phase]
        documents += [part[i:i + MAX_COMMANDS_PER_DOCUMENT]
                      for i in range(0, len(part), MAX_COMMANDS_PER_DOCUMENT)]
    return documents


def _record(rollback: Rollback, actions: list[plan.Action],
            answers: list) -> Exception | None:
    """Count what went; return the first refusal (or the lost link, retried by the job)."""
    failure: Exception | None = None
    done = {row["key"]: row for row in rollback.steps}
    for action, answer in zip(actions, answers, strict=True):
        if answer.ok or isinstance(answer.error, OCINotFound):
            rollback.removed = [*rollback.removed, action.creates]
            row = done.get(action.step)
            if row is not None:
                row["done"] = min(row["total"], row["done"] + _items(action))
            continue
        if failure is None:
            failure = removal_failure(action, answer.error)
    _label(rollback, actions[-1].step)
    rollback.save(update_fields=["removed", "steps", "label"])
    return failure


def removal_failure(action: plan.Action, error: OCIError | None) -> Exception:
    """What a refused removal means for the run: a connection loss or a retryable answer is
    raised as is (the job retries the whole run, which re-reads first); anything else stops
    the run at the action's step with BroadWorks' reason. Rollback and disconnect share it."""
    if isinstance(error, OCIConnectionError) or (error and error.retryable):
        return error
    return ProvisioningStepFailed(
        f"BroadWorks refused {REMOVAL_LABELS[action.step]} ({action.creates}): "
        f"{error.message if error else 'no answer'}", step=action.step)


def _finish(rollback: Rollback) -> str:
    """BroadWorks holds nothing of the order: its numbers are free, its steps say so."""
    order = rollback.order
    with transaction.atomic():
        locked = Order.objects.select_for_update(of=("self",), no_key=True) \
            .select_related("customer", "enterprise").get(pk=order.pk)
        note = "Removed from BroadWorks when the order was cancelled."
        if locked.activated_at is None:
            numbers = order_numbers_return(order=locked, by=None, note=note)
        else:  # was in service once: callers may still dial it, so it ages first
            numbers = order_numbers_quarantine(order=locked, by=None, note=note)
        order_users_release(order=locked)  # BroadWorks no longer has them either
        enterprise = locked.enterprise
        if (enterprise is not None and enterprise.cancelled_at is not None
                and any(r.startswith("enterprise ") for r in rollback.removed)):
            # The enterprise is gone from BroadWorks: its domain is free for the next try.
            Domain.objects.filter(enterprise=enterprise).delete()
        rollback.status, rollback.error = RollbackStatus.DONE, ""
        rollback.label = "removed from BroadWorks"
        rollback.finished_at = timezone.now()
        rollback.save(update_fields=["status", "error", "label", "finished_at"])
        audit_record(actor=None, action="order.rollback", obj=locked,
                     changes={"removed": rollback.removed, "numbers_freed": numbers})
    logger.info("order %s: rolled back (%s removals)", order.number, len(rollback.removed))
    return rollback.status


def rollback_fail(*, rollback: Rollback, message: str) -> str:
    """BroadWorks refused a removal (or the job ran out of retries): staff read why."""
    rollback.status, rollback.error = RollbackStatus.FAILED, message[:2000]
    rollback.save(update_fields=["status", "error"])
    logger.warning("order %s: rollback failed: %s", rollback.order.number, message)
    return rollback.status


def rollback_fail_stopped(*, order_id: int, message: str) -> None:
    """The job ends without finishing (retries used up, an unexpected error)."""
    rollback = Rollback.objects.select_related("order").filter(order_id=order_id).first()
    if rollback is not None and rollback.status != RollbackStatus.DONE:
        rollback_fail(rollback=rollback, message=message)
