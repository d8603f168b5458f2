"""Real ``orion worker`` processes through a database outage and a frozen worker (issue 11).

Bounded: each test places about 30 orders and gives up after a few minutes. The outage is
made the way a restart looks to clients: every session of the test database is terminated
("terminating connection due to administrator command", as a fast shutdown sends) and new
connections are refused for 10 seconds. The test's own session stays, so the test can watch.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from orion.accounts.models import Enterprise, User
from orion.orders.models import Order, OrderKind
from orion.orders.states import OrderState
from tests.provisioning.helpers import place_load, place_order
from tests.provisioning.test_worker import (
    _assert_broadworks_matches,
    _start_worker,
    _wait_all_done,
)
from tests.workers import worker_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _place(count: int, *, enterprises: int) -> list[Order]:
    """Half the enterprises and two thirds of the customers without a domain of their own."""
    def domain(i: int, first: bool) -> str:
        if first:
            return f"fault{i}.example" if i % 2 else ""
        return "" if i % 3 else f"faultc{i}.example"

    return place_load(count=count, enterprises=enterprises, first_number=6465550000,
                      prefix="Fault", domain_for=domain)


def _stop(workers: list[subprocess.Popen]) -> None:
    for w in workers:
        if w.poll() is None:
            w.send_signal(signal.SIGCONT)
            w.send_signal(signal.SIGTERM)
    for w in workers:
        try:
            w.wait(timeout=20)
        except subprocess.TimeoutExpired:
            w.kill()


def _completed(orders: list[Order]) -> int:
    return Order.objects.filter(pk__in=[o.pk for o in orders],
                                state=OrderState.COMPLETED).count()


def _wait(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def _database_outage(seconds: float) -> None:
    import psycopg

    db = connection.settings_dict
    name = db["NAME"]
    with psycopg.connect(host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"],
                         password=db["PASSWORD"] or None, dbname="postgres",
                         autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            lost = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> %s",
                [name, connection.connection.info.backend_pid]).fetchone()[0]
            assert lost > 0, "the workers had sessions to lose"
            time.sleep(seconds)
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


def _provision_jobs() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs "
                       "WHERE task_name = 'orion.provision_order'")
        return cursor.fetchone()[0]


def test_orders_complete_through_a_database_outage(catalog, emulator, tmp_path):
    orders = _place(30, enterprises=4)
    emulator.set_faults(latency_ms=40)
    env = worker_env(host=emulator.host, port=emulator.port)
    logs = [tmp_path / f"o{n}.log" for n in range(2)]
    workers = [_start_worker(env, f"o{n}", logs[n]) for n in range(2)]
    try:
        assert _wait(lambda: _completed(orders) >= 3, 90), "workers never got going"
        _database_outage(10)
        states = _wait_all_done(orders, timeout=240)
        alive = [w.poll() is None for w in workers]
    finally:
        _stop(workers)
    text = "".join(log.read_text(errors="replace") for log in logs)
    assert states == Counter({OrderState.COMPLETED: len(orders)}), (states, text[-4000:])
    assert alive == [True, True], text[-4000:]  # the workers outlived the database
    # They did live through it: the resilient worker's own lines.
    assert re.search(r"lost the database|heartbeat failed|fetching jobs failed|"
                     r"recording job \d+ failed", text), text[-4000:]
    assert "outside Orion" not in "".join(
        Order.objects.filter(pk__in=[o.pk for o in orders])
        .values_list("state_changes__note", flat=True).exclude(state_changes__note=None))
    _assert_broadworks_matches(emulator, orders)


def test_orders_converge_when_answers_are_lost_after_broadworks_applied_them(
        catalog, emulator, tmp_path):
    """BroadWorks applies a document and the answer never arrives (the connection drops):
    the worker cannot know what was done, resends, reads back, and every order converges to
    exactly what it asked for, once."""
    orders = _place(30, enterprises=4)
    pick, process = emulator.faults.pick, emulator._process
    last: dict[str, object] = {"fault": None}
    lost_writes: list[int] = []  # the writes BroadWorks applied whose answer was dropped

    def spy_pick(rng):
        last["fault"] = pick(rng)
        return last["fault"]

    def spy_process(document, session, **kwargs):
        before = emulator.stats.writes
        answer = process(document, session, **kwargs)
        if last["fault"] == "lose_answer" and emulator.stats.writes > before:
            lost_writes.append(emulator.stats.writes - before)
        last["fault"] = None
        return answer

    emulator.faults.pick = spy_pick  # the emulator's loop calls pick, then _process
    emulator._process = spy_process
    emulator.set_faults(lose_answer_rate=0.15)
    env = worker_env(host=emulator.host, port=emulator.port)
    logs = [tmp_path / f"l{n}.log" for n in range(2)]
    workers = [_start_worker(env, f"l{n}", logs[n]) for n in range(2)]
    try:
        states = _wait_all_done(orders, timeout=240)
    finally:
        _stop(workers)
        emulator.set_faults(lose_answer_rate=0)
    text = "".join(log.read_text(errors="replace") for log in logs)
    assert states == Counter({OrderState.COMPLETED: len(orders)}), (states, text[-4000:])
    assert len(lost_writes) >= 3, "the fault must hit documents that changed BroadWorks"
    notes = "".join(Order.objects.filter(pk__in=[o.pk for o in orders])
                    .values_list("state_changes__note", flat=True)
                    .exclude(state_changes__note=None))
    assert "outside Orion" not in notes and "already exists" not in notes
    _assert_broadworks_matches(emulator, orders)


def _held_lock_pids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                       "WHERE l.locktype = 'advisory' AND l.granted "
                       "AND a.datname = current_database() "
                       "AND a.application_name LIKE 'orion-provision %%'")
        return [row[0] for row in cursor.fetchall()]


def _diagnosis(orders: list[Order], states: Counter, log: Path) -> str:
    """What a stuck run looked like: the jobs, the lock holders, the worker's complaints."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, status, lock, scheduled_at, worker_id, attempts, args "
                       "FROM procrastinate_jobs WHERE task_name = 'orion.provision_order' "
                       "AND (args->>'order_id')::bigint = ANY(%s) ORDER BY id",
                       [[o.pk for o in orders]])
        jobs = cursor.fetchall()
        cursor.execute("SELECT l.objid, a.pid, a.application_name, a.state "
                       "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                       "WHERE l.locktype = 'advisory' AND l.granted "
                       "AND a.datname = current_database()")
        holders = cursor.fetchall()
    complaints = [line for line in log.read_text(errors="replace").splitlines()
                  if "WARNING" in line or "ERROR" in line or "Traceback" in line]
    return (f"states {dict(states)}\njobs {jobs}\nlock holders {holders}\n"
            + "\n".join(complaints[-15:]))


