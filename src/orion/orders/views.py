"""The order form (with its htmx parts), order pages and order lists. Thin: each view parses
input, calls a service or selector, and renders."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from orion.accounts.models import Partner
from orion.accounts.selectors import customer_get, enterprise_get
from orion.accounts.validators import time_zone_names
from orion.catalog.models import OrderType, Package
from orion.core.exceptions import OrionError
from orion.core.http import error_fragment
from orion.orders import services
from orion.orders.exceptions import OrderNotEditable, OrderValidationError
from orion.orders.forms import OrderDetailsForm
from orion.orders.models import Order, OrderKind
from orion.orders.selectors import order_get, order_list, order_quote
from orion.orders.states import OrderState


def _start(request: HttpRequest, **kwargs: object) -> HttpResponse:
    try:
        order = services.order_start(user=request.user, **kwargs)
    except OrionError as exc:
        messages.error(request, exc.message)
        return redirect("dashboard")
    return redirect("orders:form", pk=order.pk)


@require_GET
def start_enterprise(request: HttpRequest) -> HttpResponse:
    return _start(request, kind=OrderKind.NEW_ENTERPRISE)


@require_GET
def start_customer_in_enterprise(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = enterprise_get(user=request.user, enterprise_id=pk)
    return _start(request, kind=OrderKind.NEW_CUSTOMER, enterprise=enterprise)


@require_GET
def start_add_services(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(user=request.user, customer_id=pk)
    return _start(request, kind=OrderKind.ADD_SERVICES, customer=customer)


def _form_context(order: Order, form: OrderDetailsForm) -> dict[str, object]:
    return {
        "order": order,
        "form": form,
        "quote": order_quote(order=order),
        "order_types": OrderType.objects.all(),
        "time_zones": time_zone_names(),
    }


def order_form(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the order form; POST is Save Order."""
    order = order_get(user=request.user, order_id=pk)
    if not order.is_draft:
        return redirect("orders:detail", pk=order.pk)
    if request.method == "POST":
        form = OrderDetailsForm(request.POST, order=order)
        if form.is_valid():
            try:
                result = services.order_save(user=request.user, order_id=order.pk,
                                             details=form.details())
            except OrderValidationError as exc:
                for field, errors in exc.errors.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            except OrionError as exc:
                form.add_error(None, exc.message)
            else:
                if result.created:
                    messages.success(request, f"Order {result.order.number} saved.")
                return redirect("orders:detail", pk=result.order.pk)
        status = 422
    else:
        initial = {"billing_start_date": order.billing_start_date
                   or services.today_in(order.time_zone or "America/New_York"),
                   "time_zone": order.time_zone or "America/New_York",
                   "service_type": order.service_type}
        form = OrderDetailsForm(order=order, initial=initial)
        status = 200
    return render(request, "orders/form.html", _form_context(order, form), status=status)


@require_GET
def package_picker(request: HttpRequest, pk: int) -> HttpResponse:
    """Add Package: the check-box list of the chosen order type's packages."""
    order = order_get(user=request.user, order_id=pk)
    if not order.is_draft:
        return error_fragment(request, OrderNotEditable("This order has been saved."))
    order_type_id = request.GET.get("order_type", "")
    if not order_type_id.isdigit():
        return error_fragment(request, OrionError("Select an Order Type first."))
    order_type = get_object_or_404(OrderType, pk=int(order_type_id))
    on_order = set(order.lines.values_list("package_id", flat=True))
    packages = Package.objects.orderable().filter(order_type=order_type)
    return render(request, "orders/partials/package_picker.html",
                  {"order": order, "order_type": order_type, "packages": packages,
                   "on_order": on_order})


def _lines_response(request: HttpRequest, order: Order, status: int = 200) -> HttpResponse:
    return render(request, "orders/partials/lines.html",
                  {"order": order, "quote": order_quote(order=order), "oob": True}, status=status)


@require_POST
def lines_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add Selected: the ticked packages go on the order; the lines and totals come back."""
    order = order_get(user=request.user, order_id=pk)
    try:
        order_type_id = int(request.POST.get("order_type", ""))
        package_ids = [int(x) for x in request.POST.getlist("package")]
    except ValueError:
        return error_fragment(request, OrionError("The selection was not understood; reload."))
    try:
        services.order_lines_add(user=request.user, order_id=order.pk,
                                 order_type_id=order_type_id, package_ids=package_ids)
    except OrionError as exc:
        return error_fragment(request, exc)
    response = _lines_response(request, order)
    response["HX-Trigger"] = "packages-added"
    return response


@require_POST
def line_quantity(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    order = order_get(user=request.user, order_id=pk)
    try:
        services.order_line_set_quantity(user=request.user, order_id=order.pk, line_id=line_pk,
                                         quantity=request.POST.get("quantity", ""))
    except OrionError as exc:
        return error_fragment(request, exc)
    return _lines_response(request, order)


@require_POST
def line_remove(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    order = order_get(user=request.user, order_id=pk)
    try:
        services.order_line_remove(user=request.user, order_id=order.pk, line_id=line_pk)
    except OrionError as exc:
        return error_fragment(request, exc)
    return _lines_response(request, order)


def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = order_get(user=request.user, order_id=pk)
    if order.is_draft:
        return redirect("orders:form", pk=order.pk)
    return render(request, "orders/detail.html", {
        "order": order, "quote": order_quote(order=order),
        "history": order.state_changes.select_related("changed_by"),
    })


def orders_index(request: HttpRequest) -> HttpResponse:
    """Orders this user may see; provider staff filter across all partners."""
    filters = {
        "state": request.GET.get("state", "") if request.GET.get("state") in OrderState.values
        else "",
        "kind": request.GET.get("kind", "") if request.GET.get("kind") in OrderKind.values
        else "",
        "q": request.GET.get("q", "")[:40].strip(),
    }
    partner_id = request.GET.get("partner", "")
    partner_id = int(partner_id) if partner_id.isdigit() else None
    orders = order_list(user=request.user, partner_id=partner_id, **filters)
    from django.core.paginator import Paginator

    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    return render(request, "orders/list.html", {
        "page": page, "orders": page.object_list, "filters": filters, "partner_id": partner_id,
        "states": OrderState.choices, "kinds": OrderKind.choices,
        "partners": Partner.objects.all() if request.user.is_provider_staff else [],
    })


