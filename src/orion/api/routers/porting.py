"""Port-in requests (the same services as the port pages): create, read, list, attach the
signed LOA, submit, cancel; staff's moves (pending, scheduled, completed, rejected).

Another partner's request is a 404; staff's moves are a 404 for partners' users too. The PIN
is write-only: answers carry ``pin_hint`` (the last two characters).
"""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, File, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile

from orion.api.auth import ApiRequest
from orion.api.errors import responses
from orion.api.schemas.common import MAX_ID, Json, PageMeta, PageParams, page, text
from orion.porting import selectors, services, storage
from orion.porting.exceptions import LoaRefused
from orion.porting.models import (
    ACCOUNT_MAX,
    CARRIER_MAX,
    NAME_MAX,
    PIN_MAX,
    REASON_MAX,
    PortRequest,
)

router = Router(tags=["porting"])
PortId = Path(..., ge=1, le=MAX_ID)


class PortOut(Schema):
    id: int
    reference: str
    partner_id: int
    customer_id: int | None
    order_id: int | None
    account_name: str
    state: str
    numbers: list[str] = Field(description="E.164, e.g. +12125550100")
    number_users: dict[str, int] = Field(
        default_factory=dict, description="Number -> the id of the order's user (seat) that "
        "gets it when the port completes; numbers not listed go to the group only.")
    losing_carrier: str
    account_number: str
    pin_hint: str = Field(description="The PIN's last two characters; the PIN is write-only")
    billing_telephone_number: str
    address_line1: str
    address_line2: str
    city: str
    region: str
    zip_code: str
    authorized_name: str
    authorized_title: str
    desired_date: date
    foc_at: datetime | None
    rejection_reason: str
    loa_attached: bool
    created_at: datetime
    submitted_at: datetime | None


class PortPage(PageMeta):
    items: list[PortOut]


class PortIn(Schema):
    customer_id: int | None = Field(None, ge=1, le=MAX_ID)
    order_id: int | None = Field(None, ge=1, le=MAX_ID, description="The draft order")
    numbers: list[str] = Field(..., max_length=1000, description=(
        "Numbers or ranges, e.g. ['2125550100-2125550109', '2125550150']"))
    losing_carrier: str = text(CARRIER_MAX)
    account_number: str = text(ACCOUNT_MAX)
    pin: str = text(PIN_MAX, default="")
    billing_telephone_number: str = text(20)
    address_line1: str = text(80)
    address_line2: str = text(80, default="")
    city: str = text(50)
    region: str = text(2)
    zip_code: str = text(10)
    authorized_name: str = text(NAME_MAX)
    authorized_title: str = text(NAME_MAX)
    desired_date: date


class NumberUserIn(Schema):
    number: str = text(20, description="A number of the request, e.g. +12125550100")
    user_id: int | None = Field(None, ge=1, le=MAX_ID, description=(
        "A user of the request's order without a number; null: the group only."))


class ReasonIn(Schema):
    reason: str = text(REASON_MAX, default="")


class ScheduleIn(Schema):
    foc_at: datetime = Field(..., description="The FOC the carrier confirmed (with offset)")


def _port(p: PortRequest) -> Json:
    return {"id": p.pk, "reference": p.reference, "partner_id": p.partner_id,
            "customer_id": p.customer_id, "order_id": p.order_id,
            "account_name": p.account_name, "state": p.state,
            "numbers": [n.e164 for n in p.numbers.all()],
            "number_users": {n.e164: n.user_id for n in p.numbers.all() if n.user_id},
            "losing_carrier": p.losing_carrier,
            "account_number": p.account_number, "pin_hint": p.pin_hint,
            "billing_telephone_number": p.billing_telephone_number,
            "address_line1": p.address_line1, "address_line2": p.address_line2,
            "city": p.city, "region": p.region, "zip_code": p.zip_code,
            "authorized_name": p.authorized_name, "authorized_title": p.authorized_title,
            "desired_date": p.desired_date, "foc_at": p.foc_at,
            "rejection_reason": p.rejection_reason, "loa_attached": bool(p.loa_file),
            "created_at": p.created_at, "submitted_at": p.submitted_at}


def _details(payload: PortIn) -> services.PortDetails:
    return services.PortDetails(
        numbers="\n".join(payload.numbers), losing_carrier=payload.losing_carrier,
        account_number=payload.account_number, pin=payload.pin,
        billing_telephone_number=payload.billing_telephone_number,
        address_line1=payload.address_line1, address_line2=payload.address_line2,
        city=payload.city, region=payload.region, zip_code=payload.zip_code,
        authorized_name=payload.authorized_name, authorized_title=payload.authorized_title,
        desired_date=payload.desired_date)


