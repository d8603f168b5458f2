"""``orion worker``: a Procrastinate worker for provisioning and periodic jobs.

Run as many as you like, on as many machines as you like, against the same PostgreSQL. Each
worker sends a heartbeat; the jobs of a worker whose heartbeat stops (killed, machine lost)
are handed to another worker by the ``recover_stalled_jobs`` periodic job.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections
from procrastinate.contrib.django import app
from procrastinate.contrib.django.django_connector import DjangoConnector

from orion.provisioning.worker import ResilientWorker


class Command(BaseCommand):
    help = "Run a worker: provisioning jobs and periodic housekeeping."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--concurrency", type=int,
                            default=settings.ORION_WORKER_CONCURRENCY)
        parser.add_argument("--name", default=settings.ORION_WORKER_NAME)

    def handle(self, *args: Any, concurrency: int, name: str, **options: Any) -> None:
        # Orion logs each order's outcome itself; Procrastinate's per-job lines (a periodic job
        # every few seconds) would drown them.
        logging.getLogger("procrastinate").setLevel(logging.WARNING)
        _bound_lock_waits()
        self.stdout.write(f"orion worker {name}: queues provisioning, webhooks, periodic; "
                          f"concurrency {concurrency}")
        options = {
            "queues": ["provisioning", "webhooks", "periodic"], "concurrency": concurrency,
            "name": name,
            "update_heartbeat_interval": settings.ORION_WORKER_HEARTBEAT_SECONDS,
            "stalled_worker_timeout": settings.ORION_STALLED_JOB_SECONDS,
            "fetch_job_polling_interval": settings.ORION_WORKER_POLL_SECONDS,
            "install_signal_handlers": True,
        }
        pause = 1.0
        while True:
            try:
                asyncio.run(_run(options))
                return  # stopped by a signal
            except KeyboardInterrupt:
                return
            except Exception as exc:
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                self.stderr.write(f"orion worker {name}: cannot start ({first}); trying again "
                                  f"in {pause:.0f} s")
                time.sleep(pause)
                pause = min(pause * 2, 30)


def _bound_lock_waits() -> None:
    """No statement of this worker waits on a lock for ever, nor holds one while frozen.

    A worker paused inside a transaction (SIGSTOP, a VM freeze) keeps its row locks; a
    statement of another worker that needs one of them (the stalled-job recovery retrying
    that worker's job, say) would wait for ever and take a slot of that worker with it, until
    every slot waits and nothing moves. With these two limits the waiting statement fails
    (a transient error, retried) and PostgreSQL ends the frozen transaction, which frees its
    locks. Both apply to Django's connections and to the worker's own pool (it takes Django's
    connection parameters).
    """
    limits = (f"-c lock_timeout={int(settings.ORION_WORKER_LOCK_TIMEOUT_SECONDS * 1000)} "
              f"-c idle_in_transaction_session_timeout="
              f"{int(settings.ORION_WORKER_IDLE_IN_TRANSACTION_SECONDS * 1000)}")
    for alias in connections:
        options = connections[alias].settings_dict.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} {limits}".strip()
    connections.close_all()  # opened by the checks before the limits: reopen with them


async def _run(options: dict[str, Any]) -> None:
    connector = app.connector
    assert isinstance(connector, DjangoConnector)  # Orion's app is configured with Django's
    with app.replace_connector(connector.get_worker_connector()) as worker_app:
        async with worker_app.open_async():
            worker_app.perform_import_paths()
            await ResilientWorker(worker_app, **{**worker_app.worker_defaults, **options}).run()
