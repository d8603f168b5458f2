"""OCI-P over SOAP, as BroadWorks serves it at ``/webservice/services/ProvisioningService``.

One operation, ``processOCIMessage``: its one string argument (``in0``) is a whole
BroadsoftDocument and its return (``processOCIMessageReturn``) is the answer document.
SOAP clients (zeep, PHP's SoapClient, .NET) first fetch ``<url>?wsdl``. The HTTP side is
a small HTTP/1.1 reader on asyncio streams: the emulator needs POST with a
Content-Length (or chunked), GET for the WSDL and keep-alive, not a web framework.

Requests are read leniently (BroadWorks' Axis stack takes ``in0`` qualified or not, and
PHP clients send it unqualified); answers are written in the shape captured from live
servers, ``<processOCIMessageResponse><ns1:processOCIMessageReturn
xmlns:ns1="urn:com:broadsoft:webservice">``, which is also what the WSDL below declares.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from lxml import etree

from orion.broadworks.config import SOAP_PATH
from orion.broadworks.transport import SOAP_ENV, SOAP_SERVICE_NS

#: Headers and request line larger than this are refused (431).
MAX_HEADER_BYTES = 64 * 1024
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>")


class SoapRequestError(ValueError):
    """The POST is not a processOCIMessage call (answered with a SOAP fault)."""


def wsdl(location: str) -> bytes:
    """The service description zeep and the other SOAP stacks read before the first call.

    Document/literal: the request element lives in the service namespace with an
    unqualified ``in0``; the response element is unqualified with a qualified
    ``processOCIMessageReturn``, as live servers answer (the schema for the no-namespace
    wrapper is a separate, namespace-less schema imported by the first).
    """
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions targetNamespace="{SOAP_SERVICE_NS}"
    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:wsdlsoap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema"
    xmlns:impl="{SOAP_SERVICE_NS}">
  <wsdl:types>
    <xsd:schema targetNamespace="{SOAP_SERVICE_NS}" elementFormDefault="unqualified">
      <xsd:element name="processOCIMessage">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="in0" type="xsd:string"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="processOCIMessageReturn" type="xsd:string"/>
    </xsd:schema>
    <xsd:schema elementFormDefault="unqualified" xmlns:impl="{SOAP_SERVICE_NS}">
      <xsd:import namespace="{SOAP_SERVICE_NS}"/>
      <xsd:element name="processOCIMessageResponse">
        <xsd:complexType><xsd:sequence>
          <xsd:element ref="impl:processOCIMessageReturn"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
    </xsd:schema>
  </wsdl:types>
  <wsdl:message name="processOCIMessageRequest">
    <wsdl:part name="parameters" element="impl:processOCIMessage"/>
  </wsdl:message>
  <wsdl:message name="processOCIMessageResponse">
    <wsdl:part name="parameters" element="processOCIMessageResponse"/>
  </wsdl:message>
  <wsdl:portType name="BWProvisioningService">
    <wsdl:operation name="processOCIMessage">
      <wsdl:input message="impl:processOCIMessageRequest"/>
      <wsdl:output message="impl:processOCIMessageResponse"/>
    </wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="ProvisioningServiceSoapBinding" type="impl:BWProvisioningService">
    <wsdlsoap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="processOCIMessage">
      <wsdlsoap:operation soapAction=""/>
      <wsdl:input><wsdlsoap:body use="literal"/></wsdl:input>
      <wsdl:output><wsdlsoap:body use="literal"/></wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="BWProvisioningServiceService">
    <wsdl:port name="ProvisioningService" binding="impl:ProvisioningServiceSoapBinding">
      <wsdlsoap:address location="{escape(location, {'"': "&quot;"})}"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
""".encode()


def document_from_envelope(body: bytes) -> bytes:
    """The BroadsoftDocument carried by a processOCIMessage call, as bytes to parse.

    The string has lost its original bytes (it was text inside the envelope), so its XML
    declaration, which may name an encoding, is dropped and the text re-encoded as UTF-8.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise SoapRequestError(f"malformed SOAP envelope: {exc}") from exc
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise SoapRequestError("not a SOAP 1.1 envelope")
    body_element = root.find(f"{{{SOAP_ENV}}}Body")
    call = None if body_element is None else next(iter(body_element), None)
    if call is None or not isinstance(call.tag, str):
        raise SoapRequestError("empty SOAP body")
    operation = etree.QName(call).localname
    if operation != "processOCIMessage":
        raise SoapRequestError(f"no operation {operation!r}; use processOCIMessage")
    argument = next((child for child in call if isinstance(child.tag, str)), None)
    if argument is None or not (argument.text or "").strip():
        raise SoapRequestError("processOCIMessage without its message (in0)")
    return _DECLARATION.sub(b"", argument.text.encode("utf-8"), count=1)


def response_envelope(document: bytes) -> bytes:
    """The answer document as the string return of processOCIMessage."""
    text = document.decode("iso-8859-1")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        '<processOCIMessageResponse xmlns="">'
        f'<ns1:processOCIMessageReturn xmlns:ns1="{SOAP_SERVICE_NS}">{escape(text)}'
        "</ns1:processOCIMessageReturn></processOCIMessageResponse>"
        "</soapenv:Body></soapenv:Envelope>"
    ).encode()


def fault_envelope(message: str, code: str = "soapenv:Client") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>{code}</faultcode><faultstring>{escape(message)}</faultstring>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    ).encode()


@dataclass
class HttpRequest:
    method: str
    target: str
    version: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return connection == "keep-alive"
        return connection != "close"


class HttpError(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def read_request(reader: asyncio.StreamReader, max_body: int) -> HttpRequest | None:
    """One HTTP/1.x request, or None when the client closed the connection between requests."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial.strip():
            return None
        raise HttpError(400, "Bad Request") from exc
    except asyncio.LimitOverrunError as exc:
        raise HttpError(431, "Request Header Fields Too Large") from exc
    lines = head.decode("iso-8859-1").split("\r\n")
    try:
        method, target, version = lines[0].split(" ")
    except ValueError as exc:
        raise HttpError(400, "Bad Request") from exc
    if version not in ("HTTP/1.0", "HTTP/1.1"):
        raise HttpError(505, "HTTP Version Not Supported")
    request = HttpRequest(method, target, version)
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            request.headers[name.strip().lower()] = value.strip()
    if request.headers.get("transfer-encoding", "").lower() == "chunked":
        request.body = await _read_chunked(reader, max_body)
    elif "content-length" in request.headers:
        try:
            length = int(request.headers["content-length"])
        except ValueError as exc:
            raise HttpError(400, "Bad Request") from exc
        if length < 0 or length > max_body:
            raise HttpError(413, "Content Too Large")
        request.body = await reader.readexactly(length)
    elif method == "POST":
        raise HttpError(411, "Length Required")
    return request


async def _read_chunked(reader: asyncio.StreamReader, max_body: int) -> bytes:
    body = bytearray()
    while True:
        size_line = await reader.readuntil(b"\r\n")
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError as exc:
            raise HttpError(400, "Bad Request") from exc
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers
            return bytes(body)
        if len(body) + size > max_body:
            raise HttpError(413, "Content Too Large")
        body += await reader.readexactly(size)
        await reader.readexactly(2)


def http_response(
    status: int, reason: str, body: bytes, *, content_type: str, keep_alive: bool
) -> bytes:
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
    )
    return head.encode("iso-8859-1") + body


def is_service_path(path: str) -> bool:
    return path.rstrip("/") == SOAP_PATH
