"""The emulator's wire side: framing, sessions, faults, the control port, and the three
transports BroadWorks offers: TCP (2208), TLS (2209, the same documents) and SOAP over HTTP
(``/webservice/services/ProvisioningService``, see ``soap.py``).

Everything runs on one asyncio event loop, so handlers mutate the state without locks;
``start_in_thread`` puts that loop in a daemon thread for tests and the benchmark.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import random
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from broadworks_ocip.base import ErrorResponse, OCIResponse

from orion.broadworks import codec, schema
from orion.broadworks.config import MAX_COMMANDS_PER_DOCUMENT, SOAP_PATH
from orion.broadworks.emulator import handlers, soap
from orion.broadworks.emulator.errors import EmulatorError, Err
from orion.broadworks.emulator.faults import FaultSettings
from orion.broadworks.emulator.state import EmulatorState

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Idle expiry of a logged-in session. BroadWorks makes this configurable and publishes no
#: default we could verify; 30 minutes is Orion's choice (a pooled client idles far less).
DEFAULT_SESSION_IDLE_SECONDS = 1800.0
#: Logged-in sessions allowed per login user; BroadWorks limits them per administrator.
DEFAULT_MAX_SESSIONS_PER_USER = 50
#: Bytes buffered without a complete document before the connection is refused.
DEFAULT_MAX_DOCUMENT_BYTES = 1024 * 1024
_READ_SIZE = 65536
#: A SOAP session (keyed by sessionId, no socket to close) that never logged in is
#: forgotten after this long, so stray AuthenticationRequests cannot pile up.
_SOAP_UNAUTHENTICATED_SECONDS = 300.0
_BOM = b"\xef\xbb\xbf"
#: Seconds between state-file saves: a change schedules one save this long after it, so a
#: burst of writes costs one rewrite of the file, not one per document (0: save after every
#: changing document). A clean stop always saves; a crash can lose the last interval.
DEFAULT_SAVE_INTERVAL_SECONDS = 1.0


@dataclass
class Stats:
    sessions_open: int = 0
    sessions_total: int = 0
    documents: int = 0
    commands: int = 0
    errors: int = 0
    #: Commands that changed the state (successful adds, modifies, deletes).
    writes: int = 0
    #: HTTP requests on the SOAP port (WSDL fetches included).
    http_requests: int = 0
    #: Times the state file was written.
    saves: int = 0
    #: Documents being answered right now, and the most at once (several sessions' at a time).
    answering: int = 0
    answering_max: int = 0


def _error_response(err: EmulatorError) -> ErrorResponse:
    extra = {"detail": err.detail} if err.detail else {}
    return ErrorResponse(summary=err.summary, summary_english=err.summary, **extra)


def error_document(err: EmulatorError, session_id: str = "") -> bytes:
    """A one-command answer for a document we could not read at all."""
    return codec.encode_document(session_id, [(_error_response(err), None)])


class EmulatorServer:
    """A BroadWorks OCI-P server for the commands Orion uses; see docs/broadworks.md."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 2208,
        username: str = "admin",
        password: str = "ocip-demo-password",  # noqa: S107 - the documented demo login
        state_file: str | Path | None = None,
        faults: FaultSettings | None = None,
        control_port: int | None = None,
        max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
        seed: int | None = None,
        server_time_zone: str = "America/New_York",
        session_idle_seconds: float = DEFAULT_SESSION_IDLE_SECONDS,
        max_sessions_per_user: int = DEFAULT_MAX_SESSIONS_PER_USER,
        allow: Sequence[str] | None = None,
        tls_port: int | None = None,
        tls_cert: str | Path | None = None,
        tls_key: str | Path | None = None,
        soap_port: int | None = None,
        soap_tls: bool = False,
        save_interval: float = DEFAULT_SAVE_INTERVAL_SECONDS,
    ) -> None:
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.state_file = Path(state_file) if state_file else None
        self.state = EmulatorState.load(self.state_file) if self.state_file else EmulatorState()
        if save_interval < 0:
            raise ValueError("save_interval must be 0 or more seconds")
        #: Seconds from a change to the save that writes it (0: save at once).
        self.save_interval = save_interval
        #: Changes not yet in the state file, and the loop's timer that will save them.
        self._dirty = False
        self._save_timer: asyncio.TimerHandle | None = None
        self.faults = faults or FaultSettings()
        self.control_port = control_port
        self.max_document_bytes = max_document_bytes
        self.server_time_zone = server_time_zone
        #: A logged-in session unused this long is forgotten (0: never).
        self.session_idle_seconds = session_idle_seconds
        self.max_sessions_per_user = max_sessions_per_user
        #: Source networks allowed to connect (None: any), as BroadWorks' OCI access list.
        self.allow = None if allow is None else [ipaddress.ip_network(a) for a in allow]
        self._sessions_per_user: dict[str, int] = {}
        #: OCI-P over TLS on this port (None: off); needs ``tls_cert`` and ``tls_key``.
        self.tls_port = tls_port
        self.tls_cert = Path(tls_cert) if tls_cert else None
        self.tls_key = Path(tls_key) if tls_key else None
        #: OCI-P over SOAP on this port (None: off), over https when ``soap_tls``.
        self.soap_port = soap_port
        self.soap_tls = soap_tls
        if (tls_port is not None or soap_tls) and not (self.tls_cert and self.tls_key):
            raise ValueError("TLS needs tls_cert and tls_key")
        #: SOAP sessions by sessionId: over HTTP there is no socket to bind a login to.
        self._soap_sessions: dict[str, handlers.Session] = {}
        self._tls: asyncio.Server | None = None
        self._soap: asyncio.Server | None = None
        self.stats = Stats()
        self._rng = random.Random(seed)
        self._server: asyncio.Server | None = None
        self._control: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None
        #: Every listener is bound (the CLI prints the ports only then).
        self._listening = False

    # -- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        self._server = await asyncio.start_server(self._serve_client, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        context = self._tls_context() if self.tls_cert else None
        if self.tls_port is not None:
            self._tls = await asyncio.start_server(
                self._serve_client, self.host, self.tls_port, ssl=context
            )
            self.tls_port = self._tls.sockets[0].getsockname()[1]
        if self.soap_port is not None:
            self._soap = await asyncio.start_server(
                self._serve_soap, self.host, self.soap_port,
                ssl=context if self.soap_tls else None, limit=soap.MAX_HEADER_BYTES,
            )  # fmt: skip
            self.soap_port = self._soap.sockets[0].getsockname()[1]
        if self.control_port is not None:
            self._control = await asyncio.start_server(
                self._serve_control, self.host, self.control_port, limit=64 * 1024 * 1024
            )
            self.control_port = self._control.sockets[0].getsockname()[1]
        self._listening = True
        logger.info("OCI-P emulator listening on %s:%s", self.host, self.port)

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        assert self.tls_cert is not None and self.tls_key is not None
        context.load_cert_chain(self.tls_cert, self.tls_key)
        return context

    @property
    def listening(self) -> bool:
        """True once every listener (OCI-P, TLS, SOAP, control) is bound and its port known:
        with port 0 the TLS and SOAP ports are only known after their own bind."""
        return self._listening

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    @property
    def soap_url(self) -> str | None:
        """The ProvisioningService endpoint (its WSDL is at ``?wsdl``), when SOAP is on."""
        if self.soap_port is None:
            return None
        scheme = "https" if self.soap_tls else "http"
        return f"{scheme}://{self.host}:{self.soap_port}{SOAP_PATH}"

    @property
    def control_address(self) -> tuple[str, int] | None:
        return None if self.control_port is None else (self.host, self.control_port)

    async def serve_forever(self) -> None:
        """Start and serve until ``request_stop`` (the CLI's main coroutine)."""
        await self.start()
        assert self._stopped is not None
        try:
            await self._stopped.wait()
        finally:
            await self.shutdown()

    def request_stop(self) -> None:
        if self._loop is not None and self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)

    async def shutdown(self) -> None:
        servers = (self._server, self._tls, self._soap, self._control)
        for server in servers:
            if server is not None:
                server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for server in servers:
            if server is not None:
                await server.wait_closed()
        self._save()  # a clean stop writes everything acknowledged, whatever the interval

    def start_in_thread(self) -> tuple[str, int]:
        """Serve from a daemon thread (port 0 picks a free port); returns (host, port)."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_until_complete(self._wait_stopped())
            finally:
                loop.run_until_complete(self.shutdown())
                loop.close()

        self._thread = threading.Thread(target=run, name="ocip-emulator", daemon=True)
        self._thread.start()
        ready.wait(30)
        if failure:
            raise failure[0]
        return self.address

    async def _wait_stopped(self) -> None:
        assert self._stopped is not None
        await self._stopped.wait()

    def stop(self) -> None:
        """Stop a server started with ``start_in_thread`` and wait for its thread."""
        self.request_stop()
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None

    def call(self, func: Callable[[], T]) -> T:
        """Run ``func`` on the server's loop (thread-safe access to state and faults)."""
        loop = self._loop
        if loop is None or not loop.is_running() or self._in_loop_thread():
            return func()

        async def wrapper() -> T:
            return func()

        return asyncio.run_coroutine_threadsafe(wrapper(), loop).result(30)

    def _in_loop_thread(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    def dump(self) -> dict[str, Any]:
        return self.call(self.state.to_dict)

    def reset(self, state: dict[str, Any] | None = None) -> None:
        def apply() -> None:
            fresh = EmulatorState.from_dict(state) if state else EmulatorState()
            self.state.replace_with(fresh)
            self._save()

        self.call(apply)

    def set_faults(self, **changes: Any) -> dict[str, Any]:
        def apply() -> dict[str, Any]:
            self.faults.update(changes)
            return self.faults.to_dict()

        return self.call(apply)

    def _save(self) -> None:
        """Write the state file now (atomically), cancelling any scheduled save."""
        if self._save_timer is not None:
            self._save_timer.cancel()
            self._save_timer = None
        self._dirty = False
        if self.state_file is not None:
            self.state.save(self.state_file)
            self.stats.saves += 1

    def _changed(self) -> None:
        """The state changed: save it within ``save_interval`` (one save per burst)."""
        if self.state_file is None:
            return
        self._dirty = True
        if self.save_interval <= 0 or self._loop is None or not self._in_loop_thread():
            self._save()
        elif self._save_timer is None:
            self._save_timer = self._loop.call_later(self.save_interval, self._save_due)

    def _save_due(self) -> None:
        self._save_timer = None
        if not self._dirty:
            return
        try:
            self._save()
        except OSError:
            logger.exception("saving the emulator state to %s failed; retrying", self.state_file)
            self._dirty = True
            if self._loop is not None:
                self._save_timer = self._loop.call_later(self.save_interval, self._save_due)

    # -- OCI-P sessions ---------------------------------------------------------------

    def _track(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _serve_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._track()
        if not self._allowed(writer):
            # BroadWorks accepts OCI-P only from its access list: the socket just closes.
            logger.info("refusing OCI-P connection from %s", writer.get_extra_info("peername"))
            writer.close()
            return
        self.stats.sessions_open += 1
        self.stats.sessions_total += 1
        session = handlers.Session()
        buffer = bytearray()
        try:
            while True:
                data = await reader.read(_READ_SIZE)
                if not data:
                    return
                buffer += data
                for document in codec.split_documents(buffer):
                    if not await self._answer(document, session, reader, writer):
                        return
                if self._garbage(buffer):
                    await self._refuse(reader, writer, "request is not an XML document")
                    return
                if len(buffer) > self.max_document_bytes:
                    detail = (
                        f"request exceeds {self.max_document_bytes} bytes without a document end"
                    )
                    await self._refuse(reader, writer, detail)
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:
            # Shutting down. Returning (instead of re-raising) keeps Python 3.11's stream
            # callback from logging a traceback for every open session.
            return
        finally:
            self.stats.sessions_open -= 1
            handlers.end_session(self._context(session))
            writer.close()
            # a TLS close waits for the peer's close_notify; shutdown may cancel that wait
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await writer.wait_closed()

    @staticmethod
    def _garbage(buffer: bytearray) -> bool:
        if not buffer:
            return False
        head = buffer[len(_BOM) :] if buffer.startswith(_BOM) else buffer
        return bool(head) and head[:1] != b"<"

    async def _refuse(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, detail: str
    ) -> None:
        """Answer with an error, then close without resetting the connection.

        Closing with unread bytes makes the kernel send a reset, which can destroy our
        answer before the client reads it; so stop writing, then read and discard for a
        moment (a "lingering close", as web servers do).
        """
        self.stats.errors += 1
        await self._write(writer, error_document(EmulatorError(Err.VALIDATION, detail=detail)))
        with contextlib.suppress(Exception):
            writer.write_eof()
            discarded = 0
            async with asyncio.timeout(2):
                while discarded < 16 * self.max_document_bytes:
                    chunk = await reader.read(_READ_SIZE)
                    if not chunk:
                        break
                    discarded += len(chunk)

    @staticmethod
    async def _write(writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data + b"\n")
        await writer.drain()

    async def _answer(
        self,
        document: bytes,
        session: handlers.Session,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        """Answer one document; False when the connection must end (drop, hang)."""
        self.stats.answering += 1
        self.stats.answering_max = max(self.stats.answering_max, self.stats.answering)
        try:
            return await self._answer_now(document, session, reader, writer)
        finally:
            self.stats.answering -= 1

    async def _answer_now(
        self,
        document: bytes,
        session: handlers.Session,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        if self.faults.latency_ms:
            await asyncio.sleep(self.faults.latency_ms / 1000)
        self.stats.documents += 1
        fault = None if self._is_login(document) else self.faults.pick(self._rng)
        if fault == "drop":
            logger.info("fault: dropping the connection")
            return False
        if fault == "hang":
            logger.info("fault: never answering this connection")
            while await reader.read(_READ_SIZE):
                pass  # swallow everything until the client gives up
            return False
        answer = self._process(document, session, transient=fault == "transient")
        if fault == "lose_answer":
            logger.info("fault: applied the document, dropping the answer")
            return False
        await self._write(writer, answer)
        return True

    @staticmethod
    def _is_login(document: bytes) -> bool:
        return any(
            f'"{name}"'.encode() in document or f"'{name}'".encode() in document
            for name in ("AuthenticationRequest", "LoginRequest14sp4", "LoginRequest22V5")
        )

    def _process(
        self, document: bytes, session: handlers.Session | None, *, transient: bool
    ) -> bytes:
        """Answer one document; ``session`` None: a SOAP call, whose session is its sessionId."""
        try:
            raw = codec.parse_document(document)
        except codec.DocumentError as exc:
            self.stats.errors += 1
            return error_document(EmulatorError(Err.VALIDATION, detail=str(exc)))
        if not raw.commands or len(raw.commands) > MAX_COMMANDS_PER_DOCUMENT:
            self.stats.errors += 1
            detail = (
                f"a document holds 1-{MAX_COMMANDS_PER_DOCUMENT} commands, not {len(raw.commands)}"
            )
            return error_document(EmulatorError(Err.VALIDATION, detail=detail), raw.session_id)
        if session is None:
            session = self._soap_session(raw.session_id)
        ctx = self._context(session, raw.session_id)
        self._expire(session, ctx)
        answers: list[tuple[OCIResponse, str | None]] = []
        for command in raw.commands:
            self.stats.commands += 1
            if transient:
                response: OCIResponse = _error_response(EmulatorError(Err.TRANSIENT))
            else:
                response = self._run(ctx, command)
            if isinstance(response, ErrorResponse):
                self.stats.errors += 1
            answers.append((response, command.echo))
        self.stats.writes += ctx.writes
        if ctx.changed:
            self._changed()
        return codec.encode_document(raw.session_id, answers)

    def _context(self, session: handlers.Session, session_id: str = "") -> handlers.Context:
        return handlers.Context(
            state=self.state,
            session=session,
            username=self.username,
            password=self.password,
            server_time_zone=self.server_time_zone,
            document_session_id=session_id,
            sessions_per_user=self._sessions_per_user,
            max_sessions=self.max_sessions_per_user,
        )

    def _expire(self, session: handlers.Session, ctx: handlers.Context) -> None:
        """Forget a login that idled too long or that this document's sessionId is not.

        The next command then answers "not logged in", which clients take as "log in
        again and resend" (nothing ran).
        """
        now = time.monotonic()
        if session.authenticated:
            idle = now - session.last_seen
            if self.session_idle_seconds and idle > self.session_idle_seconds:
                logger.info("session of %s expired after %.0f s idle", session.user_id, idle)
                handlers.end_session(ctx)
            elif ctx.document_session_id != session.session_id:
                logger.info("document for another sessionId on a logged-in socket")
                handlers.end_session(ctx)
        session.last_seen = now

    def _soap_session(self, session_id: str) -> handlers.Session:
        """The session a SOAP document belongs to, by its sessionId (BroadWorks' rule).

        The TCP rules carry over: a login binds the sessionId, any other sessionId is not
        logged in, idle sessions expire (in ``_expire``) and count against
        ``max_sessions_per_user`` until they log out or expire, since no socket closes.
        """
        self._sweep_soap_sessions()
        session = self._soap_sessions.get(session_id)
        if session is None:
            session = self._soap_sessions[session_id] = handlers.Session()
            session.last_seen = time.monotonic()
        return session

    def _sweep_soap_sessions(self) -> None:
        now = time.monotonic()
        for session_id, session in list(self._soap_sessions.items()):
            idle = now - session.last_seen
            if session.authenticated:
                if not self.session_idle_seconds or idle <= self.session_idle_seconds:
                    continue
                logger.info("SOAP session of %s expired after %.0f s idle", session.user_id, idle)
                handlers.end_session(self._context(session))
            elif idle <= _SOAP_UNAUTHENTICATED_SECONDS:
                continue
            del self._soap_sessions[session_id]

    # -- SOAP -------------------------------------------------------------------------

    async def _serve_soap(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """HTTP/1.1 with keep-alive: GET ``?wsdl``, POST processOCIMessage.

        The faults apply to SOAP documents as to TCP ones: a drop or a lost answer closes
        the HTTP connection without a response, a hang never answers it.
        """
        self._track()
        if not self._allowed(writer):
            logger.info("refusing SOAP connection from %s", writer.get_extra_info("peername"))
            writer.close()
            return
        try:
            while True:
                try:
                    request = await soap.read_request(reader, 4 * self.max_document_bytes)
                except soap.HttpError as exc:
                    body = f"{exc.status} {exc.reason}\n".encode()
                    writer.write(soap.http_response(
                        exc.status, exc.reason, body, content_type="text/plain", keep_alive=False
                    ))  # fmt: skip
                    await writer.drain()
                    return
                if request is None:
                    return
                self.stats.http_requests += 1
                if not await self._answer_http(request, reader, writer):
                    return
                if not request.keep_alive:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return
        except asyncio.CancelledError:
            return  # shutting down, as in _serve_client
        finally:
            writer.close()
            # a TLS close waits for the peer's close_notify; shutdown may cancel that wait
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await writer.wait_closed()

    async def _answer_http(
        self,
        request: soap.HttpRequest,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        """Answer one HTTP request; False when the connection must end without an answer."""
        keep_alive = request.keep_alive

        async def send(status: int, reason: str, body: bytes, content_type: str) -> bool:
            writer.write(soap.http_response(
                status, reason, body, content_type=content_type, keep_alive=keep_alive
            ))  # fmt: skip
            await writer.drain()
            return True

        xml = "text/xml; charset=utf-8"
        if not soap.is_service_path(request.path):
            return await send(404, "Not Found", b"no such service\n", "text/plain")
        if request.method == "GET":
            if request.query.lower() == "wsdl":
                scheme = "https" if self.soap_tls else "http"
                host = request.headers.get("host") or f"{self.host}:{self.soap_port}"
                return await send(200, "OK", soap.wsdl(f"{scheme}://{host}{SOAP_PATH}"), xml)
            body = b"ProvisioningService: POST processOCIMessage; the WSDL is at ?wsdl\n"
            return await send(200, "OK", body, "text/plain")
        if request.method != "POST":
            return await send(405, "Method Not Allowed", b"GET or POST\n", "text/plain")
        try:
            document = soap.document_from_envelope(request.body)
        except soap.SoapRequestError as exc:
            self.stats.errors += 1
            return await send(500, "Internal Server Error", soap.fault_envelope(str(exc)), xml)
        if self.faults.latency_ms:
            await asyncio.sleep(self.faults.latency_ms / 1000)
        self.stats.documents += 1
        fault = None if self._is_login(document) else self.faults.pick(self._rng)
        if fault == "drop":
            logger.info("fault: dropping the SOAP connection")
            return False
        if fault == "hang":
            logger.info("fault: never answering this SOAP connection")
            while await reader.read(_READ_SIZE):
                pass
            return False
        answer = self._process(document, None, transient=fault == "transient")
        if fault == "lose_answer":
            logger.info("fault: applied the SOAP document, dropping the answer")
            return False
        return await send(200, "OK", soap.response_envelope(answer), xml)

    def _allowed(self, writer: asyncio.StreamWriter) -> bool:
        if self.allow is None:
            return True
        peer = writer.get_extra_info("peername")
        try:
            address = ipaddress.ip_address(peer[0])
        except (TypeError, ValueError, IndexError):
            return False
        return any(address in network for network in self.allow)

    @staticmethod
    def _run(ctx: handlers.Context, command: codec.RawCommand) -> OCIResponse:
        try:
            try:
                cls = codec.request_class(command.type_name)
            except KeyError:
                detail = f"unknown command type {command.type_name!r}"
                raise EmulatorError(Err.VALIDATION, detail=detail) from None
            if schema.knows(command.type_name):
                try:
                    schema.validate_command(command.type_name, command.element)
                except schema.SchemaViolation as exc:
                    raise EmulatorError(Err.VALIDATION, detail=str(exc)) from None
            try:
                request = codec.decode_command(cls, command)
            except Exception as exc:  # the library raises many types on bad content
                raise EmulatorError(Err.VALIDATION, detail=f"{command.type_name}: {exc}") from exc
            return handlers.dispatch(ctx, request)
        except EmulatorError as err:
            return _error_response(err)
        except Exception as exc:
            logger.exception("emulator failed on %s", command.type_name)
            return _error_response(EmulatorError(Err.INTERNAL, error=type(exc).__name__))

    # -- control interface ------------------------------------------------------------

    async def _serve_control(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Line-based JSON: one request object per line, one answer object per line."""
        self._track()
        try:
            while line := await reader.readline():
                if not line.strip():
                    continue
                try:
                    answer = self._control_op(json.loads(line))
                except (ValueError, TypeError) as exc:
                    answer = {"ok": False, "error": str(exc)}
                writer.write(json.dumps(answer).encode() + b"\n")
                await writer.drain()
        except (ConnectionError, asyncio.LimitOverrunError, ValueError, asyncio.CancelledError):
            return
        finally:
            writer.close()

    def _control_op(self, request: Any) -> dict[str, Any]:
        if not isinstance(request, dict):
            raise ValueError("a control request is a JSON object with an 'op'")
        op = request.get("op")
        if op == "dump":
            return {"ok": True, "state": self.state.to_dict()}
        if op == "reset":
            self.reset(request.get("state"))
            return {"ok": True, "state": self.state.to_dict()}
        if op == "faults":
            self.faults.update(request.get("set") or {})
            return {"ok": True, "faults": self.faults.to_dict()}
        if op == "stats":
            return {"ok": True, "stats": vars(self.stats).copy()}
        if op == "ping":
            return {"ok": True}
        raise ValueError(f"unknown op {op!r}; use dump, reset, faults, stats or ping")
