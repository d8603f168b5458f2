"""Turning domain errors into responses: the one place for htmx fragments and error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from orion.core.exceptions import NotFound, OrionError


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
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1
