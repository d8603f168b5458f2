"""BroadWorks rules the emulator enforces, seen through Orion's client."""

from __future__ import annotations

import pytest

from orion.broadworks import (
    BroadWorksClient,
    OCIAlreadyExists,
    OCIConflict,
    OCIError,
    OCIInvalidRequest,
    OCINotFound,
    OCIValidationError,
    ocip_request,
)
from orion.broadworks.emulator import EmulatorServer, emulator_state_dump
from tests.broadworks.helpers import DOMAIN, GROUP, SP, add_enterprise, add_group


def _fails(bw: BroadWorksClient, name: str, **fields) -> OCIError:
    [result] = bw.batch([ocip_request(name, **fields)])
    assert not result.ok, f"{name} unexpectedly succeeded"
    return result.error


@pytest.fixture
def acme(bw_client: BroadWorksClient) -> BroadWorksClient:
    add_enterprise(bw_client)
    add_group(bw_client)
    return bw_client


def test_reads_answer_from_state(acme: BroadWorksClient) -> None:
    sp = acme.request("ServiceProviderGetRequest22V4", service_provider_id=SP)
    assert (sp.is_enterprise, sp.service_provider_name, sp.default_domain) == (
        True,
        "ACME Corp",
        DOMAIN,
    )
    group = acme.request("GroupGetRequest22V5", service_provider_id=SP, group_id=GROUP)
    assert group.calling_line_id_name == "ACME HQ"
    assert group.contact.contact_name == "Jane Doe"
    assert group.address.city == "New York"
    assert group.time_zone == "America/New_York" and "New York" in group.time_zone_display_name
    listing = acme.request("ServiceProviderGetListRequest", is_enterprise=True)
    assert [(r.service_provider_id, r.is_enterprise) for r in listing.service_provider_table] == [
        (SP, "true")
    ]
    search = acme.request(
        "ServiceProviderGetListRequest",
        search_criteria_service_provider_name=[
            {"mode": "Contains", "value": "acme", "is_case_insensitive": True}
        ],
    )
    assert len(search.service_provider_table) == 1
    zones = acme.request("SystemTimeZoneGetListRequest20")
    assert "America/Chicago" in {row.key for row in zones.time_zone_table}
    domains = acme.request("ServiceProviderDomainGetAssignedListRequest", service_provider_id=SP)
    assert (domains.service_provider_default_domain, domains.domain) == (DOMAIN, [DOMAIN])


def test_duplicates_are_refused(acme: BroadWorksClient) -> None:
    cases = [
        ("SystemDomainAddRequest", {"domain": DOMAIN}, 4203),
        (
            "ServiceProviderAddRequest13mp2",
            {"service_provider_id": SP, "default_domain": DOMAIN, "is_enterprise": True},
            4201,
        ),
        (
            "GroupAddRequest",
            {
                "service_provider_id": SP,
                "group_id": GROUP,
                "default_domain": DOMAIN,
                "user_limit": 5,
            },
            4202,
        ),
        (
            "ServiceProviderDomainAssignListRequest",
            {"service_provider_id": SP, "domain": [DOMAIN]},
            4206,
        ),
        (
            "GroupDomainAssignListRequest",
            {"service_provider_id": SP, "group_id": GROUP, "domain": [DOMAIN]},
            4206,
        ),
    ]
    for name, fields, code in cases:
        error = _fails(acme, name, **fields)
        assert isinstance(error, OCIAlreadyExists), (name, error)
        assert (
            error.code == code and f"[Error {code}]" in error.message and "already" in error.message
        )


