"""Orders: drafts (the order form), lines, DIDs, Save Order, billing start date, progress and
staff repair. Every handler calls the service the order form's view calls."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Path, Query, Router, Schema, Status

from orion.accounts.models import Partner
from orion.accounts.selectors import customer_get, enterprise_get
from orion.api.auth import ApiRequest
from orion.api.errors import error_body, responses
from orion.api.schemas.common import MAX_ID, NO_NUL, Id, Json, PageMeta, PageParams, page, text
from orion.api.schemas.e911 import E911LocationOut, e911_out
from orion.audit.models import REASON_MAX_LENGTH
from orion.core.exceptions import NotFound
from orion.core.money import currency
from orion.numbers import services as number_services
from orion.numbers.models import DID, MAX_SELECTION, Backorder
from orion.numbers.selectors import did_location
from orion.orders import services
from orion.orders.changes import monthly_change
from orion.orders.exceptions import OrderValidationError
from orion.orders.forms import OrderDetailsForm
from orion.orders.lifecycle import order_activation_waits
from orion.orders.models import MAX_QUANTITY, Order, OrderKind
from orion.orders.selectors import order_get, order_list, order_quote
from orion.orders.states import OrderState
from orion.provisioning import repair as provisioning_repair
from orion.provisioning.models import Rollback
from orion.provisioning.selectors import order_progress

router = Router(tags=["orders"])
OrderId = Path(..., ge=1, le=MAX_ID)


# --- schemas -----------------------------------------------------------------------------------

class OrderSummaryOut(Schema):
    id: int
    number: str | None
    kind: str
    state: str
    state_label: str
    partner_id: int
    enterprise_id: int | None
    customer_id: int | None
    account_name: str
    billing_start_date: date | None
    created_at: datetime
    submitted_at: datetime | None
    activated_at: datetime | None
    placed_by_staff: str | None = Field(
        None, description="The provider staff user who placed the order on behalf of the "
        "partner; null when the partner placed it.")


class OrderPage(PageMeta):
    items: list[OrderSummaryOut]


class LineOut(Schema):
    id: int
    package_id: int
    package_name: str
    order_type_id: int
    order_type_name: str
    quantity: int
    previous_quantity: int = Field(0, description="Change orders: the quantity the customer "
                                   "had (0: a package the change adds); quantity 0 removes it.")
    charge_type: str
    unit_price: Decimal
    amount: Decimal
    included_dids: int


class DidOut(Schema):
    id: int
    number: str = Field(description="E.164, e.g. +12125550100")
    display: str
    npa: str
    nxx: str
    state: str
    is_for_trunking: bool
    reserved_until: datetime | None
    e911: E911LocationOut | None = Field(
        None, description="The number's dispatchable location (null: none given yet).")


class BackorderOut(Schema):
    id: int
    npa: str
    nxx: str
    quantity: int
    filled: int
    status: str
    is_for_trunking: bool


class StateChangeOut(Schema):
    from_state: str
    to_state: str
    changed_at: datetime
    changed_by: str | None
    note: str


class QuoteOut(Schema):
    currency: str = Field(description="ISO 4217 code of every price and total (ORION_CURRENCY).")
    mrc_total: Decimal
    nrc_total: Decimal
    included_dids: int
    seats: int
    dids_selected: int
    dids_backordered: int
    extra_dids: int
    e911_count: int = Field(0, description="Numbers billing the E911 Surcharge (a draft's "
                            "virtual line; a saved order's is among its lines).")
    e911_price: Decimal = Decimal("0.00")
    extra_did_price: Decimal
    mrc_change: Decimal = Field(description="The change in the monthly total: each monthly "
                                "line's (quantity - previous_quantity) x price (on orders "
                                "other than changes, the monthly lines' total).")


class OrderOut(OrderSummaryOut):
    enterprise_name: str
    company_name: str
    address_line1: str
    address_line2: str
    city: str
    state_code: str
    zip_code: str
    contact_name: str
    contact_phone: str
    contact_email: str
    domain: str
    time_zone: str
    service_type: str
    notes: str
    is_trunking: bool
    billing_start_on_port: bool = Field(
        False, description="The Billing Start Date becomes the day the last port completes.")
    awaiting_turn_up: bool = Field(
        False, description="Activated by mark-live, not by provisioning.")
    awaiting: list[str] = Field(
        default_factory=list, description="What the provisioned order waits for before it "
        "is live: 'Awaiting port completion', 'Awaiting turn-up'.")
    lines: list[LineOut]
    quote: QuoteOut
    dids: list[DidOut]
    backorders: list[BackorderOut]
    history: list[StateChangeOut]


class OrderCreateIn(Schema):
    kind: Literal["new_enterprise", "new_customer", "add_services"]
    enterprise_id: Id | None = Field(None, description="For new_customer.")
    customer_id: Id | None = Field(None, description="For add_services.")
    partner_id: Id | None = Field(
        None, description="Provider staff acting for a partner: the partner a new_enterprise "
        "order is for (required then). Partners may omit it.")


class LinesAddIn(Schema):
    order_type_id: Id
    package_ids: list[Id] = Field(..., min_length=1, max_length=200)


class QuantityIn(Schema):
    quantity: int = Field(..., ge=0, le=MAX_QUANTITY, description=(
        "1-9,999; 0 only on a change order's line of a package the customer has (removes it)."))


class OrderDetailsIn(Schema):
    """The order form's fields; the form's own validators check them (one copy of the rules)."""

    billing_start_date: date
    notes: str = text(4000, default="")
    enterprise_name: str = text(400, default="")
    company_name: str = text(400, default="")
    address_line1: str = text(400, default="")
    address_line2: str = text(400, default="")
    city: str = text(400, default="")
    state_code: str = text(20, default="")
    zip_code: str = text(20, default="")
    contact_name: str = text(400, default="")
    contact_phone: str = text(40, default="")
    contact_email: str = text(400, default="")
    domain: str = text(400, default="")
    time_zone: str = text(100, default="")
    service_type: Literal["hosted", "trunking", ""] = ""
    confirm_duplicate: bool = Field(
        False, description="Save although an active account of the partner has the same name "
                           "(case and punctuation folded); without it Save Order refuses with "
                           "code duplicate_account.")
    save_without_released: bool = Field(
        False, description="Save although numbers of the draft were released because their "
                           "reservation ran out; without it Save Order refuses with code "
                           "numbers_released, naming them.")
    billing_start_on_port: bool = Field(
        False, description="Numbers are porting in: billing starts the day the last port "
                           "completes (billing_start_date is the expected day).")
    awaiting_turn_up: bool = Field(
        False, description="A circuit or the customer's PBX must be turned up: the order is "
                           "activated by POST /orders/{id}/mark-live, not by provisioning.")


class SaveOut(Schema):
    created: bool = Field(description="False when the draft had already been saved.")
    order: OrderOut


class BillingStartIn(Schema):
    billing_start_date: date
    reason: str = text(REASON_MAX_LENGTH, default="")


class DidsOrderIn(Schema):
    """Select DIDs → Order: tick numbers (and Is For Trunking), and/or a backorder."""

    numbers: list[str] = Field([], max_length=MAX_SELECTION, description="Numbers to reserve.")
    trunking: list[str] = Field([], max_length=MAX_SELECTION,
                                description="Numbers ticked Is For Trunking.")
    npa: str = text(10, default="")
    nxx: str = text(10, default="")
    backorder_quantity: int | None = Field(None, ge=1, le=Backorder.MAX_QUANTITY)
    backorder_trunking: bool = False


class ReserveOut(Schema):
    reserved: list[str]
    already_on_order: list[str]
    taken: list[str]
    unknown: list[str]
    problem: str


class DidsOrderOut(Schema):
    message: str
    reserve: ReserveOut | None
    backorder: BackorderOut | None
    reserved_until: datetime | None
    order: OrderOut


class ReserveQuantityIn(Schema):
    npa: str = text(10, min_length=1)
    nxx: str = text(10, default="")
    quantity: int = Field(..., ge=1, le=MAX_SELECTION)
    is_for_trunking: bool = False


class ReserveQuantityOut(Schema):
    reserved: list[str]
    order: OrderOut


class StepOut(Schema):
    position: int
    key: str
    label: str
    status: str
    attempts: int
    started_at: datetime | None
    finished_at: datetime | None
    error_code: str
    error: str


class RollbackOut(Schema):
    """A cancelled order's removal from BroadWorks (see docs/operations.md)."""

    status: Literal["pending", "running", "done", "failed"]
    label: str
    error: str
    steps: list[dict[str, Any]]
    finished_at: datetime | None


