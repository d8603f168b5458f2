"""The dashboard and the search bar that every page carries."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from orion.accounts.selectors import SearchPage, account_search
from orion.core.http import page_number
from orion.orders.selectors import order_list


def dashboard(request: HttpRequest) -> HttpResponse:
    recent = order_list(user=request.user)[:10]
    context: dict[str, object] = {"recent_orders": recent}
    if request.user.is_provider_staff:
        from orion.orders.models import Order
        from orion.provisioning.selectors import orders_with_lost_jobs

        context["queues"] = operations_queues()
        context["lost_orders"] = Order.objects.filter(
            pk__in=orders_with_lost_jobs(limit=20)).select_related("customer")
    return render(request, "core/dashboard.html", context)


def operations_queues() -> list[tuple[str, int, str]]:
    """What needs provider staff now: (label, count, link)."""
    from orion.numbers.models import Backorder
    from orion.orders.models import Order
    from orion.orders.states import OrderState

    counts = dict(Order.objects.filter(state__in=[
        OrderState.FAILED, OrderState.HELD, OrderState.IN_PROGRESS, OrderState.ACKNOWLEDGED,
        OrderState.PARTIAL]).values_list("state").annotate(n=Count("id")))
    return [
        ("Failed orders", counts.get(OrderState.FAILED, 0), "/orders/?state=failed"),
        ("Held (trunking)", counts.get(OrderState.HELD, 0), "/orders/?state=held"),
        ("Provisioning now", counts.get(OrderState.IN_PROGRESS, 0)
         + counts.get(OrderState.ACKNOWLEDGED, 0), "/orders/?state=inProgress"),
        ("Partial (backorders)", counts.get(OrderState.PARTIAL, 0), "/orders/?state=partial"),
        ("Open DID backorders", Backorder.objects.open().count(), "/numbers/backorders/"),
    ]


def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    if any(ord(ch) < 32 for ch in query):
        # PostgreSQL refuses NUL in text (a 500 before this check); no name has control chars.
        messages.error(request, "The search contains control characters; type a name.")
        empty = SearchPage(query="", hits=[], page=1, has_next=False)
        return render(request, "core/search.html", {"results": empty}, status=400)
    page = account_search(user=request.user, query=request.GET.get("q", ""),
                          page=page_number(request), page_size=settings.ORION_SEARCH_PAGE_SIZE)
    return render(request, "core/search.html", {"results": page})
