"""A disconnect run by a real ``orion worker`` process that is SIGKILLed half-way through
the removals: the next worker takes the stalled job over, the run converges, nothing of
the group is left in BroadWorks, and no object was sent a delete twice (the emulator counts
every delete it receives, per object).

Transactional (committed data), like tests/provisioning/test_worker.py, so the worker
processes see the orders.
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

from orion.broadworks.emulator.handlers import base as emulator_handlers
from orion.core.clock import local_today
from orion.numbers.models import DID
from orion.orders.disconnect import DisconnectDetails, order_disconnect_save
from orion.orders.models import Order, OrderKind
from orion.orders.states import OrderState
from orion.provisioning import services
from orion.provisioning.models import ProvisioningStep
from tests import factories as f
from tests.provisioning.helpers import place_order, stock_numbers
from tests.workers import worker_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ORION = str(Path(sys.executable).with_name("orion"))
SEATS = 40
DELETES = ("UserDeleteRequest", "GroupAccessDeviceDeleteRequest", "GroupDnUnassignListRequest",
           "ServiceProviderDnDeleteListRequest", "GroupDeleteRequest")


def _count_deletes(monkeypatch) -> Counter:
    """Count, in the emulator, every delete per object (user id, device, number, group)."""
    seen: Counter = Counter()
    for name in DELETES:
        registered = emulator_handlers.HANDLERS[name]

        def counting(ctx, req, _name=name, _handler=registered.handler):
            keys = (getattr(req, "phone_number", None) or [getattr(req, "user_id", None)
                                                          or getattr(req, "device_name", None)
                                                          or getattr(req, "group_id", None)])
            for key in keys:
                seen[(_name, key)] += 1
            return _handler(ctx, req)

        monkeypatch.setitem(emulator_handlers.HANDLERS, name,
                            emulator_handlers._Registered(counting, registered.mutates))
    return seen


def _start_worker(env: dict[str, str], name: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen([ORION, "worker", "--concurrency", "2", "--name", name], env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


def _stop(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()


def test_a_worker_killed_mid_disconnect_converges_and_deletes_nothing_twice(
        catalog, emulator, bw_config, tmp_path, monkeypatch):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
    partner = f.make_partner("Kill Partner")
    user = f.make_user(partner=partner)
    numbers = stock_numbers(6125558000, 4)
    order = place_order(user=user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Enterprise Standard": SEATS}, numbers=numbers,
                        name="Killed Co", domain="killed.example")
    assert services.order_provision(order_id=order.pk, config=bw_config) == OrderState.COMPLETED
    with connection.cursor() as cursor:  # the order's own job: done in-process above
        cursor.execute("DELETE FROM procrastinate_jobs")
    sp_id, group_id = order.enterprise.bw_service_provider_id, order.customer.bw_group_id
    assert len(emulator.dump()["service_providers"][sp_id]["groups"][group_id]["users"]) == \
        SEATS
    order.customer.refresh_from_db()
    gone = order_disconnect_save(user=user, customer_id=order.customer.pk,
                                 details=DisconnectDetails(
                                     effective_date=local_today(order.customer.time_zone),
                                     reason="Closing down"))
    deletes = _count_deletes(monkeypatch)
    emulator.set_faults(latency_ms=400)  # each document takes a while: time to kill
    env = worker_env(host=emulator.host, port=emulator.port)
    log = tmp_path / "workers.log"
    worker = _start_worker(env, "d0", log)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any(k[0] == "UserDeleteRequest"
                                                      for k in deletes):
            time.sleep(0.05)
        assert deletes, log.read_text()[-3000:]
        worker.send_signal(signal.SIGKILL)  # mid-removal: some users gone, others not
        worker.wait()
        users_left = len(emulator.dump()["service_providers"][sp_id]["groups"][group_id]
                         ["users"])
        assert 0 < users_left < SEATS
        emulator.set_faults(latency_ms=0)
        worker = _start_worker(env, "d1", log)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            state = Order.objects.values_list("state", flat=True).get(pk=gone.pk)
            if state in (OrderState.COMPLETED, OrderState.FAILED):
                break
            time.sleep(0.3)
    finally:
        _stop(worker)
    gone.refresh_from_db()
    assert gone.state == OrderState.COMPLETED, (
        list(ProvisioningStep.objects.filter(order=gone).values_list("key", "status",
                                                                     "error")),
        log.read_text()[-3000:])
    # Nothing left behind; Orion's records say the same.
    assert group_id not in emulator.dump()["service_providers"][sp_id]["groups"]
    assert set(DID.objects.filter(e164__in=numbers).values_list("state", flat=True)) == {
        "quarantined"}
    gone.customer.refresh_from_db()
    assert gone.customer.status == "Disconnected"
    assert order.users.live().count() == 0
    # Every object got exactly one delete, across both workers.
    twice = {key: n for key, n in deletes.items() if n > 1}
    assert not twice, twice
    assert sum(1 for k in deletes if k[0] == "UserDeleteRequest") == SEATS
    assert deletes[("GroupDeleteRequest", group_id)] == 1
