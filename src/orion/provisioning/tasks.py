"""Procrastinate jobs: provisioning of saved orders, and the periodic housekeeping.

Jobs live in PostgreSQL with the orders, so deferring one inside Save Order's transaction is
atomic with the order itself. Workers on any number of machines share the queue; a worker
killed mid-job leaves a stalled job that ``recover_stalled_jobs`` hands to another worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import InterfaceError, InternalError, OperationalError, connection
from procrastinate import JobContext, RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.exceptions import UniqueViolation
from procrastinate.jobs import Status
from psycopg.errors import IdleInTransactionSessionTimeout

from orion.broadworks.exceptions import OCIConnectionError, OCITransientError
from orion.orders.exceptions import StaleOrderState
from orion.provisioning.exceptions import ProvisioningBusy, ProvisioningFenced
from orion.provisioning.fencing import JobFence

logger = logging.getLogger(__name__)

# A lost or restarted database (connection closed, administrator shutdown), a serialization
# failure or a deadlock is as passing as a BroadWorks timeout: retried with the same backoff.
DATABASE_TRANSIENT = (OperationalError, InterfaceError)
TRANSIENT = (OCIConnectionError, OCITransientError, *DATABASE_TRANSIENT)
# Waiting for a busy enterprise: one job per order, coming back after a growing pause.
WAIT_SECONDS = (2, 4, 8, 15, 30, 60)
PROVISIONING_RETRY = RetryStrategy(
    max_attempts=settings.ORION_PROVISIONING_MAX_ATTEMPTS,
    # Seconds as a float (ORION_PROVISIONING_BACKOFF): procrastinate annotates an int, its
    # formula (exponential_wait ** (attempts + 1)) takes any number.
    exponential_wait=settings.ORION_PROVISIONING_BACKOFF_SECONDS,  # type: ignore[arg-type]
    retry_exceptions=set(TRANSIENT))


@app.task(
    name="orion.provision_order",
    queue="provisioning",
    pass_context=True,
    retry=PROVISIONING_RETRY,
)
def provision_order(context: JobContext, order_id: int, wait_round: int = 0) -> str:
    """Provision one order; transient failures are retried with exponential backoff.

    Whatever happens, the job does not end while its order is still acknowledged or in
    progress: a permanent or unexpected error ends the order in failed, with a reason.
    """
    from orion.orders.models import Order, OrderKind
    from orion.provisioning.disconnect import order_disconnect
    from orion.provisioning.queue import provisioning_job_defer
    from orion.provisioning.services import (
        order_fail_after_retries,
        order_fail_unexpected,
        order_provision,
    )

    job = context.job
    fence = (JobFence(job_id=job.id, worker_id=job.worker_id)
             if job.id is not None and job.worker_id is not None else None)
    # A disconnect removes the customer's group instead of adding to it.
    disconnect = Order.objects.filter(pk=order_id, kind=OrderKind.DISCONNECT).exists()
    try:
        return _session_loss_is_transient(order_disconnect if disconnect else order_provision,
                                          order_id=order_id, fence=fence)
    except ProvisioningFenced as exc:
        # Another worker owns the order now; the worker will not record this job's outcome.
        logger.warning("order id %s: stopped without writing: %s", order_id, exc)
        return "fenced"
    except StaleOrderState as exc:
        logger.info("order id %s: changed by someone else meanwhile: %s", order_id, exc)
        return "changed"
    except ProvisioningBusy as exc:
        # Not a failure: a live worker holds the enterprise. Come back later as one new job,
        # so that waiting never uses up the retries meant for faults.
        delay = WAIT_SECONDS[min(wait_round, len(WAIT_SECONDS) - 1)]
        logger.info("order id %s: %s (next look in %s s)", order_id, exc, delay)
        provisioning_job_defer(order=Order.objects.get(pk=order_id), delay_seconds=delay,
                               wait_round=wait_round + 1)
        return "waiting"
    except TRANSIENT as exc:
        if isinstance(exc, DATABASE_TRANSIENT):
            _drop_connection()
        attempts = (job.attempts or 0) + 1
        logger.warning("order id %s: transient failure (attempt %s): %s", order_id, attempts,
                       exc)
        if attempts >= settings.ORION_PROVISIONING_MAX_ATTEMPTS:
            order_fail_after_retries(order_id=order_id, error=exc)
            return "failed"
        raise
    except Exception as exc:
        logger.exception("order id %s: unexpected error while provisioning", order_id)
        order_fail_unexpected(order_id=order_id, error=exc)
        return "failed"


@app.task(
    name="orion.rollback_order",
    queue="provisioning",
    pass_context=True,
    retry=PROVISIONING_RETRY,
)
def rollback_order(context: JobContext, order_id: int, wait_round: int = 0) -> str:
    """Remove what a cancelled order created in BroadWorks (``provisioning.rollback``);
    transient failures are retried like provisioning's, and the job never ends with the
    rollback still running: a permanent or unexpected error marks it failed, with a reason."""
    from orion.provisioning.queue import rollback_job_defer
    from orion.provisioning.rollback import order_rollback, rollback_fail_stopped

    job = context.job
    fence = (JobFence(job_id=job.id, worker_id=job.worker_id)
             if job.id is not None and job.worker_id is not None else None)
    try:
        return _session_loss_is_transient(order_rollback, order_id=order_id, fence=fence)
    except ProvisioningFenced as exc:
        logger.warning("order id %s: rollback stopped without writing: %s", order_id, exc)
        return "fenced"
    except ProvisioningBusy as exc:
        delay = WAIT_SECONDS[min(wait_round, len(WAIT_SECONDS) - 1)]
        logger.info("order id %s: rollback %s (next look in %s s)", order_id, exc, delay)
        rollback_job_defer(order_id=order_id, delay_seconds=delay, wait_round=wait_round + 1)
        return "waiting"
    except TRANSIENT as exc:
        if isinstance(exc, DATABASE_TRANSIENT):
            _drop_connection()
        attempts = (job.attempts or 0) + 1
        logger.warning("order id %s: rollback transient failure (attempt %s): %s", order_id,
                       attempts, exc)
        if attempts >= settings.ORION_PROVISIONING_MAX_ATTEMPTS:
            rollback_fail_stopped(order_id=order_id, message=(
                f"BroadWorks could not be reached reliably after several attempts ({exc}). "
                "Check the connection, then press Retry rollback."))
            return "failed"
        raise
    except Exception as exc:
        logger.exception("order id %s: unexpected error while rolling back", order_id)
        rollback_fail_stopped(order_id=order_id, message=(
            f"The rollback stopped on an unexpected error ({type(exc).__name__}). Once it is "
            "fixed, press Retry rollback: it continues where it stopped."))
        return "failed"


def _session_loss_is_transient(run: Callable[..., str], **kwargs: Any) -> str:
    """A session PostgreSQL ended because this worker sat frozen inside a transaction (see
    ``orion worker``'s limits) is lost like any dropped connection: retried, never failed."""
    try:
        return run(**kwargs)
    except InternalError as exc:
        if isinstance(exc.__cause__, IdleInTransactionSessionTimeout):
            raise OperationalError(str(exc)) from exc
        raise


def _drop_connection() -> None:
    """A connection that failed mid-run is not reused (its session and locks may be gone)."""
    try:
        if connection.connection is not None and not connection.is_usable():
            connection.close()
    except Exception:
        logger.debug("closing the failed database connection raised", exc_info=True)


@app.periodic(cron="* * * * *", periodic_id="requeue-lost-orders")
@app.task(name="orion.requeue_lost_orders", queue="periodic", queueing_lock="lost-orders")
def requeue_lost_orders(timestamp: int) -> int:
    """Every minute: orders in acknowledged/in progress whose job was lost get a new one."""
    from orion.provisioning.repair import orders_requeue_lost

    return len(orders_requeue_lost())


@app.periodic(cron="* * * * * */5", periodic_id="recover-stalled-jobs")
@app.task(name="orion.recover_stalled_jobs", queue="periodic", queueing_lock="stalled",
          pass_context=True)
async def recover_stalled_jobs(context: JobContext, timestamp: int) -> int:
    """Give the jobs of dead workers (no heartbeat) back to the queue."""
    stalled = await context.app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.ORION_STALLED_JOB_SECONDS)
    for job in stalled:
        logger.warning("job %s (%s) of a dead worker: retrying", job.id, job.task_name)
        try:
            await context.app.job_manager.retry_job(job)
        except UniqueViolation:
            # A newer job for the same order already waits (its queueing lock): that one does
            # the work; this one ends, so that it stops holding the enterprise's lock.
            logger.warning("job %s: superseded by a waiting job; ending it", job.id)
            await context.app.job_manager.finish_job(job=job, status=Status.FAILED,
                                                     delete_job=False)
    return len(list(stalled))
