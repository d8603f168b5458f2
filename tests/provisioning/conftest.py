"""Provisioning tests run against the real emulator, in-process, on an ephemeral port."""

from __future__ import annotations

import pytest

from orion.broadworks.config import BroadWorksConfig
from orion.broadworks.emulator.server import EmulatorServer


@pytest.fixture
def emulator():
    server = EmulatorServer(port=0, control_port=0)
    host, port = server.start_in_thread()
    server.host, server.port = host, port
    yield server
    server.stop()


@pytest.fixture
def bw_config(emulator) -> BroadWorksConfig:
    return BroadWorksConfig(host=emulator.host, port=emulator.port, command_timeout=5.0,
                            connect_timeout=2.0)
