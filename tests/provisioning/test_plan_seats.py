"""The diff for seats (``provisioning.plan.seats``): phones, then users with their service
pack; what BroadWorks holds as ordered is left alone, what it holds differently is named."""

from __future__ import annotations

from dataclasses import replace

from orion.provisioning.plan import plan_actions
from orion.provisioning.plan.reads import SeenDevice, SeenUser
from orion.provisioning.plan.seats import user_password
from orion.users.selectors import ProvisioningUser
from tests.provisioning.test_plan import PACK, conflict, desired, observed, requests

DOMAIN = "acme.example"


def seat(n: int, *, number: str | None = None, phone: bool = False) -> ProvisioningUser:
    local = f"grp1_{1000 + n}"
    return ProvisioningUser(
        user_id=f"{local}@{DOMAIN}", first_name="User", last_name=str(n),
        calling_line_id_first_name="User", calling_line_id_last_name=str(n),
        extension=str(1000 + n), phone_number=number, email="", service_pack=PACK,
        device_type="Polycom_VVX450" if phone else "", mac_address=f"0004F2ABCD0{n}"
        if phone else "", device_name=f"{local}_phone" if phone else "",
        line_port=f"{local}@{DOMAIN}" if phone else "")


def seen_as_ordered(user: ProvisioningUser) -> SeenUser:
    return SeenUser(first_name=user.first_name, last_name=user.last_name,
                    extension=user.extension, phone_number=user.phone_number or "")


def test_new_users_are_added_after_the_numbers_each_with_its_service_pack_then_phones_first():
    users = (seat(1, number="+1-2125550100", phone=True), seat(2, number="+1-2125550101"),
             seat(3))
    actions = plan_actions(desired(users=users), observed())
    assert requests(actions) == [
        ("devices", "GroupAccessDeviceAddRequest14"),
        ("users", "UserAddRequest17sp4"), ("users", "UserServiceAssignListRequest"),
        ("users", "UserAddRequest17sp4"), ("users", "UserServiceAssignListRequest"),
        ("users", "UserAddRequest17sp4"), ("users", "UserServiceAssignListRequest"),
    ]
    device = actions[0].request[1]
    assert device["device_type"] == "Polycom_VVX450" and device["mac_address"] == "0004F2ABCD01"
    first = actions[1].request[1]
    assert first["phone_number"] == "+1-2125550100" and first["extension"] == "1001"
    assert first["access_device_endpoint"] == {
        "access_device": {"device_level": "Group", "device_name": "grp1_1001_phone"},
        "line_port": f"grp1_1001@{DOMAIN}"}
    third = actions[5].request[1]
    assert "phone_number" not in third and "access_device_endpoint" not in third
    assert actions[2].request[1] == {"user_id": users[0].user_id, "service_pack_name": [PACK]}


def test_each_new_user_gets_its_own_generated_password():
    users = (seat(1), seat(2))
    actions = plan_actions(desired(users=users), observed())
    passwords = [a.request[1]["password"] for a in actions
                 if a.request[0] == "UserAddRequest17sp4"]
    assert len(set(passwords)) == 2 and all(6 <= len(p) <= 60 for p in passwords)
    assert user_password() != user_password()


def test_a_user_broadworks_holds_as_ordered_with_its_pack_is_left_alone():
    user = seat(1, number="+1-2125550100")
    seen = observed(users={user.user_id: seen_as_ordered(user)},
                    user_packs={user.user_id: {PACK}})
    assert plan_actions(desired(users=(user,)), seen) == []


def test_a_user_created_before_a_crash_without_its_pack_only_gets_the_pack():
    user = seat(1)
    seen = observed(users={user.user_id: seen_as_ordered(user)}, user_packs={user.user_id: set()})
    assert requests(plan_actions(desired(users=(user,)), seen)) == [
        ("users", "UserServiceAssignListRequest")]


def test_a_user_broadworks_holds_differently_is_a_conflict_naming_both():
    user = seat(1, number="+1-2125550100")
    other = replace(seen_as_ordered(user), first_name="Pat", extension="2001")
    error = conflict(desired(users=(user,)), observed(users={user.user_id: other}))
    assert error.step == "users"
    assert '"Pat 1", extension 2001' in error.message
    assert '"User 1", extension 1001, number +1-2125550100' in error.message


def test_a_user_id_taken_in_another_group_is_a_conflict_not_a_loop():
    user = seat(1)
    error = conflict(desired(users=(user,)), observed(users_elsewhere={user.user_id}))
    assert error.step == "users" and "already used in BroadWorks" in error.message


def test_a_phone_broadworks_holds_with_another_mac_is_a_conflict():
    user = seat(1, phone=True)
    seen = observed(devices={user.device_name: SeenDevice("Polycom_VVX450", "0004F2FFFFFF")})
    error = conflict(desired(users=(user,)), seen)
    assert error.step == "devices" and "0004F2FFFFFF" in error.message


def test_a_phone_broadworks_holds_as_ordered_is_not_added_again():
    user = seat(1, phone=True)
    seen = observed(devices={user.device_name: SeenDevice("Polycom_VVX450", "0004f2abcd01")})
    assert requests(plan_actions(desired(users=(user,)), seen)) == [
        ("users", "UserAddRequest17sp4"), ("users", "UserServiceAssignListRequest")]
