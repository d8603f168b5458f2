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

#: Commands per BroadsoftDocument allowed by the OCI-P schema.
MAX_COMMANDS_PER_DOCUMENT = 15


@dataclass(frozen=True)
class BroadWorksConfig:
    """Where and how to log in; passwords never appear in ``repr`` (logs, tracebacks)."""

    host: str = "127.0.0.1"
    port: int = 2208
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

    def __post_init__(self) -> None:
        if self.login_flow not in LOGIN_FLOWS:
            raise ValueError(f"login_flow must be one of {LOGIN_FLOWS}, not {self.login_flow!r}")
        if self.pool_size < 1:
            raise ValueError("pool_size must be at least 1")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> BroadWorksConfig:
        """Read ``ORION_BROADWORKS_*``; the defaults point at a local emulator."""
        env = os.environ if environ is None else environ
        flow = env.get("ORION_BROADWORKS_LOGIN", "legacy")
        return cls(
            host=env.get("ORION_BROADWORKS_HOST", "127.0.0.1"),
            port=int(env.get("ORION_BROADWORKS_PORT", "2208")),
            username=env.get("ORION_BROADWORKS_USER", "admin"),
            password=env.get("ORION_BROADWORKS_PASSWORD", "ocip-demo-password"),
            login_flow=flow,  # type: ignore[arg-type]  # checked in __post_init__
            connect_timeout=float(env.get("ORION_BROADWORKS_CONNECT_TIMEOUT", "5")),
            command_timeout=float(env.get("ORION_BROADWORKS_COMMAND_TIMEOUT", "30")),
            pool_size=int(env.get("ORION_BROADWORKS_POOL_SIZE", "3")),
        )
