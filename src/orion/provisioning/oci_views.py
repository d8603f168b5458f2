"""The OCI-P log pages (provider staff): every document sent to BroadWorks and its answer,
pretty-printed, the refused command marked with its error, filtered by order and by command,
a page at a time. One order's log and the log of all orders share the page; the filters stay
in the querystring, so a filtered page can be paged, linked and reloaded."""

from __future__ import annotations

import re

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from orion.accounts.http import AuthedRequest
from orion.core.permissions import require_provider_staff
from orion.orders.models import Order
from orion.orders.selectors import order_get
from orion.provisioning.oci_log import exchange_view
from orion.provisioning.selectors import oci_command_names, oci_exchanges

PAGE_SIZE = 25
# An OCI-P command name (``GroupAddRequest``, ``ServiceProviderAddRequest13mp2``).
_COMMAND = re.compile(r"[A-Za-z][A-Za-z0-9]{0,99}")
_ORDER_NUMBER = re.compile(r"[A-Za-z0-9-]{1,20}")


def _render(request: AuthedRequest, order: Order | None) -> HttpResponse:
    require_provider_staff(request.user, what="order")
    command = request.GET.get("command", "").strip()
    number = request.GET.get("order", "").strip() if order is None else ""
    failed_only = request.GET.get("failed") == "1"
    errors: dict[str, str] = {}
    if command and not _COMMAND.fullmatch(command):
        errors["command"] = "Choose a command from the list."
        command = ""
    if number and not _ORDER_NUMBER.fullmatch(number):
        errors["order"] = "Enter an order number such as ORD-100001."
        number = ""
    rows = oci_exchanges(user=request.user, order=order, order_number=number, command=command,
                         failed_only=failed_only)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "provisioning/oci_log.html", {
        "order": order, "page": page,
        "exchanges": [exchange_view(x) for x in page.object_list],
        "commands": oci_command_names(user=request.user, order=order),
        "filters": {"command": command, "order": number, "failed": failed_only},
        "errors": errors, "query": query.urlencode(),
    }, status=400 if errors else 200)


@require_GET
def order_oci_log(request: AuthedRequest, pk: int) -> HttpResponse:
    """One order's exchanges, oldest first (the order they were sent in)."""
    require_provider_staff(request.user, what="order")
    return _render(request, order_get(user=request.user, order_id=pk))


@require_GET
def oci_log(request: AuthedRequest) -> HttpResponse:
    """All orders' exchanges, newest first; filter by order number and command."""
    return _render(request, None)
