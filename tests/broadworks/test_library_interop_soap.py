"""The emulator's SOAP endpoint against the unmodified broadworks-ocip-soap client.

broadworks-ocip-soap fetches ``<url>?wsdl`` with zeep, logs in with the legacy flow (one
HTTP request per document, the session carried by the sessionId) and sends every command
as the whole BroadsoftDocument string of ``processOCIMessage``.
"""

from __future__ import annotations

import pytest
from broadworks_ocip import OCIErrorResponse
from broadworks_ocip_soap import BroadworksSOAP

from orion.broadworks.emulator import EmulatorServer, emulator_state_dump


@pytest.fixture
def soap_api(transport_emulator: EmulatorServer) -> BroadworksSOAP:
    assert transport_emulator.soap_url is not None
    return BroadworksSOAP(
        url=transport_emulator.soap_url, username="admin", password="ocip-demo-password"
    )


def test_soap_library_provisions_and_reads_back(
    soap_api: BroadworksSOAP, transport_emulator: EmulatorServer
) -> None:
    assert soap_api.authenticated  # AuthenticationRequest + LoginRequest14sp4 over SOAP
    soap_api.command("SystemDomainAddRequest", domain="soap.example.com")
    soap_api.command(
        "ServiceProviderAddRequest13mp2",
        service_provider_id="SOAPCO",
        default_domain="soap.example.com",
        is_enterprise=True,
        service_provider_name="Soap Co",
    )
    soap_api.command(
        "GroupAddRequest",
        service_provider_id="SOAPCO",
        group_id="SOAPCO-HQ",
        default_domain="soap.example.com",
        user_limit=10,
        group_name="Soap HQ",
        time_zone="America/Chicago",
    )
    sp = soap_api.command("ServiceProviderGetRequest22V4", service_provider_id="SOAPCO")
    assert (sp.is_enterprise, sp.service_provider_name) == (True, "Soap Co")
    group = soap_api.command(
        "GroupGetRequest22V5", service_provider_id="SOAPCO", group_id="SOAPCO-HQ"
    )
    assert (group.group_name, group.user_limit, group.time_zone) == (
        "Soap HQ",
        10,
        "America/Chicago",
    )
    groups = soap_api.command("GroupGetListInServiceProviderRequest", service_provider_id="SOAPCO")
    assert [row.group_id for row in groups.group_table] == ["SOAPCO-HQ"]
    state = emulator_state_dump(transport_emulator.host, transport_emulator.control_port)
    assert "SOAPCO-HQ" in state["service_providers"]["SOAPCO"]["groups"]


def test_soap_library_sees_error_responses(soap_api: BroadworksSOAP) -> None:
    with pytest.raises(OCIErrorResponse, match=r"\[Error 4011\]"):
        soap_api.command("GroupGetListInServiceProviderRequest", service_provider_id="NOPE")
    with pytest.raises(OCIErrorResponse, match=r"\[Error 6004\]"):
        soap_api.command("SystemDomainAddRequest", domain="x" * 81)


def test_soap_library_session_is_its_session_id(
    soap_api: BroadworksSOAP, transport_emulator: EmulatorServer
) -> None:
    """Another client's sessionId is not logged in, although it uses the same HTTP endpoint."""
    other = BroadworksSOAP(
        url=transport_emulator.soap_url, username="admin", password="ocip-demo-password"
    )
    assert other.session_id != soap_api.session_id
    other.ocip.session_id = "never-logged-in"
    with pytest.raises(OCIErrorResponse, match=r"\[Error 4101\]"):
        other.command("SystemDomainGetListRequest")
    assert soap_api.command("SystemDomainGetListRequest").system_default_domain
