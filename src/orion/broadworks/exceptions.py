"""Typed errors for OCI-P exchanges.

BroadWorks answers a failed command with an ``ErrorResponse`` whose summary starts with
``[Error NNNN]``. Provisioning code needs to react differently to "it is already there"
(idempotent success), "its parent is missing" (a bug or an ordering problem) and "the
server is busy" (retry later), so the client turns every ErrorResponse into one of the
classes below with the code parsed out. Connection problems get their own branch so a job
runner can tell "the server said no" from "we never heard back".
"""

from __future__ import annotations

import re

#: ``[Error 4152] Group not found: SP:GROUP`` -> 4152
_CODE_RE = re.compile(r"\[Error\s+(\d+)\]")

#: Codes whose meaning is known (real ones from live servers, the others from the
#: emulator's table in ``orion.broadworks.emulator.errors``, picked in the same style).
NOT_FOUND_CODES = frozenset(
    {4008, 4011, 4152, 4153, 4154, 4155, 4158, 4159, 4164, 4165, 4166, 4167}
)
ALREADY_EXISTS_CODES = frozenset(
    {4200, 4201, 4202, 4203, 4204, 4205, 4206, 4208, 4210, 4213}
)
#: 4223-4225 and 4227-4231: something still depends on the object (remove that first).
CONFLICT_CODES = frozenset(
    {4207, 4209, 4211, 4212, 4214, 4215, 4216, 4223, 4224, 4225, 4227, 4228, 4229, 4230, 4231}
)
TRANSIENT_CODES = frozenset({9999})
SESSION_CODES = frozenset({4101})
AUTHENTICATION_CODES = frozenset({4962, 4963})
VALIDATION_CODES = frozenset({4220, 6004})


class OCIError(Exception):
    """Root of every OCI-P failure: ``code`` is the ``[Error NNNN]`` number when known."""

    #: Whether repeating the same request later may succeed without changing it.
    retryable = False

    def __init__(
        self,
        message: str,
        code: int | None = None,
        *,
        detail: str | None = None,
        command: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.detail = detail
        self.command = command

    def __str__(self) -> str:
        where = f"{self.command}: " if self.command else ""
        extra = f" ({self.detail})" if self.detail else ""
        return f"{where}{self.message}{extra}"


class OCINotFound(OCIError):
    """A referenced object (enterprise, group, domain, DN, service) does not exist."""


class OCIAlreadyExists(OCIError):
    """The object is already there: provisioning treats this as "done" after a check."""


class OCIConflict(OCIError):
    """The object exists but belongs to someone else (a domain or DN used elsewhere)."""


class OCITransientError(OCIError):
    """The server refused for now (busy, overloaded); the same request may work later."""

    retryable = True


class OCIValidationError(OCIError):
    """The request broke the schema or a format rule; retrying the same XML cannot help."""


class OCIInvalidRequest(OCIError):
    """Orion built a request that the R25 schema refuses; nothing of the batch was sent.

    This is a bug in Orion (a BroadWorks limit not enforced where the data is typed, or a
    plan that builds a wrong request), not a problem of the order: the client checks every
    document before sending it, so such a request never reaches BroadWorks and never half-
    runs a batch. ``detail`` names the element and the facet, as a real server's 6004 would.
    """

    def __init__(self, command: str, detail: str) -> None:
        super().__init__(
            "Orion built an OCI-P request that BroadWorks would refuse (a bug in Orion, "
            "not in the order); nothing was sent",
            detail=detail,
            command=command,
        )


class OCIAuthenticationError(OCIError):
    """Login refused (wrong user or password, or a login flow the server does not allow)."""


class OCISessionError(OCIError):
    """The server no longer knows this session (not logged in); the client logs in again."""

    retryable = True


class OCIProtocolError(OCIError):
    """The server's answer could not be understood or did not match the request."""


class OCIConnectionError(OCIError):
    """No answer because the TCP connection failed or was closed by the server."""

    retryable = True


class OCITimeout(OCIConnectionError):
    """Connecting or waiting for an answer took longer than the configured timeout."""


def parse_error_code(summary: str | None, error_code: int | None = None) -> int | None:
    """Return the ``[Error NNNN]`` number of a summary, else the ``errorCode`` element."""
    match = _CODE_RE.search(summary or "")
    if match:
        return int(match.group(1))
    return error_code


def _class_for(code: int | None, text: str) -> type[OCIError]:
    """Pick the exception class by code first and by wording for codes nobody published."""
    if code in SESSION_CODES:
        return OCISessionError
    if code in AUTHENTICATION_CODES:
        return OCIAuthenticationError
    if code in TRANSIENT_CODES:
        return OCITransientError
    if code in NOT_FOUND_CODES:
        return OCINotFound
    if code in ALREADY_EXISTS_CODES:
        return OCIAlreadyExists
    if code in CONFLICT_CODES:
        return OCIConflict
    if code in VALIDATION_CODES:
        return OCIValidationError
    lowered = text.lower()
    if "not logged in" in lowered or (
        "session" in lowered and any(w in lowered for w in ("expired", "invalid", "not valid"))
    ):
        # Session loss by its class, whatever code a server uses for it.
        return OCISessionError
    if "in use" in lowered or "another" in lowered:
        return OCIConflict
    if "already exist" in lowered or "already assigned" in lowered or "duplicate" in lowered:
        return OCIAlreadyExists
    if "not found" in lowered:
        return OCINotFound
    if any(word in lowered for word in ("busy", "transient", "temporar", "try again")):
        return OCITransientError
    return OCIError


def error_from_response(
    summary: str | None,
    *,
    error_code: int | None = None,
    detail: str | None = None,
    command: str | None = None,
) -> OCIError:
    """Build the typed exception for one ErrorResponse (not raised: batches collect them)."""
    text = summary or "ErrorResponse without summary"
    code = parse_error_code(text, error_code)
    return _class_for(code, text)(text, code, detail=detail, command=command)
