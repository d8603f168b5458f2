"""Provisioning steps shared by the BroadWorks tests, and a raw-socket OCI-P peer."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from orion.broadworks import BroadWorksClient, BroadWorksConfig, ocip_request
from orion.broadworks.codec import DOCUMENT_END
from orion.broadworks.emulator import EmulatorServer

SP = "ACME"
GROUP = "ACME-HQ"
DOMAIN = "acme.example.com"


def add_enterprise(bw: BroadWorksClient, sp: str = SP, domain: str = DOMAIN) -> None:
    bw.batch_or_raise(
        [
            ocip_request("SystemDomainAddRequest", domain=domain),
            ocip_request(
                "ServiceProviderAddRequest13mp2",
                service_provider_id=sp,
                default_domain=domain,
                is_enterprise=True,
                service_provider_name=f"{sp} Corp",
            ),
        ]
    )


def add_group(bw: BroadWorksClient, sp: str = SP, group: str = GROUP, domain: str = DOMAIN) -> None:
    bw.request(
        "GroupAddRequest",
        service_provider_id=sp,
        group_id=group,
        default_domain=domain,
        user_limit=25,
        group_name="Acme Head Office",
        calling_line_id_name="ACME HQ",
        time_zone="America/New_York",
        contact={"contact_name": "Jane Doe", "contact_number": "2125550100"},
        address={"address_line1": "1 Main St", "city": "New York", "state_or_province": "NY"},
    )


def document(*commands: str, session: str = "raw-session") -> bytes:
    """A request document from ``<command>`` XML snippets, as a client would write it."""
    body = "".join(commands)
    return (
        '<?xml version="1.0" encoding="ISO-8859-1"?>'
        '<BroadsoftDocument protocol="OCI" xmlns="C" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<sessionId xmlns="">{session}</sessionId>{body}</BroadsoftDocument>'
    ).encode("iso-8859-1")


def command(type_name: str, echo: str | None = None, **fields: Any) -> str:
    echo_attr = f' echo="{echo}"' if echo is not None else ""
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    return f'<command xmlns="" xsi:type="{type_name}"{echo_attr}>{inner}</command>'


class RawPeer:
    """A bare TCP client: send exactly these bytes, read whole answer documents."""

    def __init__(self, host: str, port: int, timeout: float = 5.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_documents(self, count: int = 1) -> list[bytes]:
        docs: list[bytes] = []
        while len(docs) < count:
            end = self.buffer.find(DOCUMENT_END)
            if end != -1:
                cut = end + len(DOCUMENT_END)
                docs.append(self.buffer[:cut].strip())
                self.buffer = self.buffer[cut:]
                continue
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"closed after {len(docs)} documents")
            self.buffer += chunk
        return docs

    def closed_by_server(self) -> bool:
        """True when the server closed its side (EOF), after any pending answer."""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buffer += chunk
        except (ConnectionResetError, BrokenPipeError):
            return True
        except TimeoutError:
            return False

    def close(self) -> None:
        self.sock.close()


def transport_config(
    server: EmulatorServer, transport: str, ca_file: Path, **options: Any
) -> BroadWorksConfig:
    """Orion's client settings for one transport of ``server``."""
    port = {"tcp": server.port, "tls": server.tls_port, "soap": server.soap_port}[transport]
    return BroadWorksConfig(
        host=server.host,
        port=port,
        transport=transport,  # type: ignore[arg-type]
        ca_file=str(ca_file),
        connect_timeout=2,
        command_timeout=5,
        **options,
    )
