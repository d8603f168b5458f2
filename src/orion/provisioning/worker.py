"""The Procrastinate worker, made to outlive its database and to respect a take-over.

Procrastinate's worker stops for good when its notification listener loses the database
("Side task listener failed ..., stopping worker"), and a worker that was frozen past the
stalled timeout crashes on waking (its worker row was pruned, so the next job fetch breaks
the foreign key). Both leave orders without a worker. This worker instead:

* keeps its side tasks (heartbeat, listener, periodic deferrer) alive through database
  outages, retrying with a growing pause and saying so once per outage;
* re-registers when its worker row was pruned, rather than crashing;
* treats a failed job fetch as "no job yet" and polls again;
* records a job's outcome only while the job is still its own (after a take-over the
  new owner records it), retrying through an outage so that no outcome is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from procrastinate import job_context, jobs, retry
from procrastinate.exceptions import UniqueViolation
from procrastinate.worker import Worker

logger = logging.getLogger("orion.worker")

_PAUSES = (0.5, 1, 2, 4, 8)
_WORKER_EXISTS = "SELECT EXISTS (SELECT 1 FROM procrastinate_workers WHERE id = %(id)s) AS e"
_JOB_OWNER = "SELECT status, worker_id FROM procrastinate_jobs WHERE id = %(id)s"


def _pause(failures: int) -> float:
    return _PAUSES[min(failures, len(_PAUSES) - 1)]


class ResilientWorker(Worker):
    """A Procrastinate worker that reconnects instead of stopping (see the module doc)."""

    async def _resilient(self, name: str, run: Callable[[], Awaitable[Any]]) -> None:
        failures = 0
        while not self._stop_event.is_set():
            try:
                await run()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if failures == 0:
                    logger.warning("worker %s: %s lost the database (%s); reconnecting",
                                   self.worker_name, name, _first_line(exc))
                failures += 1
                await asyncio.sleep(_pause(failures))

    def _start_side_tasks(self) -> list[asyncio.Task[Any]]:
        tasks = [
            asyncio.create_task(self._update_heartbeat(), name="update_heartbeats"),
            asyncio.create_task(self._resilient("periodic deferrer", self._periodic_deferrer),
                                name="deferrer"),
            asyncio.create_task(self._poll_jobs_to_abort(), name="poll_jobs_to_abort"),
        ]
        if self.listen_notify:
            async def listen() -> None:
                await self.app.job_manager.listen_for_jobs(
                    on_notification=self._handle_notification, queues=self.queues)

            tasks.append(asyncio.create_task(self._resilient("listener", listen),
                                             name="listener"))
        return tasks

    async def _update_heartbeat(self) -> None:
        failures = 0
        while True:
            await asyncio.sleep(self.update_heartbeat_interval)
            try:
                await self._ensure_registered()
                await self.app.job_manager.update_heartbeat(self.worker_id)  # type: ignore[arg-type]
                if failures:
                    logger.warning("worker %s: database back; heartbeat resumed",
                                   self.worker_name)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if failures == 0:
                    logger.warning("worker %s: heartbeat failed (%s); retrying",
                                   self.worker_name, _first_line(exc))
                failures += 1

    async def _ensure_registered(self) -> None:
        """A worker frozen past the stalled timeout was pruned: register again."""
        row = await self.app.connector.execute_query_one_async(_WORKER_EXISTS, id=self.worker_id)
        if not row["e"]:
            old = self.worker_id
            self.worker_id = await self.app.job_manager.register_worker()
            logger.warning("worker %s: was taken for dead (id %s pruned); registered again as "
                           "%s", self.worker_name, old, self.worker_id)

    async def _fetch_and_process_jobs(self) -> None:
        try:
            await super()._fetch_and_process_jobs()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.warning("worker %s: fetching jobs failed (%s); polling again",
                           self.worker_name, _first_line(exc))
            try:
                await self._ensure_registered()
            except Exception:
                logger.debug("worker re-registration failed", exc_info=True)
            await asyncio.sleep(1)

    async def _persist_job_status(self, job: jobs.Job, status: jobs.Status,
                                  retry_decision: retry.RetryDecision | None,
                                  context: job_context.JobContext,
                                  job_result: job_context.JobResult | None) -> None:
        failures = 0
        while True:
            try:
                owner = await self.app.connector.execute_query_one_async(_JOB_OWNER, id=job.id)
                if owner is None or owner["status"] != "doing" or (
                        owner["worker_id"] != self.worker_id):
                    logger.warning("worker %s: job %s was handed to another worker meanwhile; "
                                   "leaving its outcome to that worker", self.worker_name,
                                   job.id)
                    return
                try:
                    await super()._persist_job_status(job, status, retry_decision, context,
                                                      job_result)
                except UniqueViolation:
                    # Its retry would clash with a newer waiting job of the same order
                    # (queueing lock): that job does the work, this one ends.
                    await self.app.job_manager.finish_job(job=job, status=jobs.Status.FAILED,
                                                          delete_job=False)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                if failures == 1:
                    logger.warning("worker %s: recording job %s failed (%s); retrying until "
                                   "the database is back", self.worker_name, job.id,
                                   _first_line(exc))
                if self._stop_event.is_set() and failures > 20:
                    # Stopping and still no database: the stalled-job recovery takes it.
                    return
                await asyncio.sleep(_pause(failures))


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
