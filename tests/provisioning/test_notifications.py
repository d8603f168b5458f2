"""The author's e-mail for the outcomes that had no test: failed (with the reason) and
partial (backordered numbers pending). Completed and held are checked in
test_provisioning.py. Real runs against the emulator; mail goes to Django's locmem outbox
after the transaction commits."""

from __future__ import annotations

import pytest
from django.core import mail

from orion.broadworks.client import BroadWorksClient
from orion.numbers.services import order_dids_order
from orion.orders import services as order_services
from orion.orders.models import OrderKind
from orion.orders.states import OrderState
from orion.provisioning import services
from tests.provisioning.helpers import add_packages, place_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def outbox(settings) -> list:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return mail.outbox


def test_a_failed_order_mails_its_author_why(tenant_a, emulator, bw_config,
                                             django_capture_on_commit_callbacks, outbox):
    tenant_a.user.email = "agent@partner-a.example"
    tenant_a.user.save(update_fields=["email"])
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Power User": 1}, name="Clash Co", domain="clash.example")
    with BroadWorksClient(bw_config) as bw:  # another enterprise holds the domain
        bw.request("SystemDomainAddRequest", domain="clash.example")
        bw.request("ServiceProviderAddRequest13mp2", service_provider_id="OTHER_SP",
                   default_domain="clash.example", is_enterprise=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.order_provision(order_id=order.pk, config=bw_config) == "failed"
    assert len(outbox) == 1
    message = outbox[0]
    assert message.to == ["agent@partner-a.example"]
    assert message.subject == f"Order {order.number} for Clash Co failed and needs attention"
    assert "clash.example" in message.body  # the reason, as the order page shows it


def test_a_partial_order_mails_that_backordered_numbers_are_pending(
        tenant_a, emulator, bw_config, django_capture_on_commit_callbacks, outbox):
    tenant_a.user.email = "agent@partner-a.example"
    tenant_a.user.save(update_fields=["email"])
    order = order_services.order_start(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                                       customer=tenant_a.customer)
    add_packages(tenant_a.user, order, {"Enterprise Standard": 2})
    order_dids_order(user=tenant_a.user, order_id=order.pk, npa="646", nxx="555",
                     backorder_quantity="2")
    order = order_services.order_save(
        user=tenant_a.user, order_id=order.pk,
        details=order_services.OrderDetails(billing_start_date=order.created_at.date())).order
    sp, group = tenant_a.enterprise.bw_service_provider_id, tenant_a.customer.bw_group_id
    with BroadWorksClient(bw_config) as bw:  # the customer's group exists already
        bw.request("SystemDomainAddRequest", domain="acme.example")
        bw.request("ServiceProviderAddRequest13mp2", service_provider_id=sp,
                   default_domain="acme.example", is_enterprise=True,
                   service_provider_name="Acme Corporation")
        bw.request("GroupAddRequest", service_provider_id=sp, group_id=group,
                   default_domain="acme.example", user_limit=10,
                   group_name="Acme Corporation", time_zone="America/New_York")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.order_provision(order_id=order.pk, config=bw_config) \
            == OrderState.PARTIAL
    assert [m.subject for m in outbox] == [
        f"Order {order.number} for Acme Corporation is provisioned; backordered numbers are "
        "still pending"]


def test_no_mail_when_the_author_has_no_address(tenant_a, emulator, bw_config,
                                                django_capture_on_commit_callbacks, outbox):
    tenant_a.user.email = ""
    tenant_a.user.save(update_fields=["email"])
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Power User": 1}, name="Quiet Co", domain="quiet.example")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    assert outbox == []
