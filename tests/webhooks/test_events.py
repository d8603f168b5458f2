"""Events recorded where they happen (the outbox): an order's state change and a filled
backorder give one delivery and one job per subscribed endpoint of the order's partner, in
the same transaction; a rolled-back move leaves neither."""

from __future__ import annotations

import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from orion.numbers.services import backorder_fill, numbers_add_range, order_dids_order
from orion.orders import services as order_services
from orion.orders.exceptions import StaleOrderState
from orion.orders.lifecycle import order_transition
from orion.orders.models import OrderKind
from orion.orders.states import OrderState
from orion.webhooks import services
from orion.webhooks.models import Delivery, EventType
from tests.provisioning.helpers import add_packages, place_order

pytestmark = pytest.mark.django_db


def _jobs() -> list[tuple[str, str, dict]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT task_name, queue_name, args FROM procrastinate_jobs "
                       "WHERE task_name = 'orion.webhook_deliver' ORDER BY id")
        return [(name, queue, json.loads(args) if isinstance(args, str) else args)
                for name, queue, args in cursor.fetchall()]


@pytest.fixture
def endpoints(tenant_a, tenant_b):
    mine = services.endpoint_add(user=tenant_a.user, url="http://127.0.0.1:9/a",
                                 events=[EventType.ORDER_STATE_CHANGED,
                                         EventType.BACKORDER_FILLED]).endpoint
    backorders_only = services.endpoint_add(user=tenant_a.user, url="http://127.0.0.1:9/b",
                                            events=[EventType.BACKORDER_FILLED]).endpoint
    theirs = services.endpoint_add(user=tenant_b.user, url="http://127.0.0.1:9/c",
                                   events=[EventType.ORDER_STATE_CHANGED]).endpoint
    return mine, backorders_only, theirs


def test_save_order_emits_the_state_change_to_the_partners_subscribed_endpoints(
        tenant_a, endpoints):
    mine, _, _ = endpoints
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Power User": 1}, name="Hook Co", domain="hook.example")
    [delivery] = Delivery.objects.all()
    assert delivery.endpoint == mine and delivery.event == EventType.ORDER_STATE_CHANGED
    payload = delivery.payload
    assert payload["id"] == delivery.event_id and payload["type"] == "order.state_changed"
    assert payload["data"] == {
        "order": {"number": order.number, "kind": OrderKind.NEW_ENTERPRISE,
                  "enterprise": "Hook Co", "customer": "Hook Co"},
        "from_state": OrderState.DRAFT, "to_state": OrderState.ACKNOWLEDGED}
    assert payload["created"]
    assert _jobs() == [("orion.webhook_deliver", "webhooks", {"delivery_id": delivery.pk})]


def test_a_rolled_back_transition_leaves_no_delivery_and_no_job(tenant_a, endpoints):
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Power User": 1}, name="Hook Co", domain="hook.example")
    before = (Delivery.objects.count(), len(_jobs()))
    with pytest.raises(RuntimeError), transaction.atomic():
        order_transition(order=order, to=OrderState.IN_PROGRESS, by=None)
        assert Delivery.objects.count() == before[0] + 1  # recorded inside the transaction
        raise RuntimeError("the caller failed after the move")
    assert (Delivery.objects.count(), len(_jobs())) == before
    order.refresh_from_db()
    order_transition(order=order, to=OrderState.IN_PROGRESS, by=None)
    assert (Delivery.objects.count(), len(_jobs())) == (before[0] + 1, before[1] + 1)


def test_a_move_writes_its_history_and_reads_its_subscribers_in_one_statement(
        tenant_a, endpoints):
    mine, _, _ = endpoints
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Power User": 1}, name="Hook Co", domain="hook.example")
    with CaptureQueriesContext(connection) as queries:
        order_transition(order=order, to=OrderState.IN_PROGRESS, by=tenant_a.user,
                         note="a <note> = kept")
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum("orders_order" in s for s in sql) == 1
    assert not any(s.lstrip().startswith('SELECT "webhooks_endpoint"') for s in sql)
    change = order.state_changes.last()
    assert (change.from_state, change.to_state, change.changed_by, change.note) == (
        OrderState.ACKNOWLEDGED, OrderState.IN_PROGRESS, tenant_a.user, "a <note> = kept")
    moved = Delivery.objects.filter(payload__data__to_state=OrderState.IN_PROGRESS)
    assert [d.endpoint for d in moved] == [mine]
    # A move decided on stale data writes nothing and says so.
    with pytest.raises(StaleOrderState):
        order_transition(order=_stale(order), to=OrderState.IN_PROGRESS, by=None)
    assert order.state_changes.count() == 2 and moved.count() == 1


def _stale(order):
    order.state = OrderState.ACKNOWLEDGED  # as read before the move above
    return order


def test_a_filled_backorder_is_an_event_with_its_numbers(tenant_a, staff, endpoints):
    mine, backorders_only, _ = endpoints
    order = order_services.order_start(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                                       customer=tenant_a.customer)
    add_packages(tenant_a.user, order, {"Enterprise Standard": 2})
    order_dids_order(user=tenant_a.user, order_id=order.pk, npa="646", nxx="555",
                     backorder_quantity="2")
    order = order_services.order_save(
        user=tenant_a.user, order_id=order.pk,
        details=order_services.OrderDetails(billing_start_date=order.created_at.date())).order
    numbers_add_range(spec="6465550100-6465550101")
    assert backorder_fill(user=staff, backorder_id=order.did_backorders.get().pk) == 2
    filled = Delivery.objects.filter(event=EventType.BACKORDER_FILLED)
    assert {d.endpoint for d in filled} == {mine, backorders_only}
    data = filled.first().payload["data"]
    assert data["order"]["number"] == order.number
    assert data["order"]["customer"] == "Acme Corporation"
    assert data["backorder"] == {"npa": "646", "nxx": "555", "quantity": 2, "filled": 2,
                                 "pending": 0}
    assert sorted(data["numbers"]) == ["+16465550100", "+16465550101"]


def test_deactivated_endpoints_get_no_events(tenant_a, endpoints):
    mine, _, _ = endpoints
    services.endpoint_modify(user=tenant_a.user, endpoint_id=mine.pk, is_active=False)
    place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                packages={"Power User": 1}, name="Hook Co", domain="hook.example")
    assert not Delivery.objects.exists() and _jobs() == []
