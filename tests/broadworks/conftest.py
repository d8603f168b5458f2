"""An in-process emulator per test (port 0) and clients pointed at it; no database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from orion.broadworks import BroadWorksClient, BroadWorksConfig
from orion.broadworks.emulator import EmulatorServer


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    server = EmulatorServer(host="127.0.0.1", port=0, control_port=0, seed=1)
    server.start_in_thread()
    yield server
    server.stop()


@pytest.fixture
def config(emulator: EmulatorServer) -> BroadWorksConfig:
    return BroadWorksConfig(
        host=emulator.host, port=emulator.port, connect_timeout=2, command_timeout=5
    )


@pytest.fixture
def client(config: BroadWorksConfig) -> Iterator[BroadWorksClient]:
    with BroadWorksClient(config) as bw:
        yield bw
