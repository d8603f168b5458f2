"""Every limit and field list of the order form is defined once (``orion.orders.models``,
``orion.numbers.models``, ``orion.audit.models``) and the database, the services, the pages,
the API schema and the templates agree on it: the value at the limit passes everywhere, one
over is refused everywhere, with the same error code."""

from __future__ import annotations

import dataclasses
import re

import pytest
from django.db import IntegrityError, transaction

from orion.api.routers.orders import OrderDetailsIn, OrderOut
from orion.audit.models import REASON_MAX_LENGTH, AuditEntry
from orion.numbers import services as number_services
from orion.numbers.exceptions import InvalidBackorder, InvalidQuantity
from orion.numbers.models import MAX_BACKORDER_QUANTITY, MAX_SELECTION, Backorder
from orion.orders import services
from orion.orders.exceptions import OrderError
from orion.orders.forms import OrderDetailsForm
from orion.orders.lifecycle import clean_reason
from orion.orders.models import (
    ACCOUNT_FIELDS,
    ACCOUNT_REQUIRED,
    CUSTOMER_INFORMATION,
    MAX_QUANTITY,
    Order,
    OrderKind,
    OrderLine,
    OrderStateChange,
)
from tests import factories as f
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def _schema(client) -> dict:
    return client.get("/api/openapi.json").json()["components"]["schemas"]


@pytest.fixture
def draft(tenant_a) -> Order:
    # Not a seat: a seat line is held to the group's user limit first (tests/users).
    return f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise,
                                 packages=("Music On Hold",))


# --- order line quantity (1..MAX_QUANTITY) ---------------------------------------------------

def test_the_api_schema_says_the_quantity_limit(client_a):
    assert _schema(client_a)["QuantityIn"]["properties"]["quantity"]["maximum"] == MAX_QUANTITY


def test_the_database_refuses_one_over_the_quantity_limit(draft):
    line = draft.lines.get()
    OrderLine.objects.filter(pk=line.pk).update(quantity=MAX_QUANTITY)
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLine.objects.filter(pk=line.pk).update(quantity=MAX_QUANTITY + 1)


def test_the_service_takes_the_limit_and_refuses_one_over(tenant_a, draft):
    line = draft.lines.get()
    kwargs = {"user": tenant_a.user, "order_id": draft.pk, "line_id": line.pk}
    assert services.order_line_set_quantity(quantity=MAX_QUANTITY, **kwargs).quantity \
        == MAX_QUANTITY
    with pytest.raises(OrderError) as refused:
        services.order_line_set_quantity(quantity=MAX_QUANTITY + 1, **kwargs)
    assert refused.value.code == "invalid_quantity"
    assert f"{MAX_QUANTITY:,}" in refused.value.message


def test_the_page_and_the_api_refuse_one_over(client_a, tenant_a, draft):
    line = draft.lines.get()
    page = client_a.post(f"/orders/{draft.pk}/form/lines/{line.pk}/quantity/",
                         {"quantity": str(MAX_QUANTITY + 1)}, headers={"HX-Request": "true"})
    assert page.status_code == 422 and f"{MAX_QUANTITY:,}" in page.content.decode()
    api = ApiClient(tenant_a.user).patch(f"/orders/{draft.pk}/lines/{line.pk}",
                                         {"quantity": MAX_QUANTITY + 1})
    assert api.status_code == 422 and "quantity" in api.json()["errors"]
    line.refresh_from_db()
    assert line.quantity == 1


def test_the_quantity_input_says_the_limit(client_a, draft):
    html = client_a.get(f"/orders/{draft.pk}/form/").content.decode()
    assert re.search(rf'name="quantity" min="1" max="{MAX_QUANTITY}"', html)


# --- numbers per reserve (1..MAX_SELECTION) and per backorder -------------------------------

def test_the_api_schema_says_the_reserve_limits(client_a):
    schemas = _schema(client_a)
    assert schemas["ReserveQuantityIn"]["properties"]["quantity"]["maximum"] == MAX_SELECTION
    assert schemas["DidsOrderIn"]["properties"]["numbers"]["maxItems"] == MAX_SELECTION
    backorder = schemas["DidsOrderIn"]["properties"]["backorder_quantity"]["anyOf"][0]
    assert backorder["maximum"] == MAX_BACKORDER_QUANTITY == Backorder.MAX_QUANTITY


def test_reserve_by_quantity_one_over_is_invalid_quantity_not_invalid_backorder(tenant_a,
                                                                                 draft):
    """Before: the service's limit was 200 and the schema's 500, and 300 came back as
    ``422 invalid_backorder`` (the backorder's code for a reserve)."""
    with pytest.raises(InvalidQuantity) as refused:
        number_services.numbers_reserve_quantity(user=tenant_a.user, order_id=draft.pk,
                                                 npa="212", quantity=MAX_SELECTION + 1)
    assert refused.value.code == "invalid_quantity"
    assert f"{MAX_SELECTION:,}" in refused.value.message
    api = ApiClient(tenant_a.user).post(f"/orders/{draft.pk}/dids/reserve-quantity",
                                        {"npa": "212", "quantity": MAX_SELECTION + 1})
    assert api.status_code == 422 and "quantity" in api.json()["errors"]


