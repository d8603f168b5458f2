from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection, transaction

from orion.broadworks.client import BroadWorksClient
from orion.numbers.models import DID
from orion.orders.models import Order, OrderKind
from orion.orders.states import OrderState
from orion.provisioning import repair, rollback, services
from orion.provisioning.models import OciExchangeLog, StepStatus
from tests import factories as f
from tests.provisioning.helpers import TYPICAL_PACKAGES, place_order, stock_numbers


def _jobs(order_id: int) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT task_name, status FROM procrastinate_jobs "
                       "WHERE (args->>'order_id')::bigint = %s", [order_id])
        return cursor.fetchall()


def _group(state: dict, sp: str, group: str) -> dict:
    return state["service_providers"][sp]["groups"][group]


@pytest.mark.django_db
def test_new_enterprise_reaches_broadworks_exactly(tenant_a, emulator, bw_config, settings,
                                                  django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    numbers = stock_numbers(2125550100, 4)
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages=TYPICAL_PACKAGES, numbers=numbers[:3], trunking=numbers[3:],
                        name="Zenith Labs", domain="zenith.example")
    assert _jobs(order.pk) == [("orion.provision_order", "todo")]
    with django_capture_on_commit_callbacks(execute=True):
        state = services.order_provision(order_id=order.pk, config=bw_config)
    assert state == OrderState.COMPLETED
    order.refresh_from_db()
    assert order.activated_at is not None and order.customer.activated_at is not None
    bw = emulator.dump()
    sp = bw["service_providers"][order.enterprise.bw_service_provider_id]
    assert sp["is_enterprise"] is True and sp["default_domain"] == "zenith.example"
    group = _group(bw, sp["service_provider_id"], order.customer.bw_group_id)
    assert group["name"] == "Zenith Labs" and group["time_zone"] == "America/New_York"
    seats = sum(q for name, q in TYPICAL_PACKAGES.items() if f.package(name).is_seat)
    assert seats >= 8 and group["user_limit"] == seats  # the seats of the order
    assert group["default_domain"] == "zenith.example"
    assert sorted(group["dns"]) == ["+1-2125550100", "+1-2125550101", "+1-2125550102",
                                    "+1-2125550103"]
    assert group["service_packs"][f.package("Enterprise Standard").bw_name] == 6
    assert group["group_services"]["Auto Attendant"] == 1
    assert "Auto Attendant" in group["assigned_services"]
    assert group["user_services"]["Call Forwarding Always"] == 3
    steps = {s.key: s.status for s in order.provisioning_steps.all()}
    assert set(steps.values()) <= {StepStatus.DONE, StepStatus.SKIPPED, StepStatus.NOT_NEEDED}
    # One BroadWorks user per seat, with its extension and its seat's service pack.
    assert steps["users"] == StepStatus.DONE and steps["devices"] == StepStatus.NOT_NEEDED
    ordered = list(order.users.live().select_related("line__package"))
    assert len(ordered) == seats
    bw_users = group["users"]
    assert set(bw_users) == {u.user_id for u in ordered}
    for u in ordered:
        assert bw_users[u.user_id]["extension"] == u.extension
        assert bw_users[u.user_id]["service_packs"] == [u.line.package.bw_name]
    assert OciExchangeLog.objects.filter(order=order).exists()
    assert all("ocip-demo-password" not in x.request_xml
               for x in OciExchangeLog.objects.filter(order=order))
    # The users' generated passwords went to BroadWorks once and are nowhere in the log.
    adds = [x.request_xml for x in OciExchangeLog.objects.filter(order=order)
            if "UserAddRequest17sp4" in x.request_xml]
    assert adds and all(re.findall(r"<password>([^<]*)</password>", x) == ["[REDACTED]"]
                        * x.count("UserAddRequest17sp4") for x in adds)
    assert "is complete" in mail.outbox[-1].subject


