"""Orion's client against the emulator: logins, batching, recovery, timeouts, typed errors."""

from __future__ import annotations

import threading
import time

import pytest

from orion.broadworks import (
    BroadWorksClient,
    BroadWorksConfig,
    BroadWorksPool,
    OCIAlreadyExists,
    OCIAuthenticationError,
    OCIConnectionError,
    OCIExchange,
    OCINotFound,
    OCITimeout,
    OCITransientError,
    ocip_request,
)
from orion.broadworks.emulator import EmulatorServer, emulator_set_faults
from tests.broadworks.helpers import DOMAIN, GROUP, SP, add_enterprise, add_group


def _stats(emulator: EmulatorServer) -> dict[str, int]:
    return emulator.call(lambda: vars(emulator.stats).copy())


@pytest.mark.parametrize("flow", ["legacy", "22V5"])
def test_both_login_flows(bw_config: BroadWorksConfig, flow: str) -> None:
    exchanges: list[OCIExchange] = []
    cfg = BroadWorksConfig(**{**bw_config.__dict__, "login_flow": flow})
    with BroadWorksClient(cfg, on_exchange=exchanges.append) as bw:
        domains = bw.request("SystemDomainGetListRequest")
        assert domains.system_default_domain == "voip.orion.test"
        assert bw.login_response is not None
        expected = "LoginResponse22V5" if flow == "22V5" else "LoginResponse14sp4"
        assert bw.login_response.type_ == expected
    logins = [e.commands for e in exchanges][:2]
    if flow == "legacy":
        assert logins == [("AuthenticationRequest",), ("LoginRequest14sp4",)]
    else:
        assert logins[0] == ("LoginRequest22V5",)


@pytest.mark.parametrize("flow", ["legacy", "22V5"])
def test_wrong_password_raises_authentication_error(bw_config: BroadWorksConfig, flow: str) -> None:
    cfg = BroadWorksConfig(**{**bw_config.__dict__, "password": "nope", "login_flow": flow})
    with pytest.raises(OCIAuthenticationError) as caught:
        BroadWorksClient(cfg).connect()
    assert caught.value.code == 4962


def test_audit_hook_redacts_passwords(bw_config: BroadWorksConfig) -> None:
    exchanges: list[OCIExchange] = []
    for flow in ("legacy", "22V5"):
        cfg = BroadWorksConfig(**{**bw_config.__dict__, "login_flow": flow})
        with BroadWorksClient(cfg, on_exchange=exchanges.append) as bw:
            bw.request("SystemDomainGetListRequest")
    text = "".join(e.request_xml + (e.response_xml or "") for e in exchanges)
    assert "ocip-demo-password" not in text
    assert "<signedPassword>[REDACTED]</signedPassword>" in text
    assert "<password>[REDACTED]</password>" in text
    lists = [e for e in exchanges if e.commands == ("SystemDomainGetListRequest",)]
    assert lists and all(e.duration > 0 and "voip.orion.test" in e.response_xml for e in lists)


def test_fifteen_commands_travel_in_one_document(
    bw_client: BroadWorksClient, emulator: EmulatorServer
) -> None:
    add_enterprise(bw_client)
    exchanges: list[OCIExchange] = []
    bw_client.on_exchange = exchanges.append
    numbers = [f"21255510{n:02d}" for n in range(15)]
    requests = [
        ocip_request("ServiceProviderDnAddListRequest", service_provider_id=SP, phone_number=[dn])
        for dn in numbers
    ]
    before = _stats(emulator)["documents"]
    results = bw_client.batch(requests)
    assert [r.ok for r in results] == [True] * 15
    assert [e.commands for e in exchanges] == [("ServiceProviderDnAddListRequest",) * 15]
    assert _stats(emulator)["documents"] == before + 1
    assert [r.echo for r in results] == sorted({r.echo for r in results}, key=int)

    # 16 commands go as two documents (15 + 1), results still in order.
    more = [ocip_request("ServiceProviderDnGetAvailableListRequest", service_provider_id=SP)] * 16
    results = bw_client.batch(more)
    assert len(results) == 16 and all(r.ok for r in results)
    assert [len(e.commands) for e in exchanges[1:]] == [15, 1]
    assert results[-1].response.available_dn == [f"+1-{n}" for n in numbers]


def test_batch_reports_each_command_and_runs_all_after_a_failure(
    bw_client: BroadWorksClient,
) -> None:
    add_enterprise(bw_client)
    group = {"service_provider_id": SP, "default_domain": DOMAIN, "user_limit": 5}
    results = bw_client.batch(
        [
            ("GroupAddRequest", {**group, "group_id": "G1"}),
            ("GroupAddRequest", {**group, "group_id": "G2"}),
            ("GroupAddRequest", {**group, "group_id": "G1"}),  # duplicate
            ("GroupGetRequest22V5", {"service_provider_id": SP, "group_id": "G9"}),  # missing
            ("GroupGetRequest22V5", {"service_provider_id": SP, "group_id": "G2"}),
        ]
    )
    assert [r.ok for r in results] == [True, True, False, False, True]
    assert isinstance(results[2].error, OCIAlreadyExists) and results[2].error.code == 4202
    assert isinstance(results[3].error, OCINotFound) and results[3].error.code == 4152
    assert results[4].response.group_id == "G2"
    with pytest.raises(OCIAlreadyExists):
        bw_client.batch_or_raise([("GroupAddRequest", {**group, "group_id": "G1"})])


