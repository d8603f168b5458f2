"""The OCI-P log made readable: each stored document pretty-printed, split into its commands,
each request command paired with its answer, and the command BroadWorks refused marked with
its error text.

Pure functions over the stored text (``OciExchangeLog.request_xml``/``response_xml``): nothing
here talks to BroadWorks. The stored XML is data: it is parsed without DTDs, entities or
network access, and the pages show the result through Django's autoescaping, so a name a
partner typed (a group name with ``<script>``) is shown as the text it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from orion.provisioning.models import OciExchangeLog

XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>\s*")
# Longer documents are shown as stored: pretty-printing them helps nobody and costs time.
MAX_PRETTY_CHARS = 200_000


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           remove_blank_text=True, huge_tree=False)


def _parse(text: str) -> etree._Element | None:
    """The document's root, or None when it is not well-formed XML (or not plain XML: a
    DOCTYPE is refused, the log never holds one)."""
    if not text or len(text) > MAX_PRETTY_CHARS:
        return None
    body = _DECLARATION.sub("", text, count=1)
    if "<!DOCTYPE" in body or "<!ENTITY" in body:
        return None
    try:
        return etree.fromstring(body, _parser())
    except (etree.XMLSyntaxError, ValueError):
        return None


def _pretty(element: etree._Element) -> str:
    return etree.tostring(element, pretty_print=True, encoding="unicode").strip()


def pretty_xml(text: str) -> str:
    """The document indented, one element a line; as stored when it cannot be parsed."""
    root = _parse(text)
    return _pretty(root) if root is not None else text


def _command_type(element: etree._Element) -> str:
    value = element.get(XSI_TYPE) or ""
    return value.rsplit(":", 1)[-1]


def _commands(root: etree._Element | None) -> list[etree._Element]:
    if root is None:
        return []
    return [child for child in root if isinstance(child.tag, str)
            and etree.QName(child).localname == "command"]


def _error_text(element: etree._Element) -> str:
    """What an ErrorResponse says: its English summary (else summary) and its detail."""
    parts: dict[str, str] = {}
    for child in element:
        if isinstance(child.tag, str):
            parts[etree.QName(child).localname] = (child.text or "").strip()
    summary = parts.get("summaryEnglish") or parts.get("summary") or "BroadWorks refused it."
    detail = parts.get("detail", "")
    code = element.get("errorCode") or parts.get("errorCode", "")
    text = f"[Error {code}] {summary}" if code and code not in summary else summary
    return f"{text} {detail}".strip() if detail and detail not in text else text


@dataclass(frozen=True)
class OciCommand:
    """One command of a document and the answer BroadWorks gave to it."""

    position: int  # 1-based, in the document
    name: str
    request: str  # pretty XML of the request command
    response: str  # pretty XML of its answer ("" when none came)
    failed: bool
    error: str
    # The first refused command of its document: the cause. BroadWorks goes on with the
    # rest, and commands that needed what it refused are refused after it.
    first_failure: bool = False


@dataclass(frozen=True)
class OciExchangeView:
    """A stored exchange as the log page shows it."""

    exchange: OciExchangeLog
    commands: list[OciCommand]
    request_pretty: str
    response_pretty: str

    @property
    def failing(self) -> OciCommand | None:
        return next((c for c in self.commands if c.failed), None)

    @property
    def failed(self) -> bool:
        return bool(self.exchange.error) or self.failing is not None

    @property
    def error(self) -> str:
        failing = self.failing
        if failing is not None:
            return f"{failing.name}: {failing.error}"
        return self.exchange.error


def exchange_view(exchange: OciExchangeLog) -> OciExchangeView:
    """Pair the request's commands with the response's, in order (OCI-P answers each command
    of a document in turn), and mark those answered with an ErrorResponse."""
    request_root = _parse(exchange.request_xml)
    response_root = _parse(exchange.response_xml)
    requests, responses = _commands(request_root), _commands(response_root)
    commands: list[OciCommand] = []
    for index, element in enumerate(requests):
        answer = responses[index] if index < len(responses) else None
        failed = answer is not None and (_command_type(answer) == "ErrorResponse"
                                         or answer.get("type") == "Error")
        first = failed and not any(c.failed for c in commands)
        commands.append(OciCommand(
            position=index + 1, name=_command_type(element) or "(unnamed)",
            request=_pretty(element), response=_pretty(answer) if answer is not None else "",
            failed=failed, error=_error_text(answer) if failed and answer is not None else "",
            first_failure=first))
    return OciExchangeView(
        exchange=exchange, commands=commands,
        request_pretty=_pretty(request_root) if request_root is not None
        else exchange.request_xml,
        response_pretty=_pretty(response_root) if response_root is not None
        else exchange.response_xml)
