"""Which URLs Orion may call for a partner: the SSRF guard.

A webhook makes Orion's servers send requests where a partner says, so in production only
``https://`` to public addresses is allowed: not loopback, private (RFC 1918, ULA), link-local
(169.254.169.254 is the cloud metadata service), shared, reserved, multicast or unspecified
ranges. The check runs at registration and again at every delivery on the addresses the
connection then uses (``transport`` connects to the checked address itself), so a name that
later resolves elsewhere (DNS rebinding) is refused too.

``ORION_WEBHOOKS_ALLOW_PRIVATE`` (development and tests: true; production: false) lifts the
address and scheme rules for local receivers.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from orion.webhooks.exceptions import AddressRefused
from orion.webhooks.models import URL_MAX_LENGTH

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def private_allowed() -> bool:
    return bool(settings.ORION_WEBHOOKS_ALLOW_PRIVATE)


def url_clean(url: str, *, resolve: bool = True) -> str:
    """The URL as stored, or ``AddressRefused`` saying what to change (field ``url``)."""
    url = (url or "").strip()
    if not url:
        raise AddressRefused("Enter the URL Orion should send events to.", field="url")
    if len(url) > URL_MAX_LENGTH:
        raise AddressRefused(f"The URL may have at most {URL_MAX_LENGTH} characters.",
                             field="url")
    schemes = ["https", "http"] if private_allowed() else ["https"]
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError:
        raise AddressRefused("Enter a full URL such as https://example.com/orion-events.",
                             field="url") from None
    parts = urlsplit(url)
    if parts.scheme.lower() not in schemes:
        raise AddressRefused("Use an https:// URL: events are sent over TLS only.",
                             field="url")
    if parts.username or parts.password:
        raise AddressRefused("Leave user names and passwords out of the URL; verify the "
                             "signature instead.", field="url")
    if parts.fragment:
        raise AddressRefused("Leave the #fragment out of the URL.", field="url")
    if resolve:
        addresses_check(parts)
    return url


def target(parts: SplitResult) -> tuple[str, int]:
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    return host, port


def addresses_check(parts: SplitResult) -> list[IPAddress]:
    """The addresses of the URL's host, each one allowed, or ``AddressRefused``."""
    host, port = target(parts)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise AddressRefused(f"The host {host} could not be found; check the URL.",
                             field="url") from None
    addresses: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not private_allowed():
        for address in addresses:
            if not address_is_public(address):
                raise AddressRefused(
                    f"{host} points to {address}, a private or reserved address; Orion "
                    "sends events to public addresses only.", field="url")
    if not addresses:
        raise AddressRefused(f"The host {host} has no address; check the URL.", field="url")
    return addresses


def address_is_public(address: IPAddress) -> bool:
    """Globally routable unicast only (an IPv4-mapped IPv6 address is judged as IPv4)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (address.is_global and not address.is_multicast and not address.is_reserved
            and not address.is_loopback and not address.is_link_local
            and not address.is_private and not address.is_unspecified)
