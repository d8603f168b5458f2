"""Disconnect orders through the API: save one for a customer, cancel it. The same
``orders.disconnect`` services as the Disconnect customer page: the same checks, messages
(as ``{code, message, errors}`` with the field named) and audit rows."""

from __future__ import annotations

from datetime import date

from ninja import Field, Path, Router, Schema, Status

from orion.api.auth import ApiRequest
from orion.api.errors import responses
from orion.api.routers.orders import OrderOut, order_out
from orion.api.schemas.common import MAX_ID, NO_NUL, Json
from orion.audit.models import REASON_MAX_LENGTH
from orion.orders.disconnect import (
    DisconnectDetails,
    order_disconnect_cancel,
    order_disconnect_save,
)
from orion.orders.models import DISCONNECT_REASON_MAX_LENGTH, MAX_QUANTITY, Order

router = Router(tags=["orders"])
CustomerId = Path(..., ge=1, le=MAX_ID)
OrderId = Path(..., ge=1, le=MAX_ID)


class DisconnectIn(Schema):
    effective_date: date = Field(description="The disconnect date: today or later in the "
                                 "customer's time zone. Today starts at once.")
    reason: str = Field(max_length=DISCONNECT_REASON_MAX_LENGTH, pattern=NO_NUL)
    remove_enterprise: bool = Field(False, description="Also remove the enterprise: only "
                                    "when this is its last active customer.")
    termination_fee_id: int | None = Field(None, ge=1, le=MAX_ID, description=(
        "An early termination fee package of the catalog (one-time), billed once on the "
        "disconnect date."))
    termination_fee_quantity: int = Field(1, ge=1, le=MAX_QUANTITY)


class DisconnectOut(Schema):
    effective_date: date
    reason: str
    remove_enterprise: bool
    order: OrderOut


class DisconnectCancelIn(Schema):
    reason: str = Field("", max_length=REASON_MAX_LENGTH, pattern=NO_NUL)


def _out(order: Order) -> Json:
    assert order.effective_date is not None  # a placed disconnect has its date
    return {"effective_date": order.effective_date, "reason": order.disconnect_reason,
            "remove_enterprise": order.remove_enterprise, "order": order_out(order)}


@router.post("/customers/{customer_id}/disconnect", response=responses({201: DisconnectOut}),
             operation_id="customer_disconnect")
def customer_disconnect(request: ApiRequest, payload: DisconnectIn,
                        customer_id: int = CustomerId) -> Status[Json]:
    """Save a disconnect order for the customer (kind ``disconnect``): numbered and
    acknowledged at once, provisioned on its date; the customer's drafts are discarded."""
    order = order_disconnect_save(user=request.auth, customer_id=customer_id,
                                  details=DisconnectDetails(
                                      effective_date=payload.effective_date,
                                      reason=payload.reason,
                                      remove_enterprise=payload.remove_enterprise,
                                      termination_fee_id=payload.termination_fee_id,
                                      termination_fee_quantity=payload.termination_fee_quantity))
    return Status(201, _out(order))


@router.post("/orders/{order_id}/disconnect/cancel", response=responses(DisconnectOut),
             operation_id="order_disconnect_cancel")
def disconnect_cancel(request: ApiRequest, payload: DisconnectCancelIn,
                      order_id: int = OrderId) -> Json:
    """Cancel a disconnect that has not started: the partner until its date, staff while it
    has not started. The customer stays as it is."""
    return _out(order_disconnect_cancel(user=request.auth, order_id=order_id,
                                        reason=payload.reason))