def test_the_service_refuses_more_ticked_numbers_than_the_limit(tenant_a, draft):
    numbers = [f"+1212555{n:04d}" for n in range(MAX_SELECTION + 1)]
    with pytest.raises(Exception) as refused:
        number_services.order_dids_order(user=tenant_a.user, order_id=draft.pk, numbers=numbers,
                                         trunking=[], npa="212", nxx="555")
    assert f"at most {MAX_SELECTION}" in str(refused.value)


def test_a_backorder_one_over_its_limit_is_refused_by_service_and_database(tenant_a, draft):
    with pytest.raises(InvalidBackorder):
        number_services.backorder_create(user=tenant_a.user, order_id=draft.pk, npa="212",
                                      quantity=MAX_BACKORDER_QUANTITY + 1)
    backorder = number_services.backorder_create(user=tenant_a.user, order_id=draft.pk, npa="212",
                                              quantity=MAX_BACKORDER_QUANTITY)
    with pytest.raises(IntegrityError), transaction.atomic():
        Backorder.objects.filter(pk=backorder.pk).update(quantity=MAX_BACKORDER_QUANTITY + 1)


# --- reasons (REASON_MAX_LENGTH) -------------------------------------------------------------

def test_reason_columns_schema_and_service_agree():
    assert AuditEntry._meta.get_field("reason").max_length == REASON_MAX_LENGTH
    assert OrderStateChange._meta.get_field("note").max_length == REASON_MAX_LENGTH
    assert clean_reason("x" * REASON_MAX_LENGTH) == "x" * REASON_MAX_LENGTH
    with pytest.raises(OrderError) as refused:
        clean_reason("x" * (REASON_MAX_LENGTH + 1))
    assert refused.value.code == "invalid_reason"


def test_every_reason_in_the_api_schema_has_the_one_limit(client_a):
    schemas = _schema(client_a)
    for name in ("CancelIn", "BillingStartIn"):
        assert schemas[name]["properties"]["reason"]["maxLength"] == REASON_MAX_LENGTH, name


def test_the_cancel_reason_input_says_the_limit(client, staff, tenant_a, draft):
    services.order_save(user=tenant_a.user, order_id=draft.pk,
                        details=f.new_customer_details())
    client.force_login(staff)
    html = client.get(f"/orders/{draft.pk}/").content.decode()
    assert f'name="reason" placeholder="Reason" maxlength="{REASON_MAX_LENGTH}"' in html


# --- the customer-information field list -----------------------------------------------------

def test_the_field_list_is_columns_of_the_order_and_fields_everywhere():
    columns = {field.name for field in Order._meta.get_fields()}
    assert set(ACCOUNT_FIELDS) <= columns
    assert set(CUSTOMER_INFORMATION) <= set(ACCOUNT_FIELDS)
    assert set(ACCOUNT_REQUIRED) <= set(ACCOUNT_FIELDS)
    details = {field.name for field in dataclasses.fields(services.OrderDetails)}
    assert set(ACCOUNT_FIELDS) <= details
    assert set(ACCOUNT_FIELDS) <= set(OrderDetailsIn.model_fields)
    assert set(ACCOUNT_FIELDS) <= set(OrderOut.model_fields)


@pytest.mark.parametrize("kind", [OrderKind.NEW_ENTERPRISE, OrderKind.NEW_CUSTOMER])
def test_a_new_account_form_asks_for_the_list_and_requires_the_required(kind):
    form = OrderDetailsForm(order=Order(kind=kind))
    assert set(ACCOUNT_FIELDS) <= set(form.fields)
    required = {name for name, field in form.fields.items() if field.required}
    assert set(ACCOUNT_REQUIRED) <= required
    assert required - set(ACCOUNT_REQUIRED) <= {"billing_start_date", "enterprise_name"}
    assert [bound.name for bound in form.customer_information] == list(CUSTOMER_INFORMATION)
    assert services.order_required_fields(kind=kind).keys() - {"enterprise_name"} \
        == set(ACCOUNT_REQUIRED)


def test_an_add_services_form_asks_for_none_of_it():
    form = OrderDetailsForm(order=Order(kind=OrderKind.ADD_SERVICES))
    assert not set(ACCOUNT_FIELDS) & set(form.fields)


def test_the_page_shows_customer_information_in_list_order(client_a, draft):
    html = client_a.get(f"/orders/{draft.pk}/form/").content.decode()
    positions = [html.index(f'name="{name}"') for name in CUSTOMER_INFORMATION]
    assert positions == sorted(positions)


def test_save_order_copies_every_field_onto_the_order(tenant_a, draft):
    details = f.new_customer_details(address_line2="Suite 5", state_code="MA",
                                     zip_code="02110")
    order = services.order_save(user=tenant_a.user, order_id=draft.pk, details=details).order
    for name in ACCOUNT_FIELDS:
        assert getattr(order, name) == getattr(details, name), name
