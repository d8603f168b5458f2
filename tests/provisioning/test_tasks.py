"""The provisioning job's own paths (``orion.provisioning.tasks.provision_order``): retries
used up, and an enterprise busy with another order.

The task body runs here as the worker runs it, on the real database and the real emulator;
only the Procrastinate job context is a stand-in (the job's id, worker and attempt count).
"""

from __future__ import annotations

import contextlib
import json
import socket
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone

from orion.broadworks.exceptions import OCIConnectionError
from orion.orders.models import OrderKind
from orion.orders.states import OrderState
from orion.provisioning.fencing import LOCK_NAMESPACE
from orion.provisioning.tasks import WAIT_SECONDS, provision_order
from tests.provisioning.helpers import place_order

pytestmark = pytest.mark.django_db


def _context(*, attempts: int = 0) -> SimpleNamespace:
    return SimpleNamespace(job=SimpleNamespace(id=None, worker_id=None, attempts=attempts))


def _jobs(order_id: int) -> list[tuple[str, dict, object]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, args, scheduled_at FROM procrastinate_jobs "
                       "WHERE (args->>'order_id')::bigint = %s ORDER BY id", [order_id])
        return [(status, json.loads(args) if isinstance(args, str) else args, at)
                for status, args, at in cursor.fetchall()]


def _take_the_job(order_id: int) -> None:
    """What the worker does: the job that just ran ends (``succeeded``) and the waiting one
    starts (``doing``), so it is no longer ``todo``."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET status = 'succeeded' "
                       "WHERE (args->>'order_id')::bigint = %s AND status = 'doing'", [order_id])
        cursor.execute("UPDATE procrastinate_jobs SET status = 'doing' "
                       "WHERE (args->>'order_id')::bigint = %s AND status = 'todo'", [order_id])


@pytest.fixture
def unreachable_broadworks(monkeypatch) -> None:
    """BroadWorks configured on a port where nothing listens: every connect is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("ORION_BROADWORKS_HOST", "127.0.0.1")
    monkeypatch.setenv("ORION_BROADWORKS_PORT", str(port))
    monkeypatch.setenv("ORION_BROADWORKS_CONNECT_TIMEOUT", "1")


@pytest.fixture
def order(tenant_a):
    return place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                       packages={"Power User": 1}, name="Retry Co", domain="retry.example")


def test_a_transient_failure_with_retries_left_is_raised_for_procrastinate_to_retry(
        order, unreachable_broadworks, settings):
    settings.ORION_PROVISIONING_MAX_ATTEMPTS = 3
    with pytest.raises(OCIConnectionError):
        provision_order.func(_context(attempts=0), order_id=order.pk)
    order.refresh_from_db()
    assert order.state == OrderState.IN_PROGRESS  # not failed: the next attempt continues


def test_retries_used_up_end_the_order_in_failed_with_a_reason(order, unreachable_broadworks,
                                                                settings):
    settings.ORION_PROVISIONING_MAX_ATTEMPTS = 3
    assert provision_order.func(_context(attempts=2), order_id=order.pk) == "failed"
    order.refresh_from_db()
    assert order.state == OrderState.FAILED
    note = order.state_changes.last().note
    assert "BroadWorks could not be reached" in note and "Retry" in note


def test_an_enterprise_busy_with_another_order_requeues_one_job_with_a_delay(order):
    _take_the_job(order.pk)
    holder = connection.copy()  # another worker's session, holding the enterprise lock
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)",
                           [LOCK_NAMESPACE, order.enterprise_id])
        before = timezone.now()
        assert provision_order.func(_context(), order_id=order.pk) == "waiting"
        waiting = [job for job in _jobs(order.pk) if job[0] == "todo"]
        assert len(waiting) == 1
        _, args, scheduled_at = waiting[0]
        assert args == {"order_id": order.pk, "wait_round": 1}
        assert scheduled_at >= before + timedelta(seconds=WAIT_SECONDS[0]) \
            - timedelta(milliseconds=100)
        order.refresh_from_db()
        assert order.state == OrderState.ACKNOWLEDGED  # waiting is not a failure

        # The next round waits longer, and the order still has one waiting job only.
        _take_the_job(order.pk)
        assert provision_order.func(_context(), order_id=order.pk, wait_round=1) == "waiting"
        waiting = [job for job in _jobs(order.pk) if job[0] == "todo"]
        assert [job[1]["wait_round"] for job in waiting] == [2]
        assert waiting[0][2] >= before + timedelta(seconds=WAIT_SECONDS[1]) \
            - timedelta(milliseconds=100)
    finally:
        holder.close()


def test_a_run_carries_its_job_name_before_it_takes_the_enterprise_lock(order, monkeypatch):
    """A worker frozen right after taking the lock must already be identifiable as a run
    whose job can be handed over; an unnamed holder is never terminated."""
    from orion.provisioning import fencing

    names_at_lock: list[str] = []
    real_try_lock = fencing._try_lock

    def spy(enterprise_id: int) -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('application_name')")
            names_at_lock.append(cursor.fetchone()[0])
        return real_try_lock(enterprise_id)

    monkeypatch.setattr(fencing, "_try_lock", spy)
    fence = fencing.JobFence(job_id=987654, worker_id=123456)
    fencing.enterprise_lock(enterprise_id=order.enterprise_id, fence=fence)
    try:
        assert names_at_lock == [fence.application_name]
    finally:
        fencing.enterprise_unlock(enterprise_id=order.enterprise_id)


def test_the_lock_of_a_run_whose_job_is_gone_is_taken_over(order):
    from orion.provisioning import fencing

    holder = connection.copy()  # a frozen worker's session: named, holding the lock
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT set_config('application_name', %s, false)",
                           [fencing.JobFence(job_id=987654, worker_id=123456).application_name])
            cursor.execute("SELECT pg_advisory_lock(%s, %s)",
                           [LOCK_NAMESPACE, order.enterprise_id])
            holder_pid = holder.connection.info.backend_pid
        fencing.enterprise_lock(enterprise_id=order.enterprise_id, fence=None)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_stat_clear_snapshot()")  # the test's transaction
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s",
                               [holder_pid])
                assert cursor.fetchone()[0] == 0  # terminated: its job no longer exists
            fencing.fence_check(enterprise_id=order.enterprise_id, fence=None)  # we hold it
        finally:
            fencing.enterprise_unlock(enterprise_id=order.enterprise_id)
    finally:
        with contextlib.suppress(Exception):  # terminated under it
            holder.close()
