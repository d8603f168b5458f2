"""An in-process emulator per test (port 0) and clients pointed at it; no database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from orion.broadworks import BroadWorksClient, BroadWorksConfig
from orion.broadworks.emulator import EmulatorServer
from orion.broadworks.emulator.certs import DevCertificate, ensure_dev_certificate


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


@pytest.fixture(scope="session")
def dev_certificate(tmp_path_factory: pytest.TempPathFactory) -> DevCertificate:
    """A real self-signed certificate made by the openssl command, as ``orion run`` makes it."""
    return ensure_dev_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def transport_emulator(dev_certificate: DevCertificate) -> Iterator[EmulatorServer]:
    """An emulator serving TCP, TLS and SOAP (free ports), one state behind all three."""
    server = EmulatorServer(
        host="127.0.0.1",
        port=0,
        control_port=0,
        seed=1,
        tls_port=0,
        tls_cert=dev_certificate.cert_file,
        tls_key=dev_certificate.key_file,
        soap_port=0,
    )
    server.start_in_thread()
    yield server
    server.stop()

