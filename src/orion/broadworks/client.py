"""Orion's OCI-P client: one authenticated session (over TCP, TLS or SOAP, see
``orion.broadworks.transport``) that sends up to 15 commands per document.

Provisioning an enterprise and its first customer is about 30 commands. One command per
round trip (what broadworks-ocip's ``BroadworksAPI.command`` does) pays the network and
application-server latency 30 times; batching pays it twice. BroadWorks runs every command
of a document in order even after one fails and has no transaction across them, so a batch
returns one :class:`OCIResult` per command instead of raising for the whole document.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeAlias

from broadworks_ocip.base import ErrorResponse, OCIRequest, OCIResponse

from orion.broadworks import codec, schema
from orion.broadworks.config import MAX_COMMANDS_PER_DOCUMENT as MAX_COMMANDS_PER_DOCUMENT
from orion.broadworks.config import BroadWorksConfig
from orion.broadworks.exceptions import (
    OCIAuthenticationError,
    OCIConnectionError,
    OCIError,
    OCIInvalidRequest,
    OCIProtocolError,
    OCISessionError,
    OCITimeout,
    error_from_response,
)
from orion.broadworks.transport import Transport, open_transport

logger = logging.getLogger(__name__)

RequestLike: TypeAlias = OCIRequest | tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class OCIExchange:
    """One document sent and its answer, for an order's audit trail (passwords redacted)."""

    host: str
    commands: tuple[str, ...]
    request_xml: str
    response_xml: str | None
    duration: float
    started_at: datetime
    error: str | None = None


ExchangeHook = Callable[[OCIExchange], None]


@dataclass(frozen=True)
class OCIResult:
    """The outcome of one command of a batch: exactly one of ``response`` and ``error``."""

    command: str
    echo: str
    response: OCIResponse | None = None
    error: OCIError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def unwrap(self) -> OCIResponse:
        """The response, or raise the command's typed error."""
        if self.error is not None:
            raise self.error
        assert self.response is not None
        return self.response


def ocip_request(name: str, /, **fields: Any) -> OCIRequest:
    """Build a request (the library checks field names and types now, not on the wire)."""
    return codec.build_request(name, **fields)


def _as_request(item: RequestLike) -> OCIRequest:
    if isinstance(item, OCIRequest):
        return item
    name, fields = item
    return ocip_request(name, **fields)


def check_request(request: OCIRequest) -> Any:
    """Refuse, before anything is sent, a request the R25 schema would refuse.

    BroadWorks answers such a request with ``[Error 6004]`` after the earlier commands of
    the document already ran; failing here keeps a bug from turning into a half-done order.
    Requests outside Orion's schema table are not checked (the server will say). Returns the
    checked ``<command>`` element (None when unchecked), which the document then reuses.
    """
    name = request.type_
    if not schema.knows(name):
        return None
    element = codec.command_element(request)
    try:
        schema.validate_command(name, element)
    except schema.SchemaViolation as exc:
        logger.error("refusing to send an invalid %s: %s", name, exc)
        raise OCIInvalidRequest(name, str(exc)) from exc
    return element


