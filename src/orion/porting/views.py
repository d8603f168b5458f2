"""Port request pages: the list (partners) and the Ports queue (staff), new and edit, the
request with its timeline and actions, the LOA (filled PDF, signed upload and download).

Thin: parse, call a service, render. A refusal is shown next to the control that caused it
(the page re-rendered with 422). Another partner's request is a 404 on every URL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from orion.accounts.http import AuthedRequest
from orion.accounts.validators import ascii_int
from orion.core.exceptions import NotFound, OrionError
from orion.numbers.nanp import display
from orion.porting import selectors, services, storage
from orion.porting.exceptions import PortRefused
from orion.porting.loa import port_loa_pdf
from orion.porting.models import (
    ACCOUNT_MAX,
    CARRIER_MAX,
    COMMENT_MAX,
    NAME_MAX,
    PIN_MAX,
    REASON_MAX,
    PortRequest,
)
from orion.porting.states import EDITABLE_STATES, PARTNER_MOVES, STAFF_MOVES, PortState


def _text(label: str, max_length: int, **kwargs: Any) -> forms.CharField:
    # Not required here: the service says what is missing, in one place for page and API.
    return forms.CharField(label=label, max_length=max_length, required=False, **kwargs)


class PortForm(forms.Form):
    numbers = _text("Numbers to port", 20000, widget=forms.Textarea(attrs={"rows": 4}),
                    help_text="Paste a list or ranges, e.g. 2125550100-2125550109, 2125550150 "
                              "(commas, spaces or one per line).")
    losing_carrier = _text("Losing carrier", CARRIER_MAX)
    account_number = _text("Account number (on the carrier's bill)", ACCOUNT_MAX)
    pin = _text("PIN / passcode", PIN_MAX, widget=forms.PasswordInput(
        render_value=False, attrs={"autocomplete": "off"}),
        help_text="Stored for the carrier, never shown again in full. Leave blank to keep it.")
    billing_telephone_number = _text("Billing telephone number (BTN)", 20)
    address_line1 = _text("Service address (as on the bill)", 80)
    address_line2 = _text("Address line 2", 80)
    city = _text("City", 50)
    region = _text("State", 2)
    zip_code = _text("ZIP", 10)
    authorized_name = _text("Authorized person", NAME_MAX)
    authorized_title = _text("Title", NAME_MAX)
    desired_date = forms.DateField(label="Desired port date", required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))

    def details(self) -> services.PortDetails:
        data: dict[str, Any] = {name: self.cleaned_data.get(name) or "" for name in self.fields}
        data["desired_date"] = self.cleaned_data.get("desired_date")
        return services.PortDetails(**data)


def _refused(form: forms.Form, exc: OrionError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _initial(port: PortRequest) -> dict[str, Any]:
    initial = {name: getattr(port, name) for name in PortForm.base_fields
               if name not in ("numbers", "pin")}
    initial["numbers"] = "\n".join(display(n.e164) for n in port.numbers.all())
    initial["billing_telephone_number"] = port.btn_display
    return initial


@never_cache
def ports(request: AuthedRequest) -> HttpResponse:
    """Partners: their port requests. Staff: the Ports queue (open requests, overdue first);
    ``?all=1`` lists closed ones too."""
    state = request.GET.get("state", "")
    if state not in PortState.values:
        state = ""
    staff = request.user.is_provider_staff
    if staff and not request.GET.get("all"):
        found = selectors.ports_queue(state=state)
    else:
        found = selectors.ports_list(user=request.user, state=state)
    return render(request, "porting/list.html", {
        "ports": list(found[:500]), "is_queue": staff and not request.GET.get("all"),
        "states": PortState.choices, "state": state, "now": timezone.now(),
        "today": timezone.localdate()})


def _id(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return ascii_int(value)
    except ValueError:
        raise NotFound("No such account.") from None


@never_cache
def port_new(request: AuthedRequest) -> HttpResponse:
    """A new request for ``?order=<id>`` (the draft's account) or ``?customer=<id>``."""
    order_id, customer_id = _id(request.GET.get("order")), _id(request.GET.get("customer"))
    # The account must be visible before the form is even shown.
    account = selectors.port_account(user=request.user, customer_id=customer_id,
                                    order_id=order_id)
    status = 200
    if request.method == "POST":
        form = PortForm(request.POST)
        if form.is_valid():
            try:
                port = services.port_create(user=request.user, details=form.details(),
                                            customer_id=customer_id, order_id=order_id)
            except NotFound:
                raise
            except OrionError as exc:
                _refused(form, exc)
                status = 422
            else:
                messages.success(request, f"Port request {port.reference} created. Download "
                                          "the LOA, have it signed and upload it to submit.")
                return redirect("porting:detail", port.pk)
        else:
            status = 422
    else:
        form = PortForm(initial=account.initial)
    return render(request, "porting/form.html", {
        "form": form, "account": account, "port": None,
        "earliest": services.earliest_port_date()}, status=status)


@never_cache
def port_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    port = selectors.port_get(user=request.user, port_id=pk)
    if port.state not in EDITABLE_STATES:
        messages.info(request, "This request can no longer be changed; comment on it instead.")
        return redirect("porting:detail", port.pk)
    status = 200
    if request.method == "POST":
        form = PortForm(request.POST)
        if form.is_valid():
            try:
                services.port_update(user=request.user, port_id=pk, details=form.details())
            except NotFound:
                raise
            except OrionError as exc:
                _refused(form, exc)
                status = 422
            else:
                messages.success(request, "Port request saved.")
                return redirect("porting:detail", port.pk)
        else:
            status = 422
    else:
        form = PortForm(initial=_initial(port))
    return render(request, "porting/form.html", {
        "form": form, "port": port, "account": None,
        "earliest": services.earliest_port_date()}, status=status)


def _detail(request: AuthedRequest, port: PortRequest, *, errors: dict[str, str] | None = None,
            status: int = 200) -> HttpResponse:
    staff = request.user.is_provider_staff
    moves = STAFF_MOVES if staff else PARTNER_MOVES
    can = {to for (frm, to) in moves if frm == port.state}
    return render(request, "porting/detail.html", {
        "port": port, "numbers": list(port.numbers.select_related("user")),
        "is_staff": staff, "seats": selectors.port_seats(port=port),
        "timeline": selectors.port_timeline(port=port), "can": can,
        "editable": port.state in EDITABLE_STATES, "errors": errors or {},
        "REASON_MAX": REASON_MAX, "COMMENT_MAX": COMMENT_MAX,
        "MAX_LOA_MB": storage.MAX_LOA_BYTES // (1024 * 1024),
    }, status=status)


@never_cache
def port_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.port_get(user=request.user, port_id=pk))


