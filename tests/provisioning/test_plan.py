"""``plan_actions``, branch by branch: pure unit tests, no database, no emulator.

Each test builds a ``Desired`` (what Orion expects) and an ``Observed`` (what BroadWorks holds)
by hand and checks the commands planned, or the ``ProvisioningConflict`` raised. The baseline
is a customer BroadWorks already holds exactly as desired: no commands at all. Every other test
changes one thing from it.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pytest

from orion.provisioning.exceptions import ProvisioningConflict
from orion.provisioning.plan import Action, Desired, Observed, bw_number, plan_actions

SP, GROUP, DOMAIN = "ent1", "grp1", "acme.example"
PACK, PACK_SERVICES = "Standard", ("Voice Messaging User", "Call Forwarding Always")
USER_SERVICE, GROUP_SERVICE = "Call Recording", "Auto Attendant"


def desired(**changes: object) -> Desired:
    """An order of 3 Standard seats, 1 Call Recording, 1 Auto Attendant, two numbers."""
    base = Desired(
        sp_id=SP, sp_name="Acme Corporation", sp_default_domain=DOMAIN, domain=DOMAIN,
        group_id=GROUP, group_name="Acme Corporation", clid_name="Acme Corporation",
        time_zone="America/New_York", user_limit=3,
        contact={"contact_name": "Sam"}, address={"city": "Boston"},
        creates_enterprise=True, creates_group=True,
        packs={PACK: PACK_SERVICES}, pack_qty={PACK: 3},
        user_services={USER_SERVICE: 1}, group_services={GROUP_SERVICE: 1},
        numbers=(bw_number("+12125550100"), bw_number("+12125550101")),
    )
    return replace(base, **changes)


def observed(**changes: object) -> Observed:
    """BroadWorks holding exactly ``desired()``."""
    base = Observed(
        system_domains={DOMAIN, "system.example"},
        sp=SimpleNamespace(is_enterprise=True, service_provider_name="Acme Corporation"),
        sp_domains={DOMAIN},
        sp_user_services={s: "Unlimited" for s in (*PACK_SERVICES, USER_SERVICE)},
        sp_group_services={GROUP_SERVICE: "Unlimited"},
        sp_packs={PACK},
        group=SimpleNamespace(group_name="Acme Corporation", time_zone="America/New_York",
                              user_limit=3),
        group_packs={PACK: "3"}, group_user_services={USER_SERVICE: "1"},
        group_group_services={GROUP_SERVICE: "1"}, group_assigned={GROUP_SERVICE},
        sp_numbers={bw_number("+12125550100"): GROUP, bw_number("+12125550101"): GROUP},
    )
    return replace(base, **changes)


def requests(actions: list[Action]) -> list[tuple[str, str]]:
    return [(a.step, a.request[0]) for a in actions]


def conflict(d: Desired, o: Observed) -> ProvisioningConflict:
    with pytest.raises(ProvisioningConflict) as raised:
        plan_actions(d, o)
    return raised.value


def test_nothing_to_do_when_broadworks_holds_the_desired_state():
    assert plan_actions(desired(), observed()) == []


# --- domain at system level ------------------------------------------------------------------

def test_a_domain_missing_at_system_level_is_added_first():
    actions = plan_actions(desired(), observed(system_domains={"system.example"}))
    assert requests(actions) == [("domain", "SystemDomainAddRequest")]
    assert actions[0].request[1] == {"domain": DOMAIN}


def test_the_group_domain_and_the_enterprise_default_are_both_added_sorted():
    d = desired(domain="b.example", sp_default_domain="a.example")
    actions = plan_actions(d, observed(system_domains=set(), sp_domains={"a.example",
                                                                         "b.example"}))
    assert [a.request[1]["domain"] for a in actions] == ["a.example", "b.example"]


def test_system_domains_not_readable_are_not_added():
    """``None``: the system domain list could not be read (not an empty list)."""
    assert plan_actions(desired(), observed(system_domains=None)) == []


# --- the enterprise --------------------------------------------------------------------------

def test_a_missing_enterprise_that_orion_may_create_is_created_with_its_domain():
    actions = plan_actions(desired(), observed(sp=None, sp_domains=set()))
    assert requests(actions)[0] == ("enterprise", "ServiceProviderAddRequest13mp2")
    fields = actions[0].request[1]
    assert fields["is_enterprise"] is True and fields["default_domain"] == DOMAIN
    # Its default domain is its own once created: no separate assignment for the same domain.
    assert ("domain", "ServiceProviderDomainAssignListRequest") not in requests(actions)


def test_a_new_enterprise_gets_the_group_domain_assigned_when_it_differs():
    d = desired(domain="group.example", sp_default_domain=DOMAIN)
    actions = plan_actions(d, observed(sp=None, system_domains={DOMAIN, "group.example"}))
    assign = [a for a in actions if a.request[0] == "ServiceProviderDomainAssignListRequest"]
    assert assign[0].request[1]["domain"] == ["group.example"]


def test_a_missing_enterprise_orion_provisioned_before_is_a_conflict():
    raised = conflict(desired(creates_enterprise=False), observed(sp=None))
    assert raised.step == "enterprise" and "removed outside Orion" in str(raised)


def test_a_service_provider_that_is_not_an_enterprise_is_a_conflict():
    sp = SimpleNamespace(is_enterprise=False, service_provider_name="Acme Corporation")
    raised = conflict(desired(), observed(sp=sp))
    assert raised.step == "enterprise" and "not an enterprise" in str(raised)


def test_an_existing_enterprise_with_another_name_is_a_conflict_when_orion_creates_it():
    sp = SimpleNamespace(is_enterprise=True, service_provider_name="Someone Else")
    raised = conflict(desired(), observed(sp=sp))
    assert raised.step == "enterprise" and '"Someone Else"' in str(raised)


def test_an_enterprise_orion_provisioned_before_may_have_been_renamed():
    sp = SimpleNamespace(is_enterprise=True, service_provider_name="Renamed by hand")
    assert plan_actions(desired(creates_enterprise=False), observed(sp=sp)) == []


def test_a_domain_the_enterprise_lacks_is_assigned_to_it():
    actions = plan_actions(desired(), observed(sp_domains={"other.example"}))
    assert requests(actions) == [("domain", "ServiceProviderDomainAssignListRequest")]
    assert actions[0].request[1] == {"service_provider_id": SP, "domain": [DOMAIN]}


# --- enterprise service authorizations and service packs ------------------------------------

def test_missing_enterprise_authorizations_are_added_unlimited_in_one_command():
    actions = plan_actions(desired(), observed(sp_user_services={}, sp_group_services={}))
    assert requests(actions) == [
        ("enterprise_services", "ServiceProviderServiceModifyAuthorizationListRequest")]
    fields = actions[0].request[1]
    assert [u["service_name"] for u in fields["user_service_authorization"]] == sorted(
        [*PACK_SERVICES, USER_SERVICE])
    assert fields["group_service_authorization"] == [
        {"service_name": GROUP_SERVICE, "authorized_quantity": {"unlimited": True}}]


def test_only_missing_group_services_are_authorized_for_the_enterprise():
    actions = plan_actions(desired(), observed(sp_group_services={}))
    fields = actions[0].request[1]
    assert "user_service_authorization" not in fields
    assert len(fields["group_service_authorization"]) == 1


def test_an_enterprise_limit_below_what_the_customer_needs_is_a_conflict():
    d = desired(user_services={USER_SERVICE: 5})
    o = observed(sp_user_services={**observed().sp_user_services, USER_SERVICE: "2"},
                 group_user_services={USER_SERVICE: "5"})
    raised = conflict(d, o)
    assert raised.step == "enterprise_services" and "needs 5" in str(raised)


def test_an_enterprise_limit_of_a_group_service_below_the_need_is_a_conflict():
    o = observed(sp_group_services={GROUP_SERVICE: "0"})
    assert conflict(desired(), o).step == "enterprise_services"


def test_an_enterprise_limit_at_the_need_is_enough():
    o = observed(sp_user_services={**observed().sp_user_services, USER_SERVICE: "1"})
    assert plan_actions(desired(), o) == []


def test_a_missing_service_pack_is_added_with_its_services():
    actions = plan_actions(desired(), observed(sp_packs=set()))
    assert requests(actions) == [("service_packs", "ServiceProviderServicePackAddRequest")]
    fields = actions[0].request[1]
    assert fields["service_pack_name"] == PACK
    assert fields["service_name"] == list(PACK_SERVICES)


# --- the group -------------------------------------------------------------------------------

def test_a_missing_group_that_orion_may_create_is_created():
    o = observed(group=None, group_packs={}, group_user_services={}, group_group_services={},
                 group_assigned=set())
    actions = plan_actions(desired(), o)
    assert requests(actions) == [
        ("group", "GroupAddRequest"),
        ("group_services", "GroupServiceModifyAuthorizationListRequest"),
        ("group_services", "GroupServiceAssignListRequest"),
    ]
    fields = actions[0].request[1]
    assert fields["default_domain"] == DOMAIN and fields["user_limit"] == 3
    assert fields["time_zone"] == "America/New_York"


def test_a_missing_group_orion_provisioned_before_is_a_conflict():
    raised = conflict(desired(creates_group=False), observed(group=None))
    assert raised.step == "group" and "removed outside Orion" in str(raised)


@pytest.mark.parametrize("differs", [{"group_name": "Other"}, {"time_zone": "America/Denver"}])
def test_an_existing_group_with_another_name_or_time_zone_is_a_conflict(differs):
    group = SimpleNamespace(**{"group_name": "Acme Corporation",
                               "time_zone": "America/New_York", "user_limit": 3, **differs})
    assert conflict(desired(), observed(group=group)).step == "group"


def test_a_group_orion_provisioned_before_may_differ_in_name():
    group = SimpleNamespace(group_name="Renamed", time_zone="UTC", user_limit=3)
    assert plan_actions(desired(creates_group=False), observed(group=group)) == []


def test_a_user_limit_below_the_seats_is_raised():
    group = SimpleNamespace(group_name="Acme Corporation", time_zone="America/New_York",
                            user_limit=1)
    actions = plan_actions(desired(), observed(group=group))
    assert requests(actions) == [("group", "GroupModifyRequest")]
    assert actions[0].request[1]["user_limit"] == 3


def test_a_user_limit_above_the_seats_is_left_alone():
    group = SimpleNamespace(group_name="Acme Corporation", time_zone="America/New_York",
                            user_limit=50)
    assert plan_actions(desired(), observed(group=group)) == []


# --- group quantities ------------------------------------------------------------------------

def _authorizations(actions: list[Action]) -> dict:
    modify = [a for a in actions if a.request[0] == "GroupServiceModifyAuthorizationListRequest"]
    assert len(modify) == 1
    return modify[0].request[1]


def test_the_first_order_authorizes_its_quantities():
    o = observed(group_packs={}, group_user_services={}, group_group_services={})
    fields = _authorizations(plan_actions(desired(), o))
    assert fields["service_pack_authorization"] == [
        {"service_pack_name": PACK, "authorized_quantity": {"quantity": 3}}]
    assert fields["user_service_authorization"] == [
        {"service_name": USER_SERVICE, "authorized_quantity": {"quantity": 1}}]
    assert fields["group_service_authorization"] == [
        {"service_name": GROUP_SERVICE, "authorized_quantity": {"quantity": 1}}]


def test_a_later_order_adds_its_share_to_what_earlier_orders_authorized():
    d = desired(pack_qty={PACK: 5}, prev_pack_qty={PACK: 3}, user_limit=5)
    group = SimpleNamespace(group_name="Acme Corporation", time_zone="America/New_York",
                            user_limit=5)
    fields = _authorizations(plan_actions(d, observed(group=group)))
    assert fields == {"service_provider_id": SP, "group_id": GROUP, "service_pack_authorization":
                      [{"service_pack_name": PACK, "authorized_quantity": {"quantity": 5}}]}


def test_a_share_already_applied_is_not_sent_again():
    """A rerun after the authorization went through: BroadWorks already holds the target."""
    d = desired(pack_qty={PACK: 5}, prev_pack_qty={PACK: 3}, user_limit=5)
    group = SimpleNamespace(group_name="Acme Corporation", time_zone="America/New_York",
                            user_limit=5)
    assert plan_actions(d, observed(group=group, group_packs={PACK: "5"})) == []


def test_a_quantity_no_order_explains_is_a_conflict():
    raised = conflict(desired(), observed(group_packs={PACK: "7"}))
    assert raised.step == "group_services" and "outside Orion" in str(raised)


def test_an_unlimited_group_quantity_is_a_conflict():
    assert conflict(desired(), observed(group_packs={PACK: "Unlimited"})).step \
        == "group_services"


@pytest.mark.parametrize("have, planned", [
    ("3", 5),     # the interrupted order (4) was not applied: 3 + this order's 2
    ("7", 9),     # it was applied: 7 + 2
    ("5", None),  # this order's share is in already (a rerun): nothing to send
    ("9", None),  # both are in
])
def test_an_interrupted_earlier_order_may_or_may_not_be_in_broadworks(have, planned):
    """``uncertain_*``: an earlier order sent its authorization and never heard back; any
    subset of such shares explains what BroadWorks holds."""
    d = desired(pack_qty={PACK: 5}, prev_pack_qty={PACK: 3},
                uncertain_pack_qty=[{PACK: 4}], user_limit=5)
    group = SimpleNamespace(group_name="Acme Corporation", time_zone="America/New_York",
                            user_limit=5)
    actions = plan_actions(d, observed(group=group, group_packs={PACK: have}))
    if planned is None:
        assert actions == []
    else:
        assert _authorizations(actions)["service_pack_authorization"] == [
            {"service_pack_name": PACK, "authorized_quantity": {"quantity": planned}}]


def test_a_value_no_subset_of_interrupted_orders_explains_is_a_conflict():
    d = desired(pack_qty={PACK: 5}, prev_pack_qty={PACK: 3},
                uncertain_pack_qty=[{PACK: 4}], user_limit=5)
    group = SimpleNamespace(group_name="Acme Corporation", time_zone="America/New_York",
                            user_limit=5)
    assert conflict(d, observed(group=group, group_packs={PACK: "4"})).step == "group_services"


def test_subset_sums_of_several_interrupted_orders_are_tolerated_and_nothing_else():
    d = desired(pack_qty={PACK: 4}, prev_pack_qty={PACK: 3},
                uncertain_pack_qty=[{PACK: 2}, {PACK: 5}], user_limit=4)
    group = SimpleNamespace(group_name="Acme Corporation", time_zone="America/New_York",
                            user_limit=4)
    for have in (3, 5, 8, 10):  # 3 + any of {0, 2, 5, 7}
        actions = plan_actions(d, observed(group=group, group_packs={PACK: str(have)}))
        assert _authorizations(actions)["service_pack_authorization"][0][
            "authorized_quantity"] == {"quantity": have + 1}
    for have in (4, 6, 9, 11):  # this order's share (1) is in already
        assert plan_actions(d, observed(group=group, group_packs={PACK: str(have)})) == []
    assert conflict(d, observed(group=group, group_packs={PACK: "7"})).step == "group_services"


def test_a_group_service_not_yet_assigned_is_assigned():
    actions = plan_actions(desired(), observed(group_assigned=set()))
    assert requests(actions) == [("group_services", "GroupServiceAssignListRequest")]
    assert actions[0].request[1]["service_name"] == [GROUP_SERVICE]


# --- numbers ---------------------------------------------------------------------------------

def test_a_number_of_another_group_is_a_conflict():
    numbers = {**observed().sp_numbers, bw_number("+12125550101"): "other-group"}
    raised = conflict(desired(), observed(sp_numbers=numbers))
    assert raised.step == "assign_numbers" and "+1-2125550101" in str(raised)


def test_numbers_are_added_to_the_enterprise_and_then_assigned_to_the_group():
    actions = plan_actions(desired(), observed(sp_numbers={}))
    assert requests(actions) == [("numbers", "ServiceProviderDnAddListRequest"),
                                 ("assign_numbers", "GroupDnAssignListRequest")]
    assert actions[0].request[1]["phone_number"] == list(desired().numbers)


def test_a_number_in_the_enterprise_but_in_no_group_is_only_assigned():
    numbers = {**observed().sp_numbers, bw_number("+12125550101"): ""}
    actions = plan_actions(desired(), observed(sp_numbers=numbers))
    assert requests(actions) == [("assign_numbers", "GroupDnAssignListRequest")]
    assert actions[0].request[1]["phone_number"] == [bw_number("+12125550101")]


def test_numbers_go_in_chunks_of_100():
    many = tuple(bw_number(f"+1212555{n:04d}") for n in range(250))
    actions = plan_actions(desired(numbers=many), observed(sp_numbers={}))
    sizes = [(a.request[0], len(a.request[1]["phone_number"])) for a in actions]
    assert sizes == [("ServiceProviderDnAddListRequest", 100),
                     ("ServiceProviderDnAddListRequest", 100),
                     ("ServiceProviderDnAddListRequest", 50),
                     ("GroupDnAssignListRequest", 100), ("GroupDnAssignListRequest", 100),
                     ("GroupDnAssignListRequest", 50)]


# --- the whole order ------------------------------------------------------------------------

def test_a_brand_new_customer_gets_every_step_in_dependency_order():
    nothing = Observed(system_domains={"system.example"})
    steps = [a.step for a in plan_actions(desired(), nothing)]
    assert steps == ["domain", "enterprise", "enterprise_services", "service_packs", "group",
                     "group_services", "group_services", "numbers", "assign_numbers"]
