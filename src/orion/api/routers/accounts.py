"""Account search, enterprises and customers (read), and their orders."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from ninja import Path, Query, Router, Schema

from orion.accounts.models import Customer, Enterprise
from orion.accounts.search import AccountHit, account_search
from orion.accounts.selectors import customer_get, enterprise_get
from orion.api.auth import ApiRequest
from orion.api.errors import responses
from orion.api.routers.orders import OrderPage, order_summary
from orion.api.schemas.common import MAX_ID, NO_NUL, Json, PageMeta, PageParams, page
from orion.orders.selectors import order_list

router = Router(tags=["accounts"])


class SearchOut(Schema):
    query: str
    page: int
    has_next: bool
    items: list[AccountHit]  # the search bar's own row: role is Enterprise or Customer


class EnterpriseOut(Schema):
    id: int
    name: str
    partner_id: int
    partner_name: str
    bw_service_provider_id: str
    created_at: datetime


class EnterprisePage(PageMeta):
    items: list[EnterpriseOut]


class CustomerOut(Schema):
    id: int
    name: str
    enterprise_id: int
    enterprise_name: str
    partner_id: int
    bw_group_id: str
    service_type: str
    address_line1: str
    address_line2: str
    city: str
    state: str
    zip_code: str
    contact_name: str
    contact_phone: str
    contact_email: str
    domain: str
    time_zone: str
    billing_start_date: date | None
    activated_at: datetime | None
    created_at: datetime


class CustomerPage(PageMeta):
    items: list[CustomerOut]


def enterprise_out(e: Enterprise) -> Json:
    return {"id": e.pk, "name": e.name, "partner_id": e.partner_id,
            "partner_name": e.partner.name, "bw_service_provider_id": e.bw_service_provider_id,
            "created_at": e.created_at}


def customer_out(c: Customer) -> Json:
    fields = ("name", "partner_id", "enterprise_id", "bw_group_id", "service_type",
              "address_line1", "address_line2", "city", "state", "zip_code", "contact_name",
              "contact_phone", "contact_email", "domain", "time_zone", "billing_start_date",
              "activated_at", "created_at")
    return {"id": c.pk, "enterprise_name": c.enterprise.name,
            **{name: getattr(c, name) for name in fields}}


EnterpriseId = Path(..., ge=1, le=MAX_ID)


@router.get("/accounts/search", response=responses(SearchOut), operation_id="account_search")
def search(request: ApiRequest, q: str = Query(..., min_length=1, max_length=80, pattern=NO_NUL),
           page_number: int = Query(1, ge=1, le=10_000, alias="page")) -> Json:
    """The search bar: accounts whose name contains ``q``, each with its Role."""
    result = account_search(user=request.auth, query=q, page=page_number,
                            page_size=settings.ORION_SEARCH_PAGE_SIZE)
    return {"query": result.query, "page": result.page, "has_next": result.has_next,
            "items": result.hits}


@router.get("/enterprises", response=responses(EnterprisePage), operation_id="enterprise_list")
def enterprise_list(request: ApiRequest, params: Query[PageParams]) -> Json:
    rows = Enterprise.objects.visible_to(request.auth).select_related("partner").order_by(
        "name", "id")
    return page(rows, params, enterprise_out)


@router.get("/enterprises/{enterprise_id}", response=responses(EnterpriseOut),
            operation_id="enterprise_get")
def enterprise_detail(request: ApiRequest, enterprise_id: int = EnterpriseId) -> Json:
    return enterprise_out(enterprise_get(user=request.auth, enterprise_id=enterprise_id))


@router.get("/enterprises/{enterprise_id}/customers", response=responses(CustomerPage),
            operation_id="enterprise_customers")
def enterprise_customers(request: ApiRequest, params: Query[PageParams],
                         enterprise_id: int = EnterpriseId) -> Json:
    enterprise = enterprise_get(user=request.auth, enterprise_id=enterprise_id)
    rows = enterprise.customers.select_related("enterprise").order_by("name", "id")
    return page(rows, params, customer_out)


@router.get("/enterprises/{enterprise_id}/orders", response=responses(OrderPage),
            operation_id="enterprise_orders")
def enterprise_orders(request: ApiRequest, params: Query[PageParams],
                      enterprise_id: int = EnterpriseId) -> Json:
    """The enterprise's Orders tab: its placed orders, newest first."""
    enterprise = enterprise_get(user=request.auth, enterprise_id=enterprise_id)
    return page(order_list(user=request.auth).filter(enterprise=enterprise), params,
                order_summary)


@router.get("/customers/{customer_id}", response=responses(CustomerOut),
            operation_id="customer_get")
def customer_detail(request: ApiRequest, customer_id: int = Path(..., ge=1, le=MAX_ID)) -> Json:
    return customer_out(customer_get(user=request.auth, customer_id=customer_id))


@router.get("/customers/{customer_id}/orders", response=responses(OrderPage),
            operation_id="customer_orders")
def customer_orders(request: ApiRequest, params: Query[PageParams],
                    customer_id: int = Path(..., ge=1, le=MAX_ID)) -> Json:
    customer = customer_get(user=request.auth, customer_id=customer_id)
    return page(order_list(user=request.auth).filter(customer=customer), params, order_summary)