def test_dn_rules(acme: BroadWorksClient) -> None:
    acme.request(
        "ServiceProviderDnAddListRequest",
        service_provider_id=SP,
        dn_range=[{"min_phone_number": "2125550000", "max_phone_number": "2125550004"}],
    )
    dup = _fails(
        acme,
        "ServiceProviderDnAddListRequest",
        service_provider_id=SP,
        phone_number=["+1-2125550002"],
    )
    assert isinstance(dup, OCIAlreadyExists) and dup.code == 4204
    # A DN assigned to a group but never added to its enterprise.
    missing = _fails(
        acme,
        "GroupDnAssignListRequest",
        service_provider_id=SP,
        group_id=GROUP,
        phone_number=["2125559999"],
    )
    assert isinstance(missing, OCINotFound) and missing.code == 4155
    acme.request(
        "GroupDnAssignListRequest",
        service_provider_id=SP,
        group_id=GROUP,
        phone_number=["2125550000", "2125550001"],
    )
    again = _fails(
        acme,
        "GroupDnAssignListRequest",
        service_provider_id=SP,
        group_id=GROUP,
        phone_number=["2125550001"],
    )
    assert isinstance(again, OCIAlreadyExists) and again.code == 4208
    acme.request(
        "GroupAddRequest",
        service_provider_id=SP,
        group_id="OTHER",
        default_domain=DOMAIN,
        user_limit=5,
    )
    taken = _fails(
        acme,
        "GroupDnAssignListRequest",
        service_provider_id=SP,
        group_id="OTHER",
        phone_number=["2125550000"],
    )
    assert isinstance(taken, OCIConflict) and taken.code == 4209
    # A list command with one bad item changes nothing.
    _fails(
        acme,
        "GroupDnAssignListRequest",
        service_provider_id=SP,
        group_id="OTHER",
        phone_number=["2125550003", "2125550001"],
    )
    dns = acme.request("GroupDnGetListRequest", service_provider_id=SP, group_id="OTHER")
    assert dns.phone_number == []
    bad = _fails(
        acme, "ServiceProviderDnAddListRequest", service_provider_id=SP, phone_number=["12-34"]
    )
    assert isinstance(bad, OCIValidationError) and bad.code == 6004


def test_missing_parents_are_refused(acme: BroadWorksClient) -> None:
    no_sp = _fails(
        acme,
        "GroupAddRequest",
        service_provider_id="GHOST",
        group_id="G1",
        default_domain=DOMAIN,
        user_limit=5,
    )
    assert isinstance(no_sp, OCINotFound) and no_sp.code == 4011
    no_group = _fails(acme, "GroupDnGetListRequest", service_provider_id=SP, group_id="NOPE")
    assert isinstance(no_group, OCINotFound) and no_group.message.endswith(
        f"Group not found: {SP}:NOPE"
    )
    no_domain = _fails(
        acme,
        "ServiceProviderAddRequest13mp2",
        is_enterprise=True,
        service_provider_id="B",
        default_domain="unknown.example.com",
    )
    assert isinstance(no_domain, OCINotFound) and no_domain.code == 4153
    # Default domain of a group must be assigned to its enterprise.
    acme.request("SystemDomainAddRequest", domain="other.example.com")
    not_assigned = _fails(
        acme,
        "GroupAddRequest",
        service_provider_id=SP,
        group_id="G2",
        default_domain="other.example.com",
        user_limit=5,
    )
    assert isinstance(not_assigned, OCINotFound) and not_assigned.code == 4154
    group_domain = _fails(
        acme,
        "GroupDomainAssignListRequest",
        service_provider_id=SP,
        group_id=GROUP,
        domain=["other.example.com"],
    )
    assert group_domain.code == 4154
    bad_tz = _fails(
        acme,
        "GroupAddRequest",
        service_provider_id=SP,
        group_id="G3",
        default_domain=DOMAIN,
        user_limit=5,
        time_zone="Mars/Olympus_Mons",
    )
    assert isinstance(bad_tz, OCINotFound) and bad_tz.code == 4159


def test_domain_of_another_enterprise_is_refused(acme: BroadWorksClient) -> None:
    add_enterprise(acme, sp="GLOBEX", domain="globex.example.com")
    error = _fails(
        acme,
        "ServiceProviderDomainAssignListRequest",
        service_provider_id="GLOBEX",
        domain=[DOMAIN],
    )
    assert isinstance(error, OCIConflict) and error.code == 4207 and "ACME" in error.message
    # The system default domain is the one every enterprise may share.
    acme.request(
        "ServiceProviderDomainAssignListRequest",
        service_provider_id="GLOBEX",
        domain=["voip.orion.test"],
    )
    acme.request(
        "ServiceProviderDomainAssignListRequest", service_provider_id=SP, domain=["voip.orion.test"]
    )


