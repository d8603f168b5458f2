"""Procrastinate periodic job of the orders app: old empty drafts are removed."""

from __future__ import annotations

from procrastinate.contrib.django import app


@app.periodic(cron="17 * * * *", periodic_id="cleanup-empty-drafts")
@app.task(name="orion.cleanup_empty_drafts", queue="periodic",
          queueing_lock="cleanup-empty-drafts")
def cleanup_empty_drafts(timestamp: int) -> int:
    """Every hour: drafts nobody typed in or put anything on, older than a day, go."""
    from orion.orders.drafts import order_drafts_cleanup

    return order_drafts_cleanup()
