"""The trunk facts of a trunking order: their rules and the one service that stores them.

Trunking customers are not provisioned automatically; operations build the SIP trunk by hand
from the trunking order form. That form is only useful if it carries what the trunk needs,
so the partner types those facts here (the order's trunking page), each checked as the
softswitch would check it, and the PDF prints them as typed.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from orion.accounts.models import User
from orion.accounts.validators import normalize_domain
from orion.audit.services import audit_record
from orion.core.exceptions import OrionError
from orion.numbers.exceptions import InvalidNumber
from orion.numbers.nanp import to_e164
from orion.orders.models import Order
from orion.orders.selectors import order_get
from orion.orders.states import OrderState
from orion.provisioning.models import (
    TRUNK_CALL_PATHS_MAX,
    TrunkAuthentication,
    TrunkFacts,
    TrunkTransport,
)

PBX_ADDRESSES_MAX = 8
ADDRESS_MAX_LENGTH = 80
SIP_USERNAME = re.compile(r"^[A-Za-z0-9._@+-]{1,80}$")
SIP_PASSWORD_MIN, SIP_PASSWORD_MAX = 8, 60  # BroadWorks authentication passwords: 60 at most
_SEPARATORS = re.compile(r"[\s,;]+")


class TrunkFactsInvalid(OrionError):
    """One or more trunk facts are wrong; ``errors`` maps each field to what to fix (a list,
    as the API's error body and ``OrderValidationError`` carry them)."""

    code = "trunk_facts_invalid"

    def __init__(self, errors: dict[str, str]):
        super().__init__("The trunk details were not saved: correct the fields marked below.")
        self.errors = {name: [message] for name, message in errors.items()}


@dataclass
class TrunkFactsInput:
    call_paths: object = ""
    pbx_addresses: object = ""
    authentication: str = ""
    sip_username: str = ""
    sip_password: str = ""
    failover_number: str = ""
    transport: str = ""


def clean_call_paths(value: object) -> int:
    text = str(value if value is not None else "").strip().replace(",", "")
    if not text:
        raise ValueError("Enter the number of call paths (simultaneous calls).")
    if not text.isascii() or not text.isdigit():
        raise ValueError("The call paths must be a whole number from 1 to 9,999.")
    number = int(text)
    if not 1 <= number <= TRUNK_CALL_PATHS_MAX:
        raise ValueError("The call paths must be from 1 to 9,999.")
    return number


def clean_pbx_address(raw: str) -> str:
    """An IPv4/IPv6 address or a host name (FQDN) where the PBX/SBC answers SIP."""
    text = raw.strip()
    if len(text) > ADDRESS_MAX_LENGTH:
        raise ValueError(f"{text[:40]}…: an address has at most {ADDRESS_MAX_LENGTH} characters.")
    try:
        ip = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        ip = None
    if ip is not None:
        if ip.is_loopback or ip.is_unspecified or ip.is_multicast or ip.is_link_local \
                or ip.is_reserved:
            raise ValueError(f"{text}: not an address a PBX/SBC can be reached at.")
        return str(ip)
    if re.fullmatch(r"[0-9.]+", text):
        raise ValueError(f"{text}: not a valid IPv4 address.")
    host = text.lower().rstrip(".")
    try:  # a DNS name by the domain rules (an SBC may well be www.-less "sbc1.acme.com")
        normalize_domain(host.removeprefix("www."))
    except ValidationError:
        raise ValueError(f"{text}: enter an IP address (203.0.113.10) or a host name "
                         "(sbc1.example.com), without a port or sip: prefix.") from None
    return host


def clean_pbx_addresses(value: object) -> list[str]:
    if isinstance(value, (list, tuple)):
        parts = [str(v) for v in value]
    else:
        parts = _SEPARATORS.split(str(value or ""))
    parts = [p for p in (p.strip() for p in parts) if p]
    if not parts:
        raise ValueError("Enter at least one PBX/SBC IP address or host name.")
    if len(parts) > PBX_ADDRESSES_MAX:
        raise ValueError(f"Enter at most {PBX_ADDRESSES_MAX} addresses.")
    problems, addresses = [], []
    for part in parts:
        try:
            address = clean_pbx_address(part)
        except ValueError as exc:
            problems.append(str(exc))
        else:
            if address not in addresses:
                addresses.append(address)
    if problems:
        raise ValueError(" ".join(problems))
    return addresses


def trunk_facts_validate(data: TrunkFactsInput) -> dict[str, object]:
    """The clean values, or TrunkFactsInvalid naming every field that is wrong."""
    errors: dict[str, str] = {}
    clean: dict[str, object] = {}
    for name, cleaner in (("call_paths", clean_call_paths),
                          ("pbx_addresses", clean_pbx_addresses)):
        try:
            clean[name] = cleaner(getattr(data, name))
        except ValueError as exc:
            errors[name] = str(exc)
    auth = (data.authentication or "").strip()
    if auth not in TrunkAuthentication.values:
        errors["authentication"] = "Choose how the PBX authenticates: registration or IP/static."
    clean["authentication"] = auth
    username, password = (data.sip_username or "").strip(), data.sip_password or ""
    if auth == TrunkAuthentication.REGISTRATION:
        if not SIP_USERNAME.match(username):
            errors["sip_username"] = ("Enter the SIP user name the PBX registers with: 1 to 80 "
                                      "letters, digits and . _ @ + -")
        if not (SIP_PASSWORD_MIN <= len(password) <= SIP_PASSWORD_MAX) \
                or not password.isascii() or not password.isprintable() or " " in password:
            errors["sip_password"] = (f"Enter the SIP password: {SIP_PASSWORD_MIN} to "
                                      f"{SIP_PASSWORD_MAX} characters, no spaces.")
    else:
        username = password = ""
    clean["sip_username"], clean["sip_password"] = username, password
    try:
        clean["failover_number"] = to_e164(data.failover_number)
    except InvalidNumber as exc:
        errors["failover_number"] = ("Enter the failover number as 10 digits "
                                     f"(NPA NXX XXXX): {exc.message}")
    transport = (data.transport or "").strip()
    if transport not in ("", *TrunkTransport.values):
        errors["transport"] = "Choose UDP, TCP or TLS, or leave it empty."
    clean["transport"] = transport
    if errors:
        raise TrunkFactsInvalid(errors)
    return clean


def trunk_facts_editable(order: Order) -> bool:
    """A held trunking order takes trunk facts; once set up (or cancelled) they are fixed."""
    return order.state == OrderState.HELD and bool(order.customer and order.customer.is_trunking)


def trunk_facts_save(*, order_id: int, user: User, data: TrunkFactsInput) -> TrunkFacts:
    """Store the trunk facts of a held trunking order the user may see (audit row too).

    A registration trunk left with an empty password keeps the password it had, so the page
    never has to show it again."""
    order = order_get(user=user, order_id=order_id)
    existing = TrunkFacts.objects.filter(order=order).first()
    if (existing is not None and not data.sip_password
            and data.authentication == TrunkAuthentication.REGISTRATION):
        data.sip_password = existing.sip_password
    clean = trunk_facts_validate(data)
    with transaction.atomic():
        order = (Order.objects.select_for_update(of=("self",), no_key=True)
                 .select_related("customer").get(pk=order.pk))
        if not trunk_facts_editable(order):
            raise OrionError("The trunk details can be changed only while the trunking order "
                             "is held for its manual set-up.", code="trunk_facts_fixed")
        facts, created = TrunkFacts.objects.update_or_create(
            order=order, defaults={**clean, "updated_by": user})
        changes = {k: v for k, v in clean.items() if k != "sip_password"}
        changes["password"] = "set" if clean["sip_password"] else ""
        audit_record(actor=user, action="order.trunk_facts", obj=order, changes=changes,
                     reason="created" if created else "changed")
    return facts
