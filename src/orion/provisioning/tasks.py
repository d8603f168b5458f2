"""Procrastinate jobs: provisioning of saved orders, and the periodic housekeeping.

Jobs live in PostgreSQL with the orders, so deferring one inside Save Order's transaction is
atomic with the order itself. Workers on any number of machines share the queue; a worker
killed mid-job leaves a stalled job that ``recover_stalled_jobs`` hands to another worker.
"""

from __future__ import annotations

import logging

from django.conf import settings
from procrastinate import JobContext, RetryStrategy
from procrastinate.contrib.django import app

from orion.broadworks.exceptions import OCIConnectionError, OCITransientError
from orion.provisioning.exceptions import ProvisioningBusy, ProvisioningWaiting

logger = logging.getLogger(__name__)

TRANSIENT = (OCIConnectionError, OCITransientError)
WAIT_SECONDS = 3


@app.task(
    name="orion.provision_order",
    queue="provisioning",
    pass_context=True,
    retry=RetryStrategy(max_attempts=settings.ORION_PROVISIONING_MAX_ATTEMPTS,
                        exponential_wait=settings.ORION_PROVISIONING_BACKOFF_SECONDS,
                        retry_exceptions=set(TRANSIENT)),
)
def provision_order(context: JobContext, order_id: int) -> str:
    """Provision one order; transient failures are retried with exponential backoff."""
    from orion.provisioning.services import order_fail_after_retries, order_provision

    try:
        return order_provision(order_id=order_id)
    except (ProvisioningBusy, ProvisioningWaiting) as exc:
        # Not a failure: another order of the enterprise goes first. Come back shortly, as a
        # new job, so that waiting never uses up the retries meant for BroadWorks faults.
        logger.info("order id %s: %s", order_id, exc)
        order = _order_enterprise(order_id)
        provision_order.configure(lock=f"enterprise-{order}",
                                  schedule_in={"seconds": WAIT_SECONDS}).defer(order_id=order_id)
        return "waiting"
    except TRANSIENT as exc:
        attempts = (context.job.attempts or 0) + 1
        logger.warning("order id %s: transient failure (attempt %s): %s", order_id, attempts,
                       exc)
        if attempts >= settings.ORION_PROVISIONING_MAX_ATTEMPTS:
            order_fail_after_retries(order_id=order_id, error=exc)
            return "failed"
        raise


def _order_enterprise(order_id: int) -> int:
    from orion.orders.models import Order

    return Order.objects.values_list("enterprise_id", flat=True).get(pk=order_id)


@app.periodic(cron="* * * * * */5", periodic_id="recover-stalled-jobs")
@app.task(name="orion.recover_stalled_jobs", queue="periodic", queueing_lock="stalled",
          pass_context=True)
async def recover_stalled_jobs(context: JobContext, timestamp: int) -> int:
    """Give the jobs of dead workers (no heartbeat) back to the queue."""
    stalled = await context.app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.ORION_STALLED_JOB_SECONDS)
    for job in stalled:
        logger.warning("job %s (%s) of a dead worker: retrying", job.id, job.task_name)
        await context.app.job_manager.retry_job(job)
    return len(list(stalled))


@app.periodic(cron="* * * * *", periodic_id="expire-did-reservations")
@app.task(name="orion.expire_did_reservations", queue="periodic",
          queueing_lock="expire-reservations")
def expire_did_reservations(timestamp: int) -> int:
    """Free numbers whose reservation to a draft order has expired; end quarantines."""
    from orion.numbers.services import numbers_end_quarantine, numbers_expire_reservations

    return numbers_expire_reservations() + numbers_end_quarantine()