def _foc(request: AuthedRequest) -> datetime | None:
    day, time = request.POST.get("foc_date", ""), request.POST.get("foc_time", "") or "00:00"
    if not day:
        return None
    try:
        value = datetime.fromisoformat(f"{day}T{time}")
    except ValueError:
        raise PortRefused("Enter the FOC as a date and a time.",
                                   field="foc_at") from None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@require_POST
def port_move(request: AuthedRequest, pk: int) -> HttpResponse:
    """One of the moves, named by ``action``."""
    port = selectors.port_get(user=request.user, port_id=pk)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    try:
        if action == "submit":
            services.port_submit(user=request.user, port_id=pk)
        elif action == "cancel":
            services.port_cancel(user=request.user, port_id=pk, reason=reason)
        elif action == "pending":
            services.port_mark_pending(user=request.user, port_id=pk, note=reason)
        elif action == "schedule":
            services.port_schedule(user=request.user, port_id=pk, foc_at=_foc(request))
        elif action == "complete":
            services.port_complete(user=request.user, port_id=pk)
        elif action == "reject":
            services.port_reject(user=request.user, port_id=pk, reason=reason)
        else:
            raise PortRefused("Choose an action.", field="state")
    except NotFound:
        raise
    except OrionError as exc:
        return _detail(request, port, errors={action or "state": exc.message}, status=422)
    port.refresh_from_db()
    messages.success(request, f"Port request {port.reference} is {port.get_state_display()}.")
    return redirect("porting:detail", pk)


@require_POST
def port_number_user(request: AuthedRequest, pk: int) -> HttpResponse:
    """Give a ported number to one of the order's users (at completion)."""
    port = selectors.port_get(user=request.user, port_id=pk)
    raw = request.POST.get("user", "")
    try:
        seat = int(raw) if raw.isascii() and raw.isdigit() else None
        if raw and seat is None:
            raise PortRefused("Choose one of the order's users.", field="user")
        services.port_number_user_set(user=request.user, port_id=pk,
                                      e164=request.POST.get("number", ""), order_user_id=seat)
    except NotFound:
        raise
    except OrionError as exc:
        return _detail(request, port, errors={"user": exc.message}, status=422)
    return redirect("porting:detail", pk)


@require_POST
def port_comment(request: AuthedRequest, pk: int) -> HttpResponse:
    port = selectors.port_get(user=request.user, port_id=pk)
    try:
        services.port_comment_add(user=request.user, port_id=pk,
                                  text=request.POST.get("text", ""))
    except NotFound:
        raise
    except OrionError as exc:
        return _detail(request, port, errors={"comment": exc.message}, status=422)
    return redirect("porting:detail", pk)


def port_loa(request: AuthedRequest, pk: int) -> HttpResponse:
    """The LOA filled from the request, to print and sign."""
    port = selectors.port_get(user=request.user, port_id=pk)
    provider = str(getattr(settings, "ORION_PROVIDER_NAME", "") or "Orion")
    response = HttpResponse(port_loa_pdf(port=port, provider=provider),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="LOA-{port.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def port_loa_upload(request: AuthedRequest, pk: int) -> HttpResponse:
    """The signed LOA (multipart field ``file``); read one byte past the limit so that the
    service refuses an over-large file by its size."""
    port = selectors.port_get(user=request.user, port_id=pk)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise PortRefused("Choose the signed LOA (a PDF) to upload.", field="file")
        services.port_loa_attach(user=request.user, port_id=pk,
                                 content=upload.read(storage.MAX_LOA_BYTES + 1))
    except NotFound:
        raise
    except OrionError as exc:
        return _detail(request, port, errors={"file": exc.message}, status=422)
    messages.success(request, "Signed LOA uploaded.")
    return redirect("porting:detail", pk)


def port_loa_signed(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """The signed LOA, to the request's partner and staff only (never a static URL)."""
    port = selectors.port_get(user=request.user, port_id=pk)
    if not port.loa_file:
        messages.info(request, "No signed LOA has been uploaded yet.")
        return redirect("porting:detail", pk)
    try:
        handle = storage.loa_path(port.loa_file).open("rb")
    except (OSError, ValueError):
        raise NotFound("The signed LOA file is missing; upload it again.") from None
    response = FileResponse(handle, content_type="application/pdf", as_attachment=True,
                            filename=f"LOA-{port.reference}-signed.pdf")
    response["Cache-Control"] = "private, no-store"
    return response
