"""BroadsoftDocument framing, encoding and decoding shared by the client and the emulator.

broadworks-ocip knows every OCI-P command class but sends one command per document and
decodes only the first command of an answer. Orion batches up to 15 commands per
document, so this module builds and reads multi-command documents while still using the
library's classes (``build_xml_command_element_``, ``etree_sub_element_``,
``build_from_etree_``) for each command. The client and the emulator share it, which keeps
the two sides of the wire from drifting apart.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import broadworks_ocip.requests as ocip_requests
import broadworks_ocip.responses as ocip_responses
import broadworks_ocip.types as ocip_types
from broadworks_ocip.base import (
    ElementInfo,
    ErrorResponse,
    OCICommand,
    OCIRequest,
    OCIResponse,
    OCIType,
    SuccessResponse,
)
from lxml import etree

DOCUMENT_END = b"</BroadsoftDocument>"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSI_TYPE = f"{{{XSI}}}type"
DOCUMENT_TAG = "{C}BroadsoftDocument"
#: Bytes that may separate documents on the wire: clients end a request with ``\n``,
#: ``\0`` or nothing at all.
_SEPARATORS = b" \t\r\n\0"

#: ``useCustomUserNamePassword`` (of access devices) is a flag, not a secret.
_PASSWORD_RE = re.compile(
    r"<((?:\w+:)?(?!useCustomUserNamePassword\b)\w*[Pp]assword)((?:\s[^>]*)?)>[^<]*</\1>"
)


class _ElementsOnce:
    """A library class's ``_elements()``, built on its first call and kept.

    broadworks-ocip builds the tuple of ``ElementInfo`` (frozen attrs objects) anew on every
    call, and calls it on every construction, encoding and decoding of every command and
    nested type: a third of a batched 15-command document's encoding and decoding went
    there. The tuple never changes, so one per class is enough.
    """

    __slots__ = ("build", "owner", "value")

    def __init__(self, build: Any, owner: type) -> None:
        self.build, self.owner, self.value = build, owner, None

    def __get__(self, obj: object, cls: type | None = None) -> _ElementsOnce:
        return self

    def __call__(self) -> tuple[ElementInfo, ...]:
        if self.value is None:
            self.value = self.build(self.owner)
        return self.value  # type: ignore[return-value]  # set just above


def _keep_elements() -> None:
    for module in (ocip_types, ocip_requests, ocip_responses):
        for cls in list(vars(module).values()):
            if isinstance(cls, type) and issubclass(cls, OCIType) and (
                    isinstance(found := cls.__dict__.get("_elements"), classmethod)):
                setattr(cls, "_elements", _ElementsOnce(found.__func__, cls))  # noqa: B010


_keep_elements()


class _TypeResolver:
    """The one method of ``BroadworksAPI`` that ``build_from_etree_`` needs.

    Abstract elements carry ``xsi:type`` and the library asks its ``api`` argument for the
    class; a full ``BroadworksAPI`` would open sockets and build a logger we do not need.
    """

    def get_type_class(self, name: str) -> type[OCIType]:
        name = name.split(":", 1)[-1]
        for module in (ocip_types, ocip_requests, ocip_responses):
            cls = getattr(module, name, None)
            if isinstance(cls, type) and issubclass(cls, OCIType):
                return cls
        raise KeyError(name)


RESOLVER = _TypeResolver()


class Table(list):
    """An OCI table with its column headings, so an empty table still says what it holds.

    broadworks-ocip writes no element for an empty table and then refuses to decode an
    answer without its required table; real servers send the headings with no rows.
    """

    def __init__(self, columns: Sequence[str], rows: Iterable[Sequence[str]] = ()) -> None:
        super().__init__(tuple(row) for row in rows)
        self.columns = tuple(columns)


@dataclass(frozen=True)
class RawCommand:
    """One ``<command>`` of a document, not yet turned into a library object."""

    type_name: str
    echo: str | None
    element: Any  # lxml element


@dataclass(frozen=True)
class RawDocument:
    session_id: str
    commands: list[RawCommand]


class DocumentError(ValueError):
    """The bytes are not a BroadsoftDocument (bad XML, wrong root, no commands)."""


def split_documents(buffer: bytearray) -> list[bytes]:
    """Remove and return every complete document at the front of ``buffer``.

    Whatever follows the last ``</BroadsoftDocument>`` stays in the buffer for the next
    read, so one TCP write may carry several documents and one document may arrive in
    several writes.
    """
    documents: list[bytes] = []
    while True:
        end = buffer.find(DOCUMENT_END)
        if end == -1:
            break
        cut = end + len(DOCUMENT_END)
        documents.append(bytes(buffer[:cut]).lstrip(_SEPARATORS))
        del buffer[:cut]
    # separators between documents are never the start of the next one
    stripped = len(buffer) - len(bytes(buffer).lstrip(_SEPARATORS))
    if stripped:
        del buffer[:stripped]
    return documents


def _parser() -> etree.XMLParser:
    # A parser per call: lxml parsers are not thread-safe, and entity expansion and
    # network access stay off for input from the network.
    return etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)


def parse_document(data: bytes) -> RawDocument:
    """Parse one document into its session id and its commands, in order."""
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise DocumentError(f"malformed XML: {exc}") from exc
    if root.tag != DOCUMENT_TAG:
        raise DocumentError(f"root element is {root.tag!r}, not BroadsoftDocument in namespace C")
    session_id = ""
    commands: list[RawCommand] = []
    for element in root:
        if element.tag == "sessionId":
            session_id = (element.text or "").strip()
        elif element.tag == "command":
            type_name = element.get(XSI_TYPE, "").split(":", 1)[-1]
            commands.append(RawCommand(type_name, element.get("echo"), element))
    return RawDocument(session_id, commands)


def request_class(name: str) -> type[OCIRequest]:
    """The broadworks-ocip class of a request, or KeyError for a name the schema lacks."""
    cls = getattr(ocip_requests, name, None)
    if isinstance(cls, type) and issubclass(cls, OCIRequest):
        return cls
    raise KeyError(name)


def response_class(name: str) -> type[OCIResponse]:
    """The class for an answer's ``xsi:type`` (``c:ErrorResponse`` included)."""
    name = name.split(":", 1)[-1]
    if name == "SuccessResponse":
        return SuccessResponse
    if name == "ErrorResponse":
        return ErrorResponse
    cls = getattr(ocip_responses, name, None)
    if isinstance(cls, type) and issubclass(cls, OCIResponse):
        return cls
    raise KeyError(name)


