"""Change orders run by a real ``orion worker`` process against the emulator: a customer's
first order, then a change that raises, lowers, removes and adds packages, a second change on
top of it, then one that removes a user with its number and lowers the seats. After each, the
emulator's group holds exactly what Orion's records say (the customer's current quantities,
its live users, its numbers in service), and a given-back number ages in quarantine.

Transactional (committed data), like tests/provisioning/test_worker.py, so the worker process
sees the orders.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from orion.core.clock import local_today
from orion.numbers.models import DID
from orion.orders import services as order_services
from orion.orders.models import Order, OrderKind
from orion.orders.states import OrderState
from orion.users.removals import change_removals_set
from tests import factories as f
from tests.orders.test_changes import _assert_matches, _change, _group
from tests.provisioning.helpers import place_order, stock_numbers
from tests.workers import worker_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ORION = str(Path(sys.executable).with_name("orion"))


def _wait(order: Order, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        order.refresh_from_db()
        if order.state in (OrderState.COMPLETED, OrderState.FAILED):
            return order.state
        time.sleep(0.3)
    return order.state


def _users_match(emulator, order: Order) -> None:
    live = set(order.customer.seat_users.live().exclude(order__state=OrderState.CANCELLED)
               .values_list("user_id", flat=True))
    assert set(_group(emulator, order)["users"]) == live


def test_changes_provisioned_by_a_worker_leave_broadworks_as_orion_records_it(
        catalog, emulator, tmp_path):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
    partner = f.make_partner("Change Partner")
    user = f.make_user(partner=partner)
    first = place_order(user=user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Enterprise Standard": 2, "Voice Mail Add On": 2,
                                  "Music On Hold": 1},
                        numbers=stock_numbers(5035550100, 2), name="Worker Change Co",
                        domain="workerchange.example")
    env = worker_env(host=emulator.host, port=emulator.port)
    log = tmp_path / "worker.log"
    worker = subprocess.Popen([ORION, "worker", "--concurrency", "2", "--name", "change"],
                              env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    try:
        assert _wait(first) == OrderState.COMPLETED, log.read_text()[-2000:]
        _assert_matches(emulator, first)
        # Raise the seats, lower voice mail, remove music on hold, add a hunt group.
        change = _change(user, first.customer, {"Enterprise Standard": 4,
                                                "Voice Mail Add On": 1, "Music On Hold": 0,
                                                "Hunt Group": 1})
        assert _wait(change) == OrderState.COMPLETED, log.read_text()[-2000:]
        _assert_matches(emulator, first)
        _users_match(emulator, first)
        group = _group(emulator, first)
        assert group["group_services"] == {"Hunt Group": 1}
        assert group["user_services"] == {"Voice Messaging User": 1}
        # A second change on top: voice mail removed too, the hunt group kept, one more seat.
        again = _change(user, first.customer, {"Voice Mail Add On": 0,
                                               "Enterprise Standard": 5})
        assert _wait(again) == OrderState.COMPLETED, log.read_text()[-2000:]
        _assert_matches(emulator, first)
        _users_match(emulator, first)
        group = _group(emulator, first)
        assert "Voice Messaging User" not in group["user_services"]
        assert group["service_packs"] == {f.package("Enterprise Standard").bw_name: 5}
        # A third: a user leaves with its number, and the seats go down by one.
        leaving = (first.customer.seat_users.live().exclude(number=None)
                   .order_by("extension").first())
        draft = order_services.order_change_start(user=user, customer_id=first.customer_id)
        line = draft.lines.get(package__name="Enterprise Standard")
        order_services.order_line_set_quantity(user=user, order_id=draft.pk, line_id=line.pk,
                                               quantity=4)
        change_removals_set(user=user, order_id=draft.pk, number_ids=[leaving.number_id],
                            user_ids=[leaving.pk])
        day = local_today(first.customer.time_zone)
        third = order_services.order_save(user=user, order_id=draft.pk, details=(
            order_services.OrderDetails(billing_start_date=day, effective_date=day))).order
        assert _wait(third) == OrderState.COMPLETED, log.read_text()[-2000:]
        _assert_matches(emulator, first)
        _users_match(emulator, first)
        group = _group(emulator, first)
        assert leaving.user_id not in group["users"] and len(group["users"]) == 4
        sp = emulator.dump()["service_providers"][first.enterprise.bw_service_provider_id]
        mine = sorted(f"+1-{d.e164[2:]}" for d in DID.objects.filter(
            customer=first.customer, state="assigned"))
        assert sorted(group["dns"]) == sorted(sp["dns"]) == mine
        assert DID.objects.get(pk=leaving.number_id).state == "quarantined"
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
