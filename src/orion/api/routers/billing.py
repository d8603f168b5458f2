"""Billing endpoints (mounted at /api/v1/billing): the monthly export, invoice previews (dry
runs), a customer's billing summary, and the Billing Start Date change.

Thin: the rules live in ``orion.billing`` and ``orion.orders.services``. Tenancy is the
selectors' ``visible_to``: partner users see their own customers only (another partner's
customer is a 404, another partner's rows are simply absent from the export).
"""

from __future__ import annotations

from datetime import date

from django.http import HttpResponse
from ninja import Field, Path, Query, Router, Schema

from orion.api.auth import ApiRequest
from orion.api.errors import responses
from orion.api.schemas.common import MAX_ID, Json
from orion.billing import selectors
from orion.billing.charges import BillingMonth
from orion.billing.export import export_csv, export_json

router = Router(tags=["billing"])

MONTH = Query(..., pattern=r"^[0-9]{4}-[0-9]{2}$", description="The month, YYYY-MM (e.g. 2026-12).")


class ChargeOut(Schema):
    month: str
    partner: str
    enterprise: str
    customer: str
    customer_id: int
    order: str
    package: str
    charge_type: str = Field(description="MRC (monthly) or NRC (one-time)")
    quantity: int
    unit_price: str = Field(description="Decimal, frozen at Save Order")
    period: str
    period_start: date
    period_end: date
    days: int | str = Field(description="Billed days of the month (MRC), empty for NRC")
    days_in_month: int | str
    amount: str = Field(description="Decimal; MRC prorated by days, ROUND_HALF_UP to cents")


class CustomerTotalOut(Schema):
    customer_id: int
    customer: str
    partner: str
    mrc: str
    nrc: str
    total: str


class TotalsOut(Schema):
    mrc: str
    nrc: str
    total: str


class ExportOut(Schema):
    month: str
    currency: str = Field(description="ISO 4217 code of every amount (ORION_CURRENCY).")
    lines: list[ChargeOut]
    customers: list[CustomerTotalOut]
    totals: TotalsOut


class UpcomingOut(Schema):
    date: date
    order: str
    package: str
    charge_type: str
    quantity: int
    amount: str
    what: str


class SummaryOut(Schema):
    customer_id: int
    today: date
    time_zone: str
    current_month: str
    current_total: str
    next_month: str
    next_total: str
    monthly_recurring: str
    upcoming: list[UpcomingOut]


def _month(text: str) -> BillingMonth:
    return BillingMonth.parse(text)  # InvalidMonth is an OrionError: 422 with the message


# The export's 200 is CSV by default (JSON with format=json): declare both, so clients and
# the schema-conformance fuzzing see the truth.
_CSV_TOO = {"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}}


@router.get("/export", response=responses(ExportOut), operation_id="billing_export",
            openapi_extra=_CSV_TOO)
def export(request: ApiRequest, month: str = MONTH,
           fmt: str = Query("csv", alias="format", pattern="^(csv|json)$"),
           partner_id: int | None = Query(None, ge=1, le=MAX_ID)) -> Json | HttpResponse:
    """The monthly export: one row per customer line, then per-customer totals and the total.

    ``format=csv`` (default) returns ``text/csv``; ``format=json`` the same data as JSON.
    Staff see every partner (``partner_id`` narrows it); a partner user sees only its own.
    """
    invoice = selectors.billing_export(user=request.auth, month=_month(month),
                                       partner_id=partner_id)
    if fmt == "json":
        return export_json(invoice)
    response = HttpResponse(export_csv(invoice), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="orion-billing-{month}.csv"'
    return response


@router.get("/customers/{customer_id}/preview", response=responses(ExportOut),
            operation_id="billing_invoice_preview")
def invoice_preview(request: ApiRequest, customer_id: int = Path(..., ge=1, le=MAX_ID),
                    month: str = MONTH) -> Json:
    """Invoice preview (a dry run, as Kill Bill's): the customer's charges of ``month``,
    computed now; nothing is stored."""
    invoice = selectors.invoice_preview(user=request.auth, customer_id=customer_id,
                                        month=_month(month))
    return export_json(invoice)


@router.get("/customers/{customer_id}/summary", response=responses(SummaryOut),
            operation_id="billing_customer_summary")
def summary(request: ApiRequest, customer_id: int = Path(..., ge=1, le=MAX_ID)) -> Json:
    """The customer's Billing tab: this month's total, the run rate, upcoming charges."""
    b = selectors.customer_billing(user=request.auth, customer_id=customer_id)
    return {
        "customer_id": b.customer.pk, "today": b.today, "time_zone": b.customer.time_zone,
        "current_month": str(b.current.month), "current_total": str(b.current.totals.total),
        "next_month": str(b.next.month), "next_total": str(b.next.totals.total),
        "monthly_recurring": str(b.monthly_recurring),
        "upcoming": [{"date": u.on, "order": u.subscription.order_number,
                      "package": u.subscription.package,
                      "charge_type": u.subscription.charge_type,
                      "quantity": u.subscription.quantity, "amount": str(u.amount),
                      "what": u.what} for u in b.upcoming],
    }
