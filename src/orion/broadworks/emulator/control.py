"""Client side of the emulator's control interface (line-based JSON over TCP).

Tests and ``--dump`` read the state, reset it and change faults of a running emulator
without going through OCI-P, so what they check is the emulator's own view.
"""

from __future__ import annotations

import json
import socket
from typing import Any


class ControlError(RuntimeError):
    """The control interface refused a request or could not be reached."""


def control_request(
    host: str, control_port: int, request: dict[str, Any], *, timeout: float = 10.0
) -> dict[str, Any]:
    """Send one JSON request line and return the decoded answer (``ok`` checked)."""
    try:
        with socket.create_connection((host, control_port), timeout=timeout) as sock:
            sock.sendall(json.dumps(request).encode() + b"\n")
            data = bytearray()
            while not data.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError as exc:
        raise ControlError(f"emulator control port {host}:{control_port}: {exc}") from exc
    try:
        answer = json.loads(data)
    except ValueError as exc:
        raise ControlError(f"unreadable control answer: {bytes(data[:200])!r}") from exc
    if not answer.get("ok"):
        raise ControlError(answer.get("error", "control request refused"))
    return answer


def emulator_state_dump(host: str, control_port: int) -> dict[str, Any]:
    """The emulator's whole state, as ``--dump`` prints it."""
    return control_request(host, control_port, {"op": "dump"})["state"]


def emulator_reset(host: str, control_port: int, state: dict[str, Any] | None = None) -> None:
    """Forget everything (or load ``state``), e.g. between tests."""
    control_request(host, control_port, {"op": "reset", "state": state})


def emulator_set_faults(host: str, control_port: int, **changes: Any) -> dict[str, Any]:
    """Change fault settings at runtime; returns all settings after the change."""
    return control_request(host, control_port, {"op": "faults", "set": changes})["faults"]
