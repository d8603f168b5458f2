"""Security headers Django 5.2 does not set itself, and an early refusal of oversized bodies.

Django's ``SecurityMiddleware`` already sends X-Content-Type-Options, Referrer-Policy,
Cross-Origin-Opener-Policy and (in production) HSTS; ``XFrameOptionsMiddleware`` sends
X-Frame-Options. This module adds the Content-Security-Policy (Django has none before 6.0) and
the Permissions-Policy, and answers 413 to a request whose declared body is larger than any
form or API call of Orion needs, before anything reads it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

# Every script and style is a file served by Orion itself (htmx included: django-htmx ships it);
# no inline script, no inline style attribute, no eval. ``frame-ancestors 'none'`` is the CSP
# form of X-Frame-Options DENY. ``form-action 'self'`` stops an injected form posting elsewhere.
DEFAULT_CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

# The portal uses no device API at all.
DEFAULT_PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in [
    "accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer",
    "microphone", "midi", "payment", "usb", "interest-cohort",
])

# The interactive API docs page (django-ninja's Swagger UI) loads its own inline bootstrap
# script; it gets a looser policy than the portal, on its own path only.
DOCS_PATH_PREFIXES = ("/api/docs",)


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.csp = getattr(settings, "ORION_CSP", DEFAULT_CSP)
        self.docs_csp = getattr(settings, "ORION_DOCS_CSP", "")
        self.permissions_policy = getattr(settings, "ORION_PERMISSIONS_POLICY",
                                          DEFAULT_PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        csp = self.csp
        if self.docs_csp and request.path.startswith(DOCS_PATH_PREFIXES):
            csp = self.docs_csp
        if csp and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = csp
        if self.permissions_policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.permissions_policy
        return response


# The file uploads (staff's number import CSVs, 100,000 numbers and more): a larger limit on
# these paths only. Their file part streams to a temporary file, and the view reads at most its
# own limit; DATA_UPLOAD_MAX_MEMORY_SIZE still bounds their other fields.
UPLOAD_PATHS = ("/numbers/import/", "/api/v1/numbers/imports")
# Signed letters of authorization (orion.porting): at most 10 MB, plus the form's margin.
LOA_UPLOAD_PATH = re.compile(r"/(?:api/v1/)?ports/[0-9]+/loa/?")
LOA_UPLOAD_MAX_BODY_BYTES = 10 * 1024 * 1024 + 256 * 1024


class BodySizeLimitMiddleware:
    """413 for a declared body above ``ORION_MAX_BODY_BYTES`` (``ORION_UPLOAD_MAX_BODY_BYTES``
    on ``UPLOAD_PATHS``), without reading it.

    Django's own DATA_UPLOAD_MAX_MEMORY_SIZE still guards bodies that lie about (or omit) their
    length: reading more than that raises RequestDataTooBig, which Django answers with 400.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.limit = int(getattr(settings, "ORION_MAX_BODY_BYTES", 2 * 1024 * 1024))
        self.upload_limit = int(getattr(settings, "ORION_UPLOAD_MAX_BODY_BYTES",
                                        17 * 1024 * 1024))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse("The Content-Length header is not a number.\n", status=400,
                                content_type="text/plain")
        limit = self.upload_limit if request.path in UPLOAD_PATHS else self.limit
        if LOA_UPLOAD_PATH.fullmatch(request.path):
            limit = LOA_UPLOAD_MAX_BODY_BYTES
        if declared > limit:
            return HttpResponse(
                f"The request body is too large: at most {limit:,} bytes.\n", status=413,
                content_type="text/plain")
        return self.get_response(request)


# Methods no page or API call of Orion answers: TRACE echoes the request (cookies included) and
# is only useful to an attacker; TRACK is IIS's alias; CONNECT is for proxies.
REFUSED_METHODS = ("TRACE", "TRACK", "CONNECT")
_QUERY_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RequestGuardMiddleware:
    """Refuse what no view should have to handle: TRACE-like methods (405) and query
    parameters with control characters (400 on pages, 422 in the API, with a message).

    PostgreSQL cannot store or compare text with NUL (``GET /orders/?q=%00`` was a 500), and no
    filter value Orion knows (a name, a number, a state) has control characters. Refusing them
    here covers every page filter and every API list at once, present and future.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in REFUSED_METHODS:
            response = HttpResponse(f"{request.method} is not allowed.\n", status=405,
                                    content_type="text/plain")
            response["Allow"] = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
            return response
        for name, values in request.GET.lists():
            if _QUERY_CONTROL.search(name) or any(_QUERY_CONTROL.search(v) for v in values):
                return self._refuse(request, name)
        return self.get_response(request)

    def _refuse(self, request: HttpRequest, name: str) -> HttpResponse:
        label = _QUERY_CONTROL.sub("?", name)[:40] or "?"
        message = (f'The filter "{label}" contains control characters; remove them and try '
                   "again.")
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "invalid_request", "message": message,
                                 "errors": {label: [message]}}, status=422)
        if getattr(request, "htmx", False):
            from orion.core.exceptions import OrionError
            from orion.core.http import error_fragment

            return error_fragment(request, OrionError(message), status=400)
        return render(request, "core/bad_request.html", {"message": message}, status=400)


class ThrottleMiddleware:
    """429 with ``Retry-After`` for a request that a throttle refused deep inside (the log-in
    backend cannot answer itself: Django's and the admin's log-in views render its refusal
    as a plain failed log-in)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        throttled = getattr(request, "orion_throttled", None)
        if throttled is not None:
            from orion.core.http import throttled_response

            return throttled_response(request, throttled)
        return response


class OrionErrorMiddleware:
    """The one place that turns a domain error escaping a page view into a response.

    The API has its own mapping (``orion.api.errors``); this is the pages' twin, so views and
    selectors raise ``NotFound``/``PermissionDenied``/``OrionError`` and never translate them:

    - ``NotFound`` → the 404 page (Django's ``handler404``: ``404.html``);
    - ``PermissionDenied`` → the 403 page;
    - ``Throttled`` → 429 with ``Retry-After``;
    - any other ``OrionError`` → for htmx, the red error fragment (422); for a full-page POST,
      the message and a redirect back to the page the form was on; for a GET, a page with the
      message (422).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.contrib import messages
        from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
        from django.core.handlers.exception import response_for_exception
        from django.http import Http404
        from django.shortcuts import redirect
        from django.utils.http import url_has_allowed_host_and_scheme

        from orion.core.exceptions import NotFound, OrionError, PermissionDenied, Throttled
        from orion.core.http import error_fragment, throttled_response

        if not isinstance(exception, OrionError):
            return None
        if isinstance(exception, NotFound):
            return response_for_exception(request, Http404(exception.message))
        if isinstance(exception, PermissionDenied):
            return response_for_exception(request, DjangoPermissionDenied(exception.message))
        if isinstance(exception, Throttled):
            return throttled_response(request, exception)
        if getattr(request, "htmx", False):
            return error_fragment(request, exception)
        if request.method == "POST":
            messages.error(request, exception.message)
            back = request.META.get("HTTP_REFERER", "")
            if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
                back = "dashboard"
            return redirect(back)
        return render(request, "core/refused.html", {"message": exception.message}, status=422)
