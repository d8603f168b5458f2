"""Order-page parts of provisioning: live progress, staff repair, OCI-P log, trunking PDF."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from orion.accounts.http import AuthedRequest
from orion.core.exceptions import NotFound, OrionError
from orion.orders.models import Order
from orion.orders.selectors import order_get
from orion.provisioning import repair
from orion.provisioning.pdf import trunking_order_form_pdf
from orion.provisioning.selectors import order_oci_exchanges, order_progress


@require_GET
def progress(request: AuthedRequest, pk: int) -> HttpResponse:
    """The progress bar fragment; htmx polls it while the order is being provisioned."""
    order = order_get(user=request.user, order_id=pk)
    progress_now = order_progress(order=order)
    response = render(request, "provisioning/progress.html",
                      {"order": order, "progress": progress_now})
    if request.htmx and not progress_now.active:
        # Provisioning just ended: reload once so the header state, activation date, billing
        # date form and staff actions show the new state too (the poll stops after this).
        response["HX-Refresh"] = "true"
    return response


def _staff_action(request: AuthedRequest, pk: int, action: Callable[[Order], object],
                  done: str) -> HttpResponse:
    order = order_get(user=request.user, order_id=pk)
    try:
        action(order)
    except NotFound:
        raise
    except OrionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("orders:detail", pk=order.pk)


@require_POST
def retry(request: AuthedRequest, pk: int) -> HttpResponse:
    return _staff_action(request, pk, lambda o: repair.order_retry(order_id=o.pk,
                                                                     user=request.user),
                         "Retry started: provisioning continues from the failed step.")


@require_POST
def cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    def run(order: Order) -> None:
        result = repair.order_cancel(order_id=order.pk, user=request.user,
                                       reason=request.POST.get("reason", ""))
        if result.created_in_broadworks:
            messages.warning(request, "Already created in BroadWorks (remove by hand if "
                             "needed): " + "; ".join(result.created_in_broadworks))
    return _staff_action(request, pk, run, "Order cancelled; its numbers were released.")


@require_POST
def trunking_done(request: AuthedRequest, pk: int) -> HttpResponse:
    return _staff_action(request, pk, lambda o: repair.order_trunking_done(
        order_id=o.pk, user=request.user), "Trunking set-up recorded; the order is completed.")


@require_GET
def oci_log(request: AuthedRequest, pk: int) -> HttpResponse:
    order, exchanges = order_oci_exchanges(user=request.user, order_id=pk)
    return render(request, "provisioning/oci_log.html", {"order": order, "exchanges": exchanges})


@require_GET
def trunking_form(request: AuthedRequest, pk: int) -> HttpResponse:
    order = order_get(user=request.user, order_id=pk)
    if order.is_draft:
        return redirect("orders:form", pk=order.pk)
    response = HttpResponse(trunking_order_form_pdf(order=order),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="trunking-order-{order.number}.pdf"'
    return response