class ProgressOut(Schema):
    state: str
    state_label: str
    headline: str
    percent: int
    active: bool
    finished: int
    total: int
    steps: list[StepOut]
    rollback: RollbackOut | None = None


class CancelIn(Schema):
    reason: str = text(REASON_MAX_LENGTH, default="")


class CancelOut(Schema):
    order: OrderOut
    created_in_broadworks: list[str]
    numbers_released: int
    rollback: RollbackOut | None = None


class OrderListParams(PageParams):
    state: Literal[tuple(OrderState.values)] | None = None  # type: ignore[valid-type]
    kind: Literal[tuple(OrderKind.values)] | None = None  # type: ignore[valid-type]
    q: str = Field("", max_length=40, pattern=NO_NUL)
    partner_id: int | None = Field(None, ge=1, le=MAX_ID, description="Staff only.")
    include_drafts: bool = False


# --- conversion --------------------------------------------------------------------------------

def order_summary(order: Order) -> Json:
    return {"id": order.pk, "number": order.number, "kind": order.kind, "state": order.state,
            "state_label": order.get_state_display(), "partner_id": order.partner_id,
            "enterprise_id": order.enterprise_id, "customer_id": order.customer_id,
            "account_name": order.account_name, "billing_start_date": order.billing_start_date,
            "created_at": order.created_at, "submitted_at": order.submitted_at,
            "activated_at": order.activated_at,
            "placed_by_staff": (order.placed_by_staff.username if order.placed_by_staff_id
                                and order.placed_by_staff else None)}


