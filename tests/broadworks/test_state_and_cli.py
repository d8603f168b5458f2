"""State file round trip, the control interface and the management command."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from orion.broadworks import BroadWorksClient, BroadWorksConfig
from orion.broadworks.emulator import (
    ControlError,
    EmulatorServer,
    emulator_reset,
    emulator_set_faults,
    emulator_state_dump,
)
from orion.broadworks.emulator.control import control_request
from orion.broadworks.management.commands.broadworks_emulator import Command
from tests.broadworks.helpers import GROUP, SP, add_enterprise, add_group


def _provision(server: EmulatorServer) -> None:
    with BroadWorksClient(BroadWorksConfig(host=server.host, port=server.port)) as bw:
        add_enterprise(bw)
        add_group(bw)
        bw.request(
            "ServiceProviderDnAddListRequest", service_provider_id=SP, phone_number=["2125550001"]
        )


def test_restart_keeps_state(tmp_path: Path) -> None:
    path = tmp_path / "state" / "emulator.json"
    first = EmulatorServer(port=0, state_file=path)
    first.start_in_thread()
    _provision(first)
    first.stop()
    saved = json.loads(path.read_text())
    assert saved["service_providers"][SP]["groups"][GROUP]["user_limit"] == 25
    assert [p.name for p in path.parent.iterdir()] == ["emulator.json"]  # no temp files left

    second = EmulatorServer(port=0, state_file=path)
    second.start_in_thread()
    try:
        with BroadWorksClient(BroadWorksConfig(host=second.host, port=second.port)) as bw:
            group = bw.request("GroupGetRequest22V5", service_provider_id=SP, group_id=GROUP)
            assert group.group_name == "Acme Head Office"
            dns = bw.request("ServiceProviderDnGetAvailableListRequest", service_provider_id=SP)
            assert dns.available_dn == ["+1-2125550001"]
    finally:
        second.stop()


def test_control_interface(emulator: EmulatorServer) -> None:
    _provision(emulator)
    host, port = emulator.host, emulator.control_port
    assert SP in emulator_state_dump(host, port)["service_providers"]
    faults = emulator_set_faults(host, port, latency_ms=5, drop_rate=0.25)
    assert (faults["latency_ms"], faults["drop_rate"]) == (5, 0.25)
    with pytest.raises(ControlError):
        emulator_set_faults(host, port, drop_rate=2)
    with pytest.raises(ControlError):
        emulator_set_faults(host, port, no_such_fault=1)
    stats = control_request(host, port, {"op": "stats"})["stats"]
    assert stats["documents"] > 0 and stats["commands"] >= stats["documents"]
    emulator_reset(host, port)
    assert emulator_state_dump(host, port)["service_providers"] == {}


def test_dump_reads_the_state_file_or_the_control_port(
    tmp_path: Path, emulator: EmulatorServer
) -> None:
    path = tmp_path / "emulator.json"
    server = EmulatorServer(port=0, state_file=path)
    server.start_in_thread()
    _provision(server)
    server.stop()
    out = StringIO()
    call_command(Command(), "--dump", "--state-file", str(path), stdout=out)
    assert SP in json.loads(out.getvalue())["service_providers"]

    _provision(emulator)
    out = StringIO()
    call_command(Command(), "--dump", "--control-port", str(emulator.control_port), stdout=out)
    assert json.loads(out.getvalue()) == emulator_state_dump(emulator.host, emulator.control_port)


def test_command_needs_no_database() -> None:
    assert Command.requires_system_checks == []


def test_cli_serves_until_terminated(tmp_path: Path) -> None:
    """``python -m django broadworks_emulator`` with flags and env overrides, then SIGTERM."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "orion.settings",
        "ORION_EMULATOR_USER": "robot",
        "ORION_EMULATOR_PASSWORD": "pw-from-env",
        "ORION_EMULATOR_STATE": str(tmp_path / "cli.json"),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "django",
            "broadworks_emulator",
            "--port",
            "0",
            "--control-port",
            "0",
            "--latency-ms",
            "1",
            "--save-interval",
            "600",  # so only the SIGTERM flush can put the write in the file
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        match = re.search(r"on 127\.0\.0\.1:(\d+), control 127\.0\.0\.1:(\d+), state (\S+)", line)
        assert match, line + proc.stderr.read() if proc.poll() is not None else line
        port, control = int(match.group(1)), int(match.group(2))
        cfg = BroadWorksConfig(
            port=port, username="robot", password="pw-from-env", login_flow="22V5"
        )
        with BroadWorksClient(cfg) as bw:
            bw.request("SystemDomainAddRequest", domain="cli.example.com")
        assert "cli.example.com" in emulator_state_dump("127.0.0.1", control)["system_domains"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    assert proc.returncode == 0
    assert "cli.example.com" in (tmp_path / "cli.json").read_text()
