"""Turning domain errors into responses: the one place for htmx fragments and error pages."""

from __future__ import annotations

import math

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from orion.core.exceptions import NotFound, OrionError, Throttled


def error_fragment(request: HttpRequest, exc: OrionError, *, status: int = 422) -> HttpResponse:
    """A small red message that htmx swaps into the page's error slot."""
    if isinstance(exc, NotFound):
        status = 404
    html = render_to_string("core/error_fragment.html", {"message": exc.message}, request)
    response = HttpResponse(html, status=status)
    response["HX-Retarget"] = "#form-errors"
    response["HX-Reswap"] = "innerHTML"
    return response


def page_number(request: HttpRequest) -> int:
    value = request.GET.get("page", "1").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 6:
        return 1
    return max(1, min(int(value), 10_000))


def throttled_response(request: HttpRequest, exc: Throttled) -> HttpResponse:
    """429 with ``Retry-After`` and a page that says how long to wait."""
    minutes = math.ceil(exc.retry_after / 60)
    wait = (f"{exc.retry_after} seconds" if exc.retry_after < 120 else f"{minutes} minutes")
    response = render(request, "core/throttled.html",
                      {"message": exc.message, "retry_after_text": wait}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response