def test_service_authorizations_and_quantities(acme: BroadWorksClient) -> None:
    acme.batch_or_raise(
        [
            ocip_request(
                "ServiceProviderServiceModifyAuthorizationListRequest",
                service_provider_id=SP,
                user_service_authorization=[
                    {
                        "service_name": "Voice Messaging User",
                        "authorized_quantity": {"quantity": 10},
                    },
                    {"service_name": "Call Waiting", "authorized_quantity": {"unlimited": True}},
                ],
                group_service_authorization=[
                    {"service_name": "Auto Attendant", "authorized_quantity": {"quantity": 2}},
                ],
            ),
            ocip_request(
                "ServiceProviderServicePackAddRequest",
                service_provider_id=SP,
                service_pack_name="Seat Standard",
                is_available_for_use=True,
                service_pack_quantity={"quantity": 10},
                service_name=["Voice Messaging User", "Call Waiting"],
            ),
            ocip_request(
                "GroupServiceModifyAuthorizationListRequest",
                service_provider_id=SP,
                group_id=GROUP,
                service_pack_authorization=[
                    {"service_pack_name": "Seat Standard", "authorized_quantity": {"quantity": 5}}
                ],
                group_service_authorization=[
                    {"service_name": "Auto Attendant", "authorized_quantity": {"quantity": 1}}
                ],
            ),
            ocip_request(
                "GroupServiceAssignListRequest",
                service_provider_id=SP,
                group_id=GROUP,
                service_name=["Auto Attendant"],
            ),
        ]
    )
    # Above the enterprise's quantity.
    over = _fails(
        acme,
        "GroupServiceModifyAuthorizationListRequest",
        service_provider_id=SP,
        group_id=GROUP,
        user_service_authorization=[
            {"service_name": "Voice Messaging User", "authorized_quantity": {"quantity": 11}}
        ],
    )
    assert over.code == 4161 and type(over) is OCIError
    unlimited = _fails(
        acme,
        "GroupServiceModifyAuthorizationListRequest",
        service_provider_id=SP,
        group_id=GROUP,
        service_pack_authorization=[
            {"service_pack_name": "Seat Standard", "authorized_quantity": {"unlimited": True}}
        ],
    )
    assert unlimited.code == 4161
    pack_over = _fails(
        acme,
        "ServiceProviderServicePackAddRequest",
        service_provider_id=SP,
        service_pack_name="Big",
        is_available_for_use=True,
        service_pack_quantity={"quantity": 11},
        service_name=["Voice Messaging User"],
    )
    assert pack_over.code == 4161
    # Not authorized to the enterprise at all.
    not_sp = _fails(
        acme,
        "GroupServiceModifyAuthorizationListRequest",
        service_provider_id=SP,
        group_id=GROUP,
        group_service_authorization=[
            {"service_name": "Hunt Group", "authorized_quantity": {"unlimited": True}}
        ],
    )
    assert not_sp.code == 4160
    no_pack = _fails(
        acme,
        "GroupServiceModifyAuthorizationListRequest",
        service_provider_id=SP,
        group_id=GROUP,
        service_pack_authorization=[
            {"service_pack_name": "Nope", "authorized_quantity": {"quantity": 1}}
        ],
    )
    assert isinstance(no_pack, OCINotFound) and no_pack.code == 4158
    dup_pack = _fails(
        acme,
        "ServiceProviderServicePackAddRequest",
        service_provider_id=SP,
        service_pack_name="Seat Standard",
        is_available_for_use=True,
        service_pack_quantity={"quantity": 1},
    )
    assert isinstance(dup_pack, OCIAlreadyExists) and dup_pack.code == 4205
    # Assigning needs a group authorization; assigning twice is a duplicate.
    acme.request(
        "ServiceProviderServiceModifyAuthorizationListRequest",
        service_provider_id=SP,
        group_service_authorization=[
            {"service_name": "Hunt Group", "authorized_quantity": {"unlimited": True}}
        ],
    )
    not_group = _fails(
        acme,
        "GroupServiceAssignListRequest",
        service_provider_id=SP,
        group_id=GROUP,
        service_name=["Hunt Group"],
    )
    assert not_group.code == 4162
    twice = _fails(
        acme,
        "GroupServiceAssignListRequest",
        service_provider_id=SP,
        group_id=GROUP,
        service_name=["Auto Attendant"],
    )
    assert isinstance(twice, OCIAlreadyExists) and twice.code == 4210

    auth = acme.request(
        "GroupServiceGetAuthorizationListRequest", service_provider_id=SP, group_id=GROUP
    )
    packs = {r.service_pack_name: r for r in auth.service_packs_authorization_table}
    assert (packs["Seat Standard"].authorized, packs["Seat Standard"].allocated) == ("true", "5")
    group_services = {r.service_name: r for r in auth.group_services_authorization_table}
    assert group_services["Auto Attendant"].assigned == "true"
    assert group_services["Hunt Group"].authorized == "false"
    sp_auth = acme.request(
        "ServiceProviderServiceGetAuthorizationListRequest", service_provider_id=SP
    )
    users = {r.service_name: r.quantity for r in sp_auth.user_services_authorization_table}
    assert users == {"Voice Messaging User": "10", "Call Waiting": "Unlimited"}
    packs_list = acme.request("ServiceProviderServicePackGetListRequest", service_provider_id=SP)
    assert packs_list.service_pack_name == ["Seat Standard"]
    assigned = acme.request(
        "GroupServiceIsAssignedRequest",
        service_provider_id=SP,
        group_id=GROUP,
        service_name="Auto Attendant",
    )
    assert assigned.is_assigned is True


