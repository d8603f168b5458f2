"""How OCI-P documents travel: TCP (2208), TLS (2209) or SOAP over HTTP(S).

BroadWorks speaks the same BroadsoftDocuments on all three; only the carriage differs.
Providers often allow only TLS or SOAP over HTTPS from outside their network, so the client
keeps everything about documents, sessions and retries in one place and hands each document
to a transport that sends it and returns the one answer document. Every transport raises the
same errors (:class:`OCITimeout`, :class:`OCIConnectionError`, :class:`OCIProtocolError`), so
the client's recovery rules hold whatever the wire is.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import time
from typing import Protocol
from urllib.parse import urlsplit

from lxml import etree

from orion.broadworks import codec
from orion.broadworks.config import BroadWorksConfig
from orion.broadworks.exceptions import OCIConnectionError, OCIProtocolError, OCITimeout

#: Bytes read per ``recv``; answers are rarely larger than a few kB.
_RECV_SIZE = 65536
#: An answer bigger than this is not an OCI-P answer we can use.
_MAX_RESPONSE_BYTES = 32 * 1024 * 1024

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
#: The namespace BroadWorks' ProvisioningService uses for processOCIMessage and its return.
SOAP_SERVICE_NS = "urn:com:broadsoft:webservice"


class Transport(Protocol):
    """One connection that carries documents; ``exchange`` is one request, one answer."""

    def exchange(self, data: bytes, *, deadline: float) -> bytes: ...

    def close(self) -> None: ...


def tls_context(config: BroadWorksConfig) -> ssl.SSLContext:
    """A verifying client context: the configured CA file, else the system's trust store.

    There is deliberately no switch to skip verification: a provisioning login sent to an
    impostor gives away the keys to every customer on the system.
    """
    context = ssl.create_default_context(cafile=config.ca_file or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def open_transport(config: BroadWorksConfig) -> Transport:
    """Connect with the configured transport (raises the client's connection errors)."""
    if config.transport == "soap":
        return SoapTransport(config)
    return StreamTransport.connect(config)


class StreamTransport:
    """TCP or TLS: documents back to back on one socket, read until the document end."""

    def __init__(self, sock: socket.socket, command_timeout: float) -> None:
        self.sock = sock
        self.command_timeout = command_timeout
        self.buffer = bytearray()

    @classmethod
    def connect(cls, config: BroadWorksConfig) -> StreamTransport:
        where = f"{config.host}:{config.port}"
        try:
            sock = socket.create_connection(
                (config.host, config.port), timeout=config.connect_timeout
            )
        except TimeoutError as exc:
            raise OCITimeout(f"connect to {where} timed out") from exc
        except OSError as exc:
            raise OCIConnectionError(f"cannot connect to {where}: {exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if config.transport == "tls":
            try:
                sock = tls_context(config).wrap_socket(sock, server_hostname=config.host)
            except ssl.SSLCertVerificationError as exc:
                sock.close()
                # Not retryable: the same certificate will fail the same way next time.
                raise OCIProtocolError(f"TLS certificate of {where} refused: {exc}") from exc
            except TimeoutError as exc:
                sock.close()
                raise OCITimeout(f"TLS handshake with {where} timed out") from exc
            except (ssl.SSLError, OSError) as exc:
                sock.close()
                raise OCIConnectionError(f"TLS handshake with {where} failed: {exc}") from exc
        return cls(sock, config.command_timeout)

    def exchange(self, data: bytes, *, deadline: float) -> bytes:
        self._send(data)
        return self._receive(deadline)

    def _send(self, data: bytes) -> None:
        try:
            self.sock.settimeout(self.command_timeout)
            self.sock.sendall(data + b"\n")
        except TimeoutError as exc:
            raise OCITimeout("sending the request timed out") from exc
        except OSError as exc:
            raise OCIConnectionError(f"connection lost while sending: {exc}") from exc

    def _receive(self, deadline: float) -> bytes:
        """Read until one ``</BroadsoftDocument>``; keep any following bytes for later."""
        while True:
            documents = codec.split_documents(self.buffer)
            if documents:
                if len(documents) > 1:
                    raise OCIProtocolError("server sent an answer nobody asked for")
                return documents[0]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise OCITimeout("no answer within the command timeout")
            try:
                self.sock.settimeout(remaining)
                chunk = self.sock.recv(_RECV_SIZE)
            except TimeoutError as exc:
                raise OCITimeout("no answer within the command timeout") from exc
            except OSError as exc:
                raise OCIConnectionError(f"connection lost while reading: {exc}") from exc
            if not chunk:
                raise OCIConnectionError("server closed the connection")
            self.buffer += chunk
            if len(self.buffer) > _MAX_RESPONSE_BYTES:
                raise OCIProtocolError("answer larger than 32 MB without a document end")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def soap_envelope(document: bytes) -> bytes:
    """``processOCIMessage`` with the whole document as its one string argument."""
    # Orion writes its documents in ISO-8859-1 (other characters as references), so this
    # decoding is lossless and the declaration inside still tells the truth.
    text = document.decode("iso-8859-1")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body>'
        f'<processOCIMessage xmlns="{SOAP_SERVICE_NS}"><in0>{codec.escape_text(text)}</in0>'
        "</processOCIMessage></soapenv:Body></soapenv:Envelope>"
    ).encode()


def soap_return(body: bytes) -> bytes:
    """The answer document out of a ``processOCIMessageResponse`` (or a SOAP fault)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise OCIProtocolError(f"unreadable SOAP answer: {exc}") from exc
    fault = root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    if fault is not None:
        text = fault.findtext("faultstring") or "no faultstring"
        raise OCIProtocolError(f"SOAP fault: {text}")
    for element in root.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname == (
            "processOCIMessageReturn"
        ):
            return (element.text or "").encode("iso-8859-1", errors="xmlcharrefreplace")
    raise OCIProtocolError("SOAP answer without processOCIMessageReturn")


class SoapTransport:
    """OCI-P over SOAP: one HTTP POST per document on a kept-alive HTTP(S) connection.

    BroadWorks keys a SOAP session by the ``sessionId`` inside the document, not by the
    HTTP connection, so a reconnect alone would keep the login; the client still logs in
    again after any lost connection, which is always safe.
    """

    def __init__(self, config: BroadWorksConfig) -> None:
        self.url = config.soap_endpoint
        parts = urlsplit(self.url)
        self.path = parts.path or "/"
        self.where = parts.netloc
        self.command_timeout = config.command_timeout
        host = parts.hostname or config.host
        if parts.scheme == "https":
            self.conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                host, parts.port or 443, timeout=config.connect_timeout,
                context=tls_context(config),
            )
        elif parts.scheme == "http":
            self.conn = http.client.HTTPConnection(
                host, parts.port or 80, timeout=config.connect_timeout
            )
        else:
            raise OCIProtocolError(f"SOAP URL must be http or https, not {self.url!r}")
        try:
            self.conn.connect()
        except ssl.SSLCertVerificationError as exc:
            raise OCIProtocolError(f"TLS certificate of {self.where} refused: {exc}") from exc
        except TimeoutError as exc:
            raise OCITimeout(f"connect to {self.where} timed out") from exc
        except OSError as exc:
            raise OCIConnectionError(f"cannot connect to {self.where}: {exc}") from exc

    def exchange(self, data: bytes, *, deadline: float) -> bytes:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise OCITimeout("no answer within the command timeout")
        if self.conn.sock is not None:
            self.conn.sock.settimeout(remaining)
        self.conn.timeout = remaining
        try:
            self.conn.request(
                "POST",
                self.path,
                body=soap_envelope(data),
                headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
            )
            response = self.conn.getresponse()
            body = response.read(_MAX_RESPONSE_BYTES + 1)
        except TimeoutError as exc:
            raise OCITimeout("no answer within the command timeout") from exc
        except (http.client.HTTPException, OSError) as exc:
            # RemoteDisconnected, BadStatusLine, IncompleteRead, resets: nothing came back.
            raise OCIConnectionError(f"SOAP connection to {self.where} lost: {exc}") from exc
        if len(body) > _MAX_RESPONSE_BYTES:
            raise OCIProtocolError("SOAP answer larger than 32 MB")
        if response.status != 200 and not body.lstrip().startswith(b"<"):
            raise OCIProtocolError(f"SOAP endpoint answered HTTP {response.status}")
        if response.will_close:
            self.conn.close()  # http.client reconnects on the next request
        return soap_return(body)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()