@pytest.mark.django_db
def test_second_customer_and_add_services_provision_only_what_they_add(
        tenant_a, emulator, bw_config):
    numbers = stock_numbers(3035550100, 6)
    first = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Enterprise Standard": 2}, numbers=numbers[:2],
                        name="Orbit Inc", domain="orbit.example")
    assert services.order_provision(order_id=first.pk, config=bw_config) == "completed"
    second = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                         enterprise=first.enterprise, packages={"Enterprise Standard": 3,
                                                                "Hunt Group": 1},
                         numbers=numbers[2:4], name="Orbit Inc - Denver",
                         domain="orbit.example")
    assert services.order_provision(order_id=second.pk, config=bw_config) == "completed"
    more = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                       customer=first.customer, packages={"Enterprise Standard": 4,
                                                          "Music On Hold": 1},
                       numbers=numbers[4:6])
    assert services.order_provision(order_id=more.pk, config=bw_config) == "completed"
    steps = {s.key: s.status for s in more.provisioning_steps.all()}
    assert steps["enterprise"] == StepStatus.SKIPPED and steps["domain"] == StepStatus.SKIPPED
    bw = emulator.dump()
    sp_id = first.enterprise.bw_service_provider_id
    hq = _group(bw, sp_id, first.customer.bw_group_id)
    denver = _group(bw, sp_id, second.customer.bw_group_id)
    pack = f.package("Enterprise Standard").bw_name
    assert hq["service_packs"][pack] == 2 + 4 and hq["user_limit"] == 6
    assert sorted(hq["dns"]) == ["+1-3035550100", "+1-3035550101", "+1-3035550104",
                                 "+1-3035550105"]
    assert hq["group_services"] == {"Music On Hold": 1}
    assert denver["service_packs"][pack] == 3 and denver["group_services"] == {"Hunt Group": 1}
    assert sorted(denver["dns"]) == ["+1-3035550102", "+1-3035550103"]
    assert list(bw["service_providers"]) == [sp_id]
    assert bw["service_providers"][sp_id]["domains"] == ["orbit.example"]


@pytest.mark.django_db
def test_running_twice_changes_nothing(tenant_a, emulator, bw_config):
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Power User": 1, "Auto Attendant": 1}, name="Twice Co")
    services.order_provision(order_id=order.pk, config=bw_config)
    before = emulator.dump()
    Order.objects.filter(pk=order.pk).update(state=OrderState.IN_PROGRESS)
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    assert emulator.dump() == before


@pytest.mark.django_db
def test_domain_of_another_enterprise_fails_readably_then_retry_completes(
        tenant_a, staff, emulator, bw_config):
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Power User": 1}, name="Clash Co", domain="clash.example")
    with BroadWorksClient(bw_config) as bw:  # someone else holds the domain in BroadWorks
        bw.request("SystemDomainAddRequest", domain="clash.example")
        bw.request("ServiceProviderAddRequest13mp2", service_provider_id="OTHER_SP",
                   default_domain="clash.example", is_enterprise=True)
    assert services.order_provision(order_id=order.pk, config=bw_config) == "failed"
    failed = order.provisioning_steps.get(status=StepStatus.FAILED)
    assert "clash.example" in failed.error and "BroadWorks refused" in failed.error
    order.refresh_from_db()
    assert order.state_changes.last().note == failed.error
    # Staff repair BroadWorks (the other enterprise gives up the domain), then Retry.
    with BroadWorksClient(bw_config) as bw:
        bw.request("ServiceProviderDeleteRequest", service_provider_id="OTHER_SP")
    repair.order_retry(order_id=order.pk, user=staff)
    assert _jobs(order.pk)[-1] == ("orion.provision_order", "todo")
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    group = _group(emulator.dump(), order.enterprise.bw_service_provider_id,
                   order.customer.bw_group_id)
    assert group["default_domain"] == "clash.example"


@pytest.mark.django_db
def test_conflicting_quantity_is_reported_not_overwritten(tenant_a, emulator, bw_config):
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Hunt Group": 2}, name="Drift Co")
    services.order_provision(order_id=order.pk, config=bw_config)
    sp, group = order.enterprise.bw_service_provider_id, order.customer.bw_group_id
    with BroadWorksClient(bw_config) as bw:  # changed outside Orion
        bw.request("GroupServiceModifyAuthorizationListRequest", service_provider_id=sp,
                   group_id=group, group_service_authorization=[
                       {"service_name": "Hunt Group", "authorized_quantity": {"quantity": 7}}])
    more = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                       customer=order.customer, packages={"Hunt Group": 1})
    assert services.order_provision(order_id=more.pk, config=bw_config) == "failed"
    error = more.provisioning_steps.get(status=StepStatus.FAILED).error
    assert "Hunt Group" in error and "outside Orion" in error
    assert _group(emulator.dump(), sp, group)["group_services"]["Hunt Group"] == 7


@pytest.mark.django_db
def test_trunking_customer_is_held_never_sent_and_staff_complete_it(
        tenant_a, staff, emulator, bw_config, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                            packages={"Power User": 1}, name="Trunk Co",
                            service_type="trunking")
    assert order.state == OrderState.HELD and _jobs(order.pk) == []
    assert "Trunking customer" in order.state_changes.last().note
    assert services.order_provision(order_id=order.pk, config=bw_config) == "held"
    assert emulator.dump()["service_providers"] == {}
    assert "is held" in mail.outbox[-1].subject
    repair.order_trunking_done(order_id=order.pk, user=staff)
    order.refresh_from_db()
    assert order.state == OrderState.COMPLETED and order.activated_at is not None


