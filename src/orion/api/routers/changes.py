"""Change orders through the API: open one for a customer (prefilled with its packages),
price it (``GET /orders/{id}``: each line's previous quantity, the totals and the change in
the monthly total), edit its lines with the order's own line operations (quantity 0 removes
a package the customer has), save it with its effective date, cancel it. The same
``orders.services`` as the Change Services page: the same checks, messages (as
``{code, message, errors}`` with the field named) and audit rows. Numbers to give back and
users to remove: ``PUT /orders/{id}/change/removals``."""

from __future__ import annotations

from datetime import date

from ninja import Field, Path, Router, Schema, Status

from orion.api.auth import ApiRequest
from orion.api.errors import responses
from orion.api.routers.orders import OrderOut, order_out
from orion.api.schemas.common import MAX_ID, NO_NUL, Json
from orion.audit.models import REASON_MAX_LENGTH
from orion.core.exceptions import NotFound
from orion.numbers.models import MAX_SELECTION
from orion.orders import services
from orion.orders.exceptions import OrderValidationError
from orion.orders.forms import OrderDetailsForm
from orion.orders.models import Order, OrderKind
from orion.orders.selectors import order_get
from orion.users import removals

router = Router(tags=["orders"])
CustomerId = Path(..., ge=1, le=MAX_ID)
OrderId = Path(..., ge=1, le=MAX_ID)


class RemovalsOut(Schema):
    number_ids: list[int] = Field(description="The numbers (DID ids) the change gives back.")
    numbers: list[str] = Field(description="The same, E.164.")
    user_ids: list[int] = Field(description="The users the change removes (with their phones).")


class ChangeOut(Schema):
    effective_date: date | None = Field(description="The day the change takes effect in "
                                        "BroadWorks and billing; null on a draft.")
    removals: RemovalsOut
    order: OrderOut


class RemovalsIn(Schema):
    number_ids: list[int] = Field([], max_length=MAX_SELECTION,
                                  description="The customer's numbers in service to give back "
                                  "(the whole set: replaces the previous one).")
    user_ids: list[int] = Field([], max_length=MAX_SELECTION,
                                description="The customer's users to remove (the whole set).")


class ChangeSaveIn(Schema):
    effective_date: date = Field(description="Today or later in the customer's time zone; "
                                 "the change is provisioned and billed from that day.")
    notes: str = Field("", max_length=4000, pattern=NO_NUL)
    version: int | None = Field(None, ge=1, description="The draft's version read last; a "
                                "save from an older one is refused (draft_stale).")


class ChangeSaveOut(ChangeOut):
    created: bool = Field(description="False when the draft had already been saved.")


class ChangeCancelIn(Schema):
    reason: str = Field("", max_length=REASON_MAX_LENGTH, pattern=NO_NUL)


def _out(order: Order) -> Json:
    chosen = removals.order_removals(order)
    return {"effective_date": order.effective_date,
            "removals": {"number_ids": [d.pk for d in chosen.numbers],
                         "numbers": [d.e164 for d in chosen.numbers],
                         "user_ids": [u.pk for u in chosen.users]},
            "order": order_out(order)}


def _change(request: ApiRequest, order_id: int) -> Order:
    order = order_get(user=request.auth, order_id=order_id)
    if order.kind != OrderKind.CHANGE:
        raise NotFound("No such change order.")
    return order


@router.post("/customers/{customer_id}/change", response=responses({201: ChangeOut}),
             operation_id="customer_change_start")
def change_start(request: ApiRequest, customer_id: int = CustomerId) -> Status[Json]:
    """Open a change order (kind ``change``), its lines the customer's monthly packages with
    ``previous_quantity`` = ``quantity``. Set quantities with ``order_line_set_quantity``
    (0 removes), add packages with ``order_lines_add``."""
    order = services.order_change_start(user=request.auth, customer_id=customer_id)
    return Status(201, _out(order))


@router.put("/orders/{order_id}/change/removals", response=responses(ChangeOut),
            operation_id="order_change_removals_set")
def removals_set(request: ApiRequest, payload: RemovalsIn, order_id: int = OrderId) -> Json:
    """The numbers the change gives back and the users it removes (on the effective date:
    deleted from BroadWorks; the numbers then age in quarantine). A number a user keeps is
    refused at save (``numbers``), unless that user is removed too."""
    order = _change(request, order_id)
    removals.change_removals_set(user=request.auth, order_id=order.pk,
                                 number_ids=payload.number_ids, user_ids=payload.user_ids)
    return _out(order)


@router.post("/orders/{order_id}/change/save", response=responses(ChangeSaveOut),
             operation_id="order_change_save")
def change_save(request: ApiRequest, payload: ChangeSaveIn, order_id: int = OrderId) -> Json:
    """Save the change: numbered and acknowledged, provisioned on its effective date. Refused
    with the reason under its field: ``effective_date`` (past, another open change or
    disconnect), ``packages`` (seats below the users who have them, named), ``customer``."""
    order = _change(request, order_id)
    if not order.is_draft:
        return {"created": False, **_out(order)}
    form = OrderDetailsForm({"effective_date": payload.effective_date.isoformat(),
                             "notes": payload.notes, "version": payload.version},
                            order=order)
    if not form.is_valid():
        raise OrderValidationError({field: [str(m) for m in messages]
                                    for field, messages in form.errors.items()})
    result = services.order_save(user=request.auth, order_id=order.pk, details=form.details())
    return {"created": result.created, **_out(result.order)}


@router.post("/orders/{order_id}/change/cancel", response=responses(ChangeOut),
             operation_id="order_change_cancel")
def change_cancel(request: ApiRequest, payload: ChangeCancelIn,
                  order_id: int = OrderId) -> Json:
    """Cancel a change that waits for its effective date (until that day)."""
    return _out(services.order_change_cancel(user=request.auth, order_id=order_id,
                                             reason=payload.reason))
