"""The emulator against the unmodified broadworks-ocip client: an independent OCI-P peer."""

from __future__ import annotations

import pytest
from broadworks_ocip import BroadworksAPI, OCIErrorResponse

from orion.broadworks.emulator import EmulatorServer, emulator_state_dump


@pytest.fixture
def api(emulator: EmulatorServer):
    bw = BroadworksAPI(
        host=emulator.host,
        port=emulator.port,
        username="admin",
        password="ocip-demo-password",
        command_timeout=5,
    )
    yield bw
    bw.close()


def test_library_provisions_and_reads_back(api: BroadworksAPI, emulator: EmulatorServer) -> None:
    api.command("SystemDomainAddRequest", domain="acme.example.com")
    api.command(
        "ServiceProviderAddRequest13mp2",
        service_provider_id="ACME",
        default_domain="acme.example.com",
        is_enterprise=True,
        service_provider_name="Acme Corp",
    )
    api.command(
        "GroupAddRequest",
        service_provider_id="ACME",
        group_id="ACME-HQ",
        default_domain="acme.example.com",
        user_limit=10,
        group_name="Acme HQ",
        time_zone="America/Chicago",
    )
    api.command(
        "ServiceProviderDnAddListRequest",
        service_provider_id="ACME",
        phone_number=["2125551000", "+1-2125551001"],
    )
    api.command(
        "GroupDnAssignListRequest",
        service_provider_id="ACME",
        group_id="ACME-HQ",
        phone_number=["+12125551000"],
    )

    assert api.authenticated  # legacy login with the signed password worked
    sp = api.command("ServiceProviderGetRequest22V4", service_provider_id="ACME")
    assert (sp.is_enterprise, sp.service_provider_name) == (True, "Acme Corp")
    assert sp.default_domain == "acme.example.com"
    group = api.command("GroupGetRequest22V5", service_provider_id="ACME", group_id="ACME-HQ")
    assert (group.group_name, group.user_limit, group.time_zone) == (
        "Acme HQ",
        10,
        "America/Chicago",
    )
    groups = api.command("GroupGetListInServiceProviderRequest", service_provider_id="ACME")
    assert [row.group_id for row in groups.group_table] == ["ACME-HQ"]
    dns = api.command("GroupDnGetListRequest", service_provider_id="ACME", group_id="ACME-HQ")
    assert dns.phone_number == ["+1-2125551000"]
    available = api.command("ServiceProviderDnGetAvailableListRequest", service_provider_id="ACME")
    assert available.available_dn == ["+1-2125551001"]
    # An empty table still decodes (the library requires the element).
    auth = api.command(
        "GroupServiceGetAuthorizationListRequest", service_provider_id="ACME", group_id="ACME-HQ"
    )
    assert auth.group_services_authorization_table == []

    state = emulator_state_dump(emulator.host, emulator.control_port)
    assert state["service_providers"]["ACME"]["groups"]["ACME-HQ"]["dns"] == ["+1-2125551000"]


def test_library_sees_error_responses(api: BroadworksAPI) -> None:
    with pytest.raises(OCIErrorResponse) as caught:
        api.command("GroupGetRequest22V5", service_provider_id="NOPE", group_id="G1")
    assert "[Error 4152] Group not found: NOPE:G1" in caught.value.message


def test_library_wrong_password_is_refused(emulator: EmulatorServer) -> None:
    bad = BroadworksAPI(
        host=emulator.host,
        port=emulator.port,
        username="admin",
        password="wrong",
        command_timeout=5,
    )
    with pytest.raises(OCIErrorResponse) as caught:
        bad.command("SystemDomainGetListRequest")
    assert "[Error 4962] Invalid password" in caught.value.message
    bad.close(no_log=True)


def test_library_logout_reason_outside_enum_is_tolerated(emulator: EmulatorServer) -> None:
    """broadworks-ocip 3.0.0 logs out with reason "Connection close"; the server carries on."""
    first = BroadworksAPI(
        host=emulator.host, port=emulator.port, username="admin", password="ocip-demo-password"
    )
    first.command("SystemDomainGetListRequest")
    first.close()  # sends LogoutRequest(reason="Connection close") without reading the answer
    second = BroadworksAPI(
        host=emulator.host, port=emulator.port, username="admin", password="ocip-demo-password"
    )
    domains = second.command("SystemDomainGetListRequest")
    assert domains.system_default_domain == "voip.orion.test"
    second.close()
