"""What the dashboard shows: the operations queues and the orders whose job was lost."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from orion.numbers.models import Backorder
from orion.orders.models import Order
from orion.orders.states import OrderState
from orion.provisioning.selectors import orders_with_lost_jobs


def operations_queues() -> list[tuple[str, int, str]]:
    """What needs provider staff now: (label, count, link)."""
    counts = dict(Order.objects.filter(state__in=[
        OrderState.FAILED, OrderState.HELD, OrderState.IN_PROGRESS, OrderState.ACKNOWLEDGED,
        OrderState.PARTIAL]).values_list("state").annotate(n=Count("id")))
    return [
        ("Failed orders", counts.get(OrderState.FAILED, 0), "/orders/?state=failed"),
        ("Held (trunking)", counts.get(OrderState.HELD, 0), "/orders/?state=held"),
        ("Provisioning now", counts.get(OrderState.IN_PROGRESS, 0)
         + counts.get(OrderState.ACKNOWLEDGED, 0), "/orders/?state=inProgress"),
        ("Partial (backorders)", counts.get(OrderState.PARTIAL, 0), "/orders/?state=partial"),
        ("Open DID backorders", Backorder.objects.open().count(), "/numbers/backorders/"),
    ]


def lost_orders(*, limit: int = 20) -> QuerySet[Order]:
    """Orders in acknowledged/in progress that no job will finish (the sweep re-queues them)."""
    return Order.objects.filter(pk__in=orders_with_lost_jobs(limit=limit)) \
        .select_related("customer")
