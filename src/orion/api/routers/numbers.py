"""DIDs: the NPA/NXX search; for provider staff, numbers and the backorder queue."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Path, Query, Router, Schema

from orion.accounts.models import User
from orion.api.auth import ApiRequest
from orion.api.errors import responses
from orion.api.schemas.common import MAX_ID, Json, PageMeta, PageParams, page, text
from orion.numbers import selectors, services
from orion.numbers.models import Backorder

router = Router(tags=["numbers"])


class AvailableNumberOut(Schema):
    id: int
    number: str
    display: str
    npa: str
    nxx: str
    rate_center: str
    region: str


class AvailableOut(Schema):
    npa: str
    nxx: str
    page: int
    has_next: bool
    items: list[AvailableNumberOut]


class NumberEventOut(Schema):
    from_state: str
    to_state: str
    order_id: int | None
    changed_by: str | None
    changed_at: datetime
    note: str


class NumberOut(Schema):
    id: int
    number: str
    display: str
    npa: str
    nxx: str
    state: str
    order_id: int | None
    customer_id: int | None
    is_for_trunking: bool
    reserved_until: datetime | None
    quarantined_until: datetime | None
    events: list[NumberEventOut]


class QuarantineIn(Schema):
    days: int | None = Field(None, ge=1, le=3650)
    note: str = text(200, default="")


class BackorderQueueItemOut(Schema):
    id: int
    order_id: int
    order_number: str | None
    order_state: str
    partner_name: str
    customer_name: str | None
    npa: str
    nxx: str
    quantity: int
    filled: int
    pending: int
    status: str
    is_for_trunking: bool
    created_at: datetime
    free_now: int = Field(description="Free numbers matching it right now.")


class BackorderPage(PageMeta):
    items: list[BackorderQueueItemOut]


class BackorderFillOut(Schema):
    filled: int
    backorder: BackorderQueueItemOut


class BackorderQueueParams(PageParams):
    include_complete: bool = False


@router.get("/numbers/available", response=responses(AvailableOut),
            operation_id="numbers_available")
def available(request: ApiRequest, npa: str = Query(..., min_length=1, max_length=10),
              nxx: str = Query("", max_length=10),
              page_number: int = Query(1, ge=1, le=10_000, alias="page")) -> Json:
    """Free numbers of an NPA (and NXX), in number order, a page at a time."""
    result = selectors.numbers_available(npa=npa, nxx=nxx, page=page_number)
    return {"npa": result.npa, "nxx": result.nxx, "page": result.page,
            "has_next": result.has_next,
            "items": [{"id": d.pk, "number": d.e164, "display": d.display, "npa": d.npa,
                       "nxx": d.nxx, "rate_center": d.rate_center, "region": d.region}
                      for d in result.numbers]}


def _number_out(user: User, did_id: int) -> Json:
    did, events = selectors.number_detail(user=user, did_id=did_id)
    return {"id": did.pk, "number": did.e164, "display": did.display, "npa": did.npa,
            "nxx": did.nxx, "state": did.state, "order_id": did.order_id,
            "customer_id": did.customer_id, "is_for_trunking": did.is_for_trunking,
            "reserved_until": did.reserved_until, "quarantined_until": did.quarantined_until,
            "events": [{"from_state": e.from_state, "to_state": e.to_state,
                        "order_id": e.order_id,
                        "changed_by": e.changed_by.username if e.changed_by else None,
                        "changed_at": e.changed_at, "note": e.note} for e in events]}


DidId = Path(..., ge=1, le=MAX_ID)


@router.get("/numbers/{did_id}", response=responses(NumberOut), operation_id="number_get")
def number_get(request: ApiRequest, did_id: int = DidId) -> Json:
    """Staff: one number with its history."""
    return _number_out(request.auth, did_id)


@router.post("/numbers/{did_id}/release", response=responses(NumberOut),
             operation_id="number_release")
def number_release(request: ApiRequest, did_id: int = DidId) -> Json:
    """Staff: take a number back from its customer; it ages in quarantine."""
    services.number_release(user=request.auth, did_id=did_id)
    return _number_out(request.auth, did_id)


@router.post("/numbers/{did_id}/quarantine", response=responses(NumberOut),
             operation_id="number_quarantine")
def number_quarantine(request: ApiRequest, payload: QuarantineIn, did_id: int = DidId) -> Json:
    services.number_quarantine(user=request.auth, did_id=did_id, days=payload.days,
                               note=payload.note)
    return _number_out(request.auth, did_id)


@router.post("/numbers/{did_id}/unquarantine", response=responses(NumberOut),
             operation_id="number_unquarantine")
def number_unquarantine(request: ApiRequest, did_id: int = DidId) -> Json:
    services.number_unquarantine(user=request.auth, did_id=did_id)
    return _number_out(request.auth, did_id)


def _backorder_out(bo: Backorder) -> Json:
    order = bo.order
    return {"id": bo.pk, "order_id": order.pk, "order_number": order.number,
            "order_state": order.state, "partner_name": order.partner.name,
            "customer_name": order.customer.name if order.customer else None,
            "npa": bo.npa, "nxx": bo.nxx, "quantity": bo.quantity, "filled": bo.filled,
            "pending": bo.pending, "status": str(bo.status),
            "is_for_trunking": bo.is_for_trunking, "created_at": bo.created_at,
            "free_now": bo.free_now}


@router.get("/backorders", response=responses(BackorderPage), operation_id="backorder_queue")
def backorder_queue(request: ApiRequest, params: Query[BackorderQueueParams]) -> Json:
    """Staff: open backorders of placed orders, oldest first."""
    rows = selectors.backorder_queue(user=request.auth,
                                     include_complete=params.include_complete)
    return page(rows, params, _backorder_out,
                prepare=lambda page_rows: selectors.backorders_free_now(backorders=page_rows))


@router.post("/backorders/{backorder_id}/fill", response=responses(BackorderFillOut),
             operation_id="backorder_fill")
def backorder_fill(request: ApiRequest, backorder_id: int = Path(..., ge=1, le=MAX_ID)) -> Json:
    """Staff: assign free matching numbers to the backorder (partially or fully)."""
    filled = services.backorder_fill(user=request.auth, backorder_id=backorder_id)
    bo = selectors.backorder_queue(user=request.auth, include_complete=True).get(
        pk=backorder_id)
    (bo,) = selectors.backorders_free_now(backorders=[bo])
    return {"filled": filled, "backorder": _backorder_out(bo)}
