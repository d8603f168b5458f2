"""The order form (with its htmx parts), order pages and order lists. Thin: each view parses
input, calls a service or selector, and renders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache

from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orion.accounts.http import AuthedRequest
from orion.accounts.models import Customer, Enterprise, Partner
from orion.accounts.selectors import customer_get, enterprise_get
from orion.accounts.validators import ascii_int, time_zone_names
from orion.catalog.models import OrderType, Package
from orion.core.clock import local_today
from orion.core.exceptions import NotFound, OrionError
from orion.core.http import error_fragment, page_number
from orion.numbers import services as number_services
from orion.numbers.models import MAX_SELECTION
from orion.numbers.nanp import TOLL_FREE_PACKAGE
from orion.numbers.search import blocks_in_stock, number_query_clean, numbers_search
from orion.numbers.selectors import order_toll_free_allowance
from orion.orders import change_views, services
from orion.orders.activation import order_mark_live_problem
from orion.orders.exceptions import (
    DuplicateAccountName,
    NumbersReleased,
    OrderNotEditable,
    OrderValidationError,
)
from orion.orders.forms import OrderDetailsForm
from orion.orders.lifecycle import order_activation_waits
from orion.orders.models import Order, OrderKind
from orion.orders.selectors import (
    order_billing_date_changes,
    order_get,
    order_history,
    order_list,
    order_quote,
)
from orion.orders.states import OrderState
from orion.users.selectors import order_user_rows


def _start(request: AuthedRequest, *, kind: str, enterprise: Enterprise | None = None,
           customer: Customer | None = None) -> HttpResponse:
    try:
        order = services.order_start(user=request.user, kind=kind, enterprise=enterprise,
                                     customer=customer)
    except OrionError as exc:
        messages.error(request, exc.message)
        return redirect("dashboard")
    return redirect("orders:form", pk=order.pk)


# Starting an order creates a draft: a POST with the CSRF token (a GET link could be fired by
# an <img> on another site, or by a link prefetcher, and leave drafts behind).
@require_http_methods(["GET", "POST"])
def start_enterprise(request: AuthedRequest) -> HttpResponse:
    """New Enterprise order. Provider staff act for a partner: they choose it here (GET shows
    the choice, a refusal comes back next to the partner select); partners order for
    themselves."""
    if not request.user.is_provider_staff:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])  # a GET never starts an order
        return _start(request, kind=OrderKind.NEW_ENTERPRISE)
    partners = Partner.objects.filter(is_active=True).order_by("name")
    chosen = request.POST.get("partner", "") if request.method == "POST" else \
        request.GET.get("partner", "")
    error = ""
    if request.method == "POST":
        partner = None
        if chosen.isascii() and chosen.isdigit() and len(chosen) <= 18:
            partner = Partner.objects.filter(pk=int(chosen)).first()
        try:
            if partner is None:
                raise OrionError("Choose the partner this New Enterprise order is for.")
            order = services.order_start(user=request.user, kind=OrderKind.NEW_ENTERPRISE,
                                         partner=partner)
        except OrionError as exc:
            error = exc.message
        else:
            return redirect("orders:form", pk=order.pk)
    return render(request, "orders/start_for_partner.html",
                  {"partners": partners, "chosen": chosen, "error": error},
                  status=422 if error else 200)


@require_POST
def start_customer_in_enterprise(request: AuthedRequest, pk: int) -> HttpResponse:
    enterprise = enterprise_get(user=request.user, enterprise_id=pk)
    return _start(request, kind=OrderKind.NEW_CUSTOMER, enterprise=enterprise)


@require_POST
def start_add_services(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = customer_get(user=request.user, customer_id=pk)
    return _start(request, kind=OrderKind.ADD_SERVICES, customer=customer)


@lru_cache(maxsize=1)
def time_zone_options() -> SafeString:
    """The ``<option>`` list of the Time Zone field's datalist, rendered once per process: the
    same 500 names on every order form, which cost the template loop a third of the page."""
    return format_html_join("", '<option value="{}">', ((tz,) for tz in time_zone_names()))


def _form_context(order: Order, form: OrderDetailsForm) -> dict[str, object]:
    quote = order_quote(order=order)
    return {
        "order": order,
        "form": form,
        "quote": quote,
        "numbers": quote.numbers,
        "order_types": OrderType.objects.all(),
        "time_zone_options": time_zone_options(),
        "domain_fallback": services.order_domain_fallback(order=order),
        # A change's Numbers and users section (orion.users.removals).
        "removals": (change_views.removals_context(order)
                     if order.kind == OrderKind.CHANGE else None),
    }


def order_form(request: AuthedRequest, pk: int) -> HttpResponse:
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
            except DuplicateAccountName as exc:
                form.duplicate = exc.duplicate  # the page links it, with the confirm box
                form.add_error(None, exc.message)
            except OrderValidationError as exc:
                if isinstance(exc, NumbersReleased):  # released after the form's check
                    form.released = exc.released
                for field, errors in exc.errors.items():
                    for error in errors:
                        if field == "packages":
                            # Shown in the Order Packages section, next to the lines.
                            form.package_errors.append(error)
                        elif field == "numbers":  # a change's Numbers and users section
                            form.removal_errors.append(error)
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
                   or local_today(order.time_zone),
                   "time_zone": order.time_zone or "America/New_York",
                   "service_type": order.service_type}
        form = OrderDetailsForm(order=order, initial=initial)
        status = 200
    return render(request, "orders/form.html", _form_context(order, form), status=status)


@require_GET
def package_picker(request: AuthedRequest, pk: int) -> HttpResponse:
    """Add Package: the check-box list of the chosen order type's packages."""
    order = order_get(user=request.user, order_id=pk)
    if not order.is_draft:
        return error_fragment(request, OrderNotEditable("This order has been saved."))
    order_type_id = request.GET.get("order_type", "")
    if not order_type_id.isascii() or not order_type_id.isdigit() or len(order_type_id) > 18:
        return error_fragment(request, OrionError("Select an Order Type first."))
    order_type = OrderType.objects.filter(pk=int(order_type_id)).first()
    if order_type is None:
        return error_fragment(request, OrionError("No such Order Type; reload the form."))
    on_order = set(order.lines.values_list("package_id", flat=True))
    packages = Package.objects.pickable().filter(order_type=order_type)
    return render(request, "orders/partials/package_picker.html",
                  {"order": order, "order_type": order_type, "packages": packages,
                   "on_order": on_order})