def decode_command(cls: type[OCICommand], raw: RawCommand) -> OCICommand:
    """Build the library object of one command without its ``post_xml_decode_`` side effect.

    (For ErrorResponse that hook raises; batches want the error as a value.)
    """
    return cls.build_from_etree_(api=RESOLVER, element=raw.element)


def _coerce(info: ElementInfo, value: Any) -> Any:
    if info.is_complex and not info.is_table and isinstance(value, Mapping):
        if info.is_container:
            # An anonymous nested type (UserModifyRequest17sp4's ``endpoint``): its items
            # are typed like the command's own fields.
            inner = {item.name: item for item in info.type}
            return {
                name: _coerce(inner[name], item) if name in inner else item
                for name, item in value.items()
                if item is not None
            }
        return build_type(info.type, value)
    return value


def build_type(cls: type[OCIType], fields: Mapping[str, Any]) -> OCIType:
    """Instantiate a library type, turning nested dicts into their OCI types.

    ``{"authorized_quantity": {"quantity": 5}}`` reads better in provisioning code than
    ``UnboundedPositiveInt(quantity=5)`` and the library still checks every field.
    """
    infos = {info.name: info for info in cls._elements()}
    kwargs: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None:
            continue  # the library refuses an explicit None; omitted means absent
        info = infos.get(name)
        if info is not None and info.is_array and isinstance(value, list | tuple):
            kwargs[name] = [_coerce(info, item) for item in value]
        elif info is not None:
            kwargs[name] = _coerce(info, value)
        else:
            kwargs[name] = value  # the library reports the unexpected attribute
    return cls(**kwargs)


def build_request(name: str, /, **fields: Any) -> OCIRequest:
    """A broadworks-ocip request object by name: ``build_request("GroupAddRequest", ...)``."""
    return build_type(request_class(name), fields)


def _encode_table(element: Any, info: ElementInfo, value: Sequence[Sequence[str]]) -> None:
    if not value and not isinstance(value, Table):
        return
    columns = value.columns if isinstance(value, Table) else None
    if columns is None:
        columns = tuple(
            " ".join(part.title() for part in field.split("_"))
            for field in value[0]._fields  # type: ignore[union-attr]  # rows are NamedTuples
        )
    table = etree.SubElement(element, info.xmlname)
    for column in columns:
        etree.SubElement(table, "colHeading").text = column
    for row in value:
        row_element = etree.SubElement(table, "row")
        for cell in row:
            etree.SubElement(row_element, "col").text = "" if cell is None else str(cell)


