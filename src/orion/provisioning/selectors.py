"""Reads for the order page: provisioning progress and the OCI-P log."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from orion.accounts.models import User
from orion.core.compiled import by_order, fetch_one
from orion.core.permissions import require_provider_staff
from orion.numbers.models import DID
from orion.orders.models import Order
from orion.orders.states import PROVISIONING_STATES, OrderState
from orion.provisioning.models import (
    OciExchangeLog,
    ProvisioningStep,
    Rollback,
    RollbackStatus,
    StepStatus,
)

ACTIVE_STATES = PROVISIONING_STATES


@dataclass(frozen=True)
class Progress:
    """What the progress bar shows: "step 4 of 11: assigning numbers"."""

    state: str
    state_label: str
    steps: list[ProvisioningStep]
    finished: int
    total: int
    current: ProvisioningStep | None
    failed: ProvisioningStep | None
    # A cancelled order's removal from BroadWorks (None: nothing of it reached BroadWorks).
    rollback: Rollback | None = None

    @property
    def percent(self) -> int:
        if self.state in (OrderState.COMPLETED, OrderState.PARTIAL):
            return 100
        return round(100 * self.finished / self.total) if self.total else 0

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def rolling_back(self) -> bool:
        return self.rollback is not None and self.rollback.status in (
            RollbackStatus.PENDING, RollbackStatus.RUNNING)

    @property
    def polling(self) -> bool:
        """The page follows the order while a worker provisions it or rolls it back."""
        return self.active or self.rolling_back

    @property
    def headline(self) -> str:
        """What is happening, in words; the state's own label is the badge beside it, so the
        headline never repeats it ("Partial Partial")."""
        if self.failed is not None:
            return f"step {self.failed.position} of {self.total} failed: {self.failed.label}"
        if self.state == OrderState.ACKNOWLEDGED:
            return "waiting for a provisioning worker"
        if self.current is not None and self.active:
            return f"step {self.current.position} of {self.total}: {self.current.label}"
        return _FINISHED_HEADLINES.get(self.state, "")


_FINISHED_HEADLINES: dict[str, str] = {
    OrderState.COMPLETED: "every step finished; the services are live in BroadWorks",
    OrderState.PARTIAL: "every step finished; backordered numbers follow when they are filled",
    OrderState.FAILED: "stopped before finishing; Retry continues where it stopped",
    OrderState.HELD: "nothing is sent to BroadWorks automatically; operations set it up",
    OrderState.CANCELLED: "stopped: nothing more is sent to BroadWorks",
    OrderState.IN_PROGRESS: "finishing",
}


def order_progress(*, order: Order) -> Progress:
    steps = by_order(ProvisioningStep, [order.pk], "order_steps")
    for step in steps:
        step.order = order  # as ``order.provisioning_steps`` would
    finished = sum(1 for s in steps if s.is_finished)
    current = next((s for s in steps if s.status == StepStatus.RUNNING), None) or next(
        (s for s in steps if s.status == StepStatus.PENDING), None)
    failed = next((s for s in steps if s.status == StepStatus.FAILED), None)
    rollback = fetch_one("order_rollback", lambda pk: Rollback.objects.filter(order_id=pk)
                         .order_by("pk")[:1], order.pk)
    return Progress(state=order.state, state_label=order.get_state_display(), steps=steps,
                    finished=finished, total=len(steps), current=current, failed=failed,
                    rollback=rollback)


def order_trunking_numbers(*, order: Order, on_order: list[DID] | None = None) -> list[str]:
    """The order's numbers for trunking (SIP trunk, not users), by E.164; from ``on_order``
    (every number of the order, ``OrderNumbers.on_order``) when the caller has read them."""
    if on_order is None:
        on_order = list(DID.objects.filter(order=order, is_for_trunking=True).order_by("e164"))
    return [d.display for d in on_order if d.is_for_trunking]


# Orders that should be provisioning but have no job at all (an outage ended it, a bug, a
# hand edit). A running job of a dead worker is not lost: ``recover_stalled_jobs`` hands it to
# a live worker within seconds. The grace keeps a just-saved order out of it.
_LOST_JOBS_SQL = """
SELECT o.id
  FROM orders_order o JOIN accounts_customer c ON c.id = o.customer_id
 WHERE o.state IN ('acknowledged', 'inProgress') AND c.service_type = 'hosted'
   AND o.updated_at <= clock_timestamp() - make_interval(secs => %(grace)s)
   AND (%(order_id)s::bigint IS NULL OR o.id = %(order_id)s::bigint)
   AND NOT EXISTS (
       SELECT 1 FROM procrastinate_jobs j
        WHERE j.task_name = 'orion.provision_order'
          AND j.args ->> 'order_id' = o.id::text
          AND j.status IN ('todo', 'doing'))
 ORDER BY o.id
 LIMIT %(limit)s
