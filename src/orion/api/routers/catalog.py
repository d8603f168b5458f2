"""The catalog: Order Types and their Packages with prices (what Add Package offers)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Schema

from orion.api.auth import ApiRequest
from orion.api.errors import responses
from orion.api.schemas.common import MAX_ID, Json
from orion.catalog.models import OrderType, Package

router = Router(tags=["catalog"])


class OrderTypeOut(Schema):
    id: int
    name: str
    sort_order: int


class PackageOut(Schema):
    id: int
    order_type_id: int
    order_type_name: str
    name: str
    charge_type: str
    price: Decimal
    included_dids: int
    is_seat: bool
    description: str


def package_out(p: Package) -> Json:
    return {"id": p.pk, "order_type_id": p.order_type_id, "order_type_name": p.order_type.name,
            "name": p.name, "charge_type": p.charge_type, "price": p.price,
            "included_dids": p.included_dids, "is_seat": p.is_seat,
            "description": p.description}


def _orderable() -> QuerySet[Package]:
    # As the package picker: active packages; the Additional DID line is never picked by hand.
    return Package.objects.pickable().select_related("order_type")


@router.get("/catalog/order-types", response=responses(list[OrderTypeOut]),
            operation_id="order_type_list")
def order_type_list(request: ApiRequest) -> list[OrderType]:
    return list(OrderType.objects.all())


@router.get("/catalog/packages", response=responses(list[PackageOut]),
            operation_id="package_list")
def package_list(request: ApiRequest,
                 order_type_id: int | None = Query(None, ge=1, le=MAX_ID)) -> list[Json]:
    """Orderable packages (all of them: the catalog is about a hundred rows)."""
    rows = _orderable()
    if order_type_id is not None:
        rows = rows.filter(order_type_id=order_type_id)
    return [package_out(p) for p in rows]


@router.get("/catalog/packages/{package_id}", response=responses(PackageOut),
            operation_id="package_get")
def package_get(request: ApiRequest, package_id: int = Path(..., ge=1, le=MAX_ID)) -> Json:
    return package_out(get_object_or_404(_orderable(), pk=package_id))
