"""Procrastinate jobs of the DID inventory: reservations expire and quarantines end (periodic);
an uploaded CSV is imported (deferred by ``numbers.services.imports``)."""

from __future__ import annotations

from procrastinate.contrib.django import app


@app.periodic(cron="* * * * *", periodic_id="expire-did-reservations")
@app.task(name="orion.expire_did_reservations", queue="periodic",
          queueing_lock="expire-reservations")
def expire_did_reservations(timestamp: int) -> int:
    """Free numbers whose reservation to a draft order has expired; end quarantines."""
    from orion.numbers.services import numbers_end_quarantine, numbers_expire_reservations

    return numbers_expire_reservations() + numbers_end_quarantine()


# On the periodic queue, which every worker serves: an import is short background work.
@app.task(name="orion.import_numbers", queue="periodic")
def import_numbers(import_id: int) -> str:
    """Import a CSV uploaded by staff, in chunks, with progress on its row."""
    from orion.numbers.services import number_import_run

    return number_import_run(import_id=import_id)
