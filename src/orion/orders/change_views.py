"""Pages of a change order: "Change Services" on the customer's OrderForms tab (opens the
order form prefilled with what the customer has) and Cancel change on the order page. Thin:
parse, call ``orders.services``, redirect; every rule and message is the service's. The form
itself is the order form (``views.order_form``), which knows a change by its kind."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from orion.accounts.http import AuthedRequest
from orion.core.exceptions import NotFound, OrionError
from orion.orders import services


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
