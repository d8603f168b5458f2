"""The order form's Users section (htmx) and the users sheet. Thin: parse, call
``orion.users.services``, render. Every refusal of a row edit goes through the shared error
fragment, so the page puts it next to the control that was changed."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from orion.accounts.http import AuthedRequest
from orion.accounts.selectors import customer_get
from orion.broadworks.exceptions import OCIError
from orion.core.exceptions import OrionError
from orion.core.http import error_fragment
from orion.orders.exceptions import OrderNotEditable
from orion.orders.selectors import order_get
from orion.provisioning.services import broadworks_config, broadworks_pool
from orion.users import services
from orion.users.checks import users_check
from orion.users.exceptions import UsersInvalid
from orion.users.models import DEVICE_TYPE_NAMES
from orion.users.rules import USER_FIELDS
from orion.users.selectors import customer_users, order_user_rows, order_users
from orion.users.sheet import users_sheet_csv, users_sheet_parse


def _section(request: AuthedRequest, order_pk: int, *, problem: str | None = None,
             status: int = 200, template: str = "users/order_users.html",
             extra: dict[str, object] | None = None) -> HttpResponse:
    order = order_get(user=request.user, order_id=order_pk)
    rows, group = order_user_rows(order=order)
    return render(request, template, {
        "order": order, "rows": [] if problem else rows, "problem": problem,
        "numbers": services.user_row_numbers(order), "device_types": DEVICE_TYPE_NAMES,
        "extension_length": group.extension_length, "user_limit": group.user_limit,
        **(extra or {})}, status=status)


@require_POST
def order_users_section(request: AuthedRequest, pk: int) -> HttpResponse:
    """The Users section: the draft's users, brought in step with its seat lines first."""
    order = order_get(user=request.user, order_id=pk)
    if not order.is_draft:
        return _section(request, order.pk)
    try:
        problem = services.order_users_refresh(user=request.user, order_id=order.pk)
    except OrionError as exc:
        return error_fragment(request, exc)
    return _section(request, order.pk, problem=problem)


@require_POST
def order_user_edit(request: AuthedRequest, pk: int, user_pk: int) -> HttpResponse:
    """One inline edit: the changed control's field; the row comes back."""
    order = order_get(user=request.user, order_id=pk)
    values = {name: request.POST.get(name, "")[:200] for name in USER_FIELDS
              if name in request.POST}
    version_text = request.POST.get("version", "")
    version = int(version_text) if version_text.isascii() and version_text.isdigit() \
        and len(version_text) < 10 else -1
    try:
        services.order_user_update(user=request.user, order_id=order.pk, user_pk=user_pk,
                                   version=version, values=values)
    except OrionError as exc:
        return error_fragment(request, exc)
    rows, _ = order_user_rows(order=order)
    row = next(r for r in rows if r.user.pk == user_pk)
    return render(request, "users/user_row.html", {
        "order": order, "row": row, "numbers": services.user_row_numbers(order),
        "device_types": DEVICE_TYPE_NAMES})


@require_GET
def order_users_csv(request: AuthedRequest, pk: int) -> HttpResponse:
    order = order_get(user=request.user, order_id=pk)
    response = HttpResponse(users_sheet_csv(order_users(order=order)),
                            content_type="text/csv; charset=utf-8")
    name = order.number or f"draft-{order.pk}"
    response["Content-Disposition"] = f'attachment; filename="orion-users-{name}.csv"'
    return response


@require_POST
def order_users_upload(request: AuthedRequest, pk: int) -> HttpResponse:
    """Upload the users sheet: every row's errors come back at the row; nothing is saved from
    a sheet with an error."""
    order = order_get(user=request.user, order_id=pk)
    if not order.is_draft:
        return error_fragment(request, OrderNotEditable(services.SAVED_MESSAGE))
    upload = request.FILES.get("sheet")
    try:
        rows = users_sheet_parse(upload.read() if upload else b"")
        saved = services.order_users_set(user=request.user, order_id=order.pk, rows=rows)
    except UsersInvalid as exc:
        return render(request, "users/sheet_result.html",
                      {"order": order, "message": exc.message, "rows": sorted(exc.rows.items())},
                      status=422)
    except OrionError as exc:
        return render(request, "users/sheet_result.html",
                      {"order": order, "message": exc.message, "rows": []}, status=422)
    return _section(request, order.pk, template="users/sheet_saved.html",
                    extra={"message": f"{len(saved)} users saved from the sheet."})


@require_POST
def customer_users_check(request: AuthedRequest, pk: int) -> HttpResponse:
    """Check BroadWorks (the customer's Users tab): Orion's users beside the group's."""
    customer = customer_get(user=request.user, customer_id=pk)
    users = customer_users(user=request.user, customer_id=customer.pk)
    context: dict[str, object] = {"customer": customer, "users": users}
    try:
        with broadworks_pool(broadworks_config()).connection() as client:
            context["checks"] = users_check(
                users=users, sp_id=customer.enterprise.bw_service_provider_id,
                group_id=customer.bw_group_id, client=client)
    except OCIError as exc:
        context["check_error"] = (f"BroadWorks did not answer the check ({exc}); nothing is "
                                  "marked. Try again later.")
    return render(request, "users/customer_check.html", context)
