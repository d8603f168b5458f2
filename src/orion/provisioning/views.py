"""Order-page parts of provisioning: live progress, staff repair, OCI-P log, trunking PDF."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orion.accounts.http import AuthedRequest
from orion.core.exceptions import NotFound, OrionError
from orion.orders.models import Order
from orion.orders.selectors import order_get
from orion.provisioning import repair
from orion.provisioning.forms import TrunkFactsForm
from orion.provisioning.models import TrunkFacts
from orion.provisioning.pdf import trunking_order_form_pdf
from orion.provisioning.selectors import order_progress
from orion.provisioning.trunk import (
    TrunkFactsInput,
    TrunkFactsInvalid,
    trunk_facts_editable,
    trunk_facts_save,
)


@require_GET
def progress(request: AuthedRequest, pk: int) -> HttpResponse:
    """The progress bar fragment; htmx polls it while the order is being provisioned."""
    order = order_get(user=request.user, order_id=pk)
    progress_now = order_progress(order=order)
    # The page's header badge is swapped along (out of band), so that it and the panel never
    # show two states while the order moves on.
    response = render(request, "provisioning/progress.html",
                      {"order": order, "progress": progress_now,
                       "header_badge": bool(request.htmx)})
    if request.htmx and not progress_now.polling:
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
        if result.rollback is not None:
            messages.info(request, "Removing from BroadWorks what this order created; its "
                          "numbers are released when that is done.")
    return _staff_action(request, pk, run, "Order cancelled.")


@require_POST
def rollback_retry(request: AuthedRequest, pk: int) -> HttpResponse:
    return _staff_action(request, pk, lambda o: repair.order_rollback_retry(
        order_id=o.pk, user=request.user),
        "Rollback started again: it removes only what BroadWorks still holds.")


@require_POST
def trunking_done(request: AuthedRequest, pk: int) -> HttpResponse:
    return _staff_action(request, pk, lambda o: repair.order_trunking_done(
        order_id=o.pk, user=request.user), "Trunking set-up recorded; the order is completed.")


@require_GET
def trunking_form(request: AuthedRequest, pk: int) -> HttpResponse:
    order = order_get(user=request.user, order_id=pk)
    if order.is_draft:
        return redirect("orders:form", pk=order.pk)
    response = HttpResponse(trunking_order_form_pdf(order=order),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="trunking-order-{order.number}.pdf"'
    return response


def _trunk_initial(facts: TrunkFacts | None) -> dict[str, object]:
    if facts is None:
        return {}
    return {"call_paths": facts.call_paths, "pbx_addresses": "\n".join(facts.pbx_addresses),
            "authentication": facts.authentication, "sip_username": facts.sip_username,
            "failover_number": facts.failover_number.removeprefix("+1"),
            "transport": facts.transport}


@require_http_methods(["GET", "HEAD", "POST"])
def trunk(request: AuthedRequest, pk: int) -> HttpResponse:
    """The trunking order form on the web: the trunk facts operations need for the set-up."""
    order = order_get(user=request.user, order_id=pk)
    if order.is_draft:
        return redirect("orders:form", pk=order.pk)
    if not (order.customer and order.customer.is_trunking):
        raise NotFound("No such trunking order.")
    facts = TrunkFacts.objects.filter(order=order).first()
    editable = trunk_facts_editable(order)
    status = 200
    if request.method == "POST" and editable:
        form = TrunkFactsForm(request.POST)
        if form.is_valid():
            data = TrunkFactsInput(**{name: form.cleaned_data.get(name, "")
                                      for name in TrunkFactsForm.base_fields})
            try:
                trunk_facts_save(order_id=order.pk, user=request.user, data=data)
            except TrunkFactsInvalid as exc:
                for name, message in exc.errors.items():
                    form.add_error(name, message)
            except NotFound:
                raise
            except OrionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Trunk details saved: they are printed on the "
                                 "trunking order form.")
                return redirect("provisioning:trunk", pk=order.pk)
        status = 422
    elif request.method not in ("GET", "HEAD") and not editable:
        messages.error(request, "The trunk details can be changed only while the trunking "
                       "order is held for its manual set-up.")
        return redirect("provisioning:trunk", pk=order.pk)
    else:
        form = TrunkFactsForm(initial=_trunk_initial(facts))
    return render(request, "provisioning/trunk.html",
                  {"order": order, "form": form, "facts": facts, "editable": editable},
                  status=status)
