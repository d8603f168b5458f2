"""The order page's "Mark live" (issue 18, item 5): the partner or staff say the circuit or
the customer's PBX is turned up, and the order is activated. Thin: the rule and the audit
are ``orders.activation``'s."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from orion.accounts.http import AuthedRequest
from orion.core.exceptions import OrionError
from orion.orders.activation import order_mark_live
from orion.orders.selectors import order_get


@require_POST
def mark_live(request: AuthedRequest, pk: int) -> HttpResponse:
    order = order_get(user=request.user, order_id=pk)  # another partner's: 404
    try:
        order_mark_live(user=request.user, order_id=order.pk)
    except OrionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Order {order} is live: the service is activated.")
    return redirect("orders:detail", pk=order.pk)
