"""The Webhooks page (partner settings, next to API tokens): endpoints, the secret shown
once, rotate, deactivate, delete, the test ping (htmx) and each endpoint's deliveries.

Thin: parse, call a service, render. A page that shows a secret is never cached, and the
secret is rendered in the response to the POST that made it, never kept in the session.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from orion.accounts.http import AuthedRequest
from orion.core.exceptions import OrionError
from orion.webhooks import selectors, services
from orion.webhooks.models import SUBSCRIBABLE_EVENTS, URL_MAX_LENGTH, Endpoint

EVENT_CHOICES = [(e.value, f"{e.label} ({e.value})") for e in SUBSCRIBABLE_EVENTS]


class EndpointForm(forms.Form):
    # Not required here: the service says what is missing, in one place for page and API.
    url = forms.CharField(label="URL", max_length=URL_MAX_LENGTH, required=False,
                          widget=forms.URLInput(attrs={"placeholder": "https://",
                                                       "autocomplete": "off"}),
                          help_text="Where Orion POSTs the events (https:// only).")
    events = forms.MultipleChoiceField(label="Events", choices=EVENT_CHOICES, required=False,
                                       widget=forms.CheckboxSelectMultiple)


def _refused(form: forms.Form, exc: OrionError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@never_cache
def endpoints(request: AuthedRequest) -> HttpResponse:
    """GET lists the partner's endpoints; POST adds one and shows its secret this once."""
    created = None
    status = 200
    if request.method == "POST":
        form = EndpointForm(request.POST)
        if form.is_valid():
            try:
                created = services.endpoint_add(user=request.user,
                                                url=form.cleaned_data["url"],
                                                events=form.cleaned_data["events"])
            except OrionError as exc:
                _refused(form, exc)
                status = 422
            else:
                form = EndpointForm()
        else:
            status = 422
    else:
        form = EndpointForm(initial={"events": [e.value for e in SUBSCRIBABLE_EVENTS]})
    return render(request, "webhooks/endpoints.html", {
        "form": form, "created": created, "is_partner": bool(request.user.partner_id),
        "endpoints": selectors.endpoints_list(user=request.user).select_related("partner"),
    }, status=status)


def _detail(request: AuthedRequest, endpoint: Endpoint, *, form: EndpointForm | None = None,
            secret: str = "", status: int = 200) -> HttpResponse:
    context: dict[str, Any] = {
        "endpoint": endpoint, "secret": secret, "can_change": bool(request.user.partner_id),
        "form": form or EndpointForm(initial={"url": endpoint.url, "events": endpoint.events}),
        "deliveries": selectors.deliveries_list(endpoint=endpoint),
    }
    return render(request, "webhooks/endpoint.html", context, status=status)


@never_cache
def endpoint(request: AuthedRequest, pk: int) -> HttpResponse:
    """GET shows the endpoint and its deliveries; POST changes its URL and events."""
    found = selectors.endpoint_get(user=request.user, endpoint_id=pk)
    if request.method != "POST":
        return _detail(request, found)
    form = EndpointForm(request.POST)
    if form.is_valid():
        try:
            found = services.endpoint_modify(user=request.user, endpoint_id=pk,
                                             url=form.cleaned_data["url"],
                                             events=form.cleaned_data["events"])
        except OrionError as exc:
            _refused(form, exc)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect("webhooks:endpoint", pk=pk)
    return _detail(request, found, form=form, status=422)


@require_POST
@never_cache
def endpoint_rotate(request: AuthedRequest, pk: int) -> HttpResponse:
    result = services.endpoint_rotate_secret(user=request.user, endpoint_id=pk)
    return _detail(request, result.endpoint, secret=result.secret)


@require_POST
def endpoint_active(request: AuthedRequest, pk: int) -> HttpResponse:
    active = request.POST.get("active") == "1"
    services.endpoint_modify(user=request.user, endpoint_id=pk, is_active=active)
    messages.success(request, "Endpoint activated." if active else
                     "Endpoint deactivated: it receives nothing until activated again.")
    return redirect("webhooks:endpoint", pk=pk)


@require_POST
def endpoint_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    found = selectors.endpoint_get(user=request.user, endpoint_id=pk)
    services.endpoint_delete(user=request.user, endpoint_id=pk)
    messages.success(request, f"Endpoint {found.url} deleted.")
    return redirect("webhooks:endpoints")


@require_POST
def endpoint_ping(request: AuthedRequest, pk: int) -> HttpResponse:
    """Send a test ping now; htmx swaps in the result and the refreshed deliveries log."""
    found = selectors.endpoint_get(user=request.user, endpoint_id=pk)
    error = ""
    delivery = None
    try:
        delivery = services.endpoint_ping(user=request.user, endpoint_id=pk)
    except OrionError as exc:
        if not request.htmx:
            raise
        error = exc.message
    if not request.htmx:
        return redirect("webhooks:endpoint", pk=pk)
    return render(request, "webhooks/_deliveries.html", {
        "endpoint": found, "ping": delivery, "ping_error": error,
        "deliveries": selectors.deliveries_list(endpoint=found)})
