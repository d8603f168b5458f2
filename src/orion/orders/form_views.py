"""The order form's draft endpoints (issue 15): autosave of the details, discard, and the
renewal of the draft's DID reservations while the partner works. Thin, as the other views:
parse, call ``orion.orders.drafts`` (or the numbers service), render. Kept out of
``orders.views`` so that the form's page and its draft plumbing can change apart."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from orion.accounts.http import AuthedRequest
from orion.accounts.selectors import customer_get, enterprise_get
from orion.core.exceptions import OrionError
from orion.core.http import error_fragment
from orion.numbers import services as number_services
from orion.orders import drafts, views
from orion.orders.exceptions import OrderNotEditable, StaleDraft
from orion.orders.forms import OrderDetailsForm
from orion.orders.models import Order, OrderKind
from orion.orders.selectors import OpenDraft, drafts_open, order_get, order_quote


def _refusal(request: HttpRequest, order: Order, message: str, *, status: int) -> HttpResponse:
    """A refusal with the way out: reload the draft, or open the saved order."""
    html = render_to_string("orders/partials/draft_refusal.html",
                            {"order": order, "message": message}, request)
    return HttpResponse(html, status=status)


@require_POST
def draft_autosave(request: AuthedRequest, pk: int) -> HttpResponse:
    """Save what the partner typed (debounced by the page). Each field is cleaned by the same
    form field as Save Order; a field that does not pass is not stored and the answer says so
    (the page then keeps warning before it is left), the others are stored. An empty field is
    stored as empty: a draft may be incomplete, Save Order asks for what is required."""
    order = order_get(user=request.user, order_id=pk)
    if not order.is_draft:
        return _refusal(request, order, drafts.SAVED_MESSAGE, status=409)
    form = OrderDetailsForm(request.POST, order=order, autosave=True)
    form.is_valid()
    good: dict[str, object] = {}
    problems: list[str] = []
    for name in drafts.DRAFT_DETAIL_FIELDS:
        if name not in request.POST or name not in form.fields:
            continue
        raw = request.POST.get(name, "").strip()
        if name in form.errors:
            if raw == "" and name not in ("billing_start_date", "effective_date"):
                good[name] = ""
            else:
                problems.append(f"{form.fields[name].label}: {form.errors[name][0]}")
        else:
            good[name] = form.cleaned_data[name]
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        new_version = drafts.order_draft_details_save(user=request.user, order_id=order.pk,
                                                      version=version, **good)  # type: ignore[arg-type]
    except StaleDraft as exc:
        return _refusal(request, order, exc.message, status=409)
    except OrderNotEditable:
        return _refusal(request, order, drafts.SAVED_MESSAGE, status=409)
    response = render(request, "orders/partials/autosave_status.html", {
        "version": new_version, "problems": problems, "saved_at": timezone.localtime()})
    if problems:
        response["X-Orion-Unsaved"] = "1"
    return response


@require_POST
def draft_discard(request: AuthedRequest, pk: int) -> HttpResponse:
    order = order_get(user=request.user, order_id=pk)
    try:
        drafts.order_draft_discard(user=request.user, order_id=order.pk)
    except OrionError as exc:
        messages.error(request, exc.message)
        return redirect("orders:detail", pk=order.pk)
    messages.success(request, f"The draft for {order.account_name} was discarded; its numbers "
                              "are free again.")
    return redirect("dashboard")


@require_POST
def dids_renew(request: AuthedRequest, pk: int) -> HttpResponse:
    """The partner is working on the form: keep the draft's numbers reserved."""
    order = order_get(user=request.user, order_id=pk)
    try:
        number_services.numbers_renew_reservations(user=request.user, order_id=order.pk)
    except OrionError as exc:
        return error_fragment(request, exc)
    quote = order_quote(order=order)
    return render(request, "orders/partials/did_reservation.html",
                  {"order": order, "numbers": quote.numbers})


# --- Add Package Forms: continue an open draft, or start a new one ------------------------------

def _offer_open_drafts(request: HttpRequest, open_drafts: list[OpenDraft], *, account: str,
                       action: str) -> HttpResponse:
    return render(request, "orders/continue.html",
                  {"open_drafts": open_drafts, "account": account, "action": action})


@require_POST
def start_customer_in_enterprise(request: AuthedRequest, pk: int) -> HttpResponse:
    """Add Package Forms on an enterprise: offers the open drafts for a new customer of it
    first (every click used to make another hidden draft), unless "Start a new order"."""
    enterprise = enterprise_get(user=request.user, enterprise_id=pk)
    if request.POST.get("new") != "1":
        found = drafts_open(user=request.user, kind=OrderKind.NEW_CUSTOMER,
                            enterprise_id=enterprise.pk)
        if found:
            return _offer_open_drafts(request, found, account=enterprise.name,
                                      action=request.path)
    return views.start_customer_in_enterprise(request, pk)


@require_POST
def start_add_services(request: AuthedRequest, pk: int) -> HttpResponse:
    """Add Package Forms on a customer, with the same offer."""
    customer = customer_get(user=request.user, customer_id=pk)
    if request.POST.get("new") != "1":
        found = drafts_open(user=request.user, kind=OrderKind.ADD_SERVICES,
                            customer_id=customer.pk)
        if found:
            return _offer_open_drafts(request, found, account=customer.name,
                                      action=request.path)
    return views.start_add_services(request, pk)