def test_relogin_after_server_drops_the_socket(
    bw_client: BroadWorksClient, emulator: EmulatorServer
) -> None:
    add_enterprise(bw_client)
    emulator_set_faults(emulator.host, emulator.control_port, drop_next=1)
    sessions = _stats(emulator)["sessions_total"]
    response = bw_client.request("ServiceProviderGetRequest22V4", service_provider_id=SP)
    assert response.service_provider_id == SP
    assert _stats(emulator)["sessions_total"] == sessions + 1  # a new, logged-in socket


def test_no_resend_when_disabled(bw_config: BroadWorksConfig, emulator: EmulatorServer) -> None:
    cfg = BroadWorksConfig(**{**bw_config.__dict__, "resend_on_disconnect": False})
    with BroadWorksClient(cfg) as bw:
        bw.connect()
        emulator.set_faults(drop_next=1)
        with pytest.raises(OCIConnectionError):
            bw.request("SystemDomainGetListRequest")
        assert bw.request("SystemDomainGetListRequest").domain  # next call logs in again


def test_session_lost_on_server_side_logs_in_again(bw_client: BroadWorksClient) -> None:
    bw_client.request("LogoutRequest", user_id="admin")  # server forgets the login, socket stays
    assert bw_client.request("SystemDomainGetListRequest").system_default_domain


def test_hang_times_out_and_next_request_recovers(
    bw_config: BroadWorksConfig, emulator: EmulatorServer
) -> None:
    cfg = BroadWorksConfig(**{**bw_config.__dict__, "command_timeout": 0.5})
    with BroadWorksClient(cfg) as bw:
        bw.connect()
        emulator.set_faults(hang_next=1)
        start = time.monotonic()
        with pytest.raises(OCITimeout) as caught:
            bw.request("SystemDomainGetListRequest")
        assert time.monotonic() - start >= 0.4  # it waited for the answer, then gave up
        assert caught.value.retryable and not bw.connected
        assert bw.request("SystemDomainGetListRequest").domain


def test_connect_timeout_and_refused(emulator: EmulatorServer) -> None:
    refused = BroadWorksConfig(host="127.0.0.1", port=1, connect_timeout=1)
    with pytest.raises(OCIConnectionError):
        BroadWorksClient(refused).connect()


def test_transient_error_is_typed_and_retryable(
    bw_client: BroadWorksClient, emulator: EmulatorServer
) -> None:
    bw_client.connect()
    emulator.set_faults(transient_next=1)
    results = bw_client.batch([("SystemDomainGetListRequest", {}),
                               ("SystemDomainGetListRequest", {})])
    assert all(isinstance(r.error, OCITransientError) for r in results)
    assert results[0].error.code == 9999 and results[0].error.retryable
    assert bw_client.request("SystemDomainGetListRequest").domain  # not sticky


def test_latency_fault_slows_each_round_trip(
    bw_client: BroadWorksClient, emulator: EmulatorServer
) -> None:
    bw_client.connect()
    emulator.set_faults(latency_ms=50)
    before = _stats(emulator)["documents"]
    start = time.monotonic()
    bw_client.batch([("SystemDomainGetListRequest", {})] * 10)
    assert time.monotonic() - start >= 0.05  # the delay applies ...
    assert _stats(emulator)["documents"] == before + 1  # ... once: ten commands, one document


def test_pool_bounds_connections_across_threads(
    bw_config: BroadWorksConfig, emulator: EmulatorServer
) -> None:
    with BroadWorksClient(bw_config) as bw:
        add_enterprise(bw)
        add_group(bw)
    sessions = _stats(emulator)["sessions_total"]
    errors: list[BaseException] = []
    with BroadWorksPool(bw_config, size=2) as pool:

        def work() -> None:
            try:
                for _ in range(10):
                    group = pool.request(
                        "GroupGetRequest22V5", service_provider_id=SP, group_id=GROUP
                    )
                    assert group.group_id == GROUP
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert not errors
    assert _stats(emulator)["sessions_total"] - sessions <= 2


def test_config_from_env() -> None:
    default = BroadWorksConfig.from_env({})
    assert (default.host, default.port, default.username, default.login_flow) == (
        "127.0.0.1",
        2208,
        "admin",
        "legacy",
    )
    assert default.password == "ocip-demo-password" and "password" not in repr(default)
    custom = BroadWorksConfig.from_env(
        {
            "ORION_BROADWORKS_HOST": "as1.example.net",
            "ORION_BROADWORKS_PORT": "2209",
            "ORION_BROADWORKS_USER": "orion",
            "ORION_BROADWORKS_PASSWORD": "s3cret",
            "ORION_BROADWORKS_LOGIN": "22V5",
        }
    )
    assert (custom.host, custom.port, custom.username, custom.password, custom.login_flow) == (
        "as1.example.net",
        2209,
        "orion",
        "s3cret",
        "22V5",
    )
    with pytest.raises(ValueError):
        BroadWorksConfig.from_env({"ORION_BROADWORKS_LOGIN": "kerberos"})


def test_close_completes_against_a_hung_server(
    bw_config: BroadWorksConfig, emulator: EmulatorServer
) -> None:
    bw = BroadWorksClient(bw_config)  # command_timeout is 5 s
    bw.connect()
    emulator.set_faults(hang_next=1)  # the LogoutRequest never gets an answer
    bw.close()
    assert not bw.connected
