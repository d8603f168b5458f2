"""A partner's receiver, for the tests: a real HTTP server on 127.0.0.1 that records each
request and answers with the statuses it is told to, in order (then 200)."""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    answers: list[tuple[int, bytes, dict[str, str]]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None
               ) -> None:
        self.answers.append((status, body, headers or {}))


def start_receiver(*, tls: tuple[str, str] | None = None
                   ) -> tuple[Receiver, ThreadingHTTPServer]:
    """A receiver on a free port; ``tls`` (certificate file, key file) makes it https."""
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver.received.append(Received(
                path=self.path, headers={k.lower(): v for k, v in self.headers.items()},
                body=body))
            status, answer, headers = (receiver.answers.pop(0) if receiver.answers
                                       else (200, b"ok", {}))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    scheme = "https" if tls else "http"
    receiver.url = f"{scheme}://127.0.0.1:{server.server_address[1]}/hooks/orion"
    return receiver, server
