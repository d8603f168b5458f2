"""One HTTP POST to a partner's endpoint, to the address the guard has just checked.

The connection goes to the checked IP address while the ``Host`` header and the TLS server
name (SNI and certificate check) stay the URL's host, so DNS cannot hand the connection a
different address after the check. Redirects are never followed (``http.client`` follows
none), the timeout is short and only the start of the answer is read.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from orion.webhooks.guard import addresses_check, target
from orion.webhooks.models import EXCERPT_MAX_LENGTH

READ_MAX_BYTES = 4 * EXCERPT_MAX_LENGTH  # utf-8: at most 4 bytes a character


@dataclass(frozen=True)
class Answer:
    status: int
    excerpt: str


def post(*, url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST ``body``; the answer's status and the start of its body (text, NULs dropped).

    Raises ``AddressRefused`` (the guard), ``OSError`` (no connection, timeout, TLS) or
    ``http.client.HTTPException`` (not HTTP)."""
    parts = urlsplit(url)
    address = addresses_check(parts)[0]
    host, port = target(parts)
    conn: http.client.HTTPConnection
    if parts.scheme.lower() == "https":
        # Certificates verified against the URL's host name (SNI too), never switched off.
        context = ssl.create_default_context(cafile=settings.ORION_WEBHOOKS_CA_FILE)
        conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)

    def connect_to_checked(addr: tuple[str, int], timeout: float | None = None,
                           source_address: tuple[str, int] | None = None) -> socket.socket:
        return socket.create_connection((str(address), port), timeout, source_address)

    conn._create_connection = connect_to_checked  # type: ignore[attr-defined]
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        raw = response.read(READ_MAX_BYTES)
        status = response.status
    finally:
        conn.close()
    text = raw.decode("utf-8", errors="replace").replace("\x00", "")
    return Answer(status=status, excerpt=text[:EXCERPT_MAX_LENGTH])