def backorder_out(b: Backorder) -> Json:
    return {"id": b.pk, "npa": b.npa, "nxx": b.nxx, "quantity": b.quantity, "filled": b.filled,
            "status": str(b.status), "is_for_trunking": b.is_for_trunking}


def did_out(d: DID) -> Json:
    return {"id": d.pk, "number": d.e164, "display": d.display, "npa": d.npa, "nxx": d.nxx,
            "state": d.state, "is_for_trunking": d.is_for_trunking,
            "reserved_until": d.reserved_until, "e911": e911_out(did_location(d))}


def order_out(order: Order) -> Json:
    """The order as its page (or form) shows it: lines, totals, DIDs, history."""
    order = Order.objects.select_related("enterprise", "customer", "partner",
                                         "placed_by_staff").get(pk=order.pk)
    quote = order_quote(order=order)
    numbers = quote.numbers
    assert numbers is not None  # order_quote always reads the order's numbers
    detail_fields = ("enterprise_name", "company_name", "address_line1", "address_line2",
                     "city", "state_code", "zip_code", "contact_name", "contact_phone",
                     "contact_email", "domain", "time_zone", "service_type", "notes")
    return {
        **order_summary(order), **{name: getattr(order, name) for name in detail_fields},
        "is_trunking": bool(order.customer and order.customer.is_trunking),
        "billing_start_on_port": order.billing_start_on_port,
        "awaiting_turn_up": order.awaiting_turn_up,
        "awaiting": order_activation_waits(order),
        "lines": [{"id": line.pk, "package_id": line.package_id,
                   "package_name": line.package.name,
                   "order_type_id": line.package.order_type_id,
                   "order_type_name": line.package.order_type.name,
                   "quantity": line.quantity, "previous_quantity": line.previous_quantity,
                   "charge_type": line.charge_type,
                   "unit_price": line.unit_price, "amount": line.amount,
                   "included_dids": line.included_dids} for line in quote.lines],
        "quote": {"currency": currency(), "mrc_total": quote.mrc_total,
                  "nrc_total": quote.nrc_total,
                  "included_dids": quote.included_dids, "seats": quote.seats,
                  "dids_selected": quote.dids_selected,
                  "dids_backordered": quote.dids_backordered, "extra_dids": quote.extra_dids,
                  "e911_count": quote.e911_count, "e911_price": quote.e911_price,
                  "extra_did_price": quote.extra_did_price,
                  "mrc_change": monthly_change(quote.lines)},
        "dids": [did_out(d) for d in numbers.dids],
        "backorders": [backorder_out(b) for b in numbers.backorders],
        "history": [{"from_state": c.from_state, "to_state": c.to_state,
                     "changed_at": c.changed_at,
                     "changed_by": c.changed_by.username if c.changed_by else None,
                     "note": c.note} for c in order.state_changes.select_related("changed_by")],
    }


