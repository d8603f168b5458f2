"""The next order on an imported customer diffs against what BroadWorks held at the import."""

from __future__ import annotations

import pytest

from orion.accounts.models import Customer
from orion.adoption.services import broadworks_import
from orion.orders.models import Order, OrderKind
from orion.provisioning import services
from tests.adoption.seed import HQ, SP, STANDARD
from tests.provisioning.helpers import place_order

pytestmark = pytest.mark.django_db


def _authorizations(bw, group: str) -> dict[str, str]:
    auth = bw.request("GroupServiceGetAuthorizationListRequest", service_provider_id=SP,
                      group_id=group)
    out = {r.service_pack_name: r.allocated for r in auth.service_packs_authorization_table
           if r.authorized == "true"}
    for table in (auth.user_services_authorization_table, auth.group_services_authorization_table):
        out.update({r.service_name: r.quantity for r in table if r.authorized == "true"})
    return out


def test_add_services_on_an_imported_customer_provisions_only_its_additions(
        tenant_a, legacy, emulator, bw_config):
    broadworks_import(partner=tenant_a.partner, service_providers=[SP], dry_run=False,
                      config=bw_config, by=None)
    hq = Customer.objects.get(bw_group_id=HQ)
    before = _authorizations(legacy, HQ)
    assert before[STANDARD] == "5" and before["Call Forwarding Always"] == "3"
    order = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                        enterprise=hq.enterprise, customer=hq,
                        packages={"Call Forwarding Always": 2, "Auto Attendant": 1})
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed", (
        Order.objects.get(pk=order.pk).steps.values_list("key", "status", "detail"))
    after = _authorizations(legacy, HQ)
    # The order's share on top of what the group held; everything else as it was.
    assert after == {**before, "Call Forwarding Always": "5", "Auto Attendant": "1"}
    assigned = legacy.request("GroupServiceGetAuthorizationListRequest", service_provider_id=SP,
                              group_id=HQ).group_services_authorization_table
    assert {r.service_name for r in assigned if r.assigned == "true"} == {"Hunt Group",
                                                                          "Auto Attendant"}
    dns = legacy.request("GroupDnGetListRequest", service_provider_id=SP, group_id=HQ)
    assert len(dns.phone_number) == 3  # numbers untouched
    # A second import after the order: the order explains its share, the baseline is unchanged.
    report = broadworks_import(partner=tenant_a.partner, service_providers=[SP], dry_run=False,
                               config=bw_config, by=None)
    assert report.unchanged["baselines"] == 2 and not report.updated["baselines"]


def test_without_a_baseline_the_same_order_is_a_conflict(tenant_a, legacy, bw_config):
    """What the baseline is for: the group's hand-typed quantities look changed outside Orion."""
    broadworks_import(partner=tenant_a.partner, service_providers=[SP], dry_run=False,
                      config=bw_config, by=None)
    hq = Customer.objects.get(bw_group_id=HQ)
    hq.import_baseline.delete()
    order = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                        enterprise=hq.enterprise, customer=hq,
                        packages={"Call Forwarding Always": 2})
    assert services.order_provision(order_id=order.pk, config=bw_config) != "completed"
    assert _authorizations(legacy, HQ)["Call Forwarding Always"] == "3"


def test_a_seat_order_on_an_imported_customer_adds_to_the_service_pack(tenant_a, legacy,
                                                                       bw_config):
    from tests.provisioning.helpers import stock_numbers

    broadworks_import(partner=tenant_a.partner, service_providers=[SP], dry_run=False,
                      config=bw_config, by=None)
    hq = Customer.objects.get(bw_group_id=HQ)
    numbers = stock_numbers(3125550160, 1)
    order = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                        enterprise=hq.enterprise, customer=hq,
                        packages={"Enterprise Standard": 1}, numbers=numbers)
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed", (
        list(Order.objects.get(pk=order.pk).steps.values_list("key", "status", "detail")))
    assert _authorizations(legacy, HQ)[STANDARD] == "6"
    users = legacy.request("UserGetListInGroupRequest", service_provider_id=SP, group_id=HQ)
    assert len(users.user_table) == 2  # the hand-made user kept, the order's one added


def test_importing_what_orion_provisioned_itself_changes_nothing(tenant_a, emulator, bw_config):
    from orion.adoption.models import ImportBaseline
    from tests.provisioning.helpers import stock_numbers

    numbers = stock_numbers(2125550100, 3)
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Enterprise Standard": 2, "Hunt Group": 1,
                                  "Call Forwarding Always": 2},
                        numbers=numbers, name="Own Co", domain="own.example")
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    order.refresh_from_db()
    report = broadworks_import(partner=tenant_a.partner,
                               service_providers=[order.enterprise.bw_service_provider_id],
                               dry_run=False, config=bw_config, by=None)
    assert not any(report.created.values()) and not any(report.updated.values()), report
    assert report.unchanged["customers"] == 1 and report.unchanged["numbers"] == 3
    assert report.refused == [] and report.unmatched == []
    assert not ImportBaseline.objects.filter(customer=order.customer).exists()
