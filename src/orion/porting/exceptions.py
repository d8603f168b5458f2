"""Port-in errors: each says what the partner or staff member can do next."""

from __future__ import annotations

from orion.core.exceptions import OrionError


class PortError(OrionError):
    code = "port_error"


class PortRefused(PortError):
    """A value of the request that the losing carrier (or Orion) would not accept."""

    code = "port_refused"


class PortNumbersRefused(PortError):
    """A number that cannot be ported in: not NANP, already live in Orion, or in another open
    port request. The message names the number."""

    code = "port_numbers_refused"


class LoaRefused(PortError):
    """A signed letter of authorization that is not a PDF or is too large."""

    code = "loa_refused"


class InvalidPortTransition(PortError):
    code = "invalid_port_transition"


class StalePortState(PortError):
    """The request was moved by someone else meanwhile."""

    code = "stale_port_state"