# --- orders ------------------------------------------------------------------------------------

@router.get("/orders", response=responses(OrderPage), operation_id="order_list")
def orders_index(request: ApiRequest, params: Query[OrderListParams]) -> Json:
    """Orders the caller may see, newest first (staff: all partners, ``partner_id`` filter)."""
    rows = order_list(user=request.auth, state=params.state or "", kind=params.kind or "",
                      q=params.q.strip(), partner_id=params.partner_id,
                      include_drafts=params.include_drafts)
    return page(rows, params, order_summary)


@router.post("/orders", response=responses({201: OrderOut}), operation_id="order_create")
def order_create(request: ApiRequest, payload: OrderCreateIn) -> Status[Json]:
    """Open a draft: a new enterprise, a new customer of an enterprise, or added services."""
    user = request.auth
    enterprise = customer = None
    if payload.kind == OrderKind.NEW_CUSTOMER.value and payload.enterprise_id is not None:
        enterprise = enterprise_get(user=user, enterprise_id=payload.enterprise_id)
    elif payload.kind == OrderKind.ADD_SERVICES.value and payload.customer_id is not None:
        customer = customer_get(user=user, customer_id=payload.customer_id)
    partner = None
    if payload.partner_id is not None:
        partner = Partner.objects.filter(pk=payload.partner_id).first()
        if partner is None or not (user.is_provider_staff or partner.pk == user.partner_id):
            raise NotFound("No such partner.")
    order = services.order_start(user=user, kind=payload.kind, enterprise=enterprise,
                                 customer=customer, partner=partner)
    return Status(201, order_out(order))


def _field_error(field: str, message: str) -> Json:
    return error_body("invalid_request", message, {field: [message]})


@router.get("/orders/{order_id}", response=responses(OrderOut), operation_id="order_get")
def order_detail(request: ApiRequest, order_id: int = OrderId) -> Json:
    return order_out(order_get(user=request.auth, order_id=order_id))


@router.post("/orders/{order_id}/lines", response=responses(OrderOut),
             operation_id="order_lines_add")
def lines_add(request: ApiRequest, payload: LinesAddIn, order_id: int = OrderId) -> Json:
    """Add Selected: the packages (of one order type) go on the draft with quantity 1."""
    order = order_get(user=request.auth, order_id=order_id)
    services.order_lines_add(user=request.auth, order_id=order.pk,
                             order_type_id=payload.order_type_id,
                             package_ids=payload.package_ids)
    return order_out(order)


@router.patch("/orders/{order_id}/lines/{line_id}", response=responses(OrderOut),
              operation_id="order_line_set_quantity")
