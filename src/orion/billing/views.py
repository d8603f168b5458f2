"""Billing pages: the invoice preview (a dry run), the staff/partner Billing Start Date change
from the Billing tab, and the CSV download of the monthly export. Thin: the rules are in
``selectors``/``services`` and ``orion.orders.services.order_billing_start_date_change``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from orion.accounts.http import AuthedRequest
from orion.billing import selectors
from orion.billing.charges import BillingMonth
from orion.billing.exceptions import InvalidMonth
from orion.billing.export import export_csv
from orion.core.clock import local_today
from orion.core.exceptions import NotFound, OrionError
from orion.orders.selectors import order_get
from orion.orders.services import order_billing_start_date_change


def _month(request: HttpRequest, default: date) -> tuple[BillingMonth, str]:
    text = request.GET.get("month", "")
    if not text:
        return BillingMonth.of(default), ""
    try:
        return BillingMonth.parse(text), ""
    except InvalidMonth as exc:
        return BillingMonth.of(default), exc.message


@require_GET
def invoice_preview(request: AuthedRequest, pk: int) -> HttpResponse:
    """Invoice preview for any month (Kill Bill's dry run): computed, never stored."""
    customer = selectors.customer_for_billing(user=request.user, customer_id=pk)
    month, error = _month(request, local_today(customer.time_zone))
    invoice = selectors.invoice_preview(user=request.user, customer_id=customer.pk, month=month)
    return render(request, "billing/preview.html", {
        "customer": customer, "enterprise": customer.enterprise, "invoice": invoice,
        "month": month, "previous": _beside(month.previous), "next": _beside(month.next),
        "month_error": error})


def _beside(step: Callable[[], BillingMonth]) -> BillingMonth | None:
    """The month before or after, or None past the first or last month Orion bills
    (2000-01, 2999-12): the page then offers no link there."""
    try:
        return step()
    except InvalidMonth:
        return None


@require_POST
def billing_start_date(request: AuthedRequest, pk: int) -> HttpResponse:
    order = order_get(user=request.user, order_id=pk)
    if order.customer_id is None:
        raise NotFound("No such order.")
    back = redirect("customer_tab", pk=order.customer_id, tab="billing")
    try:
        value = date.fromisoformat(request.POST.get("billing_start_date", ""))
    except ValueError:
        messages.error(request, "Enter the billing start date as a date (YYYY-MM-DD).")
        return back
    try:
        order_billing_start_date_change(user=request.user, order_id=order.pk, value=value,
                                        reason=request.POST.get("reason", ""))
    except NotFound:
        raise
    except OrionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Order {order}: Billing Start Date is now {value:%Y-%m-%d}.")
    return back


@require_GET
def export_download(request: AuthedRequest) -> HttpResponse:
    """The monthly export as a CSV file: staff get every partner, partners their own."""
    try:
        month = BillingMonth.parse(request.GET.get("month", ""))
    except InvalidMonth as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain")
    invoice = selectors.billing_export(user=request.user, month=month)
    response = HttpResponse(export_csv(invoice), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="orion-billing-{month}.csv"'
    return response
