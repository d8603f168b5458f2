"""E911 locations per number (the same service as the DIDs list's inline edit): read and
set the dispatchable location of a number of the caller's orders or customers. Another
partner's number is a 404; a location an E911 provider would refuse is a 422 naming the
field."""

from __future__ import annotations

from ninja import Field, Path, Router, Schema

from orion.api.auth import ApiRequest
from orion.api.errors import responses
from orion.api.schemas.common import MAX_ID, Json, text
from orion.api.schemas.e911 import E911LocationOut, e911_out
from orion.numbers.selectors import did_location
from orion.numbers.services.e911 import E911Address, e911_number_get, e911_set

router = Router(tags=["e911"])
DidId = Path(..., ge=1, le=MAX_ID)


class NumberE911Out(Schema):
    id: int
    number: str = Field(description="E.164, e.g. +12125550100")
    state: str
    order_id: int | None
    customer_id: int | None
    is_for_trunking: bool
    e911: E911LocationOut | None


class E911In(Schema):
    address_line1: str = text(80, description="House number and street name")
    address_line2: str = text(60, default="", description="Building / floor / suite")
    city: str = text(50)
    state: str = text(2, description="US state, DC or territory code (PR, GU, VI, AS, MP)")
    zip_code: str = text(10, description="12345 or 12345-6789")


def _out(request: ApiRequest, did_id: int) -> Json:
    did = e911_number_get(user=request.auth, did_id=did_id)
    return {"id": did.pk, "number": did.e164, "state": did.state, "order_id": did.order_id,
            "customer_id": did.customer_id, "is_for_trunking": did.is_for_trunking,
            "e911": e911_out(did_location(did))}


@router.get("/numbers/{did_id}/e911", response=responses(NumberE911Out),
            operation_id="number_e911_get")
def number_e911_get(request: ApiRequest, did_id: int = DidId) -> Json:
    """The number's E911 location (null: none given yet)."""
    return _out(request, did_id)


@router.put("/numbers/{did_id}/e911", response=responses(NumberE911Out),
            operation_id="number_e911_set")
def number_e911_set(request: ApiRequest, payload: E911In, did_id: int = DidId) -> Json:
    """Set the number's E911 location, checked as an E911 provider checks it. An order held
    only for missing locations continues once its last one is given."""
    e911_set(user=request.auth, did_id=did_id, address=E911Address(**payload.dict()),
             via="api")
    return _out(request, did_id)
