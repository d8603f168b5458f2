"""A disconnected customer is read-only everywhere (issue 17): after its disconnect completed
in BroadWorks, a port request can be neither started nor changed for it, the users of a draft
for it can be neither uploaded nor edited, and its numbers' E911 locations stay as they were;
each refusal says why, on the page and from the service."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from orion.core.clock import local_today
from orion.numbers.exceptions import E911Refused
from orion.numbers.models import DID
from orion.numbers.services import order_dids_order
from orion.numbers.services.e911 import E911Address, e911_set
from orion.orders import services as order_services
from orion.orders.disconnect import DisconnectDetails, order_disconnect_save
from orion.orders.models import OrderKind
from orion.porting import services as porting
from orion.porting.exceptions import PortRefused
from orion.provisioning import disconnect as provisioning_disconnect
from orion.users.exceptions import UserError
from orion.users.services import order_user_update, order_users_refresh
from orion.users.sheet import users_sheet_csv
from tests.orders.test_changes import _customer_order
from tests.porting.factories import details
from tests.provisioning.helpers import add_packages, stock_numbers

pytestmark = pytest.mark.django_db

ADDRESS = {"address_line1": "350 Fifth Avenue", "city": "New York", "state": "NY",
           "zip_code": "10118"}


@pytest.fixture
def gone(tenant_a, emulator, bw_config):
    """A customer disconnected in BroadWorks, with a port request it started before and an
    add-services draft (a seat, a reserved number) started while the disconnect waited."""
    first = _customer_order(tenant_a, bw_config)
    customer = first.customer
    port = porting.port_create(user=tenant_a.user, details=details(),
                               customer_id=customer.pk)
    disconnect = order_disconnect_save(
        user=tenant_a.user, customer_id=customer.pk, details=DisconnectDetails(
            effective_date=local_today(customer.time_zone), reason="Moving away"))
    draft = order_services.order_start(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                                       customer=customer)
    add_packages(tenant_a.user, draft, {"Enterprise Standard": 1})
    order_users_refresh(user=tenant_a.user, order_id=draft.pk)
    order_dids_order(user=tenant_a.user, order_id=draft.pk,
                     numbers=stock_numbers(4045550700, 1), trunking=[])
    assert provisioning_disconnect.order_disconnect(order_id=disconnect.pk,
                                                    config=bw_config) == "completed"
    customer.refresh_from_db()
    assert customer.disconnected_at is not None
    return customer, port, draft


def test_no_port_request_is_started_or_changed(tenant_a, client_a, gone):
    customer, port, _ = gone
    with pytest.raises(PortRefused, match="was disconnected on") as exc:
        porting.port_create(user=tenant_a.user, details=details(numbers="2125550200"),
                            customer_id=customer.pk)
    assert exc.value.code == "customer_disconnected"
    with pytest.raises(PortRefused, match="No port request can be started or changed"):
        porting.port_update(user=tenant_a.user, port_id=port.pk,
                            details=details(losing_carrier="AT&T"))
    port.refresh_from_db()
    assert port.losing_carrier == "Verizon"
    form = {k: v for k, v in details(numbers="2125550200").__dict__.items() if v is not None}
    form["desired_date"] = details().desired_date.isoformat()
    page = client_a.post(f"/ports/new/?customer={customer.pk}", form)
    assert page.status_code == 422
    assert "was disconnected on" in page.content.decode()


def test_the_users_of_its_draft_are_neither_uploaded_nor_edited(tenant_a, client_a, gone):
    _, _, draft = gone
    user = draft.users.get()
    sheet = users_sheet_csv([user]).encode()
    answer = client_a.post(f"/orders/{draft.pk}/form/users/upload/",
                           {"sheet": SimpleUploadedFile("users.csv", sheet)},
                           HTTP_HX_REQUEST="true")
    assert answer.status_code == 422
    assert "Its users cannot be changed" in answer.content.decode()
    with pytest.raises(UserError, match="was disconnected on") as exc:
        order_user_update(user=tenant_a.user, order_id=draft.pk, user_pk=user.pk,
                          version=None, values={"first_name": "Renamed"})
    assert exc.value.code == "customer_disconnected"
    user.refresh_from_db()
    assert user.first_name != "Renamed"


def test_its_numbers_e911_locations_stay(tenant_a, client_a, gone):
    _, _, draft = gone
    did = DID.objects.get(order=draft, state="reserved")
    with pytest.raises(E911Refused, match="E911 locations cannot be changed") as exc:
        e911_set(user=tenant_a.user, did_id=did.pk, address=E911Address(**ADDRESS))
    assert exc.value.code == "customer_disconnected"
    page = client_a.post(f"/numbers/{did.pk}/e911/", ADDRESS, HTTP_HX_REQUEST="true")
    assert page.status_code == 422 and "was disconnected on" in page.content.decode()
    assert DID.objects.filter(pk=did.pk, e911__isnull=True).exists()


def test_a_day_before_the_disconnect_the_customer_is_still_editable(tenant_a, emulator,
                                                                     bw_config):
    first = _customer_order(tenant_a, bw_config)
    customer = first.customer
    order_disconnect_save(user=tenant_a.user, customer_id=customer.pk, details=(
        DisconnectDetails(effective_date=local_today(customer.time_zone) + timedelta(days=3),
                          reason="Moving away")))
    port = porting.port_create(user=tenant_a.user, details=details(),
                               customer_id=customer.pk)
    assert port.customer_id == customer.pk
