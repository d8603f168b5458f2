"""``orion run``: the emulator starts with TLS and SOAP, on a certificate made once."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from orion.ops.management.commands.run import processes


def _emulator_args(settings) -> dict[str, str]:
    argv = shlex.split(processes(bind="127.0.0.1:8000", web_workers=1)["emulator"])
    flags = [i for i, a in enumerate(argv) if a.startswith("--")]
    return {argv[i]: argv[i + 1] for i in flags if i + 1 < len(argv)}


@pytest.fixture
def emulator_settings(settings, tmp_path: Path):
    settings.ORION_BROADWORKS_IS_EMULATOR = True
    settings.ORION_BROADWORKS_TLS_DIR = tmp_path / "broadworks-tls"
    settings.ORION_BROADWORKS_TRANSPORT = "tcp"
    settings.ORION_BROADWORKS_PORT = 2208
    return settings


def test_emulator_starts_with_tls_and_soap_on_a_dev_certificate(emulator_settings) -> None:
    args = _emulator_args(emulator_settings)
    tls_dir = emulator_settings.ORION_BROADWORKS_TLS_DIR
    assert (args["--port"], args["--tls-port"], args["--soap-port"]) == ("2208", "2209", "2280")
    assert (args["--tls-cert"], args["--tls-key"]) == (
        str(tls_dir / "cert.pem"),
        str(tls_dir / "key.pem"),
    )
    assert (tls_dir / "cert.pem").read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")


def test_the_certificate_is_reused_on_later_starts(emulator_settings) -> None:
    _emulator_args(emulator_settings)
    cert = emulator_settings.ORION_BROADWORKS_TLS_DIR / "cert.pem"
    before = (cert.read_bytes(), cert.stat().st_mtime_ns)
    _emulator_args(emulator_settings)
    assert (cert.read_bytes(), cert.stat().st_mtime_ns) == before


@pytest.mark.parametrize(
    ("transport", "port", "expected"),
    [
        ("tls", 3209, ("2208", "3209", "2280")),
        ("soap", 3280, ("2208", "2209", "3280")),
    ],
)
def test_the_configured_transport_gets_the_configured_port(
    emulator_settings, transport: str, port: int, expected: tuple[str, str, str]
) -> None:
    emulator_settings.ORION_BROADWORKS_TRANSPORT = transport
    emulator_settings.ORION_BROADWORKS_PORT = port
    args = _emulator_args(emulator_settings)
    assert (args["--port"], args["--tls-port"], args["--soap-port"]) == expected


def test_no_emulator_no_certificate(settings, tmp_path: Path) -> None:
    settings.ORION_BROADWORKS_IS_EMULATOR = False
    settings.ORION_BROADWORKS_TLS_DIR = tmp_path / "broadworks-tls"
    assert "emulator" not in processes(bind="127.0.0.1:8000", web_workers=1)
    assert not settings.ORION_BROADWORKS_TLS_DIR.exists()
