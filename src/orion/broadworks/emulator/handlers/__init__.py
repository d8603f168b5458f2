"""What each supported OCI-P request does to the emulator's state, and what it answers.

One module per part of the model; importing them fills the registry in ``base``.
"""

from __future__ import annotations

from orion.broadworks.emulator.handlers import (  # noqa: F401 - imported to register
    customers,
    devices,
    domains,
    enterprises,
    extension_lengths,
    login,
    numbers,
    services,
    user_services,
    users,
)
from orion.broadworks.emulator.handlers.base import (
    HANDLERS,
    LOGIN_REQUESTS,
    Context,
    Session,
    dispatch,
)
from orion.broadworks.emulator.handlers.login import end_session

__all__ = ["HANDLERS", "LOGIN_REQUESTS", "Context", "Session", "dispatch", "end_session"]