def test_validation_errors(acme: BroadWorksClient) -> None:
    """Schema-invalid requests stop at the client (test_schema.py sends them raw); what
    the schema allows but BroadWorks' own rules refuse comes back as 6004."""
    with pytest.raises(OCIInvalidRequest, match="GroupAddRequest/groupId: cvc-maxLength"):
        acme.request(
            "GroupAddRequest",
            service_provider_id=SP,
            group_id="G" * 31,
            default_domain=DOMAIN,
            user_limit=5,
        )
    with pytest.raises(OCIInvalidRequest, match="GroupAddRequest/userLimit: cvc-maxInclusive"):
        acme.request(
            "GroupAddRequest",
            service_provider_id=SP,
            group_id="G1",
            default_domain=DOMAIN,
            user_limit=1_000_000,
        )
    www = _fails(acme, "SystemDomainAddRequest", domain="http://www.example.com")
    assert isinstance(www, OCIValidationError) and www.code == 6004
    assert www.message.startswith("[Error 6004] OCI XML Request validation error")


def test_consolidated_add_is_all_or_nothing(
    acme: BroadWorksClient, emulator: EmulatorServer
) -> None:
    acme.request(
        "ServiceProviderDnAddListRequest", service_provider_id=SP, phone_number=["3125550001"]
    )
    before = emulator_state_dump(emulator.host, emulator.control_port)
    fields = {
        "service_provider_id": "INITECH",
        "is_enterprise": True,
        "default_domain": "initech.example.com",
        "domain": ["initech.example.com", "initech.example.net"],
        "user_service_authorization": [
            {"service_name": "Call Waiting", "authorized_quantity": {"unlimited": True}}
        ],
        "phone_number": ["3125550002", "3125550001"],  # the second belongs to ACME
    }
    error = _fails(acme, "ServiceProviderConsolidatedAddRequest", **fields)
    assert isinstance(error, OCIAlreadyExists) and error.code == 4204
    assert emulator_state_dump(emulator.host, emulator.control_port) == before
    fields["phone_number"] = ["3125550002"]
    acme.request("ServiceProviderConsolidatedAddRequest", **fields)
    state = emulator_state_dump(emulator.host, emulator.control_port)["service_providers"][
        "INITECH"
    ]
    assert state["domains"] == ["initech.example.com", "initech.example.net"]
    assert state["dns"] == ["+1-3125550002"] and state["user_services"] == {"Call Waiting": None}


def test_no_transaction_across_a_document(acme: BroadWorksClient) -> None:
    """Success, Success, Error, Error: the successes stay even though later commands failed."""
    results = acme.batch(
        [
            ("SystemDomainAddRequest", {"domain": "a.example.com"}),
            (
                "ServiceProviderDomainAssignListRequest",
                {"service_provider_id": SP, "domain": ["a.example.com"]},
            ),
            (
                "ServiceProviderDomainAssignListRequest",
                {"service_provider_id": SP, "domain": ["a.example.com"]},
            ),
            ("GroupDnGetListRequest", {"service_provider_id": SP, "group_id": "NOPE"}),
        ]
    )
    assert [r.ok for r in results] == [True, True, False, False]
    domains = acme.request("ServiceProviderDomainGetAssignedListRequest", service_provider_id=SP)
    assert "a.example.com" in domains.domain


def test_deletes(acme: BroadWorksClient) -> None:
    acme.request(
        "ServiceProviderDnAddListRequest", service_provider_id=SP, phone_number=["2125550001"]
    )
    acme.request(
        "GroupDnAssignListRequest",
        service_provider_id=SP,
        group_id=GROUP,
        phone_number=["2125550001"],
    )
    acme.request("GroupDeleteRequest", service_provider_id=SP, group_id=GROUP)
    available = acme.request("ServiceProviderDnGetAvailableListRequest", service_provider_id=SP)
    assert available.available_dn == ["+1-2125550001"]
    acme.request("ServiceProviderDeleteRequest", service_provider_id=SP)
    assert isinstance(
        _fails(acme, "ServiceProviderGetRequest22V4", service_provider_id=SP), OCINotFound
    )
    # Its domain and DNs are free for someone else now.
    add_enterprise(acme, sp="NEWCO", domain="newco.example.com")
    acme.request(
        "ServiceProviderDomainAssignListRequest", service_provider_id="NEWCO", domain=[DOMAIN]
    )
    acme.request(
        "ServiceProviderDnAddListRequest", service_provider_id="NEWCO", phone_number=["2125550001"]
    )
