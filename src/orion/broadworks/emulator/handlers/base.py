"""The handler registry, the per-document context and helpers every handler shares.

Each handler gets the decoded broadworks-ocip request object and returns a response
object, or raises :class:`EmulatorError` to answer with an ErrorResponse. List requests
validate every item before changing anything, so one refused item leaves the command
without effect (the document's other commands still run: the server does that).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from broadworks_ocip.base import OCIRequest, OCIResponse, SuccessResponse

from orion.broadworks import codec
from orion.broadworks.emulator.errors import EmulatorError, Err
from orion.broadworks.emulator.state import EmulatorState, Quantity

Handler = Callable[["Context", Any], OCIResponse]

#: Requests answered before login.
LOGIN_REQUESTS = frozenset(
    {"AuthenticationRequest", "LoginRequest14sp4", "LoginRequest22V5", "LogoutRequest"}
)


@dataclass
class Session:
    """Login state of one socket: BroadWorks binds a session to its TCP connection."""

    nonce: str | None = None
    user_id: str | None = None
    authenticated: bool = False
    #: The ``sessionId`` of the document that logged in; later documents must carry it.
    session_id: str | None = None
    #: ``time.monotonic()`` of the last document, for idle expiry.
    last_seen: float = 0.0


@dataclass
class Context:
    state: EmulatorState
    session: Session
    username: str
    password: str
    server_time_zone: str = "America/New_York"
    changed: bool = field(default=False)
    #: The ``sessionId`` of the document being answered (a login binds it to the socket).
    document_session_id: str = ""
    #: Logged-in sessions per login user (shared by every socket of the server).
    sessions_per_user: dict[str, int] = field(default_factory=dict)
    #: At most this many sessions per login user (0: no limit).
    max_sessions: int = 0
    #: Commands of this document that changed the state (the "zero writes" of a re-run).
    writes: int = 0


@dataclass(frozen=True)
class _Registered:
    handler: Handler
    mutates: bool


HANDLERS: dict[str, _Registered] = {}


def handles(*names: str, mutates: bool = False) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        for name in names:
            HANDLERS[name] = _Registered(func, mutates)
        return func

    return register


def dispatch(ctx: Context, request: OCIRequest) -> OCIResponse:
    """Run one request; raise EmulatorError for an ErrorResponse."""
    name = request.type_
    registered = HANDLERS.get(name)
    if registered is None:
        raise EmulatorError(Err.NOT_SUPPORTED, command=name)
    if name not in LOGIN_REQUESTS and not ctx.session.authenticated:
        raise EmulatorError(Err.NOT_LOGGED_IN)
    if not registered.mutates:
        return registered.handler(ctx, request)
    if name.endswith("ConsolidatedAddRequest"):
        # All-or-nothing by definition: run on a copy, keep it only on success.
        saved = ctx.state.copy()
        try:
            response = registered.handler(ctx, request)
        except EmulatorError:
            ctx.state.replace_with(saved)
            raise
    else:
        response = registered.handler(ctx, request)
    ctx.changed = True
    ctx.writes += 1
    return response


def respond(name: str, **fields: Any) -> OCIResponse:
    return codec.build_type(codec.response_class(name), fields)


def success() -> OCIResponse:
    return SuccessResponse()


def plain(obj: Any) -> dict[str, str]:
    """A Contact/StreetAddress as a plain dict without empty fields."""
    if obj is None:
        return {}
    return {k: v for k, v in obj.to_dict().items() if v is not None}


def typed(cls: type, data: dict[str, str]) -> Any:
    return codec.build_type(cls, data) if data else None


def flag(value: bool) -> str:
    return "true" if value else "false"


def qty_text(quantity: Quantity) -> str:
    return "Unlimited" if quantity is None else str(quantity)


def quantity_of(value: Any) -> Quantity:
    """``UnboundedPositiveInt`` -> int, or None for unlimited (also when omitted)."""
    if value is None or value.unlimited:
        return None
    return value.quantity


def exceeds(quantity: Quantity, limit: Quantity) -> bool:
    if limit is None:
        return False
    return quantity is None or quantity > limit


def matches(value: str | None, criteria: list[Any]) -> bool:
    """SearchCriteria* semantics: every criterion must match (Starts With/Contains/Equal To)."""
    for criterion in criteria or []:
        text, wanted = value or "", criterion.value
        if criterion.is_case_insensitive:
            text, wanted = text.lower(), wanted.lower()
        mode = criterion.mode
        if mode == "Starts With" and not text.startswith(wanted):
            return False
        if mode == "Contains" and wanted not in text:
            return False
        if mode == "Equal To" and text != wanted:
            return False
    return True
