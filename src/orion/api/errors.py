"""The API's one error shape, and the one place that maps exceptions to it.

``{"code": "...", "message": "...", "errors": {field: [messages]}}``: ``code`` is stable
(clients branch on it), ``message`` is for people. OrionError codes come from the services.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from orion.core.exceptions import NotFound, OrionError, PermissionDenied, Throttled

logger = logging.getLogger(__name__)


class Error(Schema):
    code: str
    message: str
    errors: dict[str, list[str]] = {}


# Every operation may answer these (see ``responses``).
ERROR_STATUSES = (401, 403, 404, 422, 429)


def responses(success: dict[int, object] | object, *extra: int) -> dict[int, object]:
    """The response models of an operation: its success model(s) and the error shape."""
    result = dict(success) if isinstance(success, dict) else {200: success}
    for status in (*ERROR_STATUSES, *extra):
        result.setdefault(status, Error)
    return result


def error_body(code: str, message: str, errors: dict[str, list[str]] | None = None) -> dict:
    return {"code": code, "message": message, "errors": errors or {}}


def orion_error_status(exc: OrionError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, Throttled):
        return 429
    return 422


def _orion_error(request: HttpRequest, exc: OrionError, api: NinjaAPI) -> HttpResponse:
    # OrderValidationError (an OrionError) carries per-field ``errors``; others one ``field``.
    errors = getattr(exc, "errors", None)
    if errors is None:
        errors = {exc.field: [exc.message]} if exc.field else {}
    response = api.create_response(request, error_body(exc.code, exc.message, errors),
                                   status=orion_error_status(exc))
    if isinstance(exc, Throttled):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _validation_error(request: HttpRequest, exc: ValidationError, api: NinjaAPI) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for item in exc.errors:
        loc = [str(part) for part in item.get("loc", ()) if part not in ("body", "payload")]
        field = ".".join(loc[1:] if loc and loc[0] in ("query", "path") else loc) or "request"
        errors.setdefault(field, []).append(str(item.get("msg", "invalid")))
    return api.create_response(
        request, error_body("invalid_request", "The request is not valid; see errors.", errors),
        status=422)


def _not_found(request: HttpRequest, exc: Exception, api: NinjaAPI) -> HttpResponse:
    return api.create_response(request, error_body("not_found", "Not found."), status=404)


def _http_error(request: HttpRequest, exc: HttpError, api: NinjaAPI) -> HttpResponse:
    status = exc.status_code
    if isinstance(exc, AuthenticationError) or status == 401:
        body = error_body("not_authenticated", "Log in, or send a valid API token as "
                          "'Authorization: Bearer <token>'.")
    elif status == 400:  # ninja: the body is not parseable (not JSON, wrong encoding)
        status = 422
        body = error_body("invalid_request", f"The request is not valid: {exc}.")
    elif status == 403:
        body = error_body("forbidden", str(exc) or "Forbidden.")
    else:
        body = error_body({404: "not_found", 405: "method_not_allowed",
                           429: "throttled"}.get(status, "http_error"), str(exc))
    return api.create_response(request, body, status=status)


def _server_error(request: HttpRequest, exc: Exception, api: NinjaAPI) -> HttpResponse:
    logger.exception("api %s %s failed", request.method, request.path)
    return api.create_response(
        request, error_body("server_error", "Something went wrong on our side; it has been "
                            "logged. Try again later."), status=500)


def _bound(handler: Callable[[HttpRequest, Any, NinjaAPI], HttpResponse], api: NinjaAPI
           ) -> Callable[[HttpRequest, Any], HttpResponse]:
    # ninja types the exception as "instance or class"; a handler always gets the instance.
    return lambda request, exc: handler(request, exc, api)


def install(api: NinjaAPI) -> None:
    api.add_exception_handler(OrionError, _bound(_orion_error, api))
    api.add_exception_handler(ValidationError, _bound(_validation_error, api))
    api.add_exception_handler(Http404, _bound(_not_found, api))
    api.add_exception_handler(ObjectDoesNotExist, _bound(_not_found, api))
    api.add_exception_handler(HttpError, _bound(_http_error, api))
    api.add_exception_handler(Exception, _bound(_server_error, api))
