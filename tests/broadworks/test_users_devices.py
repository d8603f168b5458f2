"""Users and access devices in the emulator: BroadWorks' rules, seen through Orion's client,
a raw socket (for what the client refuses to send) and the unmodified broadworks-ocip client.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from broadworks_ocip import BroadworksAPI
from broadworks_ocip.types import (
    AccessDevice,
    AccessDeviceMultipleContactEndpointAdd,
    GroupDepartmentKey,
)

from orion.broadworks import (
    NIL,
    BroadWorksClient,
    BroadWorksConfig,
    OCIAlreadyExists,
    OCIConflict,
    OCIError,
    OCIInvalidRequest,
    OCINotFound,
    OCIValidationError,
    codec,
    ocip_request,
)
from orion.broadworks.devices import DEVICE_TYPES, KNOWN_DEVICE_TYPES
from orion.broadworks.emulator import EmulatorServer
from tests.broadworks.helpers import (
    DOMAIN,
    GROUP,
    SP,
    RawPeer,
    add_enterprise,
    add_group,
    command,
    document,
)

NUMBERS = [f"+1-212555000{i}" for i in range(1, 6)]
PACK = "Seat Standard"
PHONE = "Polycom_VVX450"


def _fails(bw: BroadWorksClient, name: str, **fields: Any) -> OCIError:
    [result] = bw.batch([ocip_request(name, **fields)])
    assert not result.ok, f"{name} unexpectedly succeeded"
    assert result.error is not None
    return result.error


def user_fields(n: int, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "service_provider_id": SP,
        "group_id": GROUP,
        "user_id": f"user{n}@{DOMAIN}",
        "last_name": f"Last{n}",
        "first_name": f"User {n}",
        "calling_line_id_last_name": f"Last{n}",
        "calling_line_id_first_name": f"User {n}",
        "password": "S3cret-generated!",
        "extension": f"10{n:02d}",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def add_user(bw: BroadWorksClient, n: int, **overrides: Any) -> None:
    bw.request("UserAddRequest17sp4", **user_fields(n, **overrides))


def add_device(bw: BroadWorksClient, name: str, **fields: Any) -> None:
    bw.request(
        "GroupAccessDeviceAddRequest14",
        service_provider_id=SP,
        group_id=GROUP,
        device_name=name,
        device_type=fields.pop("device_type", PHONE),
        **fields,
    )


def endpoint(device: str, line_port: str) -> dict[str, Any]:
    return {
        "access_device": {"device_level": "Group", "device_name": device},
        "line_port": line_port,
    }


def provision_customer(bw: BroadWorksClient, sp: str = SP, group: str = GROUP,
                       domain: str = DOMAIN, numbers: list[str] = NUMBERS,
                       pack_quantity: int = 2) -> None:  # fmt: skip
    """An enterprise and group with numbers, a seat pack (``pack_quantity`` seats for the
    group) and Call Waiting authorized for 2 users."""
    add_enterprise(bw, sp, domain)
    add_group(bw, sp, group, domain)
    bw.batch_or_raise(
        [
            ocip_request(
                "ServiceProviderDnAddListRequest", service_provider_id=sp, phone_number=numbers
            ),
            ocip_request(
                "GroupDnAssignListRequest",
                service_provider_id=sp,
                group_id=group,
                phone_number=numbers[:4],
            ),
            ocip_request(
                "ServiceProviderServiceModifyAuthorizationListRequest",
                service_provider_id=sp,
                user_service_authorization=[
                    {"service_name": name, "authorized_quantity": {"quantity": 9}}
                    for name in ("Voice Messaging User", "Call Waiting", "Three-Way Call")
                ],
            ),
            ocip_request(
                "ServiceProviderServicePackAddRequest",
                service_provider_id=sp,
                service_pack_name=PACK,
                service_pack_description="Standard seat",
                is_available_for_use=True,
                service_pack_quantity={"quantity": 9},
                service_name=["Voice Messaging User"],
            ),
            ocip_request(
                "GroupServiceModifyAuthorizationListRequest",
                service_provider_id=sp,
                group_id=group,
                service_pack_authorization=[
                    {"service_pack_name": PACK, "authorized_quantity": {"quantity": pack_quantity}}
                ],
                user_service_authorization=[
                    {"service_name": "Call Waiting", "authorized_quantity": {"quantity": 2}},
                ],
            ),
        ]
    )


@pytest.fixture
def acme(bw_client: BroadWorksClient) -> BroadWorksClient:
    provision_customer(bw_client)
    return bw_client


# -- UserAddRequest17sp4 / 22V2 -----------------------------------------------------------


def test_user_add_and_get(acme: BroadWorksClient) -> None:
    add_device(acme, "phone-1", mac_address="0004f2aabbcc")
    add_user(
        acme,
        1,
        phone_number="2125550001",
        email_address="user1@acme.example.com",
        access_device_endpoint=endpoint("phone-1", f"user1@{DOMAIN}"),
    )
    user = acme.request("UserGetRequest22", user_id=f"user1@{DOMAIN}")
    assert (user.service_provider_id, user.group_id, user.user_id) == (SP, GROUP, f"user1@{DOMAIN}")
    assert (user.last_name, user.first_name) == ("Last1", "User 1")
    assert (user.calling_line_id_last_name, user.calling_line_id_first_name) == ("Last1", "User 1")
    assert (user.phone_number, user.extension) == ("+1-2125550001", "1001")
    assert user.email_address == "user1@acme.example.com"
    assert (user.country_code, user.national_prefix, user.language) == ("1", "1", "English")
    assert user.time_zone == "America/New_York"  # the group's
    assert user.default_alias == f"user1@{DOMAIN}"
    device = user.access_device_endpoint
    assert (device.access_device.device_level, device.access_device.device_name) == (
        "Group",
        "phone-1",
    )
    assert device.line_port == f"user1@{DOMAIN}"
    current = acme.request("UserGetRequest23V2", user_id=f"USER1@{DOMAIN}")  # ids: any case
    assert current.allow_video is True
    assert current.access_device_endpoint.use_hotline is False
    assert current.extension == "1001"
    group = acme.request("GroupGetRequest22V5", service_provider_id=SP, group_id=GROUP)
    assert group.user_count == 1


def test_the_password_is_never_kept_or_answered(acme: BroadWorksClient, emulator) -> None:
    add_user(acme, 1)
    assert "S3cret-generated!" not in json.dumps(emulator.dump())
    user = acme.request("UserGetRequest22", user_id=f"user1@{DOMAIN}")
    assert "S3cret" not in str(user.to_dict())


def test_the_oci_log_hides_passwords_but_not_device_flags() -> None:
    xml = (
        "<command><password>S3cret</password>"
        "<useCustomUserNamePassword>false</useCustomUserNamePassword>"
        "<mobilityManagerProvisioningPassword>x1</mobilityManagerProvisioningPassword></command>"
    )
    redacted = codec.redact(xml)
    assert "S3cret" not in redacted and "x1" not in redacted
    assert "<useCustomUserNamePassword>false</useCustomUserNamePassword>" in redacted


def test_user_add_22v2_current_name(acme: BroadWorksClient) -> None:
    add_device(acme, "phone-1")
    acme.request(
        "UserAddRequest22V2",
        **user_fields(1),
        access_device_endpoint={**endpoint("phone-1", f"user1@{DOMAIN}"), "use_hotline": False},
    )
    user = acme.request("UserGetRequest22", user_id=f"user1@{DOMAIN}")
    assert user.access_device_endpoint.access_device.device_name == "phone-1"


def test_extension_defaults_to_the_numbers_last_digits(acme: BroadWorksClient) -> None:
    add_user(acme, 1, extension=None, phone_number="+12125550002")
    assert acme.request("UserGetRequest22", user_id=f"user1@{DOMAIN}").extension == "0002"
    add_user(acme, 2, extension=None)
    assert acme.request("UserGetRequest22", user_id=f"user2@{DOMAIN}").extension is None


def test_duplicate_user_id_anywhere_in_the_system(acme: BroadWorksClient) -> None:
    add_user(acme, 1)
    error = _fails(acme, "UserAddRequest17sp4", **user_fields(1, extension="1099"))
    assert type(error) is OCIAlreadyExists
    assert error.message == "[Error 4200] User already exists"
    # another enterprise with its own domain cannot take the id either (case-insensitive)
    provision_customer(acme, "BETA", "BETA-HQ", "beta.example.com", ["+1-3125550001"])
    other = _fails(
        acme,
        "UserAddRequest17sp4",
        **user_fields(1, service_provider_id="BETA", group_id="BETA-HQ",
                      user_id=f"USER1@{DOMAIN}"),
    )  # fmt: skip
    assert other.code == 4200


def test_user_id_domain_must_be_the_groups(acme: BroadWorksClient) -> None:
    error = _fails(acme, "UserAddRequest17sp4", **user_fields(1, user_id="user1@other.example"))
    assert type(error) is OCINotFound
    assert error.message == (
        f"[Error 4165] Domain not assigned to group: {SP}:{GROUP}:other.example"
    )
    bare = _fails(acme, "UserAddRequest17sp4", **user_fields(1, user_id="user1"))
    assert type(bare) is OCIValidationError and "userId must be <user>@<domain>" in str(bare)


def test_what_the_emulator_does_not_model_is_refused_not_dropped(
    acme: BroadWorksClient,
) -> None:
    alias = _fails(acme, "UserAddRequest17sp4", **user_fields(1, alias=[f"a1@{DOMAIN}"]))
    assert alias.message == (
        "[Error 6100] Command not supported by the Orion BroadWorks emulator: "
        "UserAddRequest17sp4 with alias"
    )
    department = _fails(
        acme, "UserAddRequest17sp4",
        **user_fields(
            1, department=GroupDepartmentKey(service_provider_id=SP, group_id=GROUP, name="Sales")
        ),
    )  # fmt: skip
    assert department.code == 6100
    add_user(acme, 1)
    modify = _fails(acme, "UserModifyRequest17sp4", user_id=f"user1@{DOMAIN}",
                    sip_alias_list={"sip_alias": [f"a1@{DOMAIN}"]})  # fmt: skip
    assert modify.code == 6100


def test_user_in_unknown_group(acme: BroadWorksClient) -> None:
    error = _fails(acme, "UserAddRequest17sp4", **user_fields(1, group_id="NOPE"))
    assert error.code == 4152


def test_number_must_be_the_groups_and_one_users(acme: BroadWorksClient) -> None:
    add_user(acme, 1, phone_number=NUMBERS[0])
    used = _fails(acme, "UserAddRequest17sp4", **user_fields(2, phone_number=NUMBERS[0]))
    assert type(used) is OCIConflict
    assert used.message == (
        f"[Error 4211] Phone number already in use by another user: {NUMBERS[0]} "
        f"(user1@{DOMAIN})"
    )
    # in the enterprise, not assigned to the group
    not_group = _fails(acme, "UserAddRequest17sp4", **user_fields(2, phone_number=NUMBERS[4]))
    assert type(not_group) is OCINotFound
    assert not_group.message == (
        f"[Error 4164] Phone number not assigned to group: {SP}:{GROUP}:{NUMBERS[4]}"
    )
    bad = _fails(acme, "UserAddRequest17sp4", **user_fields(2, phone_number="12345"))
    assert type(bad) is OCIValidationError


def test_extension_rules(acme: BroadWorksClient) -> None:
    add_user(acme, 1, extension="1001")
    in_use = _fails(acme, "UserAddRequest17sp4", **user_fields(2, extension="1001"))
    assert type(in_use) is OCIConflict
    assert in_use.message == f"[Error 4212] Extension already in use in group: {SP}:{GROUP}:1001"
    too_long = _fails(acme, "UserAddRequest17sp4", **user_fields(2, extension="1234567"))
    assert type(too_long) is OCIValidationError
    assert too_long.message == (
        f"[Error 4220] Extension length must be 2 to 6 digits in group {SP}:{GROUP}: 1234567"
    )
    letters = _fails(acme, "UserAddRequest17sp4", **user_fields(2, extension="12a"))
    assert type(letters) is OCIValidationError and "extension must be digits" in str(letters)
    # one digit is below the schema's Extension17 minLength: Orion never sends it
    with pytest.raises(OCIInvalidRequest, match="UserAddRequest17sp4/extension: cvc-minLength"):
        acme.request("UserAddRequest17sp4", **user_fields(2, extension="0"))


def test_user_limit(acme: BroadWorksClient) -> None:
    acme.request("GroupModifyRequest", service_provider_id=SP, group_id=GROUP, user_limit=2)
    add_user(acme, 1)
    add_user(acme, 2)
    error = _fails(acme, "UserAddRequest17sp4", **user_fields(3))
    assert error.message == f"[Error 4217] Group user limit reached: {SP}:{GROUP} (2 users)"
    acme.request("UserDeleteRequest", user_id=f"user1@{DOMAIN}")
    add_user(acme, 3)  # a deleted user frees its seat
    below = _fails(acme, "GroupModifyRequest", service_provider_id=SP, group_id=GROUP,
                   user_limit=1)  # fmt: skip
    assert below.message == (
        f"[Error 4221] User limit below the group's number of users: {SP}:{GROUP} (2 users)"
    )


def test_access_device_endpoint_rules(acme: BroadWorksClient) -> None:
    add_device(acme, "phone-1")
    add_user(acme, 1, access_device_endpoint=endpoint("phone-1", f"user1@{DOMAIN}"))
    port_used = _fails(
        acme,
        "UserAddRequest17sp4",
        **user_fields(2, access_device_endpoint=endpoint("phone-1", f"USER1@{DOMAIN}")),
    )
    assert type(port_used) is OCIConflict
    assert port_used.message == f"[Error 4215] Line port already in use: USER1@{DOMAIN}"
    missing = _fails(
        acme,
        "UserAddRequest17sp4",
        **user_fields(2, access_device_endpoint=endpoint("phone-9", f"user2@{DOMAIN}")),
    )
    assert type(missing) is OCINotFound
    assert missing.message == f"[Error 4166] Access device not found: {SP}:{GROUP}:phone-9"
    system_level = _fails(
        acme,
        "UserAddRequest17sp4",
        **user_fields(
            2,
            access_device_endpoint={
                "access_device": {"device_level": "System", "device_name": "phone-1"},
                "line_port": f"user2@{DOMAIN}",
            },
        ),
    )
    assert system_level.code == 4166
    domain = _fails(
        acme,
        "UserAddRequest17sp4",
        **user_fields(2, access_device_endpoint=endpoint("phone-1", "user2@elsewhere.example")),
    )
    assert domain.code == 4165
    sip = _fails(
        acme,
        "UserAddRequest17sp4",
        **user_fields(2, access_device_endpoint=endpoint("phone-1", f"sip:user2@{DOMAIN}")),
    )
    assert type(sip) is OCIValidationError


def test_a_device_has_as_many_line_ports_as_its_type(acme: BroadWorksClient) -> None:
    assert KNOWN_DEVICE_TYPES["Polycom_VVX350"].ports == 6
    add_device(acme, "small", device_type="Polycom_VVX350")
    acme.request("GroupModifyRequest", service_provider_id=SP, group_id=GROUP, user_limit=50)
    acme.batch_or_raise(
        [
            ocip_request(
                "UserAddRequest17sp4",
                **user_fields(n, access_device_endpoint=endpoint("small", f"u{n}@{DOMAIN}")),
            )
            for n in range(1, 7)
        ]
    )
    full = _fails(
        acme,
        "UserAddRequest17sp4",
        **user_fields(7, access_device_endpoint=endpoint("small", f"u7@{DOMAIN}")),
    )
    assert full.message == "[Error 4219] No more ports available on access device: small"
    [device] = acme.request(
        "GroupAccessDeviceGetListRequest", service_provider_id=SP, group_id=GROUP
    ).access_device_table
    assert device.available_ports == "0"


# -- UserGetListInGroupRequest -------------------------------------------------------------


def test_user_list_in_group(acme: BroadWorksClient) -> None:
    add_user(acme, 1, phone_number=NUMBERS[0], email_address="a@acme.example.com")
    add_user(acme, 2, last_name="Smith")
    answer = acme.request("UserGetListInGroupRequest", service_provider_id=SP, group_id=GROUP)
    rows = {row.user_id: row for row in answer.user_table}
    assert set(rows) == {f"user1@{DOMAIN}", f"user2@{DOMAIN}"}
    first = rows[f"user1@{DOMAIN}"]
    assert (first.last_name, first.first_name, first.phone_number) == (
        "Last1",
        "User 1",
        NUMBERS[0],
    )
    assert (first.phone_number_activated, first.email_address, first.extension) == (
        "true",
        "a@acme.example.com",
        "1001",
    )
    assert (first.in_trunk_group, first.country_code) == ("false", "1")
    assert rows[f"user2@{DOMAIN}"].phone_number_activated == "false"
    smiths = acme.request(
        "UserGetListInGroupRequest",
        service_provider_id=SP,
        group_id=GROUP,
        search_criteria_user_last_name=[
            {"mode": "Equal To", "value": "smith", "is_case_insensitive": True}
        ],
    )
    assert [row.user_id for row in smiths.user_table] == [f"user2@{DOMAIN}"]
    empty = acme.request("UserGetListInGroupRequest", service_provider_id=SP, group_id=GROUP,
                         response_size_limit=1)  # fmt: skip
    assert len(empty.user_table) == 1


def test_user_list_of_unknown_group(acme: BroadWorksClient) -> None:
    error = _fails(acme, "UserGetListInGroupRequest", service_provider_id=SP, group_id="X")
    assert error.code == 4152


def test_user_get_unknown(acme: BroadWorksClient) -> None:
    error = _fails(acme, "UserGetRequest22", user_id=f"nobody@{DOMAIN}")
    assert type(error) is OCINotFound
    assert error.message == f"[Error 4008] User not found: nobody@{DOMAIN}"
    assert _fails(acme, "UserGetRequest23V2", user_id=f"nobody@{DOMAIN}").code == 4008


# -- UserModifyRequest17sp4 ----------------------------------------------------------------


def test_user_modify(acme: BroadWorksClient) -> None:
    add_device(acme, "phone-1")
    add_user(acme, 1, phone_number=NUMBERS[0],
             access_device_endpoint=endpoint("phone-1", f"user1@{DOMAIN}"))  # fmt: skip
    add_user(acme, 2, phone_number=NUMBERS[1])
    acme.request(
        "UserModifyRequest17sp4",
        user_id=f"user1@{DOMAIN}",
        first_name="Ada",
        calling_line_id_first_name="Ada",
        phone_number=NUMBERS[2],
        extension="2001",
        email_address="ada@acme.example.com",
    )
    user = acme.request("UserGetRequest22", user_id=f"user1@{DOMAIN}")
    assert (user.first_name, user.calling_line_id_first_name, user.last_name) == (
        "Ada",
        "Ada",
        "Last1",
    )
    assert (user.phone_number, user.extension) == (NUMBERS[2], "2001")
    assert user.email_address == "ada@acme.example.com"
    # the old number is free again
    add_user(acme, 3, phone_number=NUMBERS[0])
    taken = _fails(acme, "UserModifyRequest17sp4", user_id=f"user1@{DOMAIN}",
                   phone_number=NUMBERS[1])  # fmt: skip
    assert taken.code == 4211
    ext = _fails(acme, "UserModifyRequest17sp4", user_id=f"user1@{DOMAIN}", extension="1002")
    assert ext.code == 4212
    # its own extension and number again are fine
    acme.request("UserModifyRequest17sp4", user_id=f"user1@{DOMAIN}", extension="2001",
                 phone_number=NUMBERS[2])  # fmt: skip
    unknown = _fails(acme, "UserModifyRequest17sp4", user_id=f"x@{DOMAIN}", first_name="X")
    assert unknown.code == 4008
    # a refused modify changes nothing
    assert acme.request("UserGetRequest22", user_id=f"user1@{DOMAIN}").first_name == "Ada"


def test_user_modify_nil_removes_number_and_phone(acme: BroadWorksClient) -> None:
    add_device(acme, "phone-1")
    add_user(acme, 1, phone_number=NUMBERS[0],
             access_device_endpoint=endpoint("phone-1", f"user1@{DOMAIN}"))  # fmt: skip
    acme.request(
        "UserModifyRequest17sp4", user_id=f"user1@{DOMAIN}", phone_number=NIL, endpoint=NIL
    )
    user = acme.request("UserGetRequest22", user_id=f"user1@{DOMAIN}")
    assert user.phone_number is None and user.access_device_endpoint is None
    assert user.extension == "1001"
    acme.request(
        "GroupAccessDeviceDeleteRequest", service_provider_id=SP, group_id=GROUP,
        device_name="phone-1",
    )  # fmt: skip


def test_user_modify_puts_the_user_on_a_phone(acme: BroadWorksClient) -> None:
    add_device(acme, "phone-1")
    add_device(acme, "phone-2")
    add_user(acme, 1)
    add_user(acme, 2, access_device_endpoint=endpoint("phone-2", f"user2@{DOMAIN}"))
    acme.request(
        "UserModifyRequest17sp4",
        user_id=f"user1@{DOMAIN}",
        endpoint={"access_device_endpoint": endpoint("phone-1", f"user1@{DOMAIN}")},
    )
    user = acme.request("UserGetRequest22", user_id=f"user1@{DOMAIN}")
    assert user.access_device_endpoint.access_device.device_name == "phone-1"
    clash = _fails(
        acme,
        "UserModifyRequest17sp4",
        user_id=f"user1@{DOMAIN}",
        endpoint={"access_device_endpoint": {"line_port": f"user2@{DOMAIN}"}},
    )
    assert clash.code == 4215


# -- UserDeleteRequest ---------------------------------------------------------------------


def test_user_delete_frees_number_extension_line_port_and_pack(acme: BroadWorksClient) -> None:
    add_device(acme, "phone-1")
    add_user(acme, 1, phone_number=NUMBERS[0],
             access_device_endpoint=endpoint("phone-1", f"user1@{DOMAIN}"))  # fmt: skip
    add_user(acme, 2)
    for n in (1, 2):
        acme.request("UserServiceAssignListRequest", user_id=f"user{n}@{DOMAIN}",
                     service_pack_name=[PACK])  # fmt: skip
    acme.request("UserDeleteRequest", user_id=f"user1@{DOMAIN}")
    assert _fails(acme, "UserGetRequest22", user_id=f"user1@{DOMAIN}").code == 4008
    assert _fails(acme, "UserDeleteRequest", user_id=f"user1@{DOMAIN}").code == 4008
    add_user(acme, 3, extension="1001", phone_number=NUMBERS[0],
             access_device_endpoint=endpoint("phone-1", f"user1@{DOMAIN}"))  # fmt: skip
    acme.request("UserServiceAssignListRequest", user_id=f"user3@{DOMAIN}",
                 service_pack_name=[PACK])  # fmt: skip


# -- user services -------------------------------------------------------------------------


def test_service_pack_assignment_counts_against_the_group(acme: BroadWorksClient) -> None:
    for n in (1, 2, 3):
        add_user(acme, n)
    for n in (1, 2):
        acme.request("UserServiceAssignListRequest", user_id=f"user{n}@{DOMAIN}",
                     service_pack_name=[PACK])  # fmt: skip
    # the same again changes nothing and succeeds
    acme.request("UserServiceAssignListRequest", user_id=f"user1@{DOMAIN}",
                 service_pack_name=[PACK])  # fmt: skip
    full = _fails(acme, "UserServiceAssignListRequest", user_id=f"user3@{DOMAIN}",
                  service_pack_name=[PACK])  # fmt: skip
    assert full.message == (
        f"[Error 4218] No quantity left for {PACK} in group {SP}:{GROUP} (2 assigned)"
    )
    auth = acme.request(
        "GroupServiceGetAuthorizationListRequest", service_provider_id=SP, group_id=GROUP
    )
    [pack] = auth.service_packs_authorization_table
    assert (pack.service_pack_name, pack.assigned, pack.usage) == (PACK, "true", "2")
    acme.request("UserServiceUnassignListRequest", user_id=f"user2@{DOMAIN}",
                 service_pack_name=[PACK])  # fmt: skip
    acme.request("UserServiceAssignListRequest", user_id=f"user3@{DOMAIN}",
                 service_pack_name=[PACK])  # fmt: skip


def test_authorizations_never_drop_below_the_users_usage(acme: BroadWorksClient) -> None:
    add_user(acme, 1)
    add_user(acme, 2)
    for n in (1, 2):
        acme.request("UserServiceAssignListRequest", user_id=f"user{n}@{DOMAIN}",
                     service_name=["Call Waiting"], service_pack_name=[PACK])  # fmt: skip
    ids = {"service_provider_id": SP, "group_id": GROUP}
    lower = _fails(
        acme, "GroupServiceModifyAuthorizationListRequest", **ids,
        service_pack_authorization=[
            {"service_pack_name": PACK, "authorized_quantity": {"quantity": 1}}
        ],
    )  # fmt: skip
    assert lower.message == (
        f"[Error 4222] Quantity below the users' usage of {PACK} in group {SP}:{GROUP} (2 users)"
    )
    gone = _fails(
        acme, "GroupServiceModifyAuthorizationListRequest", **ids,
        user_service_authorization=[{"service_name": "Call Waiting", "unauthorized": True}],
    )  # fmt: skip
    assert gone.code == 4222
    acme.request(
        "GroupServiceModifyAuthorizationListRequest", **ids,
        service_pack_authorization=[
            {"service_pack_name": PACK, "authorized_quantity": {"quantity": 3}}
        ],
    )  # fmt: skip
    # the enterprise cannot take a service away while a group has it (the group gives it up
    # first, and the group only once its users have); tests/broadworks/test_removals.py
    taken = _fails(
        acme, "ServiceProviderServiceModifyAuthorizationListRequest", service_provider_id=SP,
        user_service_authorization=[{"service_name": "Call Waiting", "unauthorized": True}],
    )  # fmt: skip
    assert taken.code == 4227
    table = acme.request("UserServiceGetAssignmentListRequest", user_id=f"user1@{DOMAIN}")
    assert ("Call Waiting", "true") in [tuple(row) for row in table.user_services_assignment_table]


def test_pack_and_service_must_be_authorized(acme: BroadWorksClient) -> None:
    add_user(acme, 1)
    pack = _fails(acme, "UserServiceAssignListRequest", user_id=f"user1@{DOMAIN}",
                  service_pack_name=["Seat Premium"])  # fmt: skip
    assert pack.message == (
        f"[Error 4163] Service pack not authorized for group: {SP}:{GROUP}:Seat Premium"
    )
    service = _fails(acme, "UserServiceAssignListRequest", user_id=f"user1@{DOMAIN}",
                     service_name=["Three-Way Call"])  # fmt: skip
    assert service.code == 4162
    # nothing of a refused list is assigned
    mixed = _fails(acme, "UserServiceAssignListRequest", user_id=f"user1@{DOMAIN}",
                   service_name=["Call Waiting"], service_pack_name=["Seat Premium"])  # fmt: skip
    assert mixed.code == 4163
    table = acme.request("UserServiceGetAssignmentListRequest", user_id=f"user1@{DOMAIN}")
    assert [tuple(row) for row in table.user_services_assignment_table] == [
        ("Call Waiting", "false")
    ]
    nobody = _fails(acme, "UserServiceAssignListRequest", user_id=f"x@{DOMAIN}",
                    service_name=["Call Waiting"])  # fmt: skip
    assert nobody.code == 4008


def test_user_service_quantity_and_assignment_list(acme: BroadWorksClient) -> None:
    for n in (1, 2, 3):
        add_user(acme, n)
    for n in (1, 2):
        acme.request("UserServiceAssignListRequest", user_id=f"user{n}@{DOMAIN}",
                     service_name=["Call Waiting"], service_pack_name=[PACK])  # fmt: skip
    full = _fails(acme, "UserServiceAssignListRequest", user_id=f"user3@{DOMAIN}",
                  service_name=["Call Waiting"])  # fmt: skip
    assert full.code == 4218
    table = acme.request("UserServiceGetAssignmentListRequest", user_id=f"user1@{DOMAIN}")
    assert [tuple(row) for row in table.service_packs_assignment_table] == [
        (PACK, "true", "Standard seat")
    ]
    assert [tuple(row) for row in table.user_services_assignment_table] == [
        ("Call Waiting", "true")
    ]
    acme.request("UserServiceUnassignListRequest", user_id=f"user1@{DOMAIN}",
                 service_name=["Call Waiting"], service_pack_name=[PACK])  # fmt: skip
    table = acme.request("UserServiceGetAssignmentListRequest", user_id=f"user1@{DOMAIN}")
    assert [row.assigned for row in table.service_packs_assignment_table] == ["false"]
    assert [row.assigned for row in table.user_services_assignment_table] == ["false"]
    acme.request("UserServiceAssignListRequest", user_id=f"user3@{DOMAIN}",
                 service_name=["Call Waiting"])  # fmt: skip
    # unassigning what the user does not have succeeds
    acme.request("UserServiceUnassignListRequest", user_id=f"user1@{DOMAIN}",
                 service_name=["Call Waiting"])  # fmt: skip
    assert _fails(acme, "UserServiceGetAssignmentListRequest", user_id="x@y.z").code == 4008


# -- access devices ------------------------------------------------------------------------


def test_device_add_get_list(acme: BroadWorksClient) -> None:
    assert DEVICE_TYPES["Polycom VVX 450"] == "Polycom_VVX450"
    assert set(DEVICE_TYPES.values()) <= set(KNOWN_DEVICE_TYPES)
    add_device(acme, "phone-1", mac_address="0004f2aabbcc", description="Front desk")
    add_device(acme, "phone-2", device_type="Yealink_T54W")
    add_user(acme, 1, access_device_endpoint=endpoint("phone-1", f"user1@{DOMAIN}"))
    device = acme.request(
        "GroupAccessDeviceGetRequest18sp1", service_provider_id=SP, group_id=GROUP,
        device_name="phone-1",
    )  # fmt: skip
    assert (device.device_type, device.mac_address, device.description) == (
        PHONE,
        "0004F2AABBCC",
        "Front desk",
    )
    assert (device.number_of_ports.quantity, device.number_of_assigned_ports) == (12, 1)
    assert (device.status, device.protocol) == ("Online", "SIP 2.0")
    listed = acme.request("GroupAccessDeviceGetListRequest", service_provider_id=SP,
                          group_id=GROUP)  # fmt: skip
    rows = {row.device_name: row for row in listed.access_device_table}
    assert (rows["phone-1"].device_type, rows["phone-1"].mac_address) == (PHONE, "0004F2AABBCC")
    assert (rows["phone-1"].available_ports, rows["phone-2"].available_ports) == ("11", "16")
    yealinks = acme.request(
        "GroupAccessDeviceGetListRequest", service_provider_id=SP, group_id=GROUP,
        search_criteria_exact_device_type={"device_type": "Yealink_T54W"},
    )  # fmt: skip
    assert [row.device_name for row in yealinks.access_device_table] == ["phone-2"]
    missing = _fails(acme, "GroupAccessDeviceGetRequest18sp1", service_provider_id=SP,
                     group_id=GROUP, device_name="nope")  # fmt: skip
    assert missing.code == 4166


def test_device_add_refusals(acme: BroadWorksClient) -> None:
    add_device(acme, "phone-1", mac_address="0004F2AABBCC")
    same_name = _fails(acme, "GroupAccessDeviceAddRequest14", service_provider_id=SP,
                       group_id=GROUP, device_name="phone-1", device_type=PHONE)  # fmt: skip
    assert type(same_name) is OCIAlreadyExists
    assert same_name.message == f"[Error 4213] Access device already exists: {SP}:{GROUP}:phone-1"
    # a MAC address is unique in the whole system: another customer's phone
    provision_customer(acme, "BETA", "BETA-HQ", "beta.example.com", ["+1-3125550001"])
    mac = _fails(acme, "GroupAccessDeviceAddRequest14", service_provider_id="BETA",
                 group_id="BETA-HQ", device_name="desk", device_type=PHONE,
                 mac_address="0004f2aabbcc")  # fmt: skip
    assert type(mac) is OCIConflict
    assert mac.message == (
        f"[Error 4214] MAC address already in use by another device: 0004F2AABBCC "
        f"({SP}:{GROUP}:phone-1)"
    )
    bad_mac = _fails(acme, "GroupAccessDeviceAddRequest14", service_provider_id=SP,
                     group_id=GROUP, device_name="p2", device_type=PHONE,
                     mac_address="0004F2AABBCZ")  # fmt: skip
    assert type(bad_mac) is OCIValidationError
    short_mac = _fails(acme, "GroupAccessDeviceAddRequest14", service_provider_id=SP,
                       group_id=GROUP, device_name="p2", device_type=PHONE,
                       mac_address="0004F2")  # fmt: skip
    assert type(short_mac) is OCIValidationError
    kind = _fails(acme, "GroupAccessDeviceAddRequest14", service_provider_id=SP,
                  group_id=GROUP, device_name="p2", device_type="Rotary Phone")  # fmt: skip
    assert type(kind) is OCINotFound
    assert kind.message == "[Error 4167] Device type not found: Rotary Phone"
    group = _fails(acme, "GroupAccessDeviceAddRequest14", service_provider_id=SP,
                   group_id="NOPE", device_name="p2", device_type=PHONE)  # fmt: skip
    assert group.code == 4152
    with pytest.raises(OCIInvalidRequest, match="macAddress: cvc-maxLength"):
        add_device(acme, "p3", mac_address="0004F2AABBCCDD")


def test_device_delete_refused_while_a_user_is_on_it(acme: BroadWorksClient) -> None:
    add_device(acme, "phone-1", mac_address="0004F2AABBCC")
    add_user(acme, 1, access_device_endpoint=endpoint("phone-1", f"user1@{DOMAIN}"))
    ids = {"service_provider_id": SP, "group_id": GROUP, "device_name": "phone-1"}
    in_use = _fails(acme, "GroupAccessDeviceDeleteRequest", **ids)
    assert type(in_use) is OCIConflict
    assert in_use.message == (
        "[Error 4216] Access device in use by a user, remove the user first: phone-1"
    )
    acme.request("UserDeleteRequest", user_id=f"user1@{DOMAIN}")
    acme.request("GroupAccessDeviceDeleteRequest", **ids)
    assert _fails(acme, "GroupAccessDeviceDeleteRequest", **ids).code == 4166
    add_device(acme, "phone-again", mac_address="0004F2AABBCC")  # the MAC is free again


# -- groups, restart, schema ---------------------------------------------------------------


def test_deleting_the_group_deletes_its_users_and_devices(acme: BroadWorksClient) -> None:
    add_device(acme, "phone-1", mac_address="0004F2AABBCC")
    add_user(acme, 1, phone_number=NUMBERS[0],
             access_device_endpoint=endpoint("phone-1", f"user1@{DOMAIN}"))  # fmt: skip
    acme.request("GroupDeleteRequest", service_provider_id=SP, group_id=GROUP)
    assert _fails(acme, "UserGetRequest22", user_id=f"user1@{DOMAIN}").code == 4008
    add_group(acme)
    acme.request("GroupDnAssignListRequest", service_provider_id=SP, group_id=GROUP,
                 phone_number=[NUMBERS[0]])  # fmt: skip
    add_device(acme, "phone-1", mac_address="0004F2AABBCC")
    add_user(acme, 1, phone_number=NUMBERS[0],
             access_device_endpoint=endpoint("phone-1", f"user1@{DOMAIN}"))  # fmt: skip


def test_users_and_devices_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "emulator.json"
    first = EmulatorServer(port=0, state_file=path)
    first.start_in_thread()
    with BroadWorksClient(BroadWorksConfig(host=first.host, port=first.port)) as bw:
        provision_customer(bw)
        add_device(bw, "phone-1", mac_address="0004F2AABBCC")
        add_user(bw, 1, phone_number=NUMBERS[0],
                 access_device_endpoint=endpoint("phone-1", f"user1@{DOMAIN}"))  # fmt: skip
        bw.request("UserServiceAssignListRequest", user_id=f"user1@{DOMAIN}",
                   service_pack_name=[PACK])  # fmt: skip
    first.stop()
    saved = json.loads(path.read_text())["service_providers"][SP]["groups"][GROUP]
    assert list(saved["users"]) == [f"user1@{DOMAIN}"]
    assert saved["devices"]["phone-1"]["mac_address"] == "0004F2AABBCC"

    second = EmulatorServer(port=0, state_file=path)
    second.start_in_thread()
    try:
        with BroadWorksClient(BroadWorksConfig(host=second.host, port=second.port)) as bw:
            user = bw.request("UserGetRequest22", user_id=f"user1@{DOMAIN}")
            assert (user.phone_number, user.extension) == (NUMBERS[0], "1001")
            assert user.access_device_endpoint.line_port == f"user1@{DOMAIN}"
            services = bw.request("UserServiceGetAssignmentListRequest", user_id=user.user_id)
            assert services.service_packs_assignment_table[0].assigned == "true"
            assert _fails(bw, "UserAddRequest17sp4", **user_fields(1)).code == 4200
            assert _fails(bw, "GroupAccessDeviceAddRequest14", service_provider_id=SP,
                          group_id=GROUP, device_name="phone-2", device_type=PHONE,
                          mac_address="0004f2aabbcc").code == 4214  # fmt: skip
    finally:
        second.stop()


def test_state_files_from_before_users_still_load(tmp_path: Path) -> None:
    path = tmp_path / "emulator.json"
    first = EmulatorServer(port=0, state_file=path)
    first.start_in_thread()
    with BroadWorksClient(BroadWorksConfig(host=first.host, port=first.port)) as bw:
        add_enterprise(bw)
        add_group(bw)
    first.stop()
    data = json.loads(path.read_text())
    group = data["service_providers"][SP]["groups"][GROUP]
    for key in ("users", "devices", "min_extension_length", "max_extension_length",
                "default_extension_length"):  # fmt: skip
        del group[key]
    path.write_text(json.dumps(data))
    second = EmulatorServer(port=0, state_file=path)
    second.start_in_thread()
    try:
        with BroadWorksClient(BroadWorksConfig(host=second.host, port=second.port)) as bw:
            bw.request("UserAddRequest17sp4", **user_fields(1))
    finally:
        second.stop()


LOGIN = command("LoginRequest22V5", userId="admin", password="ocip-demo-password")


@pytest.fixture
def peer(emulator: EmulatorServer) -> Iterator[RawPeer]:
    raw = RawPeer(emulator.host, emulator.port)
    raw.send(document(LOGIN))
    assert b"LoginResponse22V5" in raw.read_documents()[0]
    yield raw
    raw.close()


def _user_add_xml(**overrides: str | None) -> str:
    fields: dict[str, str | None] = {
        "serviceProviderId": SP,
        "groupId": GROUP,
        "userId": f"u1@{DOMAIN}",
        "lastName": "Doe",
        "firstName": "Jane",
        "callingLineIdLastName": "Doe",
        "callingLineIdFirstName": "Jane",
    }
    fields.update(overrides)
    return command("UserAddRequest17sp4", **{k: v for k, v in fields.items() if v is not None})


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (_user_add_xml(lastName=None), "UserAddRequest17sp4/firstName: cvc-complex-type.2.4.a"),
        (_user_add_xml(firstName="J" * 31), "UserAddRequest17sp4/firstName: cvc-maxLength"),
        (_user_add_xml(nickname="JJ"), "UserAddRequest17sp4/nickname: cvc-complex-type.2.4.a"),
        (
            # emailAddress belongs after the endpoint choice, extension before it
            _user_add_xml(emailAddress="a@b.example", extension="1001"),
            "UserAddRequest17sp4/extension: cvc-complex-type.2.4.a",
        ),
        (
            command(
                "GroupAccessDeviceAddRequest14",
                serviceProviderId=SP,
                groupId=GROUP,
                deviceName="p" * 41,
                deviceType=PHONE,
            ),
            "GroupAccessDeviceAddRequest14/deviceName: cvc-maxLength",
        ),
        (
            command("UserServiceAssignListRequest", userId=f"u1@{DOMAIN}", serviceName="Free Beer"),
            "UserServiceAssignListRequest/serviceName: cvc-enumeration-valid",
        ),
        (
            '<command xmlns="" xsi:type="UserModifyRequest17sp4">'
            f'<userId>u1@{DOMAIN}</userId><lastName xsi:nil="true"/></command>',
            "UserModifyRequest17sp4/lastName: cvc-elt.3.1: the element is not nillable",
        ),
        (command("UserDeleteRequest"), "UserDeleteRequest: cvc-complex-type.2.4.b"),
    ],
)
def test_schema_refusals(peer: RawPeer, body: str, expected: str) -> None:
    peer.send(document(body))
    [answer] = codec.parse_document(peer.read_documents()[0]).commands
    assert answer.element.findtext("summary") == "[Error 6004] OCI XML Request validation error"
    assert (answer.element.findtext("detail") or "").startswith(expected)


# -- the independent client ----------------------------------------------------------------


def test_library_adds_and_reads_a_user(
    emulator: EmulatorServer, bw_client: BroadWorksClient
) -> None:
    """Unmodified broadworks-ocip requests decode cleanly, and its decoder reads the answers."""
    provision_customer(bw_client)
    add_device(bw_client, "phone-1", mac_address="0004F2AABBCC")
    api = BroadworksAPI(host=emulator.host, port=emulator.port, username="admin",
                        password="ocip-demo-password", command_timeout=5)  # fmt: skip
    try:
        api.command(
            "UserAddRequest17sp4",
            service_provider_id=SP,
            group_id=GROUP,
            user_id=f"lib@{DOMAIN}",
            last_name="Library",
            first_name="Lib",
            calling_line_id_last_name="Library",
            calling_line_id_first_name="Lib",
            phone_number="+1-2125550003",
            extension="3003",
            password="Gen3rated!pw",
            access_device_endpoint=AccessDeviceMultipleContactEndpointAdd(
                access_device=AccessDevice(device_level="Group", device_name="phone-1"),
                line_port=f"lib@{DOMAIN}",
            ),
            email_address="lib@acme.example.com",
        )
        user = api.command("UserGetRequest22", user_id=f"lib@{DOMAIN}")
        assert (user.first_name, user.phone_number, user.extension) == (
            "Lib",
            "+1-2125550003",
            "3003",
        )
        assert user.access_device_endpoint.access_device.device_name == "phone-1"
        assert user.access_device_endpoint.line_port == f"lib@{DOMAIN}"
        listed = api.command("UserGetListInGroupRequest", service_provider_id=SP, group_id=GROUP)
        assert [row.user_id for row in listed.user_table] == [f"lib@{DOMAIN}"]
        devices = api.command("GroupAccessDeviceGetListRequest", service_provider_id=SP,
                              group_id=GROUP)  # fmt: skip
        assert devices.access_device_table[0].mac_address == "0004F2AABBCC"
        api.command("UserServiceAssignListRequest", user_id=f"lib@{DOMAIN}",
                    service_pack_name=[PACK])  # fmt: skip
        assignments = api.command("UserServiceGetAssignmentListRequest", user_id=f"lib@{DOMAIN}")
        assert assignments.service_packs_assignment_table[0].assigned == "true"
    finally:
        api.close()
    state = emulator.dump()["service_providers"][SP]["groups"][GROUP]
    assert state["users"][f"lib@{DOMAIN}"]["line_port"] == f"lib@{DOMAIN}"


# -- extension lengths ---------------------------------------------------------------------


def test_group_extension_length(acme: BroadWorksClient) -> None:
    ids = {"service_provider_id": SP, "group_id": GROUP}
    lengths = acme.request("GroupExtensionLengthGetRequest17", **ids)
    assert (
        lengths.min_extension_length,
        lengths.max_extension_length,
        lengths.default_extension_length,
    ) == (2, 6, 4)
    add_user(acme, 1, extension="1001")
    # a range the group's users no longer fit is refused
    narrow = _fails(acme, "GroupExtensionLengthModifyRequest17", **ids, min_extension_length=2,
                    max_extension_length=3, default_extension_length=3)  # fmt: skip
    assert narrow.code == 4220
    upside_down = _fails(acme, "GroupExtensionLengthModifyRequest17", **ids,
                         min_extension_length=5, max_extension_length=4)  # fmt: skip
    assert type(upside_down) is OCIValidationError
    acme.request("GroupExtensionLengthModifyRequest17", **ids, min_extension_length=3,
                 max_extension_length=5)  # fmt: skip
    short = _fails(acme, "UserAddRequest17sp4", **user_fields(2, extension="12"))
    assert short.message == (
        f"[Error 4220] Extension length must be 3 to 5 digits in group {SP}:{GROUP}: 12"
    )
    acme.request("GroupExtensionLengthModifyRequest17", **ids, default_extension_length=5)
    add_user(acme, 2, extension=None, phone_number=NUMBERS[1])
    assert acme.request("UserGetRequest22", user_id=f"user2@{DOMAIN}").extension == "50002"
    assert _fails(acme, "GroupExtensionLengthGetRequest17", service_provider_id=SP,
                  group_id="NOPE").code == 4152  # fmt: skip


def test_consolidated_group_add_sets_extension_lengths(bw_client: BroadWorksClient) -> None:
    add_enterprise(bw_client)
    fields = {"service_provider_id": SP, "group_id": GROUP, "default_domain": DOMAIN,
              "user_limit": 10, "min_extension_length": 3, "max_extension_length": 4,
              "default_extension_length": 3}  # fmt: skip
    bw_client.request("GroupConsolidatedAddRequest", **fields)
    lengths = bw_client.request("GroupExtensionLengthGetRequest17", service_provider_id=SP,
                                group_id=GROUP)  # fmt: skip
    assert (lengths.min_extension_length, lengths.max_extension_length) == (3, 4)
    assert lengths.default_extension_length == 3
    bad = _fails(bw_client, "GroupConsolidatedAddRequest",
                 **{**fields, "group_id": "G2", "default_extension_length": 5})  # fmt: skip
    assert type(bad) is OCIValidationError
    groups = bw_client.request("GroupGetListInServiceProviderRequest", service_provider_id=SP)
    assert [row.group_id for row in groups.group_table] == [GROUP]  # all or nothing
