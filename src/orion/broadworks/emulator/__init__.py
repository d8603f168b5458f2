"""A protocol-faithful BroadWorks OCI-P emulator for development, tests and benchmarks."""

from __future__ import annotations

from orion.broadworks.emulator.control import (
    ControlError,
    emulator_reset,
    emulator_set_faults,
    emulator_state_dump,
)
from orion.broadworks.emulator.errors import EmulatorError, Err
from orion.broadworks.emulator.faults import FaultSettings
from orion.broadworks.emulator.server import EmulatorServer
from orion.broadworks.emulator.state import EmulatorState

__all__ = [
    "ControlError",
    "EmulatorError",
    "EmulatorServer",
    "EmulatorState",
    "Err",
    "FaultSettings",
    "emulator_reset",
    "emulator_set_faults",
    "emulator_state_dump",
]