class BroadWorksClient:
    """One OCI-P session over one connection; thread-safe (one exchange at a time).

    Connects and logs in on first use; after the server drops the socket, the next
    exchange connects and logs in again (and resends the document once when
    ``config.resend_on_disconnect``). A timed-out connection is closed, because a late
    answer would otherwise be read as the answer to the next request.
    """

    def __init__(self, config: BroadWorksConfig, *, on_exchange: ExchangeHook | None = None):
        self.config = config
        self.on_exchange = on_exchange
        #: Called before every document is sent, resends included; raising stops the send.
        #: Provisioning uses it to re-verify, each time, that its run still owns the order.
        self.before_send: Callable[[], None] | None = None
        self.session_id = ""
        self.login_response: OCIResponse | None = None
        self._conn: Transport | None = None
        self._lock = threading.RLock()
        self._echo = 0

    # -- lifecycle ------------------------------------------------------------------

    def __enter__(self) -> BroadWorksClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        return self._conn is not None

    def connect(self) -> None:
        """Open the socket and log in with the configured flow (idempotent)."""
        with self._lock:
            if self._conn is None:
                self._open()

    def close(self) -> None:
        """Log out politely when we can, then close the socket."""
        with self._lock:
            if self._conn is None:
                return
            try:
                logout = ocip_request(
                    "LogoutRequest", user_id=self.config.username, reason="Client Logout"
                )
                self._exchange(
                    [logout], resend=False, timeout=min(self.config.command_timeout, 2.0)
                )
            except OCIError:
                pass  # the server may be gone already; closing is what matters
            self._drop()

    def _open(self) -> None:
        self._conn = open_transport(self.config)
        self.session_id = str(uuid.uuid4())
        try:
            self._login()
        except BaseException:
            self._drop()
            raise

    def _login(self) -> None:
        config = self.config
        if config.login_flow == "22V5":
            login = ocip_request(
                "LoginRequest22V5", user_id=config.username, password=config.password
            )
        else:
            auth = self._send_document(
                [ocip_request("AuthenticationRequest", user_id=config.username)]
            )
            nonce = getattr(self._login_unwrap(auth[0]), "nonce", None)
            if not nonce:
                raise OCIProtocolError("AuthenticationResponse without nonce")
            login = ocip_request(
                "LoginRequest14sp4",
                user_id=config.username,
                signed_password=codec.signed_password(config.password, nonce),
            )
        self.login_response = self._login_unwrap(self._send_document([login])[0])
        logger.debug("logged in to %s as %s", config.address, config.username)

    @staticmethod
    def _login_unwrap(result: OCIResult) -> OCIResponse:
        if result.error is not None:
            err = result.error
            raise OCIAuthenticationError(
                err.message, err.code, detail=err.detail, command=err.command
            )
        return result.unwrap()

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
        self._conn = None

    # -- public commands ------------------------------------------------------------

    def request(self, name: str, /, **fields: Any) -> OCIResponse:
        """Send one command and return its response, raising its typed error."""
        return self.batch([ocip_request(name, **fields)])[0].unwrap()

    def batch(self, requests: Sequence[RequestLike]) -> list[OCIResult]:
        """Send the commands, up to 15 per document, and return one result per command.

        Every command runs even if an earlier one failed (BroadWorks semantics); only
        connection failures and timeouts raise, because then we do not know what ran, and
        :class:`OCIInvalidRequest` (a schema-invalid request: nothing was sent).
        """
        items = [_as_request(item) for item in requests]
        # All of them before the first document goes out; each element is encoded once.
        elements = [check_request(item) for item in items]
        results: list[OCIResult] = []
        with self._lock:
            for start in range(0, len(items), MAX_COMMANDS_PER_DOCUMENT):
                results.extend(self._exchange(
                    items[start:start + MAX_COMMANDS_PER_DOCUMENT],
                    resend=self.config.resend_on_disconnect,
                    elements=elements[start:start + MAX_COMMANDS_PER_DOCUMENT]))
        return results

    def batch_or_raise(self, requests: Sequence[RequestLike]) -> list[OCIResponse]:
        """Like :meth:`batch` but raise the first command's error after the batch ran."""
        return [result.unwrap() for result in self.batch(requests)]

    # -- exchange -------------------------------------------------------------------

    def _exchange(
        self,
        requests: Sequence[OCIRequest],
        *,
        resend: bool,
        timeout: float | None = None,
        elements: Sequence[Any] | None = None,
    ) -> list[OCIResult]:
        """Send one document on a logged-in session, recovering a lost session once."""
        attempts = 2 if resend else 1
        for attempt in range(attempts):
            if self._conn is None:
                self._open()
            if self.before_send is not None:
                self.before_send()  # after any login: a pause there must not go unchecked
            try:
                results = self._send_document(requests, timeout=timeout, elements=elements)
            except OCITimeout:
                self._drop()
                raise
            except OCIConnectionError:
                self._drop()
                if attempt + 1 == attempts:
                    raise
                logger.info("OCI-P connection to %s lost; logging in again", self.config.address)
                continue
            if results and all(isinstance(r.error, OCISessionError) for r in results):
                # The server forgot our login (restart, idle expiry): nothing ran.
                self._drop()
                if attempt + 1 < attempts:
                    continue
            return results
        raise AssertionError("unreachable")  # pragma: no cover

    def _next_echo(self) -> str:
        self._echo += 1
        return str(self._echo)

    def _send_document(
        self,
        requests: Sequence[OCIRequest],
        *,
        timeout: float | None = None,
        elements: Sequence[Any] | None = None,
    ) -> list[OCIResult]:
        """Write one document, read one answer, audit it, match answers to requests."""
        assert self._conn is not None
        echoes = [self._next_echo() for _ in requests]
        names = tuple(request.type_ for request in requests)
        data = codec.encode_document(
            self.session_id, list(zip(requests, echoes, strict=True)), elements=elements
        )
        started_at = datetime.now(UTC)
        start = time.monotonic()
        answer: bytes | None = None
        error: str | None = None
        try:
            answer = self._conn.exchange(
                data, deadline=start + (timeout or self.config.command_timeout)
            )
        except OCIError as exc:
            error = str(exc)
            raise
        finally:
            self._audit(names, data, answer, time.monotonic() - start, started_at, error)
        return self._match(requests, echoes, answer)

    def _match(
        self, requests: Sequence[OCIRequest], echoes: list[str], answer: bytes | None
    ) -> list[OCIResult]:
        """Pair answers with requests by order, checking the echo the server returned."""
        assert answer is not None
        try:
            document = codec.parse_document(answer)
        except codec.DocumentError as exc:
            self._drop()
            raise OCIProtocolError(f"unreadable answer: {exc}") from exc
        decoded: list[tuple[str | None, OCIResponse]] = []
        for raw in document.commands:
            try:
                cls = codec.response_class(raw.type_name)
                decoded.append((raw.echo, codec.decode_command(cls, raw)))
            except Exception as exc:  # the library raises many types on odd XML
                raise OCIProtocolError(f"cannot decode {raw.type_name}: {exc}") from exc
        if len(decoded) == 1 and len(requests) > 1 and isinstance(decoded[0][1], ErrorResponse):
            # The server refused the whole document (e.g. too many commands).
            decoded = [decoded[0]] * len(requests)
        if len(decoded) != len(requests):
            self._drop()
            raise OCIProtocolError(f"sent {len(requests)} commands, got {len(decoded)} answers")
        results: list[OCIResult] = []
        for request, echo, (got_echo, response) in zip(requests, echoes, decoded, strict=True):
            if got_echo not in (echo, "", None):
                self._drop()
                raise OCIProtocolError(f"answer echo {got_echo!r} does not match {echo!r}")
            if isinstance(response, ErrorResponse):
                error = error_from_response(
                    response.summary,
                    error_code=response.error_code,
                    detail=response.detail,
                    command=request.type_,
                )
                results.append(OCIResult(request.type_, echo, error=error))
            else:
                results.append(OCIResult(request.type_, echo, response=response))
        return results

    def _audit(
        self,
        names: tuple[str, ...],
        request: bytes,
        answer: bytes | None,
        duration: float,
        started_at: datetime,
        error: str | None,
    ) -> None:
        if self.on_exchange is None:
            return
        exchange = OCIExchange(
            host=self.config.address,
            commands=names,
            request_xml=codec.redact(request),
            response_xml=None if answer is None else codec.redact(answer),
            duration=duration,
            started_at=started_at,
            error=error,
        )
        try:
            self.on_exchange(exchange)
        except Exception:
            # The audit trail must not turn a provisioned command into a failed one.
            logger.exception("OCI-P exchange hook failed for %s", ",".join(names))