def test_a_frozen_worker_is_fenced_after_the_take_over(catalog, emulator, tmp_path):
    orders = _place(30, enterprises=3)  # 10 an enterprise: most wait for their enterprise
    emulator.set_faults(latency_ms=250)  # every run takes a while: the freeze lands inside one
    env = worker_env(host=emulator.host, port=emulator.port, stalled_seconds=3)
    frozen_log, taker_log = tmp_path / "frozen.log", tmp_path / "taker.log"
    frozen = _start_worker(env, "frozen", frozen_log)
    workers = [frozen]
    try:
        assert _wait(lambda: bool(_held_lock_pids()), 60), "the worker never took a lock"
        os.kill(frozen.pid, signal.SIGSTOP)
        frozen_at = time.monotonic()
        time.sleep(4)  # past the stalled timeout: the taker prunes the frozen worker's row
        workers.append(_start_worker(env, "taker", taker_log))
        states = _wait_all_done(orders, timeout=240)
        assert time.monotonic() - frozen_at > 3, "the take-over must come after the timeout"
        writes_before = emulator.stats.writes
        sent_after: list[list[str]] = []  # the command types of every later document
        process = emulator._process

        def spy(document, session, **kwargs):
            sent_after.append([t.decode() for t in re.findall(rb'xsi:type="(\w+)"', document)])
            return process(document, session, **kwargs)

        emulator._process = spy
        os.kill(frozen.pid, signal.SIGCONT)
        time.sleep(6)  # the resumed worker wakes, finds itself fenced, re-registers
        emulator._process = process
        writes_after = emulator.stats.writes
        frozen_alive = frozen.poll() is None
    finally:
        _stop(workers)
    text = frozen_log.read_text(errors="replace")
    assert states == Counter({OrderState.COMPLETED: len(orders)}), _diagnosis(
        orders, states, taker_log)
    assert writes_after == writes_before, "the resumed worker wrote after the take-over"
    # At most it finishes a login it had begun; no provisioning request at all.
    logins = {"AuthenticationRequest", "LoginRequest14sp4", "LoginRequest22V5"}
    assert all(set(types) <= logins for types in sent_after), sent_after
    assert frozen_alive, text[-3000:]
    assert "ForeignKeyViolation" not in text
    assert "registered again" in text, text[-3000:]  # pruned while frozen: back, not dead
    assert "lost its job" in taker_log.read_text(errors="replace")  # it took the lock over
    _assert_broadworks_matches(emulator, orders)
    assert _provision_jobs() <= len(orders) + 4  # waiting does not churn out jobs


def test_setup_runs_again_after_a_failed_and_a_cancelled_order(settings, tmp_path, staff):
    from django.core.management import call_command

    from orion.orders.lifecycle import order_transition
    from orion.provisioning.repair import order_cancel

    settings.VAR_DIR = Path(tmp_path)
    settings.ORION_DEMO = True
    settings.ORION_BROADWORKS_IS_EMULATOR = True
    call_command("setup")
    agent = User.objects.get(username="agent")
    acme = Enterprise.objects.get(name="Acme Corporation")
    failed = place_order(user=agent, kind=OrderKind.NEW_CUSTOMER, enterprise=acme,
                         packages={"Enterprise Standard": 1}, name="Acme - Failed")
    order_transition(order=failed, to=OrderState.FAILED, by=None, note="test")
    cancelled = place_order(user=agent, kind=OrderKind.NEW_CUSTOMER, enterprise=acme,
                            packages={"Enterprise Standard": 1}, name="Acme - Cancelled")
    order_cancel(order_id=cancelled.pk, user=staff)
    for _ in range(2):
        call_command("setup")  # the second and third start: nothing replayed, no crash
    state = (tmp_path / "broadworks-emulator.json").read_text()
    assert "Acme_Failed" not in state and "Acme_Cancelled" not in state
    assert "Acme_Corporation" in state