def _lines_response(request: AuthedRequest, order: Order, status: int = 200) -> HttpResponse:
    response = render(request, "orders/partials/lines.html",
                      {"order": order, "quote": order_quote(order=order), "oob": True},
                      status=status)
    response["HX-Trigger"] = "seats-changed"  # the Users section follows the seat lines
    return response


@require_POST
def lines_add(request: AuthedRequest, pk: int) -> HttpResponse:
    """Add Selected: the ticked packages go on the order; the lines and totals come back."""
    order = order_get(user=request.user, order_id=pk)
    try:
        order_type_id = ascii_int(request.POST.get("order_type", ""))
        package_ids = [ascii_int(x) for x in request.POST.getlist("package")]
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
def line_quantity(request: AuthedRequest, pk: int, line_pk: int) -> HttpResponse:
    order = order_get(user=request.user, order_id=pk)
    try:
        services.order_line_set_quantity(user=request.user, order_id=order.pk, line_id=line_pk,
                                         quantity=request.POST.get("quantity", ""))
    except OrionError as exc:
        return error_fragment(request, exc)
    return _lines_response(request, order)


@require_POST
def line_remove(request: AuthedRequest, pk: int, line_pk: int) -> HttpResponse:
    order = order_get(user=request.user, order_id=pk)
    try:
        services.order_line_remove(user=request.user, order_id=order.pk, line_id=line_pk)
    except OrionError as exc:
        return error_fragment(request, exc)
    return _lines_response(request, order)


