"""Pages of a disconnect order: the form on the customer's OrderForms tab ("Disconnect
customer") and the Cancel disconnect button of the order page. Thin: parse, call
``orders.disconnect``, render; every rule and message is the service's."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from orion.accounts.http import AuthedRequest
from orion.accounts.selectors import customer_get
from orion.catalog.models import Package
from orion.core.clock import local_today
from orion.core.exceptions import NotFound, OrionError
from orion.orders.disconnect import (
    DisconnectDetails,
    customer_disconnect_problem,
    order_disconnect_cancel,
    order_disconnect_save,
    other_live_customers,
    termination_fee_packages,
)
from orion.orders.exceptions import OrderValidationError
from orion.orders.models import DISCONNECT_REASON_MAX_LENGTH, MAX_QUANTITY


class DisconnectForm(forms.Form):
    effective_date = forms.DateField(label="Disconnect date",
                                     widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(max_length=DISCONNECT_REASON_MAX_LENGTH)
    termination_fee = forms.ModelChoiceField(queryset=Package.objects.none(), required=False,
                                             label="Early termination fee",
                                             empty_label="No early termination fee")
    termination_fee_quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY,
                                                  initial=1, label="Quantity")
    remove_enterprise = forms.BooleanField(required=False,
                                           label="Also remove the enterprise")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["termination_fee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = termination_fee_packages()

    def details(self) -> DisconnectDetails:
        fee = self.cleaned_data.get("termination_fee")
        return DisconnectDetails(
            effective_date=self.cleaned_data["effective_date"],
            reason=self.cleaned_data["reason"],
            remove_enterprise=bool(self.cleaned_data.get("remove_enterprise")),
            termination_fee_id=fee.pk if fee is not None else None,
            termination_fee_quantity=self.cleaned_data.get("termination_fee_quantity") or 1)


@require_http_methods(["GET", "POST"])
def disconnect_form(request: AuthedRequest, pk: int) -> HttpResponse:
    """GET shows the disconnect form; POST saves the disconnect order."""
    customer = customer_get(user=request.user, customer_id=pk)  # another partner's: 404
    status = 200
    if request.method == "POST":
        form = DisconnectForm(request.POST)
        if form.is_valid():
            try:
                order = order_disconnect_save(user=request.user, customer_id=customer.pk,
                                              details=form.details())
            except OrderValidationError as exc:
                for field, errors in exc.errors.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            except OrionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Disconnect order {order.number} saved for "
                                          f"{order.effective_date:%Y-%m-%d}.")
                return redirect("orders:detail", pk=order.pk)
        status = 422
    else:
        form = DisconnectForm(initial={"effective_date": local_today(customer.time_zone),
                                       "termination_fee_quantity": 1})
    return render(request, "orders/disconnect.html", {
        "customer": customer, "enterprise": customer.enterprise, "form": form,
        "problem": customer_disconnect_problem(customer),
        "other_customers": other_live_customers(customer),
        "today": local_today(customer.time_zone)}, status=status)


@require_POST
def disconnect_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    """Cancel disconnect: the customer stays as it is."""
    try:
        order = order_disconnect_cancel(user=request.user, order_id=pk,
                                        reason=request.POST.get("reason", ""))
    except NotFound:
        raise  # another partner's order: 404
    except OrionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Disconnect order {order.number} cancelled.")
    return redirect("orders:detail", pk=pk)
