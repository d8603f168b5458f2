"""The import job of the staff page (deferred by ``orion.adoption.services.import_run_start``)
and the nightly drift audit."""

from __future__ import annotations

from procrastinate.contrib.django import app


# On the periodic queue, which every worker serves, as the numbers import is.
@app.task(name="orion.import_broadworks", queue="periodic")
def import_broadworks(run_id: int) -> str:
    """Import an existing BroadWorks as staff asked on the page, with progress on the run."""
    from orion.adoption.services import import_run_execute

    return import_run_execute(run_id=run_id)


@app.periodic(cron="30 2 * * *", periodic_id="broadworks-drift-audit")
@app.task(name="orion.broadworks_drift_audit", queue="periodic",
          queueing_lock="broadworks-drift-audit")
def broadworks_drift_audit(timestamp: int) -> str:
    """Nightly: compare every customer's group with Orion's records (the drift page)."""
    from orion.adoption.drift import drift_audit

    return " ".join(drift_audit().lines())


@app.task(name="orion.reprovision_drift", queue="periodic")
def reprovision_drift(entry_id: int) -> str:
    """Make BroadWorks match Orion for one drift entry (staff pressed Re-provision)."""
    from orion.adoption.drift import drift_reprovision_run

    return drift_reprovision_run(entry_id=entry_id)
