"""Users (seats) on an order and users of a customer: the order form's Users section and the
users sheet, as JSON and CSV. Every handler calls the service the page calls, scoped to the
caller's partner (another partner's order or customer is a 404)."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Field, Path, Router, Schema

from orion.api.auth import ApiRequest
from orion.api.errors import responses
from orion.api.schemas.common import MAX_ID, Json, text
from orion.numbers.nanp import display
from orion.orders.selectors import order_get
from orion.users import services
from orion.users.models import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH, OrderUser
from orion.users.rules import group_for
from orion.users.selectors import customer_users, order_users
from orion.users.sheet import users_sheet_csv, users_sheet_parse

router = Router(tags=["users"])
OrderId = Path(..., ge=1, le=MAX_ID)


class UserOut(Schema):
    id: int
    user: int = Field(description="Which user of the order: 1, 2, ...")
    seat: str = Field(description="The seat package")
    line_id: int
    first_name: str
    last_name: str
    extension: str
    number: str | None = Field(description="E.164, e.g. +12125550100; null: extension only")
    number_display: str | None
    email: str
    device_type: str = Field(description="BroadWorks device type; empty: no phone")
    mac_address: str
    user_id: str = Field(description="BroadWorks user id, given at Save Order")
    version: int
    order_id: int
    order_number: str | None


class OrderUsersOut(Schema):
    items: list[UserOut]
    extension_length: int
    user_limit: int
    problem: str | None = Field(None, description="Why no users could be made (the group's "
                                "user limit), when that is so")


class UserIn(Schema):
    user: int = Field(..., ge=1, le=1_000_000, description="Which user of the order")
    seat: str = text(120, default="", description="The seat package; checked when given")
    first_name: str = text(NAME_MAX_LENGTH)
    last_name: str = text(NAME_MAX_LENGTH)
    extension: str = text(6)
    number: str = text(20, default="", description="One of the order's numbers; empty: none")
    email: str = text(EMAIL_MAX_LENGTH, default="")
    device_type: str = text(40, default="")
    mac_address: str = text(17, default="")


class UsersIn(Schema):
    users: list[UserIn] = Field(..., max_length=10_000)


class UserPatchIn(Schema):
    version: int | None = Field(None, ge=1, description="The version read; a stale one is "
                                "refused")
    first_name: str | None = text(NAME_MAX_LENGTH, default=None)
    last_name: str | None = text(NAME_MAX_LENGTH, default=None)
    extension: str | None = text(6, default=None)
    number: str | None = text(20, default=None)
    email: str | None = text(EMAIL_MAX_LENGTH, default=None)
    device_type: str | None = text(40, default=None)
    mac_address: str | None = text(17, default=None)


def user_out(u: OrderUser) -> Json:
    return {"id": u.pk, "user": u.position, "seat": u.line.package.name, "line_id": u.line_id,
            "first_name": u.first_name, "last_name": u.last_name, "extension": u.extension,
            "number": u.number.e164 if u.number else None,
            "number_display": display(u.number.e164) if u.number else None,
            "email": u.email, "device_type": u.device_type, "mac_address": u.mac_address,
            "user_id": u.user_id, "version": u.version, "order_id": u.order_id,
            "order_number": u.order.number}


def _order_users(request: ApiRequest, order_id: int, problem: str | None = None) -> Json:
    order = order_get(user=request.auth, order_id=order_id)
    group = group_for(order)
    return {"items": [] if problem else [user_out(u) for u in order_users(order=order)],
            "extension_length": group.extension_length, "user_limit": group.user_limit,
            "problem": problem}


@router.get("/orders/{order_id}/users", response=responses(OrderUsersOut),
            operation_id="order_users_list")
def users_list(request: ApiRequest, order_id: int = OrderId) -> Json:
    """The order's users, one per seat. A draft's users are first brought in step with its
    seat lines, prefilled as on the order form."""
    order = order_get(user=request.auth, order_id=order_id)
    problem = None
    if order.is_draft:
        problem = services.order_users_refresh(user=request.auth, order_id=order.pk)
    return _order_users(request, order.pk, problem)


@router.put("/orders/{order_id}/users", response=responses(OrderUsersOut),
            operation_id="order_users_set")
def users_set(request: ApiRequest, payload: UsersIn, order_id: int = OrderId) -> Json:
    """Set every user of the draft at once (as the users sheet does): each entry names its
    user (1, 2, ...); errors come per entry (``users.<n>``, counting from 1) and nothing is
    saved when any entry has one."""
    order = order_get(user=request.auth, order_id=order_id)
    services.order_users_set(user=request.auth, order_id=order.pk, via="api",
                             rows=[entry.dict() for entry in payload.users])
    return _order_users(request, order.pk)


@router.patch("/orders/{order_id}/users/{user_id}", response=responses(UserOut),
              operation_id="order_user_update")
def user_update(request: ApiRequest, payload: UserPatchIn, order_id: int = OrderId,
                user_id: int = Path(..., ge=1, le=MAX_ID)) -> Json:
    """Change some fields of one user of the draft (the order form's inline edit)."""
    order = order_get(user=request.auth, order_id=order_id)
    values = {k: v for k, v in payload.dict().items() if k != "version" and v is not None}
    row = services.order_user_update(user=request.auth, order_id=order.pk, user_pk=user_id,
                                     version=payload.version, values=values)
    row = order.users.select_related("number", "line__package", "order").get(pk=row.pk)
    return user_out(row)


# The sheet's 200 is CSV: say so, so clients and the schema-conformance fuzzing see the truth.
_CSV = {"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}}


@router.get("/orders/{order_id}/users.csv", response=responses({200: str}),
            operation_id="order_users_csv", openapi_extra=_CSV)
def users_csv(request: ApiRequest, order_id: int = OrderId) -> HttpResponse:
    """The users sheet (CSV; columns in docs/users.md)."""
    order = order_get(user=request.auth, order_id=order_id)
    return HttpResponse(users_sheet_csv(order_users(order=order)),
                        content_type="text/csv; charset=utf-8")


@router.put("/orders/{order_id}/users.csv", response=responses(OrderUsersOut),
            operation_id="order_users_upload",
            openapi_extra={"requestBody": {"content": {"text/csv": {
                "schema": {"type": "string"}}}, "required": True}})
def users_upload(request: ApiRequest, order_id: int = OrderId) -> Json:
    """Upload the users sheet as the request body (``Content-Type: text/csv``); errors per
    row as for ``PUT /users``."""
    order = order_get(user=request.auth, order_id=order_id)
    rows = users_sheet_parse(request.body)
    services.order_users_set(user=request.auth, order_id=order.pk, rows=rows, via="api")
    return _order_users(request, order.pk)


@router.get("/customers/{customer_id}/users", response=responses(list[UserOut]),
            operation_id="customer_users_list")
def customer_users_list(request: ApiRequest,
                        customer_id: int = Path(..., ge=1, le=MAX_ID)) -> list[Json]:
    """The customer's users from Orion's records (its saved orders' users)."""
    return [user_out(u) for u in customer_users(user=request.auth, customer_id=customer_id)]
