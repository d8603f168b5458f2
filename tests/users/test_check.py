"""Check BroadWorks on the customer's Users tab: Orion's users beside the group's users."""

from __future__ import annotations

import pytest
from django.test import Client

from orion.broadworks import ocip_request
from orion.orders.models import OrderKind
from tests.broadworks.helpers import add_enterprise, add_group
from tests.provisioning.helpers import place_order, stock_numbers

pytestmark = pytest.mark.django_db


def test_check_marks_as_ordered_missing_different_and_unknown_users(
        tenant_a, tenant_b, emulator, bw_config, bw_client, settings):
    numbers = stock_numbers(2125550500, 1)
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise, packages={"Enterprise Standard": 3},
                        numbers=numbers, name="Check Co", domain="check.example")
    sp, group = order.enterprise.bw_service_provider_id, order.customer.bw_group_id
    first, second, third = order.users.order_by("position")
    add_enterprise(bw_client, sp, "check.example")
    add_group(bw_client, sp, group, "check.example")
    bw_client.batch_or_raise([
        ocip_request("ServiceProviderDnAddListRequest", service_provider_id=sp,
                     phone_number=["+1-2125550500"]),
        ocip_request("GroupDnAssignListRequest", service_provider_id=sp, group_id=group,
                     phone_number=["+1-2125550500"])])

    def add(user_id: str, extension: str, last: str, **extra: object) -> None:
        bw_client.request("UserAddRequest17sp4", service_provider_id=sp, group_id=group,
                          user_id=user_id, last_name=last, first_name="User",
                          calling_line_id_last_name=last, calling_line_id_first_name="User",
                          password="S3cret-generated!", extension=extension, **extra)

    add(first.user_id, first.extension, first.last_name, phone_number="+1-2125550500")
    add(second.user_id, second.extension, "Renamed")
    add("ghost@check.example", "1999", "Ghost")
    settings.ORION_BROADWORKS = bw_config
    client = Client()
    client.force_login(tenant_a.user)
    html = client.post(f"/customers/{order.customer_id}/users/check/").content.decode()
    rows = {user_id: html.split(f'data-user-id="{user_id}" class="check-', 1)[1].split('"')[0]
            for user_id in (first.user_id, second.user_id, third.user_id, "ghost@check.example")}
    assert rows == {first.user_id: "ok", second.user_id: "differs",
                    third.user_id: "missing", "ghost@check.example": "only_in_broadworks"}
    assert "last name: Renamed in BroadWorks, 2 ordered" in html
    other = Client()
    other.force_login(tenant_b.user)
    assert other.post(f"/customers/{order.customer_id}/users/check/").status_code == 404
