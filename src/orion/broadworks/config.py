"""Connection settings for one BroadWorks application server.

Passed explicitly to the client so tests, the benchmark and the provisioning worker can
each point at a different server (the emulator, a lab AS, production) without touching
global settings; ``from_env`` is the one place that reads the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

LoginFlow = Literal["legacy", "22V5"]
LOGIN_FLOWS: tuple[str, ...] = ("legacy", "22V5")
TransportName = Literal["tcp", "tls", "soap"]
TRANSPORTS: tuple[str, ...] = ("tcp", "tls", "soap")
#: BroadWorks' OCI-P ports (TCP 2208, TLS 2209); SOAP is served by the Xtended Services
#: Platform on 80/443, so 2280 is the Orion emulator's own choice for plain HTTP.
DEFAULT_PORTS: dict[str, int] = {"tcp": 2208, "tls": 2209, "soap": 2280}
#: Where BroadWorks serves OCI-P over SOAP.
SOAP_PATH = "/webservice/services/ProvisioningService"

#: Commands per BroadsoftDocument allowed by the OCI-P schema.
MAX_COMMANDS_PER_DOCUMENT = 15


@dataclass(frozen=True)
class BroadWorksConfig:
    """Where and how to log in; passwords never appear in ``repr`` (logs, tracebacks)."""

    host: str = "127.0.0.1"
    #: 0: the transport's default port (2208, 2209, 2280).
    port: int = 0
    username: str = "admin"
    password: str = field(default="ocip-demo-password", repr=False)
    #: "legacy": AuthenticationRequest + LoginRequest14sp4 (signed password, what
    #: broadworks-ocip does); "22V5": LoginRequest22V5 with the password (use on TLS).
    login_flow: LoginFlow = "legacy"
    connect_timeout: float = 5.0
    command_timeout: float = 30.0
    #: Authenticated connections a pool keeps; also the bound on requests in flight,
    #: because an overloaded application server hurts every customer on it.
    pool_size: int = 3
    #: Resend a document once on a fresh, logged-in connection when the server closed the
    #: socket before answering. A dropped socket can hide a command that did run, so
    #: callers must treat "already exists" on a resent add as success after a Get.
    resend_on_disconnect: bool = True
    #: "tcp" (2208, private networks only), "tls" (2209) or "soap" (HTTP POSTs to
    #: ``soap_url``); the documents are the same on all three.
    transport: TransportName = "tcp"
    #: CA certificates (PEM) that sign the server's certificate, for TLS and https SOAP;
    #: None: the system's trust store. Verification cannot be turned off.
    ca_file: str | None = None
    #: The SOAP endpoint; None: ``http://host:port/webservice/services/ProvisioningService``.
    soap_url: str | None = None

    def __post_init__(self) -> None:
        if self.login_flow not in LOGIN_FLOWS:
            raise ValueError(f"login_flow must be one of {LOGIN_FLOWS}, not {self.login_flow!r}")
        if self.transport not in TRANSPORTS:
            raise ValueError(f"transport must be one of {TRANSPORTS}, not {self.transport!r}")
        if not self.port:
            object.__setattr__(self, "port", DEFAULT_PORTS[self.transport])
        if self.pool_size < 1:
            raise ValueError("pool_size must be at least 1")

    @property
    def soap_endpoint(self) -> str:
        return self.soap_url or f"http://{self.host}:{self.port}{SOAP_PATH}"

    @property
    def address(self) -> str:
        """Where documents go, for logs and the audit trail."""
        return self.soap_endpoint if self.transport == "soap" else f"{self.host}:{self.port}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> BroadWorksConfig:
        """Read ``ORION_BROADWORKS_*``; the defaults point at a local emulator over TCP."""
        env = os.environ if environ is None else environ
        flow = env.get("ORION_BROADWORKS_LOGIN", "legacy")
        transport = env.get("ORION_BROADWORKS_TRANSPORT", "tcp") or "tcp"
        return cls(
            host=env.get("ORION_BROADWORKS_HOST", "127.0.0.1"),
            port=int(env.get("ORION_BROADWORKS_PORT") or 0),
            transport=transport,  # type: ignore[arg-type]  # checked in __post_init__
            ca_file=env.get("ORION_BROADWORKS_CA_FILE") or None,
            soap_url=env.get("ORION_BROADWORKS_SOAP_URL") or None,
            username=env.get("ORION_BROADWORKS_USER", "admin"),
            password=env.get("ORION_BROADWORKS_PASSWORD", "ocip-demo-password"),
            login_flow=flow,  # type: ignore[arg-type]  # checked in __post_init__
            connect_timeout=float(env.get("ORION_BROADWORKS_CONNECT_TIMEOUT", "5")),
            command_timeout=float(env.get("ORION_BROADWORKS_COMMAND_TIMEOUT", "30")),
            pool_size=int(env.get("ORION_BROADWORKS_POOL_SIZE", "3")),
        )
