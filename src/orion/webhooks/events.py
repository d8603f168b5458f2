"""Events for partners' webhooks, recorded where they happen: the outbox.

A low layer (models and the job only): ``orders.lifecycle`` and the numbers services call it
inside their own transactions, so a delivery row and its job exist exactly when the order
move or the backorder fill commits. Nothing is sent here; ``tasks`` does that afterwards.
Data is the partner's own: each event goes only to endpoints of the order's partner.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from orion.webhooks.models import Delivery, Endpoint, EventType
from orion.webhooks.tasks import webhook_deliver

if TYPE_CHECKING:
    from orion.numbers.models import Backorder
    from orion.orders.models import Order
    from orion.porting.models import PortRequest


def event_id_new() -> str:
    """The ``webhook-id`` of one delivery (the same on every attempt)."""
    return "msg_" + secrets.token_urlsafe(18)


def payload_build(*, event_id: str, event: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": event_id, "type": event, "created": timezone.now().isoformat(),
            "data": data}


def _subscribed(partner_id: int, event: str) -> list[int]:
    return list(Endpoint.objects.filter(partner_id=partner_id, is_active=True,
                                        events__contains=[event])
                .values_list("pk", flat=True))


def subscribed_sql(event: str) -> tuple[str, list[Any]]:
    """``_subscribed`` as an SQL expression (an array of endpoint ids) with one placeholder
    left for the partner id, for a caller that reads it in the statement it writes with
    (``order_transition``: the move, its history row and the subscribers in one statement)."""
    table = Endpoint._meta.db_table
    return (f'ARRAY(SELECT e.id FROM "{table}" e WHERE e.partner_id = %s AND e.is_active '  # noqa: S608
            f"AND e.events @> ARRAY[%s]::varchar(40)[] ORDER BY e.created_at, e.id)", [event])


def event_emit(*, partner_id: int, event: str, data: dict[str, Any],
               endpoint_ids: list[int] | None = None) -> list[Delivery]:
    """One delivery (and its job) per active endpoint of the partner subscribed to ``event``,
    in the caller's transaction."""
    ids = _subscribed(partner_id, event) if endpoint_ids is None else endpoint_ids
    if not ids:
        return []
    with transaction.atomic():
        deliveries = []
        for endpoint_id in ids:
            event_id = event_id_new()
            deliveries.append(Delivery(
                endpoint_id=endpoint_id, event_id=event_id, event=event,
                payload=payload_build(event_id=event_id, event=event, data=data)))
        Delivery.objects.bulk_create(deliveries)
        for delivery in deliveries:
            webhook_deliver.defer(delivery_id=delivery.pk)
    return deliveries


def _order_data(order: Order) -> dict[str, Any]:
    return {"number": order.number, "kind": order.kind,
            "enterprise": order.enterprise.name if order.enterprise else order.enterprise_name,
            "customer": order.customer.name if order.customer else order.company_name}


def order_state_changed(*, order: Order, from_state: str, to_state: str,
                        endpoint_ids: list[int] | None = None) -> None:
    """Called by ``order_transition`` in its transaction, with the subscribed endpoints it
    read in its own statement (``subscribed_sql``). Drafts (no number yet) are the partner's
    own screen, not news for its systems; no query when nobody listens."""
    if not order.number:
        return
    ids = (_subscribed(order.partner_id, EventType.ORDER_STATE_CHANGED)
           if endpoint_ids is None else endpoint_ids)
    if not ids:
        return
    data = {"order": _order_data(order), "from_state": from_state, "to_state": to_state}
    event_emit(partner_id=order.partner_id, event=EventType.ORDER_STATE_CHANGED, data=data,
               endpoint_ids=ids)


def backorder_filled(*, backorder: Backorder, numbers: list[str]) -> None:
    """Called by ``backorder_fill`` in its transaction: which numbers the backorder got."""
    order = backorder.order
    ids = _subscribed(order.partner_id, EventType.BACKORDER_FILLED)
    if not ids:
        return
    data = {"order": _order_data(order),
            "backorder": {"npa": backorder.npa, "nxx": backorder.nxx,
                          "quantity": backorder.quantity, "filled": backorder.filled,
                          "pending": backorder.pending},
            "numbers": numbers}
    event_emit(partner_id=order.partner_id, event=EventType.BACKORDER_FILLED, data=data,
               endpoint_ids=ids)


def port_state_changed(*, port: PortRequest, from_state: str, to_state: str) -> None:
    """Called by ``port_transition`` in its transaction: a port milestone (submitted,
    pending, scheduled with its FOC, completed, rejected with the carrier's reason,
    canceled). The PIN and account number never leave Orion."""
    ids = _subscribed(port.partner_id, EventType.PORT_STATE_CHANGED)
    if not ids:
        return
    data = {"port": {"reference": port.reference,
                     "customer": port.customer.name if port.customer else "",
                     "numbers": list(port.numbers.order_by("e164")
                                     .values_list("e164", flat=True)),
                     "losing_carrier": port.losing_carrier,
                     "foc_at": port.foc_at.isoformat() if port.foc_at else None,
                     "rejection_reason": port.rejection_reason},
            "from_state": from_state, "to_state": to_state}
    event_emit(partner_id=port.partner_id, event=EventType.PORT_STATE_CHANGED, data=data,
               endpoint_ids=ids)