def line_quantity(request: ApiRequest, payload: QuantityIn, order_id: int = OrderId,
                  line_id: int = Path(..., ge=1, le=MAX_ID)) -> Json:
    order = order_get(user=request.auth, order_id=order_id)
    services.order_line_set_quantity(user=request.auth, order_id=order.pk, line_id=line_id,
                                     quantity=payload.quantity)
    return order_out(order)


@router.delete("/orders/{order_id}/lines/{line_id}", response=responses(OrderOut),
               operation_id="order_line_remove")
def line_remove(request: ApiRequest, order_id: int = OrderId,
                line_id: int = Path(..., ge=1, le=MAX_ID)) -> Json:
    order = order_get(user=request.auth, order_id=order_id)
    services.order_line_remove(user=request.auth, order_id=order.pk, line_id=line_id)
    return order_out(order)


@router.post("/orders/{order_id}/save", response=responses(SaveOut), operation_id="order_save")
def order_save(request: ApiRequest, payload: OrderDetailsIn, order_id: int = OrderId) -> Json:
    """Save Order. The fields are checked by the order form's own validation, then the same
    ``order_save`` service places the order (and creates the enterprise/customer)."""
    order = order_get(user=request.auth, order_id=order_id)
    if not order.is_draft:
        return {"created": False, "order": order_out(order)}
    data = payload.dict()
    data["billing_start_date"] = payload.billing_start_date.isoformat()
    form = OrderDetailsForm(data, order=order)
    if not form.is_valid():
        raise OrderValidationError({field: [str(m) for m in messages]
                                    for field, messages in form.errors.items()})
    result = services.order_save(user=request.auth, order_id=order.pk, details=form.details())
    return {"created": result.created, "order": order_out(result.order)}


@router.put("/orders/{order_id}/billing-start-date", response=responses(OrderOut),
            operation_id="order_billing_start_date_change")
def billing_start_date(request: ApiRequest, payload: BillingStartIn,
                       order_id: int = OrderId) -> Json:
    """Move the Billing Start Date of a placed order: partners until the service is activated;
    afterwards provider staff only, with a ``reason``. Audited."""
    order = services.order_billing_start_date_change(user=request.auth, order_id=order_id,
                                                     value=payload.billing_start_date,
                                                     reason=payload.reason, via="api")
    return order_out(order)


@router.get("/orders/{order_id}/progress", response=responses(ProgressOut),
            operation_id="order_progress")
def progress(request: ApiRequest, order_id: int = OrderId) -> Json:
    order = order_get(user=request.auth, order_id=order_id)
    p = order_progress(order=order)
    return {"state": p.state, "state_label": p.state_label, "headline": p.headline,
            "percent": p.percent, "active": p.active, "finished": p.finished, "total": p.total,
            "steps": [{name: getattr(s, name) for name in StepOut.model_fields} for s in p.steps],
            "rollback": _rollback_out(p.rollback)}


def _rollback_out(rollback: Rollback | None) -> Json | None:
    if rollback is None:
        return None
    return {name: getattr(rollback, name) for name in RollbackOut.model_fields}


# --- DIDs on a draft ---------------------------------------------------------------------------

@router.post("/orders/{order_id}/dids", response=responses(DidsOrderOut),
             operation_id="order_dids_order")
def dids_order(request: ApiRequest, payload: DidsOrderIn,
               order_id: int = OrderId) -> Json | Status[Json]:
    """Select DIDs → Order: reserve ticked numbers to the draft and/or record a backorder."""
    order = order_get(user=request.auth, order_id=order_id)
    for name in ("numbers", "trunking"):
        if any(len(n) > 20 or "\x00" in n for n in getattr(payload, name)):
            return Status(422, _field_error(name, "A number has at most 20 characters."))
    result = number_services.order_dids_order(
        user=request.auth, order_id=order.pk, numbers=payload.numbers,
        trunking=payload.trunking, npa=payload.npa, nxx=payload.nxx,
        backorder_quantity="" if payload.backorder_quantity is None
        else payload.backorder_quantity,
        backorder_trunking=payload.backorder_trunking)
    reserve = result.reserve
    return {"message": result.message,
            "reserve": None if reserve is None else {
                "reserved": reserve.reserved, "already_on_order": reserve.already_on_order,
                "taken": reserve.taken, "unknown": reserve.unknown, "problem": reserve.problem},
            "backorder": backorder_out(result.backorder) if result.backorder else None,
            "reserved_until": result.reserved_until, "order": order_out(order)}


