"""Staff pages of the DID inventory and the backorder queue. Partners get 404: the selectors
and services refuse anyone but provider staff, and ``OrionErrorMiddleware`` turns their
``NotFound`` into the 404 page."""

from __future__ import annotations

from typing import Protocol

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from orion.accounts.http import AuthedRequest
from orion.accounts.models import User
from orion.core.exceptions import NotFound, OrionError
from orion.numbers import selectors, services
from orion.numbers.models import DID, NumberImport
from orion.numbers.services.imports import MAX_IMPORT_BYTES


def inventory(request: AuthedRequest) -> HttpResponse:
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
        raise NotFound("No such number.")
    return int(value)


def number_page(request: AuthedRequest) -> HttpResponse:
    did, events = selectors.number_detail(user=request.user, did_id=_id(request.GET.get("id", "")))
    return render(request, "numbers/number.html", {"did": did, "events": events})


class _NumberAction(Protocol):
    def __call__(self, *, user: User, did_id: int) -> DID: ...


ACTIONS: dict[str, _NumberAction] = {
    "release": services.number_release,
    "quarantine": services.number_quarantine,
    "unquarantine": services.number_unquarantine,
}


@require_POST
def number_action(request: AuthedRequest) -> HttpResponse:
    pk = _id(request.POST.get("id", ""))
    service = ACTIONS.get(request.POST.get("action", ""))
    if service is None:
        raise NotFound("No such action.")
    try:
        did = service(user=request.user, did_id=pk)
    except NotFound:
        raise
    except OrionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{did}: {did.get_state_display()}.")
    return redirect(f"{reverse('orders:numbers:number')}?id={pk}")


def backorders(request: AuthedRequest) -> HttpResponse:
    show_all = request.GET.get("all") == "1"
    rows = selectors.backorders_free_now(backorders=selectors.backorder_queue(
        user=request.user, include_complete=show_all)[:500])
    return render(request, "numbers/backorders.html", {"backorders": rows,
                                                       "show_all": show_all})


@require_POST
def backorder_fill(request: AuthedRequest) -> HttpResponse:
    try:
        filled = services.backorder_fill(user=request.user,
                                         backorder_id=_id(request.POST.get("id", "")))
    except NotFound:
        raise
    except OrionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{filled} DID{'s' if filled != 1 else ''} assigned.")
    return redirect("orders:numbers:backorders")


# --- import from a CSV (the same service and report as ``orion numbers import``) -------------

# Bytes read from an upload: one more than the service's limit, so it can refuse by size.
_UPLOAD_LIMIT = MAX_IMPORT_BYTES + 1


def imports(request: AuthedRequest) -> HttpResponse:
    """Staff: upload a CSV (GET shows the form and the recent imports; POST queues one)."""
    selectors.require_staff(request.user)
    problem = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            problem = "Choose a CSV file to import."
        else:
            try:
                job = services.number_import_start(user=request.user, filename=upload.name or "",
                                                   content=upload.read(_UPLOAD_LIMIT))
            except NotFound:
                raise
            except OrionError as exc:
                problem = exc.message
            else:
                return redirect(f"{reverse('orders:numbers:imports')}?id={job.pk}")
    current = None
    if request.GET.get("id"):
        current = services.number_import_get(user=request.user,
                                             import_id=_id(request.GET.get("id", "")))
    recent = NumberImport.objects.defer("content", "rejected").select_related("created_by")[:10]
    return render(request, "numbers/import.html", {"current": current, "recent": recent,
                                                    "problem": problem},
                  status=422 if problem else 200)


def import_progress(request: AuthedRequest) -> HttpResponse:
    """The progress bar (polled every second by htmx while the job runs), then the report."""
    job = services.number_import_get(user=request.user,
                                     import_id=_id(request.GET.get("id", "")))
    return render(request, "numbers/partials/import_progress.html", {"job": job})