def order_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    order = order_get(user=request.user, order_id=pk)
    if order.is_draft:
        return redirect("orders:form", pk=order.pk)
    from orion.orders.states import CANCELLABLE_STATES
    from orion.provisioning.selectors import (
        order_job_lost,
        order_progress,
        order_trunking_numbers,
    )

    quote = order_quote(order=order)
    on_order = quote.numbers.on_order if quote.numbers is not None else None
    return render(request, "orders/detail.html", {
        "order": order, "quote": quote,
        "numbers": quote.numbers,
        "history": order_history(order=order),
        "billing_date_changes": order_billing_date_changes(order=order),
        "progress": order_progress(order=order),
        "trunking_numbers": order_trunking_numbers(order=order, on_order=on_order),
        "billing_form": services.order_billing_start_date_open(order=order),
        "activation_waits": order_activation_waits(order),
        "mark_live_problem": order_mark_live_problem(order),
        "cancellable_states": CANCELLABLE_STATES,
        "job_lost": request.user.is_provider_staff and order_job_lost(order=order),
        "users": order_user_rows(order=order, on_order=on_order)[0],
    })


@require_POST
def billing_start_date(request: AuthedRequest, pk: int) -> HttpResponse:
    """Change the Billing Start Date on the order page, until the service is activated."""
    order = order_get(user=request.user, order_id=pk)
    try:
        value = date.fromisoformat(request.POST.get("billing_start_date", ""))
    except ValueError:
        messages.error(request, "Enter the billing start date as a date (YYYY-MM-DD).")
        return redirect("orders:detail", pk=order.pk)
    try:
        services.order_billing_start_date_change(user=request.user, order_id=order.pk,
                                                 value=value)
    except OrionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Billing Start Date changed to {value:%Y-%m-%d}.")
    return redirect("orders:detail", pk=order.pk)


def orders_index(request: AuthedRequest) -> HttpResponse:
    """Orders this user may see; provider staff filter across all partners."""
    filters = {
        "state": request.GET.get("state", "") if request.GET.get("state") in OrderState.values
        else "",
        "kind": request.GET.get("kind", "") if request.GET.get("kind") in OrderKind.values
        else "",
        "q": request.GET.get("q", "")[:40].strip(),
    }
    partner = request.GET.get("partner", "")
    partner_id = int(partner) if partner.isascii() and partner.isdigit() \
        and len(partner) <= 18 else None
    orders = order_list(user=request.user, partner_id=partner_id, state=filters["state"],
                        kind=filters["kind"], q=filters["q"])
    from django.core.paginator import Paginator

    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    return render(request, "orders/list.html", {
        "page": page, "orders": page.object_list, "filters": filters, "partner_id": partner_id,
        "states": OrderState.choices, "kinds": OrderKind.choices,
        "partners": Partner.objects.all() if request.user.is_provider_staff else [],
    })


# --- Select DIDs (the order form's DID picker) -------------------------------------------------
# Another partner's order is a 404 here too: order_get scopes to the partner.

def _did_error(request: AuthedRequest, exc: OrionError, *,
               target: str = "#did-message") -> HttpResponse:
    """The shared error fragment, shown in the DID section (which swaps 422 answers, see
    form.html); a 404 keeps the fragment's own target."""
    response = error_fragment(request, exc)
    if not isinstance(exc, NotFound):
        response["HX-Retarget"] = target
    return response


def _posted_id(request: AuthedRequest, name: str) -> int:
    value = request.POST.get(name, "")
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise NotFound("That is not on this order.")
    return int(value)


