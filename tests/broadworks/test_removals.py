"""Removals in the emulator, as change and disconnect orders need them: unassigning numbers,
domains and services, lowering and removing authorizations, deleting users, devices, service
packs, groups and enterprises, each refused while something still depends on it.

Every refusal is checked to leave the state as it was; the last tests take a customer apart
in dependency order and check the state after a restart.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orion.broadworks import (
    NIL,
    BroadWorksClient,
    BroadWorksConfig,
    OCIConflict,
    OCIError,
    OCIInvalidRequest,
    OCINotFound,
    ocip_request,
)
from orion.broadworks.emulator import EmulatorServer
from tests.broadworks.helpers import DOMAIN, GROUP, SP, add_enterprise, add_group
from tests.broadworks.test_users_devices import (
    NUMBERS,
    PACK,
    add_device,
    add_user,
    endpoint,
    provision_customer,
)

IDS = {"service_provider_id": SP, "group_id": GROUP}
USER1 = f"user1@{DOMAIN}"


def _fails(bw: BroadWorksClient, name: str, **fields: Any) -> OCIError:
    [result] = bw.batch([ocip_request(name, **fields)])
    assert not result.ok, f"{name} unexpectedly succeeded"
    assert result.error is not None
    return result.error


def _available(bw: BroadWorksClient) -> list[str]:
    return list(
        bw.request("ServiceProviderDnGetAvailableListRequest", service_provider_id=SP).available_dn
        or []
    )


def _group_dns(bw: BroadWorksClient) -> list[str]:
    return list(bw.request("GroupDnGetListRequest", **IDS).phone_number or [])


def _auth_rows(bw: BroadWorksClient, table: str) -> dict[str, Any]:
    answer = bw.request("GroupServiceGetAuthorizationListRequest", **IDS)
    rows = getattr(answer, table)
    return {row[0]: row for row in rows}


def _sp_user_services(bw: BroadWorksClient) -> dict[str, Any]:
    answer = bw.request("ServiceProviderServiceGetAuthorizationListRequest", service_provider_id=SP)
    return {row.service_name: row for row in answer.user_services_authorization_table}


def _authorize_group_service(bw: BroadWorksClient, name: str = "Hunt Group") -> None:
    bw.request(
        "ServiceProviderServiceModifyAuthorizationListRequest",
        service_provider_id=SP,
        group_service_authorization=[
            {"service_name": name, "authorized_quantity": {"unlimited": True}}
        ],
    )
    bw.request(
        "GroupServiceModifyAuthorizationListRequest",
        **IDS,
        group_service_authorization=[
            {"service_name": name, "authorized_quantity": {"unlimited": True}}
        ],
    )


@pytest.fixture
def acme(bw_client: BroadWorksClient) -> BroadWorksClient:
    """ACME with NUMBERS (the first four in the group), the seat pack (2 for the group) and
    Call Waiting (2 for the group), as in the users and devices tests."""
    provision_customer(bw_client)
    return bw_client


# -- GroupDnUnassignListRequest ------------------------------------------------------------


def test_unassigned_numbers_go_back_to_the_enterprise(acme: BroadWorksClient) -> None:
    assert _available(acme) == [NUMBERS[4]]
    acme.request(
        "GroupDnUnassignListRequest",
        **IDS,
        phone_number=[NUMBERS[0]],
        dn_range=[{"min_phone_number": NUMBERS[2], "max_phone_number": NUMBERS[3]}],
    )
    assert _group_dns(acme) == [NUMBERS[1]]
    assert sorted(_available(acme)) == sorted([NUMBERS[0], NUMBERS[2], NUMBERS[3], NUMBERS[4]])
    # available to another group of the enterprise now
    add_group(acme, group="ACME-BRANCH")
    acme.request(
        "GroupDnAssignListRequest",
        service_provider_id=SP,
        group_id="ACME-BRANCH",
        phone_number=[NUMBERS[0]],
    )


def test_number_unassign_is_refused_while_a_user_has_it(acme: BroadWorksClient) -> None:
    add_user(acme, 1, phone_number=NUMBERS[1])
    refused = _fails(
        acme, "GroupDnUnassignListRequest", **IDS, phone_number=[NUMBERS[0], NUMBERS[1]]
    )
    assert isinstance(refused, OCIConflict)
    assert refused.message == (
        f"[Error 4223] Phone number in use by a user, remove it from the user first: "
        f"{NUMBERS[1]} ({USER1})"
    )
    assert _group_dns(acme) == NUMBERS[:4]  # nothing of the list was unassigned
    # the user gives the number up; then the group can
    acme.request("UserModifyRequest17sp4", user_id=USER1, phone_number=NIL)
    acme.request("GroupDnUnassignListRequest", **IDS, phone_number=[NUMBERS[0], NUMBERS[1]])
    assert _group_dns(acme) == NUMBERS[2:4]


def test_number_unassign_of_a_number_the_group_lacks(acme: BroadWorksClient) -> None:
    refused = _fails(acme, "GroupDnUnassignListRequest", **IDS, phone_number=[NUMBERS[4]])
    assert isinstance(refused, OCINotFound)
    assert refused.message == (
        f"[Error 4164] Phone number not assigned to group: {SP}:{GROUP}:{NUMBERS[4]}"
    )
    assert (
        _fails(
            acme,
            "GroupDnUnassignListRequest",
            service_provider_id=SP,
            group_id="NOPE",
            phone_number=[NUMBERS[0]],
        ).code
        == 4152
    )
    # a number named twice is unassigned once
    acme.request("GroupDnUnassignListRequest", **IDS, phone_number=[NUMBERS[0], NUMBERS[0]])
    assert _group_dns(acme) == NUMBERS[1:4]


# -- ServiceProviderDnDeleteListRequest ----------------------------------------------------


def test_enterprise_number_delete_is_refused_while_a_group_has_it(acme: BroadWorksClient) -> None:
    refused = _fails(
        acme,
        "ServiceProviderDnDeleteListRequest",
        service_provider_id=SP,
        phone_number=[NUMBERS[4], NUMBERS[0]],
    )
    assert isinstance(refused, OCIConflict)
    assert refused.message == (
        f"[Error 4224] Phone number assigned to a group, unassign it first: "
        f"{NUMBERS[0]} ({SP}:{GROUP})"
    )
    assert _available(acme) == [NUMBERS[4]]  # the free one is still there
    missing = _fails(
        acme,
        "ServiceProviderDnDeleteListRequest",
        service_provider_id=SP,
        phone_number=["+1-2125559999"],
    )
    assert missing.code == 4155 and isinstance(missing, OCINotFound)

    acme.request("GroupDnUnassignListRequest", **IDS, phone_number=[NUMBERS[0]])
    acme.request(
        "ServiceProviderDnDeleteListRequest",
        service_provider_id=SP,
        dn_range=[{"min_phone_number": NUMBERS[0], "max_phone_number": NUMBERS[0]}],
        phone_number=[NUMBERS[4]],
    )
    assert _available(acme) == []
    summary = acme.request("ServiceProviderDnGetSummaryListRequest", service_provider_id=SP)
    listed = " ".join(row[0] for row in summary.dn_summary_table)
    assert NUMBERS[0] not in listed and NUMBERS[4] not in listed
    # gone from the system: another enterprise may add them
    add_enterprise(acme, sp="NEWCO", domain="newco.example.com")
    acme.request(
        "ServiceProviderDnAddListRequest",
        service_provider_id="NEWCO",
        phone_number=[NUMBERS[0], NUMBERS[4]],
    )


# -- GroupServiceUnassignListRequest and group service authorizations ---------------------


def test_group_service_unassign_and_unauthorize(acme: BroadWorksClient) -> None:
    _authorize_group_service(acme)
    acme.request("GroupServiceAssignListRequest", **IDS, service_name=["Hunt Group"])
    row = _auth_rows(acme, "group_services_authorization_table")["Hunt Group"]
    assert (row.assigned, row.usage) == ("true", "1")

    gone = _fails(
        acme,
        "GroupServiceModifyAuthorizationListRequest",
        **IDS,
        group_service_authorization=[{"service_name": "Hunt Group", "unauthorized": True}],
    )
    assert isinstance(gone, OCIConflict)
    assert gone.message == (
        f"[Error 4225] Service assigned to the group, unassign it first: {SP}:{GROUP}:Hunt Group"
    )
    assert (
        acme.request("GroupServiceIsAssignedRequest", **IDS, service_name="Hunt Group").is_assigned
        is True
    )

    acme.request("GroupServiceUnassignListRequest", **IDS, service_name=["Hunt Group"])
    assert (
        acme.request("GroupServiceIsAssignedRequest", **IDS, service_name="Hunt Group").is_assigned
        is False
    )
    row = _auth_rows(acme, "group_services_authorization_table")["Hunt Group"]
    assert (row.authorized, row.assigned, row.usage) == ("true", "false", "0")
    # unassigning what is not assigned changes nothing
    acme.request("GroupServiceUnassignListRequest", **IDS, service_name=["Hunt Group"])

    acme.request(
        "GroupServiceModifyAuthorizationListRequest",
        **IDS,
        group_service_authorization=[{"service_name": "Hunt Group", "unauthorized": True}],
    )
    row = _auth_rows(acme, "group_services_authorization_table")["Hunt Group"]
    assert (row.authorized, row.quantity) == ("false", "0")
    authorized = acme.request("GroupServiceGetAuthorizedListRequest", **IDS)
    assert "Hunt Group" not in (authorized.group_service_name or [])


def test_group_service_unassign_needs_the_authorization(acme: BroadWorksClient) -> None:
    refused = _fails(acme, "GroupServiceUnassignListRequest", **IDS, service_name=["Call Park"])
    assert refused.message == (
        f"[Error 4162] Service not authorized for group: {SP}:{GROUP}:Call Park"
    )


def test_usage_after_users_leave_lets_the_group_lower_and_remove(acme: BroadWorksClient) -> None:
    for n in (1, 2):
        add_user(acme, n)
        acme.request(
            "UserServiceAssignListRequest",
            user_id=f"user{n}@{DOMAIN}",
            service_name=["Call Waiting"],
            service_pack_name=[PACK],
        )
    assert _auth_rows(acme, "service_packs_authorization_table")[PACK].usage == "2"
    acme.request("UserDeleteRequest", user_id=f"user2@{DOMAIN}")
    pack = _auth_rows(acme, "service_packs_authorization_table")[PACK]
    waiting = _auth_rows(acme, "user_services_authorization_table")["Call Waiting"]
    assert (pack.usage, waiting.usage) == ("1", "1")
    acme.request(
        "GroupServiceModifyAuthorizationListRequest",
        **IDS,
        service_pack_authorization=[
            {"service_pack_name": PACK, "authorized_quantity": {"quantity": 1}}
        ],
    )
    assert (
        _fails(
            acme,
            "GroupServiceModifyAuthorizationListRequest",
            **IDS,
            service_pack_authorization=[{"service_pack_name": PACK, "unauthorized": True}],
        ).code
        == 4222
    )
    acme.request("UserDeleteRequest", user_id=USER1)
    acme.request(
        "GroupServiceModifyAuthorizationListRequest",
        **IDS,
        service_pack_authorization=[{"service_pack_name": PACK, "unauthorized": True}],
        user_service_authorization=[{"service_name": "Call Waiting", "unauthorized": True}],
    )
    pack = _auth_rows(acme, "service_packs_authorization_table")[PACK]
    waiting = _auth_rows(acme, "user_services_authorization_table")["Call Waiting"]
    assert (pack.authorized, pack.usage) == ("false", "0")
    assert (waiting.authorized, waiting.usage) == ("false", "0")


# -- ServiceProviderServiceModifyAuthorizationListRequest ----------------------------------


def test_enterprise_quantity_never_below_a_groups_or_the_usage(acme: BroadWorksClient) -> None:
    def lower(quantity: int) -> OCIError:
        return _fails(
            acme,
            "ServiceProviderServiceModifyAuthorizationListRequest",
            service_provider_id=SP,
            user_service_authorization=[
                {"service_name": "Call Waiting", "authorized_quantity": {"quantity": quantity}}
            ],
        )

    refused = lower(1)  # the group is authorized 2
    assert refused.message == (
        f"[Error 4226] Quantity below what is allocated of Call Waiting in service provider "
        f"{SP} (group {GROUP} is authorized 2)"
    )
    assert type(refused) is OCIError
    assert _sp_user_services(acme)["Call Waiting"].quantity == "9"
    # a second group with its own users: 2 users of the service in all
    add_group(acme, group="ACME-BRANCH")
    acme.request(
        "GroupServiceModifyAuthorizationListRequest",
        service_provider_id=SP,
        group_id="ACME-BRANCH",
        user_service_authorization=[
            {"service_name": "Call Waiting", "authorized_quantity": {"quantity": 1}}
        ],
    )
    add_user(acme, 1)
    acme.request("UserServiceAssignListRequest", user_id=USER1, service_name=["Call Waiting"])
    acme.request(
        "UserAddRequest17sp4",
        service_provider_id=SP,
        group_id="ACME-BRANCH",
        user_id=f"branch1@{DOMAIN}",
        last_name="B",
        first_name="B",
        calling_line_id_last_name="B",
        calling_line_id_first_name="B",
    )
    acme.request(
        "UserServiceAssignListRequest", user_id=f"branch1@{DOMAIN}", service_name=["Call Waiting"]
    )
    acme.request(
        "GroupServiceModifyAuthorizationListRequest",
        **IDS,
        user_service_authorization=[
            {"service_name": "Call Waiting", "authorized_quantity": {"quantity": 1}}
        ],
    )
    assert lower(1).message.endswith("(2 in use)")
    acme.request("UserDeleteRequest", user_id=f"branch1@{DOMAIN}")
    acme.request(
        "ServiceProviderServiceModifyAuthorizationListRequest",
        service_provider_id=SP,
        user_service_authorization=[
            {"service_name": "Call Waiting", "authorized_quantity": {"quantity": 1}}
        ],
    )
    assert _sp_user_services(acme)["Call Waiting"].quantity == "1"


def test_unlimited_group_authorization_bounds_the_enterprise(acme: BroadWorksClient) -> None:
    acme.request(
        "ServiceProviderServiceModifyAuthorizationListRequest",
        service_provider_id=SP,
        user_service_authorization=[
            {"service_name": "Three-Way Call", "authorized_quantity": {"unlimited": True}}
        ],
    )
    acme.request(
        "GroupServiceModifyAuthorizationListRequest",
        **IDS,
        user_service_authorization=[
            {"service_name": "Three-Way Call", "authorized_quantity": {"unlimited": True}}
        ],
    )
    refused = _fails(
        acme,
        "ServiceProviderServiceModifyAuthorizationListRequest",
        service_provider_id=SP,
        user_service_authorization=[
            {"service_name": "Three-Way Call", "authorized_quantity": {"quantity": 5}}
        ],
    )
    assert refused.code == 4226 and "is authorized Unlimited" in refused.message


def test_enterprise_unauthorize_waits_for_its_groups(acme: BroadWorksClient) -> None:
    refused = _fails(
        acme,
        "ServiceProviderServiceModifyAuthorizationListRequest",
        service_provider_id=SP,
        user_service_authorization=[
            {"service_name": "Three-Way Call", "unauthorized": True},
            {"service_name": "Call Waiting", "unauthorized": True},
        ],
    )
    assert isinstance(refused, OCIConflict)
    assert refused.message == (
        f"[Error 4227] Service authorized to groups, unauthorize it there first: "
        f"{SP}:Call Waiting ({GROUP})"
    )
    # nothing of the list changed: Three-Way Call (no group has it) is still authorized
    assert set(_sp_user_services(acme)) >= {"Three-Way Call", "Call Waiting"}
    acme.request(
        "GroupServiceModifyAuthorizationListRequest",
        **IDS,
        user_service_authorization=[{"service_name": "Call Waiting", "unauthorized": True}],
    )
    acme.request(
        "ServiceProviderServiceModifyAuthorizationListRequest",
        service_provider_id=SP,
        user_service_authorization=[
            {"service_name": "Three-Way Call", "unauthorized": True},
            {"service_name": "Call Waiting", "unauthorized": True},
        ],
    )
    remaining = _sp_user_services(acme)
    assert "Call Waiting" not in remaining and "Three-Way Call" not in remaining
    assert "Call Waiting" not in _auth_rows(acme, "user_services_authorization_table")


def test_enterprise_group_service_unauthorize_waits_for_its_groups(
    acme: BroadWorksClient,
) -> None:
    _authorize_group_service(acme)
    refused = _fails(
        acme,
        "ServiceProviderServiceModifyAuthorizationListRequest",
        service_provider_id=SP,
        group_service_authorization=[{"service_name": "Hunt Group", "unauthorized": True}],
    )
    assert refused.code == 4227
    acme.request(
        "GroupServiceModifyAuthorizationListRequest",
        **IDS,
        group_service_authorization=[{"service_name": "Hunt Group", "unauthorized": True}],
    )
    acme.request(
        "ServiceProviderServiceModifyAuthorizationListRequest",
        service_provider_id=SP,
        group_service_authorization=[{"service_name": "Hunt Group", "unauthorized": True}],
    )
    answer = acme.request(
        "ServiceProviderServiceGetAuthorizationListRequest", service_provider_id=SP
    )
    assert [r.service_name for r in answer.group_services_authorization_table] == []


# -- ServiceProviderServicePackDeleteRequest -----------------------------------------------


def test_service_pack_delete(acme: BroadWorksClient) -> None:
    refused = _fails(
        acme,
        "ServiceProviderServicePackDeleteRequest",
        service_provider_id=SP,
        service_pack_name=PACK,
    )
    assert isinstance(refused, OCIConflict)
    assert refused.message == (
        f"[Error 4228] Service pack authorized to groups, unauthorize it there first: "
        f"{SP}:{PACK} ({GROUP})"
    )
    acme.request(
        "GroupServiceModifyAuthorizationListRequest",
        **IDS,
        service_pack_authorization=[{"service_pack_name": PACK, "unauthorized": True}],
    )
    acme.request(
        "ServiceProviderServicePackDeleteRequest", service_provider_id=SP, service_pack_name=PACK
    )
    packs = acme.request("ServiceProviderServicePackGetListRequest", service_provider_id=SP)
    assert list(packs.service_pack_name or []) == []
    assert (
        _fails(
            acme,
            "ServiceProviderServicePackGetDetailListRequest",
            service_provider_id=SP,
            service_pack_name=PACK,
        ).code
        == 4158
    )
    missing = _fails(
        acme,
        "ServiceProviderServicePackDeleteRequest",
        service_provider_id=SP,
        service_pack_name=PACK,
    )
    assert isinstance(missing, OCINotFound) and missing.code == 4158
    assert PACK not in _auth_rows(acme, "service_packs_authorization_table")


# -- UserDeleteRequest, GroupAccessDeviceDeleteRequest --------------------------------------


def test_user_then_device_delete(acme: BroadWorksClient) -> None:
    add_device(acme, "phone-1", mac_address="0004F2AABBCC")
    add_user(acme, 1, phone_number=NUMBERS[0], access_device_endpoint=endpoint("phone-1", USER1))
    device = {**IDS, "device_name": "phone-1"}
    assert _fails(acme, "GroupAccessDeviceDeleteRequest", **device).code == 4216
    assert _fails(acme, "GroupDnUnassignListRequest", **IDS, phone_number=[NUMBERS[0]]).code == 4223
    acme.request("UserDeleteRequest", user_id=USER1)
    assert _fails(acme, "UserDeleteRequest", user_id=USER1).code == 4008
    acme.request("GroupAccessDeviceDeleteRequest", **device)
    acme.request("GroupDnUnassignListRequest", **IDS, phone_number=[NUMBERS[0]])
    assert NUMBERS[0] in _available(acme)


# -- GroupDomainUnassignListRequest --------------------------------------------------------


def test_group_domain_unassign(acme: BroadWorksClient) -> None:
    for domain in ("extra.example.com", "spare.example.com"):
        acme.request("SystemDomainAddRequest", domain=domain)
    acme.request(
        "ServiceProviderDomainAssignListRequest",
        service_provider_id=SP,
        domain=["extra.example.com", "spare.example.com"],
    )
    acme.request(
        "GroupDomainAssignListRequest", **IDS, domain=["extra.example.com", "spare.example.com"]
    )
    add_user(acme, 7, user_id="user7@extra.example.com")

    default = _fails(acme, "GroupDomainUnassignListRequest", **IDS, domain=[DOMAIN])
    assert default.message == (
        f"[Error 4229] Domain is the group's default domain: {SP}:{GROUP}:{DOMAIN}"
    )
    used = _fails(
        acme,
        "GroupDomainUnassignListRequest",
        **IDS,
        domain=["spare.example.com", "extra.example.com"],
    )
    assert isinstance(used, OCIConflict)
    assert used.message == (
        "[Error 4230] Domain in use by a user of the group, remove the user first: "
        "extra.example.com (user7@extra.example.com)"
    )
    missing = _fails(acme, "GroupDomainUnassignListRequest", **IDS, domain=["nope.example.com"])
    assert missing.code == 4165 and isinstance(missing, OCINotFound)
    assigned = acme.request("GroupDomainGetAssignedListRequest", **IDS).domain
    assert set(assigned) == {DOMAIN, "extra.example.com", "spare.example.com"}

    acme.request("GroupDomainUnassignListRequest", **IDS, domain=["SPARE.example.com"])
    acme.request("UserDeleteRequest", user_id="user7@extra.example.com")
    acme.request("GroupDomainUnassignListRequest", **IDS, domain=["extra.example.com"])
    assert list(acme.request("GroupDomainGetAssignedListRequest", **IDS).domain) == [DOMAIN]
    # still the enterprise's
    sp_domains = acme.request(
        "ServiceProviderDomainGetAssignedListRequest22", service_provider_id=SP
    ).domain
    assert {"extra.example.com", "spare.example.com"} <= set(sp_domains)


# -- GroupDeleteRequest, ServiceProviderDeleteRequest --------------------------------------


def test_group_delete_frees_numbers_and_takes_users_and_devices(acme: BroadWorksClient) -> None:
    add_device(acme, "phone-1", mac_address="0004F2AABBCC")
    add_user(acme, 1, phone_number=NUMBERS[0], access_device_endpoint=endpoint("phone-1", USER1))
    acme.request("UserServiceAssignListRequest", user_id=USER1, service_pack_name=[PACK])
    acme.request("GroupDeleteRequest", **IDS)
    assert sorted(_available(acme)) == sorted(NUMBERS)
    assert _fails(acme, "UserGetRequest22", user_id=USER1).code == 4008
    assert _fails(acme, "GroupGetRequest22V5", **IDS).code == 4152
    # the group's authorizations went with it: the enterprise may give up its pack now
    acme.request(
        "ServiceProviderServicePackDeleteRequest", service_provider_id=SP, service_pack_name=PACK
    )
    # the MAC address and the user id are free again, in another group
    add_group(acme, group="ACME-NEW")
    acme.request(
        "GroupAccessDeviceAddRequest14",
        service_provider_id=SP,
        group_id="ACME-NEW",
        device_name="phone-1",
        device_type="Polycom_VVX450",
        mac_address="0004F2AABBCC",
    )


def test_enterprise_delete_is_refused_while_groups_exist(acme: BroadWorksClient) -> None:
    add_group(acme, group="ACME-BRANCH")
    refused = _fails(acme, "ServiceProviderDeleteRequest", service_provider_id=SP)
    assert isinstance(refused, OCIConflict)
    assert refused.message == (
        f"[Error 4231] Service provider has groups, delete them first: {SP} ({GROUP}, ACME-BRANCH)"
    )
    acme.request("ServiceProviderGetRequest22V4", service_provider_id=SP)  # still there
    acme.request("GroupDeleteRequest", **IDS)
    assert _fails(acme, "ServiceProviderDeleteRequest", service_provider_id=SP).code == 4231
    acme.request("GroupDeleteRequest", service_provider_id=SP, group_id="ACME-BRANCH")
    acme.request("ServiceProviderDeleteRequest", service_provider_id=SP)
    assert _fails(acme, "ServiceProviderDeleteRequest", service_provider_id=SP).code == 4011
    # its domain and numbers are free for another enterprise
    add_enterprise(acme, sp="NEWCO", domain="newco.example.com")
    acme.request(
        "ServiceProviderDomainAssignListRequest", service_provider_id="NEWCO", domain=[DOMAIN]
    )
    acme.request(
        "ServiceProviderDnAddListRequest", service_provider_id="NEWCO", phone_number=NUMBERS
    )


def test_new_requests_are_checked_against_the_schema(acme: BroadWorksClient) -> None:
    with pytest.raises(OCIInvalidRequest, match="GroupDomainUnassignListRequest"):
        acme.request("GroupDomainUnassignListRequest", **IDS, domain=[])
    with pytest.raises(OCIInvalidRequest, match="GroupServiceUnassignListRequest"):
        acme.request("GroupServiceUnassignListRequest", **IDS, service_name=[])
    with pytest.raises(OCIInvalidRequest, match="servicePackName"):
        acme.request(
            "ServiceProviderServicePackDeleteRequest",
            service_provider_id=SP,
            service_pack_name="x" * 81,
        )
    # no numbers at all is valid XML; BroadWorks then refuses the empty list itself
    for name, ids in (
        ("GroupDnUnassignListRequest", IDS),
        ("ServiceProviderDnDeleteListRequest", {"service_provider_id": SP}),
    ):
        assert _fails(acme, name, **ids).code == 6004


# -- a whole disconnect, and a restart -------------------------------------------------------


def _disconnect(bw: BroadWorksClient) -> None:
    """Take the customer and its enterprise apart in dependency order."""
    bw.request("UserDeleteRequest", user_id=USER1)
    bw.request("GroupAccessDeviceDeleteRequest", **IDS, device_name="phone-1")
    bw.request("GroupDnUnassignListRequest", **IDS, phone_number=NUMBERS[:4])
    bw.request("ServiceProviderDnDeleteListRequest", service_provider_id=SP, phone_number=NUMBERS)
    bw.request("GroupServiceUnassignListRequest", **IDS, service_name=["Hunt Group"])
    bw.request(
        "GroupServiceModifyAuthorizationListRequest",
        **IDS,
        service_pack_authorization=[{"service_pack_name": PACK, "unauthorized": True}],
        group_service_authorization=[{"service_name": "Hunt Group", "unauthorized": True}],
        user_service_authorization=[{"service_name": "Call Waiting", "unauthorized": True}],
    )
    bw.request(
        "ServiceProviderServicePackDeleteRequest", service_provider_id=SP, service_pack_name=PACK
    )
    bw.request("GroupDeleteRequest", **IDS)
    bw.request("ServiceProviderDeleteRequest", service_provider_id=SP)


def test_a_disconnect_in_dependency_order_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "emulator.json"
    first = EmulatorServer(port=0, state_file=path)
    first.start_in_thread()
    with BroadWorksClient(BroadWorksConfig(host=first.host, port=first.port)) as bw:
        provision_customer(bw)
        _authorize_group_service(bw)
        bw.request("GroupServiceAssignListRequest", **IDS, service_name=["Hunt Group"])
        add_device(bw, "phone-1", mac_address="0004F2AABBCC")
        add_user(bw, 1, phone_number=NUMBERS[0], access_device_endpoint=endpoint("phone-1", USER1))
        bw.request(
            "UserServiceAssignListRequest",
            user_id=USER1,
            service_name=["Call Waiting"],
            service_pack_name=[PACK],
        )
        # half-way: the user, device and numbers are gone
        bw.request("UserDeleteRequest", user_id=USER1)
        bw.request("GroupAccessDeviceDeleteRequest", **IDS, device_name="phone-1")
        bw.request("GroupDnUnassignListRequest", **IDS, phone_number=NUMBERS[:4])
    first.stop()
    group = json.loads(path.read_text())["service_providers"][SP]["groups"][GROUP]
    assert (group["users"], group["devices"], group["dns"]) == ({}, {}, [])

    second = EmulatorServer(port=0, state_file=path)
    second.start_in_thread()
    try:
        with BroadWorksClient(BroadWorksConfig(host=second.host, port=second.port)) as bw:
            assert _fails(bw, "UserGetRequest22", user_id=USER1).code == 4008
            assert sorted(_available(bw)) == sorted(NUMBERS)
            # the first three steps are done: repeating them finds nothing to remove
            assert _fails(bw, "UserDeleteRequest", user_id=USER1).code == 4008
            assert (
                _fails(bw, "GroupAccessDeviceDeleteRequest", **IDS, device_name="phone-1").code
                == 4166
            )
            assert (
                _fails(bw, "GroupDnUnassignListRequest", **IDS, phone_number=NUMBERS[:4]).code
                == 4164
            )
            # the rest, after the restart
            bw.request(
                "ServiceProviderDnDeleteListRequest", service_provider_id=SP, phone_number=NUMBERS
            )
            bw.request("GroupServiceUnassignListRequest", **IDS, service_name=["Hunt Group"])
            bw.request(
                "GroupServiceModifyAuthorizationListRequest",
                **IDS,
                service_pack_authorization=[{"service_pack_name": PACK, "unauthorized": True}],
                group_service_authorization=[{"service_name": "Hunt Group", "unauthorized": True}],
                user_service_authorization=[{"service_name": "Call Waiting", "unauthorized": True}],
            )
            bw.request(
                "ServiceProviderServicePackDeleteRequest",
                service_provider_id=SP,
                service_pack_name=PACK,
            )
            bw.request("GroupDeleteRequest", **IDS)
            bw.request("ServiceProviderDeleteRequest", service_provider_id=SP)
    finally:
        second.stop()
    saved = json.loads(path.read_text())
    assert saved["service_providers"] == {}
    assert DOMAIN in saved["system_domains"]  # system domains stay


def test_the_whole_disconnect_leaves_nothing(acme: BroadWorksClient, emulator: Any) -> None:
    _authorize_group_service(acme)
    acme.request("GroupServiceAssignListRequest", **IDS, service_name=["Hunt Group"])
    add_device(acme, "phone-1", mac_address="0004F2AABBCC")
    add_user(acme, 1, phone_number=NUMBERS[0], access_device_endpoint=endpoint("phone-1", USER1))
    acme.request(
        "UserServiceAssignListRequest",
        user_id=USER1,
        service_name=["Call Waiting"],
        service_pack_name=[PACK],
    )
    _disconnect(acme)
    assert emulator.dump()["service_providers"] == {}


def test_enterprise_service_in_a_service_pack(acme: BroadWorksClient) -> None:
    lowered = _fails(
        acme,
        "ServiceProviderServiceModifyAuthorizationListRequest",
        service_provider_id=SP,
        user_service_authorization=[
            {"service_name": "Voice Messaging User", "authorized_quantity": {"quantity": 5}}
        ],
    )
    assert lowered.message.endswith(f"(service pack {PACK} has 9)")
    removed = _fails(
        acme,
        "ServiceProviderServiceModifyAuthorizationListRequest",
        service_provider_id=SP,
        user_service_authorization=[{"service_name": "Voice Messaging User", "unauthorized": True}],
    )
    assert removed.code == 4227 and removed.message.endswith(f"(service pack {PACK})")
    acme.request(
        "GroupServiceModifyAuthorizationListRequest",
        **IDS,
        service_pack_authorization=[{"service_pack_name": PACK, "unauthorized": True}],
    )
    acme.request(
        "ServiceProviderServicePackDeleteRequest", service_provider_id=SP, service_pack_name=PACK
    )
    acme.request(
        "ServiceProviderServiceModifyAuthorizationListRequest",
        service_provider_id=SP,
        user_service_authorization=[{"service_name": "Voice Messaging User", "unauthorized": True}],
    )
    assert "Voice Messaging User" not in _sp_user_services(acme)