def _encode_fields(command: OCICommand, element: Any) -> None:
    """Like the library's ``etree_sub_components_`` but schema-valid for empty values.

    The library marks the whole command ``xsi:nil`` for an empty list and drops empty
    tables; real servers omit an empty list and send a table's headings.
    """
    for info in command._elements():
        value = getattr(command, info.name)
        if info.is_table:
            _encode_table(element, info, value if value is not None else [])
        elif info.is_array:
            for item in value or []:
                command.etree_sub_element_(element, info, item)
        else:
            command.etree_sub_element_(element, info, value)


#: The bare responses live in the schema's namespace C; real servers type them with a
#: prefix (``xsi:type="c:SuccessResponse" xmlns:c="C"``), which schema-bound clients
#: (.NET, JAXB) require. Every other command type is in no namespace.
NAMESPACE_C_TYPES = frozenset({"SuccessResponse", "ErrorResponse"})

_DOCUMENT_HEAD = (
    '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
    '<BroadsoftDocument protocol="OCI" xmlns="C" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
)


def _attr(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;").replace(">", "&gt;")
    )


def _command_start(command: OCICommand, echo: str | None) -> str:
    """``<command ...`` with attributes in the order real servers write them."""
    name = command.type_
    attrs = ' type="Error"' if isinstance(command, ErrorResponse) else ""
    if echo is not None:
        attrs += f' echo="{_attr(echo)}"'
    elif isinstance(command, OCIResponse):
        attrs += ' echo=""'
    if name in NAMESPACE_C_TYPES:
        return f'<command{attrs} xsi:type="c:{name}" xmlns:c="C" xmlns=""'
    return f'<command{attrs} xsi:type="{name}" xmlns=""'


def command_element(command: OCICommand) -> Any:
    """The ``<command>`` element of one request or response, built by the library's classes."""
    root = etree.Element(DOCUMENT_TAG, nsmap={None: "C", "xsi": XSI})
    element = etree.SubElement(root, "command", {XSI_TYPE: command.type_}, nsmap={None: ""})
    _encode_fields(command, element)
    return element


def encode_document(
    session_id: str,
    commands: Sequence[tuple[OCICommand, str | None]],
    *,
    elements: Sequence[Any] | None = None,
) -> bytes:
    """One BroadsoftDocument with each ``(command, echo)`` in order, as real servers write it.

    The envelope is written by hand because lxml puts namespace declarations before
    attributes; captures from live servers read
    ``<command echo="" xsi:type="c:SuccessResponse" xmlns:c="C" xmlns=""/>``.
    ``elements``, parallel to ``commands``, are their ``command_element`` already built (the
    client's schema check builds them); a None entry is built here.
    """
    parts = [_DOCUMENT_HEAD, f'<sessionId xmlns="">{escape_text(session_id)}</sessionId>']
    for index, (command, echo) in enumerate(commands):
        element = elements[index] if elements is not None else None
        if element is None:
            element = command_element(command)
        text = etree.tostring(element, encoding="unicode", with_tail=False)
        # the children as serialised inside the element (no repeated declarations)
        body = "" if text.endswith("/>") else text[text.index(">") + 1 : -len("</command>")]
        start = _command_start(command, echo)
        parts.append(f"{start}>{body}</command>" if body else f"{start}/>")
    parts.append("</BroadsoftDocument>")
    return "".join(parts).encode("iso-8859-1", errors="xmlcharrefreplace")


def escape_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def signed_password(password: str, nonce: str) -> str:
    """The legacy login hash: md5_hex(nonce + ":" + sha1_hex(password))."""
    sha1 = hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest()
    return hashlib.md5(f"{nonce}:{sha1}".encode(), usedforsecurity=False).hexdigest()


def redact(xml: bytes | str) -> str:
    """The document as text with every ``*password`` element's content hidden.

    Covers ``<password>``, ``<signedPassword>`` (a replayable hash of the password for that
    nonce) and ``<plainTextPassword>``, so exchanges can go to an order's audit trail.
    """
    text = xml.decode("iso-8859-1") if isinstance(xml, bytes) else xml
    return _PASSWORD_RE.sub(r"<\1\2>[REDACTED]</\1>", text)
