"""The request being served, for audit entries written where no request is passed along.

Services receive the acting user explicitly; what they do not receive is *how* the change
arrived (web page or API) and, for the auth events recorded by signals (a password set in the
admin or by a reset link), who is at the keyboard. ``AuditContextMiddleware`` keeps both for
the length of one request; outside a request (CLI, worker) there is none.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

from orion.accounts.models import User


@dataclass(frozen=True)
class AuditContext:
    request: HttpRequest

    @property
    def via(self) -> str:
        return "api" if self.request.path.startswith("/api/") else "web"

    @property
    def user(self) -> User | None:
        user = getattr(self.request, "user", None)
        return user if isinstance(user, User) else None  # not AnonymousUser


_current: ContextVar[AuditContext | None] = ContextVar("orion_audit_context", default=None)


def current() -> AuditContext | None:
    return _current.get()


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(AuditContext(request))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
