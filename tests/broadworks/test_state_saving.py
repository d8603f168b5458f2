"""Coalesced state-file saves: one save per burst of writes, always flushed on a clean stop.

No timed assertions of speed: "within the interval" is polled with a generous deadline.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from orion.broadworks import BroadWorksClient, BroadWorksConfig, ocip_request
from orion.broadworks.emulator import EmulatorServer
from orion.broadworks.emulator.state import EmulatorState
from tests.broadworks.helpers import SP, add_enterprise

DOMAINS = [f"d{i}.example.com" for i in range(40)]


def _client(server: EmulatorServer) -> BroadWorksClient:
    return BroadWorksClient(BroadWorksConfig(host=server.host, port=server.port))


def _add_domains(server: EmulatorServer, domains: list[str]) -> None:
    """One changing document per domain, each acknowledged before the next is sent."""
    with _client(server) as bw:
        for domain in domains:
            bw.request("SystemDomainAddRequest", domain=domain)


def test_a_burst_of_writes_is_saved_once_and_flushed_on_stop(tmp_path: Path) -> None:
    path = tmp_path / "emulator.json"
    server = EmulatorServer(port=0, state_file=path, save_interval=60)
    server.start_in_thread()
    try:
        _add_domains(server, DOMAINS)
        with _client(server) as bw:
            add_enterprise(bw)
        assert server.stats.writes >= len(DOMAINS) + 2
        assert server.stats.saves == 0  # all of it waits for the one scheduled save
        assert not path.exists()
    finally:
        server.stop()
    assert server.stats.saves == 1
    saved = json.loads(path.read_text())
    assert set(DOMAINS) <= set(saved["system_domains"])
    assert SP in saved["service_providers"]
    assert [p.name for p in tmp_path.iterdir()] == ["emulator.json"]  # no temp files left


def test_default_interval_writes_the_file_far_less_often_than_commands(tmp_path: Path) -> None:
    path = tmp_path / "emulator.json"
    server = EmulatorServer(port=0, state_file=path)
    assert server.save_interval == 1.0
    server.start_in_thread()
    try:
        _add_domains(server, DOMAINS)
        running_saves = server.stats.saves
    finally:
        server.stop()
    # Saves are at least a second apart: a burst of 40 writes is a handful of saves at most
    # (0 when it takes under a second), however slow the machine.
    assert server.stats.writes == len(DOMAINS)
    assert running_saves < len(DOMAINS) // 4
    assert set(DOMAINS) <= set(EmulatorState.load(path).system_domains)


def test_a_single_write_is_saved_within_the_interval_without_a_stop(tmp_path: Path) -> None:
    path = tmp_path / "emulator.json"
    server = EmulatorServer(port=0, state_file=path, save_interval=0.2)
    server.start_in_thread()
    try:
        _add_domains(server, ["alone.example.com"])
        deadline = time.monotonic() + 15
        while server.stats.saves == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.stats.saves == 1
        assert "alone.example.com" in EmulatorState.load(path).system_domains
        # the restart a crash would lead to: a new emulator from the file shows the write
        restarted = EmulatorServer(port=0, state_file=path)
        restarted.start_in_thread()
        try:
            with _client(restarted) as bw:
                answer = bw.request("SystemDomainGetListRequest")
            assert "alone.example.com" in answer.domain
        finally:
            restarted.stop()
    finally:
        server.stop()


def test_restart_after_a_coalesced_burst_shows_every_write(tmp_path: Path) -> None:
    path = tmp_path / "emulator.json"
    first = EmulatorServer(port=0, state_file=path, save_interval=60)
    first.start_in_thread()
    try:
        with _client(first) as bw:
            add_enterprise(bw)
            bw.batch_or_raise(
                [ocip_request("ServiceProviderDnAddListRequest", service_provider_id=SP,
                              phone_number=[f"212555{n:04d}"]) for n in range(10)]
            )  # fmt: skip
    finally:
        first.stop()
    second = EmulatorServer(port=0, state_file=path)
    second.start_in_thread()
    try:
        with _client(second) as bw:
            dns = bw.request("ServiceProviderDnGetAvailableListRequest", service_provider_id=SP)
        assert len(dns.available_dn) == 10
    finally:
        second.stop()


def test_interval_zero_saves_after_every_changing_document(tmp_path: Path) -> None:
    path = tmp_path / "emulator.json"
    server = EmulatorServer(port=0, state_file=path, save_interval=0)
    server.start_in_thread()
    try:
        _add_domains(server, DOMAINS[:5])
        with _client(server) as bw:
            bw.request("SystemDomainGetListRequest")  # a read: no save
        assert server.stats.saves == 5
    finally:
        server.stop()
    assert server.stats.saves == 6  # and once more at the stop


def test_without_a_state_file_nothing_is_saved() -> None:
    server = EmulatorServer(port=0, save_interval=0)
    server.start_in_thread()
    try:
        _add_domains(server, DOMAINS[:3])
    finally:
        server.stop()
    assert server.stats.saves == 0


def test_a_negative_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="save_interval"):
        EmulatorServer(port=0, save_interval=-1)
