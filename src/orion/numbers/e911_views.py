"""The E911 location of one number, edited inline (htmx) on the order form's and the order
page's DIDs list and on the customer's numbers: the partner's own numbers (another
partner's are a 404) and staff. The rules are ``services.e911``'s; a refusal is shown next to
the control it is about."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from orion.accounts.http import AuthedRequest
from orion.numbers.exceptions import E911Refused
from orion.numbers.models import DID
from orion.numbers.selectors import did_location
from orion.numbers.services.e911 import E911Address, e911_number_get, e911_set

_FIELDS = (("address_line1", "Street (house number first)", 28),
           ("address_line2", "Building / floor / suite", 16), ("city", "City", 14),
           ("state", "State", 3), ("zip_code", "ZIP", 10))


def _initial(did: DID) -> dict[str, str]:
    """The form's values: the number's location, else its account's service address."""
    location = did_location(did)
    if location is not None:
        return {name: getattr(location, name) for name, _, _ in _FIELDS}
    account = did.customer or (did.order.customer if did.order else None)
    if account is not None:
        return {"address_line1": account.address_line1, "address_line2": account.address_line2,
                "city": account.city, "state": account.state, "zip_code": account.zip_code}
    order = did.order
    if order is not None:  # a draft that creates its customer: what the form has so far
        return {"address_line1": order.address_line1, "address_line2": order.address_line2,
                "city": order.city, "state": order.state_code, "zip_code": order.zip_code}
    return {name: "" for name, _, _ in _FIELDS}


def _form(request: AuthedRequest, did: DID, values: dict[str, str], *, error: str = "",
          error_field: str = "", status: int = 200) -> HttpResponse:
    fields = [(name, label, values.get(name, ""), size) for name, label, size in _FIELDS]
    return render(request, "numbers/partials/e911_form.html", {
        "did": did, "fields": fields, "error": error,
        "error_field": error_field or "address_line1"}, status=status)


@require_http_methods(["GET", "POST"])
def e911_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    did = e911_number_get(user=request.user, did_id=pk)  # another partner's: 404
    if request.method == "GET":
        if request.GET.get("show"):
            return render(request, "numbers/partials/e911_show.html", {"did": did})
        return _form(request, did, _initial(did))
    values = {name: request.POST.get(name, "") for name, _, _ in _FIELDS}
    try:
        e911_set(user=request.user, did_id=did.pk, address=E911Address(**values))
    except E911Refused as exc:
        return _form(request, did, values, error=exc.message, error_field=exc.field or "",
                     status=422)
    did = e911_number_get(user=request.user, did_id=pk)
    return render(request, "numbers/partials/e911_show.html", {"did": did, "saved": True})
