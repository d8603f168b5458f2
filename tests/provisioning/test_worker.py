"""Real workers (``orion worker`` processes) against the emulator: faults and SIGKILL.

These tests commit their data (transactional) so that the worker processes see it, exactly as
in production: the order and its job are in PostgreSQL; the worker is a separate process.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from orion.orders.models import Order
from orion.orders.states import OrderState
from tests import factories as f
from tests.provisioning.helpers import place_load
from tests.workers import worker_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ORION = str(Path(sys.executable).with_name("orion"))
ORDERS = 50


def _worker_env(emulator) -> dict[str, str]:
    return worker_env(host=emulator.host, port=emulator.port)


def _start_worker(env: dict[str, str], name: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen([ORION, "worker", "--concurrency", "4", "--name", name], env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


def _place_many(count: int) -> list[Order]:
    return place_load(count=count, enterprises=5, first_number=2125550000, prefix="Load")


def _wait_all_done(orders: list[Order], timeout: float, on_tick=None) -> Counter:
    deadline = time.monotonic() + timeout
    ids = [o.pk for o in orders]
    states: Counter = Counter()
    while time.monotonic() < deadline:
        states = Counter(Order.objects.filter(pk__in=ids).values_list("state", flat=True))
        if states.get(OrderState.COMPLETED, 0) == len(ids) or states.get(OrderState.FAILED):
            return states
        if on_tick:
            on_tick()
        time.sleep(0.5)
    return states


def _assert_broadworks_matches(emulator, orders: list[Order]) -> None:
    """Exactly what the orders asked for: every group, pack quantity and number, once."""
    state = emulator.dump()["service_providers"]
    expected_groups = {(o.enterprise.bw_service_provider_id, o.customer.bw_group_id)
                       for o in orders}
    actual_groups = {(sp, g) for sp, data in state.items() for g in data["groups"]}
    assert actual_groups == expected_groups
    all_dns = [dn for data in state.values() for g in data["groups"].values()
               for dn in g["dns"]]
    assert len(all_dns) == len(set(all_dns)) == len(orders) * 2
    pack = f.package("Enterprise Standard").bw_name
    for order in orders:
        group = state[order.enterprise.bw_service_provider_id]["groups"][
            order.customer.bw_group_id]
        wanted = order.lines.get(package__name="Enterprise Standard").quantity
        assert group["service_packs"] == {pack: wanted}, order.number
        mine = sorted(f"+1-{d.e164[2:]}" for d in order.dids.all())
        assert sorted(group["dns"]) == mine, order.number
        # Every seat a user, each once, with its seat's service pack (a dict: no duplicates).
        seat_users = set(order.users.live().values_list("user_id", flat=True))
        assert len(seat_users) == wanted and set(group["users"]) == seat_users, order.number
        assert all(u["service_packs"] == [pack] for u in group["users"].values()), order.number
    for data in state.values():
        assert len(data["domains"]) == len(set(data["domains"]))


def test_fifty_orders_complete_through_faults(catalog, emulator, tmp_path):
    orders = _place_many(ORDERS)
    emulator.set_faults(drop_rate=0.10, hang_rate=0.05, transient_error_rate=0.05)
    env = _worker_env(emulator)
    workers = [_start_worker(env, f"w{n}", tmp_path / f"w{n}.log") for n in range(2)]
    try:
        states = _wait_all_done(orders, timeout=240)
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(timeout=15)
            except subprocess.TimeoutExpired:
                w.kill()
    emulator.set_faults(drop_rate=0, hang_rate=0, transient_error_rate=0)
    from orion.provisioning.models import ProvisioningStep

    errors = list(ProvisioningStep.objects.filter(status="failed").values_list("error",
                                                                               flat=True))
    assert states == Counter({OrderState.COMPLETED: ORDERS}), (states, errors[:5])
    _assert_broadworks_matches(emulator, orders)
    from orion.provisioning.models import OciExchangeLog

    failed_exchanges = OciExchangeLog.objects.filter(order__in=orders).exclude(error="")
    assert failed_exchanges.count() > 0, "the faults should have hit some exchanges"


def test_fifty_orders_survive_workers_killed_with_sigkill(catalog, emulator, tmp_path):
    orders = _place_many(ORDERS)
    emulator.set_faults(latency_ms=120)
    env = _worker_env(emulator)
    log = tmp_path / "workers.log"
    ids = [o.pk for o in orders]

    def completed() -> int:
        return Order.objects.filter(pk__in=ids, state=OrderState.COMPLETED).count()

    current = {"worker": _start_worker(env, "k0", log), "started": time.monotonic(), "n": 0,
               "kills": 0, "done_at_start": 0}

    def kill_and_restart() -> None:
        # Kill every few seconds, but only once this worker has got somewhere (on a loaded
        # machine a worker needs a few seconds just to start), so the test measures recovery,
        # not start-up time.
        alive = time.monotonic() - current["started"]
        if alive < 3 or (completed() == current["done_at_start"] and alive < 15):
            return
        current["worker"].send_signal(signal.SIGKILL)
        current["worker"].wait()
        current["kills"] += 1
        current["n"] += 1
        current["worker"] = _start_worker(env, f"k{current['n']}", log)
        current["started"] = time.monotonic()
        current["done_at_start"] = completed()

    try:
        states = _wait_all_done(orders, timeout=420, on_tick=kill_and_restart)
    finally:
        current["worker"].send_signal(signal.SIGTERM)
        try:
            current["worker"].wait(timeout=15)
        except subprocess.TimeoutExpired:
            current["worker"].kill()
    assert current["kills"] >= 3, "the test must actually kill workers"
    # No BroadWorks faults here: every retry is a job taken over from a killed worker.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_events "
                       "WHERE type = 'deferred_for_retry'")
        assert cursor.fetchone()[0] >= 1
    assert states == Counter({OrderState.COMPLETED: ORDERS}), (states, log.read_text()[-3000:])
    _assert_broadworks_matches(emulator, orders)