@require_GET
def did_picker(request: AuthedRequest, pk: int) -> HttpResponse:
    """Select DIDs: the search box, and the NPA-NXX blocks in stock before anyone types
    (toll-free blocks too when the order has the toll-free package)."""
    order = order_get(user=request.user, order_id=pk)
    if not order.is_draft:
        return _did_error(request, OrderNotEditable("This order has been saved."))
    toll_free = order_toll_free_allowance(order=order) > 0
    return render(request, "orders/partials/did_picker.html", {
        "order": order, "blocks": blocks_in_stock(), "toll_free_allowed": toll_free,
        "toll_free_blocks": blocks_in_stock(toll_free=True) if toll_free else [],
        "toll_free_package": TOLL_FREE_PACKAGE})


@require_GET
def did_search(request: AuthedRequest, pk: int) -> HttpResponse:
    """Free numbers by NPA, NPA-NXX, rate center, city/state or ZIP (or N in a row), a page
    at a time, to tick. Searching reserves nothing."""
    order = order_get(user=request.user, order_id=pk)
    if not order.is_draft:
        return _did_error(request, OrderNotEditable("This order has been saved."))
    try:
        query = number_query_clean(
            npa=request.GET.get("npa", "")[:10], nxx=request.GET.get("nxx", "")[:10],
            rate_center=request.GET.get("rate_center", "")[:60],
            city=request.GET.get("city", "")[:60], state=request.GET.get("state", "")[:10],
            zip_code=request.GET.get("zip", "")[:12],
            consecutive=request.GET.get("consecutive", "")[:6],
            toll_free=bool(request.GET.get("toll_free")))
        result = numbers_search(query=query,
                                toll_free_allowed=order_toll_free_allowance(order=order) > 0,
                                page=page_number(request))
    except OrionError as exc:
        return _did_error(request, exc, target="#did-results")
    return render(request, "orders/partials/did_results.html", {"order": order,
                                                                "result": result})


def _dids_response(request: AuthedRequest, order: Order, *, message: str = "",
                   problem: str = "", close_picker: bool = True) -> HttpResponse:
    quote = order_quote(order=order)
    response = render(request, "orders/partials/dids_response.html", {
        "order": order, "quote": quote, "message": message, "problem": problem,
        "numbers": quote.numbers,
        "close_picker": close_picker})
    response["HX-Trigger"] = "seats-changed"  # the Users section offers the order's numbers
    return response


@require_POST
def dids_order(request: AuthedRequest, pk: int) -> HttpResponse:
    """Order: reserve the ticked numbers (with their Is For Trunking ticks) and the backorder."""
    order = order_get(user=request.user, order_id=pk)
    try:
        result = number_services.order_dids_order(
            user=request.user, order_id=order.pk,
            # Cut well above the limit: the service refuses more than MAX_SELECTION by name.
            numbers=request.POST.getlist("number")[:2 * MAX_SELECTION],
            trunking=request.POST.getlist("trunking")[:2 * MAX_SELECTION],
            npa=request.POST.get("npa", "")[:10], nxx=request.POST.get("nxx", "")[:10],
            backorder_quantity=request.POST.get("backorder_quantity", "")[:12],
            backorder_trunking=bool(request.POST.get("backorder_trunking")))
    except OrionError as exc:
        return _did_error(request, exc)
    problem = result.reserve.problem if result.reserve else ""
    return _dids_response(request, order, message=result.message, problem=problem,
                          close_picker=not problem)


def _dids_remove(request: AuthedRequest, pk: int, remove: Callable[..., None], *,
                 id_field: str, id_kwarg: str) -> HttpResponse:
    """Remove a number or a backorder from the draft: its id comes in the body (field
    ``id_field``), so the URL names only the order."""
    order = order_get(user=request.user, order_id=pk)
    try:
        remove(user=request.user, order_id=order.pk, **{id_kwarg: _posted_id(request, id_field)})
    except OrionError as exc:
        return _did_error(request, exc)
    return _dids_response(request, order, close_picker=False)


@require_POST
def did_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    return _dids_remove(request, pk, number_services.number_unreserve, id_field="did",
                        id_kwarg="did_id")


@require_POST
def backorder_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    return _dids_remove(request, pk, number_services.backorder_remove, id_field="backorder",
                        id_kwarg="backorder_id")
