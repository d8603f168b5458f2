"""The root of Orion's domain errors.

Every rule a service enforces raises an ``OrionError`` (or a subclass from its app) with a
message a partner agent can act on and a stable ``code`` for the API. Views map them to form
errors, htmx fragments and JSON in one place each.
"""

from __future__ import annotations


class OrionError(Exception):
    """A business rule refused the request; ``message`` says what to do."""

    code = "orion_error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field

    def __str__(self) -> str:
        return self.message


class NotFound(OrionError):
    """The object does not exist or is not visible to this user (both look the same)."""

    code = "not_found"


class PermissionDenied(OrionError):
    code = "permission_denied"


class Throttled(OrionError):
    """Too many attempts from this address or for this account; try again later."""

    code = "throttled"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None):
        super().__init__(message, code=code)
        self.retry_after = max(1, int(retry_after))