"""


def orders_with_lost_jobs(*, grace_seconds: float = 30, limit: int = 500,
                          order_id: int | None = None) -> list[int]:
    """Ids of orders in acknowledged/in progress that no job will ever finish."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_LOST_JOBS_SQL, {"grace": grace_seconds, "limit": limit,
                                        "order_id": order_id})
        return [row[0] for row in cursor.fetchall()]


_LOST_ROLLBACKS_SQL = """
SELECT r.order_id
  FROM provisioning_rollback r
 WHERE r.status IN ('pending', 'running')
   AND r.created_at <= clock_timestamp() - make_interval(secs => %(grace)s)
   AND NOT EXISTS (
       SELECT 1 FROM procrastinate_jobs j
        WHERE j.task_name = 'orion.rollback_order'
          AND j.args ->> 'order_id' = r.order_id::text
          AND j.status IN ('todo', 'doing'))
 ORDER BY r.order_id
 LIMIT %(limit)s
"""


def rollbacks_with_lost_jobs(*, grace_seconds: float = 30, limit: int = 500) -> list[int]:
    """Order ids of rollbacks waiting or running that no job will ever finish."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_LOST_ROLLBACKS_SQL, {"grace": grace_seconds, "limit": limit})
        return [row[0] for row in cursor.fetchall()]


def order_job_lost(*, order: Order, grace_seconds: float = 30) -> bool:
    """Whether this order waits for a job that no longer exists (shown to staff)."""
    if order.state not in ACTIVE_STATES:
        return False
    assert order.customer is not None  # a placed order has its account
    if order.customer.is_trunking:
        return False
    return bool(orders_with_lost_jobs(grace_seconds=grace_seconds, order_id=order.pk))


def oci_exchanges(*, user: User, order: Order | None = None, order_number: str = "",
                  command: str = "", failed_only: bool = False) -> QuerySet[OciExchangeLog]:
    """Provider staff: stored OCI-P exchanges, one order's oldest first (the order they were
    sent in), all orders' newest first, filtered by order (the row or its number) and by a
    command name (one of the document's commands, matched whole). Anyone else: ``NotFound``."""
    require_provider_staff(user, what="order")
    rows = OciExchangeLog.objects.select_related("order")
    if order is not None:
        rows = rows.filter(order=order).order_by("at", "id")
    else:
        if order_number:
            rows = rows.filter(order__number__iexact=order_number)
        # Newest first by id (rows are written as they are sent): the primary key's index
        # serves a page without sorting the whole log.
        rows = rows.order_by("-id")
    if command:
        # ``commands`` holds the document's command names joined by ", " (services.py).
        rows = rows.filter(Q(commands=command) | Q(commands__startswith=f"{command}, ")
                           | Q(commands__endswith=f", {command}")
                           | Q(commands__contains=f", {command}, "))
    if failed_only:
        rows = rows.filter(Q(response_xml__contains="ErrorResponse") | ~Q(error=""))
    return rows


# The names in one order's log, or in the latest documents of all: Orion sends a small fixed
# set of commands, so the latest documents name them all without reading the whole log.
_COMMAND_NAMES_SQL = """
SELECT DISTINCT name FROM (
    SELECT unnest(string_to_array(commands, ', ')) AS name
      FROM (SELECT commands FROM provisioning_ociexchangelog
             WHERE (%(order_id)s::bigint IS NULL OR order_id = %(order_id)s::bigint)
             ORDER BY id DESC LIMIT %(limit)s) AS latest) AS names
 WHERE name <> '' ORDER BY name
"""
COMMAND_NAMES_SCAN = 5000


def oci_command_names(*, user: User, order: Order | None = None) -> list[str]:
    """Every command name in the log (or in one order's), each once, for the filter."""
    require_provider_staff(user, what="order")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_COMMAND_NAMES_SQL, {"order_id": order.pk if order else None,
                                            "limit": COMMAND_NAMES_SCAN})
        return [row[0] for row in cursor.fetchall()]
