"""The delivery job: one per delivery, retried with exponential backoff.

Deferred by ``events`` in the transaction of the event itself (an outbox: a rolled-back order
move leaves no delivery and no job). The body imports the service it runs inside the function
(as ``provisioning.tasks`` does), so the low layer that defers it imports no use case.
"""

from __future__ import annotations

from django.conf import settings
from procrastinate import JobContext, RetryStrategy
from procrastinate.contrib.django import app

from orion.webhooks.exceptions import DeliveryRetry

WEBHOOK_RETRY = RetryStrategy(
    max_attempts=settings.ORION_WEBHOOKS_MAX_ATTEMPTS,
    # Seconds as a float, as provisioning's: procrastinate's formula takes any number.
    exponential_wait=settings.ORION_WEBHOOKS_BACKOFF_SECONDS,  # type: ignore[arg-type]
    retry_exceptions={DeliveryRetry})


@app.task(name="orion.webhook_deliver", queue="webhooks", pass_context=True,
          retry=WEBHOOK_RETRY)
def webhook_deliver(context: JobContext, delivery_id: int) -> str:
    """Send one delivery; ``DeliveryRetry`` (5xx, 408, 429, no answer) brings the job back
    later, until the last attempt, which records the failure instead."""
    from orion.webhooks.services import delivery_send

    attempt = (context.job.attempts or 0) + 1
    return delivery_send(delivery_id=delivery_id,
                         final=attempt >= settings.ORION_WEBHOOKS_MAX_ATTEMPTS)


@app.periodic(cron="17 3 * * *", periodic_id="purge-webhook-deliveries")
@app.task(name="orion.webhook_deliveries_purge", queue="periodic",
          queueing_lock="webhook-deliveries-purge")
def webhook_deliveries_purge(timestamp: int) -> int:
    """Nightly: settled deliveries older than ``ORION_WEBHOOKS_RETENTION_DAYS`` go."""
    from orion.webhooks.services import deliveries_purge

    return deliveries_purge()
