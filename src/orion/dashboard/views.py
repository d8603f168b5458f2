"""The dashboard page."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from orion.accounts.http import AuthedRequest
from orion.accounts.models import Partner
from orion.dashboard.selectors import lost_orders, operations_queues
from orion.orders.selectors import drafts_open, order_list


def dashboard(request: AuthedRequest) -> HttpResponse:
    context: dict[str, object] = {"recent_orders": order_list(user=request.user)[:10],
                                  "open_drafts": drafts_open(user=request.user)}
    if request.user.is_provider_staff:
        context["queues"] = operations_queues()
        context["lost_orders"] = lost_orders()
        context["active_partners"] = Partner.objects.filter(is_active=True).order_by("name")
    return render(request, "dashboard/home.html", context)
