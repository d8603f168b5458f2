"""Procrastinate periodic job of the DID inventory: reservations expire, quarantines end."""

from __future__ import annotations

from procrastinate.contrib.django import app


@app.periodic(cron="* * * * *", periodic_id="expire-did-reservations")
@app.task(name="orion.expire_did_reservations", queue="periodic",
          queueing_lock="expire-reservations")
def expire_did_reservations(timestamp: int) -> int:
    """Free numbers whose reservation to a draft order has expired; end quarantines."""
    from orion.numbers.services import numbers_end_quarantine, numbers_expire_reservations

    return numbers_expire_reservations() + numbers_end_quarantine()
