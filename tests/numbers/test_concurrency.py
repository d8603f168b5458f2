"""16 clients, each a thread with its own database connection, reserve from one NXX that has
fewer numbers than they ask for together. No number is given twice, none is lost, and each
client gets its numbers or a clear "not enough" answer."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from django.db import connection, transaction

from orion.numbers import services as s
from orion.numbers.exceptions import NotEnoughNumbers
from orion.numbers.models import DID, DIDEvent
from orion.orders.models import Order
from tests import factories as f

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
CLIENTS = 16


def _drafts(tenant_a) -> list:
    return [f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise,
                                  packages=(name,))
            for name in ["Enterprise Standard", "Power User"] * (CLIENTS // 2)]


def _run(clients: list) -> None:
    start = threading.Barrier(len(clients))
    errors: list[BaseException] = []

    def wrap(fn):
        def run():
            try:
                start.wait()
                fn()
            except BaseException as exc:  # reported by the test
                errors.append(exc)
            finally:
                connection.close()
        return run

    threads = [threading.Thread(target=wrap(fn)) for fn in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors


def test_sixteen_clients_reserve_by_quantity_from_a_short_nxx(tenant_a):
    s.numbers_add_range(spec="3055550100-3055550139")  # 40 numbers; 16 x 5 = 80 asked for
    drafts = _drafts(tenant_a)
    got: dict[int, list[str]] = {}
    refused: dict[int, str] = {}

    def client(order):
        def reserve():
            try:
                got[order.pk] = s.numbers_reserve_quantity(
                    user=tenant_a.user, order_id=order.pk, npa="305", nxx="555", quantity=5)
            except NotEnoughNumbers as exc:
                refused[order.pk] = exc.message
        return reserve

    _run([client(o) for o in drafts])
    assert len(got) + len(refused) == CLIENTS
    handed_out = [n for numbers in got.values() for n in numbers]
    assert len(handed_out) == len(set(handed_out)), "a number was given twice"
    assert all(len(numbers) == 5 for numbers in got.values())
    assert 1 <= len(got) <= 8
    assert all("Not enough free numbers in 305-555" in m for m in refused.values())
    # None lost: every number is either reserved to the client that was told so, or free.
    rows = {d.e164: d for d in DID.objects.filter(npa="305")}
    for order_id, numbers in got.items():
        assert {rows[n].order_id for n in numbers} == {order_id}
        assert all(rows[n].state == "reserved" for n in numbers)
    assert sum(d.state == "available" for d in rows.values()) == 40 - len(handed_out)
    # Refused clients left nothing behind, not even history.
    assert DIDEvent.objects.filter(to_state="reserved").count() == len(handed_out)


def test_a_reservation_locks_its_draft_before_any_number(tenant_a):
    """Save Order locks the order, then its numbers: a reservation waiting for a busy draft
    must hold no number meanwhile (else the two could deadlock)."""
    s.numbers_add_range(spec="3035550100-3035550104")
    draft = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    holding, release = threading.Event(), threading.Event()
    got: list[str] = []

    def holder():
        with transaction.atomic():
            Order.objects.select_for_update().get(pk=draft.pk)
            holding.set()
            release.wait(20)

    def reserver():
        holding.wait(20)
        got.extend(s.numbers_reserve_quantity(user=tenant_a.user, order_id=draft.pk,
                                              npa="303", nxx="555", quantity=2))

    threads = [threading.Thread(target=_own_connection(fn)) for fn in (holder, reserver)]
    for t in threads:
        t.start()
    try:
        assert holding.wait(20)
        with connection.cursor() as cursor:
            for _ in range(200):  # until the reservation waits for the draft's row lock
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                               "current_database() AND wait_event_type = 'Lock' AND query "
                               "LIKE %s", ["%FROM orders_order%"])
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.05)
            else:
                pytest.fail("the reservation never waited for the draft")
        with transaction.atomic():
            free = DID.objects.filter(npa="303").select_for_update(skip_locked=True)
            assert free.count() == 5, "a number was locked before the draft"
    finally:
        release.set()
        for t in threads:
            t.join(timeout=30)
    assert got == ["+13035550100", "+13035550101"]


def _own_connection(fn):
    def run():
        try:
            fn()
        finally:
            connection.close()
    return run


def test_sixteen_clients_tick_the_same_numbers(tenant_a):
    s.numbers_add_range(spec="2065550100-2065550109")
    wanted = [f"+1206555{n:04d}" for n in range(100, 110)]
    drafts = _drafts(tenant_a)
    results: dict[int, s.ReserveResult] = {}

    def client(order):
        def reserve():
            results[order.pk] = s.numbers_reserve(user=tenant_a.user, order_id=order.pk,
                                                  numbers=wanted)
        return reserve

    _run([client(o) for o in drafts])
    winners = Counter(n for r in results.values() for n in r.reserved)
    assert set(winners) == set(wanted) and set(winners.values()) == {1}
    for order_id, result in results.items():
        assert sorted(result.reserved + result.taken) == wanted  # told about every number
        assert set(DID.objects.filter(e164__in=result.reserved)
                   .values_list("order_id", flat=True)) <= {order_id}


def test_the_reservation_sweep_never_waits_for_a_draft_someone_is_editing(tenant_a):
    """A request holds its draft's lock while the sweep frees that draft's expired numbers.
    The sweep's history rows reference the draft; with the draft locked FOR UPDATE that check
    waited for the request, which could wait for the sweep's numbers: a deadlock."""
    from datetime import timedelta

    from django.utils import timezone

    from orion.numbers.services import order_dids_order
    from orion.orders.drafts import _locked_draft

    s.numbers_add_range(spec="3055550200-3055550201")
    draft = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    order_dids_order(user=tenant_a.user, order_id=draft.pk, numbers=["3055550200"])
    DID.objects.filter(order=draft).update(reserved_until=timezone.now() - timedelta(minutes=1))
    locked, release = threading.Event(), threading.Event()

    def editing() -> None:
        try:
            with transaction.atomic():
                _locked_draft(user=tenant_a.user, order_id=draft.pk)
                locked.set()
                release.wait(15)
        finally:
            connection.close()

    thread = threading.Thread(target=editing)
    thread.start()
    try:
        assert locked.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # waiting would end in an error
        try:
            assert s.numbers_expire_reservations() == 1
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    finally:
        release.set()
        thread.join(20)
    assert DID.objects.get(e164="+13055550200").state == "available"
