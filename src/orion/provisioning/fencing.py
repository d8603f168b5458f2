"""Who may write to BroadWorks for an enterprise: the enterprise lock and the job fence.

Two workers must never provision one BroadWorks enterprise at once, and a worker that lost
its job (frozen past the stalled timeout, cut off from the database, taken over by another
worker) must send BroadWorks nothing more. Three facts, all in PostgreSQL, decide it:

* the **enterprise lock**: a session-level advisory lock held on the run's database
  connection. It dies with that connection, so a killed worker never keeps it;
* the **job row**: the run's Procrastinate job must still be ``doing`` and belong to this
  worker. When the stalled-job recovery hands the job to another worker, the row says so at
  once, whatever the paused process believes;
* the holder's **application name** (``orion-provision job=J worker=W``), so that a worker
  which finds the lock held can tell a live holder (wait) from the session of a worker whose
  job was taken over (terminate that session, then take the lock).

``fence_check`` re-checks the first two immediately before every write document, in one
cheap statement: the lock is held for as long as the session that took it is the one in use
(only that session can release a session-level lock, and only by ending or unlocking), so the
check compares the connection with the one that took the lock and reads the job row by its
key; a lost connection fails that statement. (Reading ``pg_locks`` instead copies the whole
server's lock table: 0.5-5 ms a call on a busy server, a dozen calls an order.)
A process paused between that check and its write can still send one document;
nothing short of BroadWorks checking a fencing token could close that gap, and the diff
engine makes such a late document harmless (it only adds what is missing, and every run
starts by reading BroadWorks).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection

from orion.core.bulk import Statement
from orion.provisioning.exceptions import ProvisioningBusy, ProvisioningFenced

logger = logging.getLogger(__name__)

LOCK_NAMESPACE = 0x0B10  # advisory-lock namespace for "provisioning in enterprise N"
_APP_NAME = re.compile(r"^orion-provision job=(\d+) worker=(\d+)$")
# The enterprise locks this thread holds: enterprise id -> [the database connection (psycopg's,
# under Django's wrapper) that took it, how many times]. Django replaces that connection
# object when it reconnects, and a new session holds none of the old one's locks.
_held = threading.local()


def _holdings() -> dict[int, list[Any]]:
    if not hasattr(_held, "locks"):
        _held.locks = {}
    return _held.locks


@dataclass(frozen=True)
class JobFence:
    """The Procrastinate job and worker that own a provisioning run."""

    job_id: int
    worker_id: int

    @property
    def application_name(self) -> str:
        return f"orion-provision job={self.job_id} worker={self.worker_id}"


def enterprise_lock(*, enterprise_id: int, fence: JobFence | None) -> None:
    """Take the enterprise lock, taking it over from a worker that lost its job.

    Raises ProvisioningBusy when a live worker holds it.
    """
    # Named before the lock is tried: a worker frozen right after taking the lock must
    # already carry its job's name, or no other worker could ever tell it was taken over.
    if fence is not None:
        _set_application_name(fence.application_name)
    for _ in range(20):
        if _try_lock(enterprise_id):
            held = _holdings().get(enterprise_id)
            if held is not None and held[0] is connection.connection:
                held[1] += 1  # taken again on the same session (session locks count)
            else:
                _holdings()[enterprise_id] = [connection.connection, 1]
            return
        holder = _holder(enterprise_id)
        if holder is None:
            continue  # released between the two statements: try again at once
        pid, app_name = holder
        if not _holder_is_stale(app_name):
            _set_application_name("orion")
            raise ProvisioningBusy("Another worker is provisioning this enterprise right now; "
                                   "this order follows it shortly.")
        logger.warning("enterprise %s: lock held by a worker that lost its job (%s, pid %s); "
                       "terminating that session", enterprise_id, app_name, pid)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
        time.sleep(0.05)
    _set_application_name("orion")
    raise ProvisioningBusy("The enterprise lock could not be taken over; retrying shortly.")


def enterprise_unlock(*, enterprise_id: int) -> None:
    """Release the lock; a connection that died has released it already."""
    held = _holdings().get(enterprise_id)
    if held is not None:
        held[1] -= 1
        if held[1] <= 0:
            del _holdings()[enterprise_id]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, enterprise_id])
        _set_application_name("orion")
    except Exception:
        logger.info("enterprise %s: lock released with its lost connection", enterprise_id)
        connection.close_if_unusable_or_obsolete()


def fence_check(*, enterprise_id: int, fence: JobFence | None) -> None:
    """Raise ProvisioningFenced unless this run may still write to BroadWorks.

    A lost database connection raises the database's own error, which the job treats as
    transient: the run stops before its write either way.
    """
    fenced_write(enterprise_id=enterprise_id, fence=fence, statements=[])


# What a statement given to ``fenced_write`` must also require (``rows_update_sql``'s guard).
FENCE_GUARD = "(SELECT ok FROM fence)"


def fenced_write(*, enterprise_id: int, fence: JobFence | None,
                 statements: Sequence[Statement], durable: bool = True) -> None:
    """Run ``statements`` (each guarded by ``FENCE_GUARD``) only if this run still owns the
    enterprise, in one statement with the check; raise ProvisioningFenced (nothing written)
    when it does not.

    One round trip instead of a transaction of five: a run's bookkeeping after each OCI-P
    document (its log rows, its steps) is written this way.

    ``durable=False`` commits without waiting for the WAL flush (``synchronous_commit`` off
    for this statement's transaction only): the rows are visible to every session at once
    and survive a worker crash; only a crash of PostgreSQL itself within a fraction of a
    second can lose them, and the next durable commit (the run's end) flushes them. Meant for
    progress written between documents, which a retry recomputes by reading BroadWorks first;
    the flush it spares is most of such a write's cost (milliseconds on a real disk).
    """
    held = _holdings().get(enterprise_id)
    if held is None or connection.connection is None or held[0] is not connection.connection:
        raise ProvisioningFenced("This worker no longer holds the enterprise lock.")
    if fence is None:
        # No job to own; the statement still proves the session is alive.
        sql, params = "SELECT true AS ok", []
    else:
        sql = ("SELECT EXISTS (SELECT 1 FROM procrastinate_jobs"
               " WHERE id = %s AND status = 'doing' AND worker_id = %s) AS ok")
        params = [fence.job_id, fence.worker_id]
    if statements and not durable and not connection.in_atomic_block:
        # set_config(..., true) lasts to the end of this statement's own transaction, whose
        # commit reads it; inside a caller's transaction it would weaken the caller's commit.
        sql = ("SELECT f.ok FROM (" + sql + ") AS f,"  # noqa: S608
               " set_config('synchronous_commit', 'off', true)")
    if statements:
        # The statements are built from models' meta with every value a parameter.
        sql = (f"WITH fence AS MATERIALIZED ({sql}), "  # noqa: S608
               + ", ".join(f"w{n} AS ({text})" for n, (text, _) in enumerate(statements))
               + " SELECT ok FROM fence")
        params = [*params, *(p for _, values in statements for p in values)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        (owns_job,) = cursor.fetchone()
    if not owns_job:
        raise ProvisioningFenced("This worker's job was handed to another worker.")


def _try_lock(enterprise_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, enterprise_id])
        return bool(cursor.fetchone()[0])


def _holder(enterprise_id: int) -> tuple[int, str] | None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT l.pid, coalesce(a.application_name, '')
              FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.classid = %s AND l.objid = %s
               AND l.objsubid = 2 AND l.granted
               AND l.database = (SELECT oid FROM pg_database
                                  WHERE datname = current_database())
            """, [LOCK_NAMESPACE, enterprise_id])
        row = cursor.fetchone()
    return (int(row[0]), str(row[1])) if row else None


def _holder_is_stale(app_name: str) -> bool:
    """True when the holder is a provisioning run whose job or worker is gone."""
    match = _APP_NAME.match(app_name)
    if match is None:
        return False  # not a worker's run (a shell, a test): never terminated
    job_id, worker_id = int(match[1]), int(match[2])
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT EXISTS (
                SELECT 1 FROM procrastinate_jobs j JOIN procrastinate_workers w
                    ON w.id = j.worker_id
                 WHERE j.id = %s AND j.status = 'doing' AND j.worker_id = %s
                   AND w.last_heartbeat > now() - make_interval(secs => %s))
            """, [job_id, worker_id, settings.ORION_STALLED_JOB_SECONDS])
        return not cursor.fetchone()[0]


def _set_application_name(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('application_name', %s, false)", [name])