@router.post("/orders/{order_id}/dids/reserve-quantity", response=responses(ReserveQuantityOut),
             operation_id="order_dids_reserve_quantity")
def dids_reserve_quantity(request: ApiRequest, payload: ReserveQuantityIn,
                          order_id: int = OrderId) -> Json:
    """Reserve ``quantity`` free numbers of an NPA (and NXX), all or none."""
    order = order_get(user=request.auth, order_id=order_id)
    reserved = number_services.numbers_reserve_quantity(
        user=request.auth, order_id=order.pk, npa=payload.npa, nxx=payload.nxx,
        quantity=payload.quantity, trunking=payload.is_for_trunking)
    return {"reserved": reserved, "order": order_out(order)}


@router.delete("/orders/{order_id}/dids/{did_id}", response=responses(OrderOut),
               operation_id="order_did_remove")
def did_remove(request: ApiRequest, order_id: int = OrderId,
               did_id: int = Path(..., ge=1, le=MAX_ID)) -> Json:
    """Unreserve: the number leaves the draft and is free for others at once."""
    order = order_get(user=request.auth, order_id=order_id)
    number_services.number_unreserve(user=request.auth, order_id=order.pk, did_id=did_id)
    return order_out(order)


@router.delete("/orders/{order_id}/backorders/{backorder_id}", response=responses(OrderOut),
               operation_id="order_backorder_remove")
def backorder_remove(request: ApiRequest, order_id: int = OrderId,
                     backorder_id: int = Path(..., ge=1, le=MAX_ID)) -> Json:
    order = order_get(user=request.auth, order_id=order_id)
    number_services.backorder_remove(user=request.auth, order_id=order.pk,
                                     backorder_id=backorder_id)
    return order_out(order)


# --- staff repair ------------------------------------------------------------------------------

@router.post("/orders/{order_id}/retry", response=responses(OrderOut),
             operation_id="order_retry")
def retry(request: ApiRequest, order_id: int = OrderId) -> Json:
    """Staff: a failed order continues from the failed step."""
    order = order_get(user=request.auth, order_id=order_id)
    return order_out(provisioning_repair.order_retry(order_id=order.pk, user=request.auth))


@router.post("/orders/{order_id}/cancel", response=responses(CancelOut),
             operation_id="order_cancel")
def cancel(request: ApiRequest, payload: CancelIn, order_id: int = OrderId) -> Json:
    """Staff: cancel an order that has not completed. When it reached BroadWorks, ``rollback``
    follows the job that removes what it created (see the order's progress); its numbers are
    released when that is done."""
    order = order_get(user=request.auth, order_id=order_id)
    result = provisioning_repair.order_cancel(order_id=order.pk, user=request.auth,
                                                reason=payload.reason)
    return {"order": order_out(result.order),
            "created_in_broadworks": result.created_in_broadworks,
            "numbers_released": result.numbers_released,
            "rollback": _rollback_out(result.rollback)}


@router.post("/orders/{order_id}/trunking-done", response=responses(OrderOut),
             operation_id="order_trunking_done")
def trunking_done(request: ApiRequest, order_id: int = OrderId) -> Json:
    """Staff: the manual trunking set-up is done; the held order completes."""
    order = order_get(user=request.auth, order_id=order_id)
    return order_out(provisioning_repair.order_trunking_done(order_id=order.pk,
                                                               user=request.auth))
