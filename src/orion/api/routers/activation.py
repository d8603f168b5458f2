"""Mark live (the order page's action, the same use case): an order flagged "awaiting
turn-up" is activated when the partner or staff say its circuit or PBX is turned up.
Another partner's order is a 404; an order that is not waiting for a turn-up (or still
porting numbers in, or not provisioned yet) is a 422 saying why."""

from __future__ import annotations

from ninja import Path, Router

from orion.api.auth import ApiRequest
from orion.api.errors import responses
from orion.api.routers.orders import OrderOut, order_out
from orion.api.schemas.common import MAX_ID, Json
from orion.orders.activation import order_mark_live

router = Router(tags=["orders"])
OrderId = Path(..., ge=1, le=MAX_ID)


@router.post("/orders/{order_id}/mark-live", response=responses(OrderOut),
             operation_id="order_mark_live")
def mark_live(request: ApiRequest, order_id: int = OrderId) -> Json:
    """The service is live: activate the order (audited; the Billing Start Date is then
    fixed for partners)."""
    return order_out(order_mark_live(user=request.auth, order_id=order_id, via="api"))