@pytest.mark.django_db
def test_cancel_rolls_back_what_was_created_and_frees_numbers(tenant_a, staff, emulator, bw_config):
    numbers = stock_numbers(5125550100, 2)
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Power User": 1}, numbers=numbers, name="Gone Co",
                        domain="gone.example")
    with BroadWorksClient(bw_config) as bw:  # a number already lives in another enterprise
        bw.request("ServiceProviderAddRequest13mp2", service_provider_id="HOLDER",
                   default_domain="voip.orion.test", is_enterprise=True)
        bw.request("ServiceProviderDnAddListRequest", service_provider_id="HOLDER",
                   phone_number=["5125550101"])
    assert services.order_provision(order_id=order.pk, config=bw_config) == "failed"
    result = repair.order_cancel(order_id=order.pk, user=staff, reason="customer left")
    assert result.order.state == OrderState.CANCELLED and result.rollback is not None
    assert any("enterprise" in item for item in result.created_in_broadworks)
    assert "Removing from BroadWorks what it created" in result.order.state_changes.last().note
    # The rollback job takes it out of BroadWorks; the numbers, never in service, are free.
    assert rollback.order_rollback(order_id=order.pk, config=bw_config) == "done"
    assert list(emulator.dump()["service_providers"]) == ["HOLDER"]
    assert DID.objects.filter(e164__in=numbers, state="available", order=None).count() == 2


@pytest.mark.django_db(transaction=True)
def test_rolled_back_save_leaves_no_job(catalog):
    partner = f.make_partner("Rollback Partner")
    user = f.make_user(partner=partner)
    enterprise = f.make_enterprise(partner=partner, name="Rollback Ent")
    order = f.draft_with_packages(user=user, enterprise=enterprise)
    from orion.orders import services as order_services

    with pytest.raises(RuntimeError), transaction.atomic():
        order_services.order_save(user=user, order_id=order.pk,
                                  details=f.new_customer_details())
        assert _jobs(order.pk) == [("orion.provision_order", "todo")]
        raise RuntimeError("the request failed after Save Order")
    assert _jobs(order.pk) == []
    assert Order.objects.get(pk=order.pk).state == OrderState.DRAFT


@pytest.mark.django_db
def test_backorder_filled_later_is_provisioned_then_order_completes(
        tenant_a, staff, emulator, bw_config):
    from orion.numbers.services import backorder_fill, numbers_add_range, order_dids_order
    from orion.orders import services as order_services
    from tests.provisioning.helpers import add_packages

    order = order_services.order_start(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                                       customer=tenant_a.customer)
    add_packages(tenant_a.user, order, {"Enterprise Standard": 2})
    order_dids_order(user=tenant_a.user, order_id=order.pk, npa="646", nxx="555",
                     backorder_quantity="2")
    order = order_services.order_save(
        user=tenant_a.user, order_id=order.pk,
        details=order_services.OrderDetails(billing_start_date=order.created_at.date())).order
    # The customer's group must exist first: provision its enterprise and group by hand.
    with BroadWorksClient(bw_config) as bw:
        bw.request("SystemDomainAddRequest", domain="acme.example")
        bw.request("ServiceProviderAddRequest13mp2",
                   service_provider_id=tenant_a.enterprise.bw_service_provider_id,
                   default_domain="acme.example", is_enterprise=True,
                   service_provider_name="Acme Corporation")
        bw.request("GroupAddRequest",
                   service_provider_id=tenant_a.enterprise.bw_service_provider_id,
                   group_id=tenant_a.customer.bw_group_id, default_domain="acme.example",
                   user_limit=10, group_name="Acme Corporation", time_zone="America/New_York")
    assert services.order_provision(order_id=order.pk, config=bw_config) == "partial"
    numbers_add_range(spec="6465550100-6465550101")
    assert backorder_fill(user=staff, backorder_id=order.did_backorders.get().pk) == 2
    order.refresh_from_db()
    assert order.state == OrderState.IN_PROGRESS
    assert _jobs(order.pk)[-1] == ("orion.provision_order", "todo")
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    group = _group(emulator.dump(), tenant_a.enterprise.bw_service_provider_id,
                   tenant_a.customer.bw_group_id)
    assert sorted(group["dns"]) == ["+1-6465550100", "+1-6465550101"]
