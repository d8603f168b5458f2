"""Pages of a change order: "Change Services" on the customer's OrderForms tab (opens the
order form prefilled with what the customer has) and Cancel change on the order page. Thin:
parse, call ``orders.services``, redirect; every rule and message is the service's. The form
itself is the order form (``views.order_form``), which knows a change by its kind."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from orion.accounts.http import AuthedRequest
from orion.core.exceptions import NotFound, OrionError
from orion.orders import services
from orion.orders.models import Order
from orion.orders.selectors import order_get
from orion.users import removals


@require_POST
def start_change(request: AuthedRequest, pk: int) -> HttpResponse:
    """Change Services: a change draft prefilled with the customer's packages. A refusal
    (disconnected customer, an open change or disconnect) comes back on the OrderForms tab;
    another partner's customer is a 404 (NotFound)."""
    try:
        order = services.order_change_start(user=request.user, customer_id=pk)
    except NotFound:
        raise
    except OrionError as exc:
        messages.error(request, exc.message)
        return redirect("customer_tab", pk=pk, tab="orderforms")
    return redirect("orders:form", pk=order.pk)


@require_POST
def change_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    """Cancel change (the order page), until its effective date."""
    try:
        order = services.order_change_cancel(user=request.user, order_id=pk,
                                             reason=request.POST.get("reason", ""))
    except NotFound:
        raise
    except OrionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Change {order.number} cancelled.")
    return redirect("orders:detail", pk=pk)


def removals_context(order: Order) -> dict[str, object]:
    """The change form's "Numbers and users" section: the customer's numbers in service and
    live users, those the change gives back or removes ticked."""
    assert order.customer_id is not None
    chosen = removals.order_removals(order)
    return {"order": order, "numbers": removals.customer_numbers(order.customer_id),
            "live_users": removals.customer_live_users(order.customer_id,
                                                       exclude_order_id=order.pk),
            "given_back": {d.pk for d in chosen.numbers},
            "removed": {u.pk for u in chosen.users}}


@require_POST
def removals_set(request: AuthedRequest, pk: int) -> HttpResponse:
    """The ticks of "Numbers and users" (htmx: the section comes back, with a refusal)."""
    order = order_get(user=request.user, order_id=pk)
    error = ""
    try:
        removals.change_removals_set(
            user=request.user, order_id=order.pk,
            number_ids=[int(v) for v in request.POST.getlist("give_back")
                        if v.isascii() and v.isdigit() and len(v) <= 18],
            user_ids=[int(v) for v in request.POST.getlist("remove_user")
                      if v.isascii() and v.isdigit() and len(v) <= 18])
    except NotFound:
        raise
    except OrionError as exc:
        error = exc.message
    return render(request, "orders/partials/change_removals.html",
                  {**removals_context(order), "error": error}, status=422 if error else 200)