@router.get("/ports", response=responses(PortPage), operation_id="port_list")
def port_list(request: ApiRequest, params: Query[PageParams], state: str = "") -> Json:
    """The caller's partner's port requests (staff: every partner's), newest first."""
    return page(selectors.ports_list(user=request.auth, state=state)
                .prefetch_related("numbers"), params, _port)


@router.post("/ports", response=responses({201: PortOut}), operation_id="port_create")
def port_create(request: ApiRequest, payload: PortIn) -> Status[Json]:
    """Start a request (unconfirmed) for ``customer_id`` or the draft ``order_id``."""
    port = services.port_create(user=request.auth, details=_details(payload),
                                customer_id=payload.customer_id, order_id=payload.order_id,
                                via="api")
    return Status(201, _port(port))


@router.get("/ports/{port_id}", response=responses(PortOut), operation_id="port_get")
def port_get(request: ApiRequest, port_id: int = PortId) -> Json:
    return _port(selectors.port_get(user=request.auth, port_id=port_id))


@router.post("/ports/{port_id}/loa", response=responses(PortOut), operation_id="port_loa_attach")
def port_loa_attach(request: ApiRequest, port_id: int = PortId,
                    file: UploadedFile | None = File(None)) -> Json:  # noqa: B008
    """Upload the signed LOA (multipart field ``file``): a PDF, at most 10 MB."""
    selectors.port_get(user=request.auth, port_id=port_id)
    if file is None:
        raise LoaRefused("Send the signed LOA as the multipart field 'file'.", field="file")
    return _port(services.port_loa_attach(user=request.auth, port_id=port_id,
                                          content=file.read(storage.MAX_LOA_BYTES + 1),
                                          via="api"))


@router.post("/ports/{port_id}/submit", response=responses(PortOut), operation_id="port_submit")
def port_submit(request: ApiRequest, port_id: int = PortId) -> Json:
    return _port(services.port_submit(user=request.auth, port_id=port_id, via="api"))


@router.post("/ports/{port_id}/cancel", response=responses(PortOut), operation_id="port_cancel")
def port_cancel(request: ApiRequest, payload: ReasonIn, port_id: int = PortId) -> Json:
    return _port(services.port_cancel(user=request.auth, port_id=port_id,
                                      reason=payload.reason, via="api"))


@router.post("/ports/{port_id}/pending", response=responses(PortOut),
             operation_id="port_mark_pending")
def port_mark_pending(request: ApiRequest, payload: ReasonIn, port_id: int = PortId) -> Json:
    """Staff: the request was sent to the losing carrier."""
    return _port(services.port_mark_pending(user=request.auth, port_id=port_id,
                                            note=payload.reason, via="api"))


@router.post("/ports/{port_id}/schedule", response=responses(PortOut),
             operation_id="port_schedule")
def port_schedule(request: ApiRequest, payload: ScheduleIn, port_id: int = PortId) -> Json:
    """Staff: the carrier confirmed the FOC date and time."""
    return _port(services.port_schedule(user=request.auth, port_id=port_id,
                                        foc_at=payload.foc_at, via="api"))


@router.post("/ports/{port_id}/complete", response=responses(PortOut),
             operation_id="port_complete")
def port_complete(request: ApiRequest, port_id: int = PortId) -> Json:
    """Staff: the numbers moved (on or after the FOC date)."""
    return _port(services.port_complete(user=request.auth, port_id=port_id, via="api"))


@router.post("/ports/{port_id}/reject", response=responses(PortOut), operation_id="port_reject")
def port_reject(request: ApiRequest, payload: ReasonIn, port_id: int = PortId) -> Json:
    """Staff: the carrier rejected the request, for ``reason``."""
    return _port(services.port_reject(user=request.auth, port_id=port_id,
                                      reason=payload.reason, via="api"))


@router.post("/ports/{port_id}/number-user", response=responses(PortOut),
             operation_id="port_number_user")
def port_number_user(request: ApiRequest, payload: NumberUserIn, port_id: int = PortId) -> Json:
    """Choose the user of the request's order that gets a ported number at completion."""
    services.port_number_user_set(user=request.auth, port_id=port_id, e164=payload.number,
                                  order_user_id=payload.user_id, via="api")
    return _port(selectors.port_get(user=request.auth, port_id=port_id))
