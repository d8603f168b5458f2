"""Staff pages of the DID inventory and the backorder queue. Partners get 404 (the selectors
and services refuse anyone but provider staff)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from orion.core.exceptions import NotFound, OrionError
from orion.numbers import selectors, services


def _staff_only(request: HttpRequest) -> None:
    if not request.user.is_provider_staff:
        raise Http404("No such page.")


def inventory(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    q = request.GET.get("q", "")[:20].strip()
    npa = request.GET.get("npa", "")[:3]
    npa = npa if npa.isascii() and npa.isdigit() else ""
    return render(request, "numbers/inventory.html", {
        "summary": selectors.inventory_summary(user=request.user, npa=npa),
        "q": q, "npa": npa,
        "found": selectors.inventory_find(user=request.user, q=q) if q else None,
    })


def _id(value: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise Http404("No such number.")
    return int(value)


def number_page(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    did, events = selectors.number_detail(user=request.user, did_id=_id(request.GET.get("id", "")))
    return render(request, "numbers/number.html", {"did": did, "events": events})


ACTIONS = {
    "release": services.number_release,
    "quarantine": services.number_quarantine,
    "unquarantine": services.number_unquarantine,
}


@require_POST
def number_action(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    pk = _id(request.POST.get("id", ""))
    service = ACTIONS.get(request.POST.get("action", ""))
    if service is None:
        raise Http404("No such action.")
    try:
        did = service(user=request.user, did_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except OrionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{did}: {did.get_state_display()}.")
    return redirect(f"{reverse('orders:numbers:number')}?id={pk}")


def backorders(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    show_all = request.GET.get("all") == "1"
    rows = selectors.backorders_free_now(backorders=selectors.backorder_queue(
        user=request.user, include_complete=show_all)[:500])
    return render(request, "numbers/backorders.html", {"backorders": rows,
                                                       "show_all": show_all})


@require_POST
def backorder_fill(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    try:
        filled = services.backorder_fill(user=request.user,
                                         backorder_id=_id(request.POST.get("id", "")))
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except OrionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{filled} DID{'s' if filled != 1 else ''} assigned.")
    return redirect("orders:numbers:backorders")
