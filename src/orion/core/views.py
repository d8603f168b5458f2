"""The dashboard and the search bar that every page carries."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from orion.accounts.selectors import account_search
from orion.core.http import page_number
from orion.orders.selectors import order_list


def dashboard(request: HttpRequest) -> HttpResponse:
    recent = order_list(user=request.user)[:10]
    return render(request, "core/dashboard.html", {"recent_orders": recent})


def search(request: HttpRequest) -> HttpResponse:
    page = account_search(user=request.user, query=request.GET.get("q", ""),
                          page=page_number(request), page_size=settings.ORION_SEARCH_PAGE_SIZE)
    return render(request, "core/search.html", {"results": page})
