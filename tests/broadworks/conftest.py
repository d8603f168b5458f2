"""TLS/SOAP fixtures of the transport tests. The emulator itself (``emulator``), its config
(``bw_config``) and a client (``bw_client``) are the suite's, in tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from orion.broadworks.emulator import EmulatorServer
from orion.broadworks.emulator.certs import DevCertificate, ensure_dev_certificate


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

