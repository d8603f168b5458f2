"""Creating and editing a port request: the numbers, the dates, the PIN."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from orion.audit.models import AuditEntry
from orion.core.exceptions import NotFound
from orion.numbers.models import DID
from orion.numbers.services import numbers_add_range, numbers_reserve
from orion.porting import services
from orion.porting.businessdays import add_business_days, federal_holidays, is_business_day
from orion.porting.exceptions import PortNumbersRefused, PortRefused
from orion.porting.models import PortedNumber
from tests import factories as f
from tests.porting.factories import details, make_port, submitted_port


@pytest.mark.django_db
def test_a_request_from_a_customer_keeps_the_bill_and_the_numbers(tenant_a):
    port = make_port(tenant_a, numbers="2125550100-2125550102\n2125550150")
    assert port.state == "unconfirmed" and port.partner == tenant_a.partner
    assert port.customer == tenant_a.customer and port.account_name == tenant_a.customer.name
    assert list(port.numbers.values_list("e164", flat=True)) == [
        "+12125550100", "+12125550101", "+12125550102", "+12125550150"]
    assert port.billing_telephone_number == "+12125550100"
    assert port.pin == "9876" and port.pin_hint == "••••76"


@pytest.mark.django_db
def test_a_request_from_a_draft_order_keeps_the_order(tenant_a):
    draft = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    port = services.port_create(user=tenant_a.user, details=details(), order_id=draft.pk)
    assert port.order == draft and port.customer is None
    assert port.account_name == draft.account_name
    # A draft discarded later leaves the request (and whose it was) in place.
    draft.delete()
    port.refresh_from_db()
    assert port.order is None and port.account_name


@pytest.mark.django_db
def test_another_partners_account_is_not_found(tenant_a, tenant_b):
    draft = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    with pytest.raises(NotFound):
        services.port_create(user=tenant_b.user, details=details(),
                             customer_id=tenant_a.customer.pk)
    with pytest.raises(NotFound):
        services.port_create(user=tenant_b.user, details=details(), order_id=draft.pk)


@pytest.mark.django_db
def test_numbers_live_in_orion_are_refused_by_name(tenant_a):
    numbers_add_range(spec="2125550100-2125550109")
    draft = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    numbers_reserve(user=tenant_a.user, order_id=draft.pk, numbers=["2125550103"])
    DID.objects.create(e164="+13125550100", npa="312", nxx="555", state="assigned",
                       customer=tenant_a.customer)
    with pytest.raises(PortNumbersRefused) as refused:
        make_port(tenant_a, numbers="3125550100 2125550199")
    assert "312-555-0100 is already live in Orion" in refused.value.message
    assert "212-555-0199" not in refused.value.message
    with pytest.raises(PortNumbersRefused, match="212-555-0103 is already live"):
        make_port(tenant_a, numbers="2125550103")
    # An available number of the inventory is not live: nothing refuses it here.
    assert make_port(tenant_a, numbers="2125550104").numbers.count() == 1


@pytest.mark.django_db
def test_a_number_in_another_open_request_is_refused_and_free_once_closed(tenant_a, tenant_b,
                                                                          staff):
    first = make_port(tenant_a, numbers="2125550100-2125550101")
    with pytest.raises(PortNumbersRefused) as refused:
        make_port(tenant_a, numbers="2125550101")
    assert f"212-555-0101 is already in open port request P-{first.pk}" in \
        refused.value.message
    # Another partner learns that the number is taken, not whose request has it.
    with pytest.raises(PortNumbersRefused) as other:
        make_port(tenant_b, numbers="2125550100")
    assert "212-555-0100 is already in another open port request" in other.value.message
    services.port_cancel(user=tenant_a.user, port_id=first.pk)
    assert make_port(tenant_b, numbers="2125550100").numbers.count() == 1


@pytest.mark.django_db
def test_the_database_holds_one_open_port_per_number(tenant_a):
    first = make_port(tenant_a, numbers="2125550100")
    second = make_port(tenant_a, numbers="2125550101")
    with pytest.raises(IntegrityError), transaction.atomic():
        PortedNumber.objects.create(port=second, e164="+12125550100")
    PortedNumber.objects.filter(port=first).update(is_open=False)
    PortedNumber.objects.create(port=second, e164="+12125550100")


@pytest.mark.django_db
def test_editing_keeps_its_own_numbers_and_refuses_a_taken_one(tenant_a):
    port = make_port(tenant_a, numbers="2125550100-2125550101")
    make_port(tenant_a, numbers="2125550150")
    services.port_update(user=tenant_a.user, port_id=port.pk,
                         details=details(numbers="2125550101 2125550102"))
    assert list(port.numbers.values_list("e164", flat=True)) == ["+12125550101",
                                                                 "+12125550102"]
    with pytest.raises(PortNumbersRefused, match="212-555-0150"):
        services.port_update(user=tenant_a.user, port_id=port.pk,
                             details=details(numbers="2125550150"))


def _next(day: date, test) -> date:
    while not test(day):
        day += timedelta(days=1)
    return day


@pytest.mark.django_db
def test_the_desired_date_is_a_business_day_five_business_days_out(tenant_a):
    today = timezone.localdate()
    earliest = add_business_days(today, 5)
    with pytest.raises(PortRefused, match="in the past") as past:
        make_port(tenant_a, desired_date=today - timedelta(days=1))
    assert past.value.field == "desired_date"
    too_soon = _next(today + timedelta(days=1), is_business_day)
    assert too_soon < earliest
    with pytest.raises(PortRefused, match="at least 5 business days"):
        make_port(tenant_a, desired_date=too_soon)
    weekend = _next(earliest, lambda d: d.weekday() == 5)
    with pytest.raises(PortRefused, match="weekend"):
        make_port(tenant_a, desired_date=weekend)
    year = today.year + 1
    memorial = next(d for d, n in federal_holidays(year).items() if n == "Memorial Day")
    with pytest.raises(PortRefused, match=r"federal holiday \(Memorial Day\)"):
        make_port(tenant_a, desired_date=memorial)
    assert make_port(tenant_a, desired_date=earliest).desired_date == earliest


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value", "message"), [
    ("billing_telephone_number", "1115550100", "Billing telephone number"),
    ("region", "XX", "state code"),
    ("zip_code", "1234", "ZIP"),
    ("losing_carrier", "", "losing carrier is required"),
    ("authorized_name", "Pat\u202eDoe", "invisible"),
    ("pin", "12 34", "PIN"),
])
def test_fields_are_checked_where_they_are_typed(tenant_a, field, value, message):
    with pytest.raises(PortRefused, match=message) as refused:
        make_port(tenant_a, **{field: value})
    assert refused.value.field == field


@pytest.mark.django_db
def test_the_pin_is_never_audited_or_logged(tenant_a, staff, caplog):
    caplog.set_level(logging.DEBUG)
    port = submitted_port(tenant_a, pin="SECRET4242")
    services.port_reject(user=staff, port_id=port.pk, reason="Wrong PIN")
    services.port_update(user=tenant_a.user, port_id=port.pk,
                         details=details(pin="OTHER9191"))
    entries = AuditEntry.objects.filter(object_type="porting.PortRequest")
    assert entries.count() >= 4
    for entry in entries:
        text = f"{entry.changes} {entry.reason} {entry.object_repr}"
        assert "SECRET4242" not in text and "OTHER9191" not in text
    assert entries.get(action="port.update").changes["pin"] == "changed"
    assert "SECRET4242" not in caplog.text and "OTHER9191" not in caplog.text
    port.refresh_from_db()
    assert port.pin == "OTHER9191"


@pytest.mark.django_db
def test_an_empty_draft_with_a_port_request_is_not_cleaned_up(tenant_a):
    from orion.orders.drafts import EMPTY_DRAFT_MAX_AGE, order_drafts_cleanup
    from orion.orders.models import Order, OrderKind
    from orion.orders.services import order_start

    later = timezone.now() + EMPTY_DRAFT_MAX_AGE + timedelta(hours=1)
    kept = order_start(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                       enterprise=tenant_a.enterprise)
    gone = order_start(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                       customer=tenant_a.second_customer)
    assert gone.pk != kept.pk
    services.port_create(user=tenant_a.user, details=details(), order_id=kept.pk)
    assert order_drafts_cleanup(now=later) == 1
    assert Order.objects.filter(pk=kept.pk).exists()
    assert not Order.objects.filter(pk=gone.pk).exists()
