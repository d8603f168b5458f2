from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from orion.accounts.models import Customer, Enterprise
from orion.core.exceptions import NotFound
from orion.orders import services
from orion.orders.exceptions import (
    InvalidTransition,
    OrderError,
    OrderNotEditable,
    OrderValidationError,
)
from orion.orders.models import Order, OrderKind, OrderLine
from orion.orders.selectors import order_quote
from orion.orders.states import OrderState
from tests import factories as f


@pytest.mark.django_db
def test_new_customer_order_creates_customer_and_freezes_prices(tenant_a):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise,
                                  packages=("Enterprise Standard", "Hunt Group"))
    standard_line = order.lines.get(package__name="Enterprise Standard")
    services.order_line_set_quantity(user=tenant_a.user, order_id=order.pk,
                                     line_id=standard_line.pk, quantity="10")
    result = services.order_save(user=tenant_a.user, order_id=order.pk,
                                 details=f.new_customer_details())
    order = result.order
    assert result.created and order.state == OrderState.ACKNOWLEDGED
    assert order.number.startswith("ORD-")
    customer = order.customer
    assert customer.enterprise == tenant_a.enterprise and customer.name == "Brand New Co"
    assert customer.domain == "brandnew.example" and customer.bw_group_id == "Brand_New_Co"
    assert customer.billing_start_date == order.billing_start_date
    assert list(order.state_changes.values_list("from_state", "to_state")) == [
        ("draft", "acknowledged")]
    # A later price change does not alter the saved order.
    standard = f.package("Enterprise Standard")
    frozen = order.lines.get(package=standard).unit_price
    standard.price = frozen + 100
    standard.save(update_fields=["price"])
    quote = order_quote(order=Order.objects.get(pk=order.pk))
    assert next(ln for ln in quote.lines if ln.package == standard).unit_price == frozen
    assert quote.mrc_total == frozen * 10 + f.package("Hunt Group").price
    assert quote.included_dids == 10 * standard.included_dids + f.package(
        "Hunt Group").included_dids


@pytest.mark.django_db
def test_save_copies_the_catalog_as_it_is_at_save_time(tenant_a):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise,
                                  packages=("Enterprise Standard", "Hunt Group"))
    standard, hunt = f.package("Enterprise Standard"), f.package("Hunt Group")
    standard.price, standard.included_dids = standard.price + 7, standard.included_dids + 2
    standard.save(update_fields=["price", "included_dids"])
    services.order_save(user=tenant_a.user, order_id=order.pk, details=f.new_customer_details())
    lines = {ln.package_id: ln for ln in OrderLine.objects.filter(order=order)}
    assert (lines[standard.pk].unit_price, lines[standard.pk].included_dids,
            lines[standard.pk].charge_type) == (standard.price, standard.included_dids,
                                                standard.charge_type)
    assert (lines[hunt.pk].unit_price, lines[hunt.pk].charge_type) == (hunt.price,
                                                                       hunt.charge_type)


@pytest.mark.django_db
def test_save_refuses_a_package_no_longer_sold_and_changes_nothing(tenant_a):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise,
                                  packages=("Enterprise Standard", "Hunt Group"))
    before = list(OrderLine.objects.filter(order=order).order_by("pk")
                  .values_list("unit_price", "charge_type", "included_dids"))
    hunt = f.package("Hunt Group")
    hunt.is_active = False
    hunt.save(update_fields=["is_active"])
    with pytest.raises(OrderValidationError) as refused:
        services.order_save(user=tenant_a.user, order_id=order.pk,
                            details=f.new_customer_details())
    assert "Hunt Group is no longer sold" in str(refused.value.errors["packages"])
    order.refresh_from_db()
    assert order.state == OrderState.DRAFT and order.customer_id is None
    assert list(OrderLine.objects.filter(order=order).order_by("pk").values_list(
        "unit_price", "charge_type", "included_dids")) == before


@pytest.mark.django_db
def test_new_enterprise_order_creates_enterprise_with_first_customer(tenant_a):
    order = services.order_start(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE)
    p = f.package("Power User")
    services.order_lines_add(user=tenant_a.user, order_id=order.pk,
                             order_type_id=p.order_type_id, package_ids=[p.pk])
    saved = services.order_save(user=tenant_a.user, order_id=order.pk,
                                details=f.new_customer_details(enterprise_name="Zenith Labs",
                                                               company_name="Zenith Labs",
                                                               domain="zenith.example")).order
    assert saved.enterprise.name == "Zenith Labs"
    assert saved.enterprise.partner == tenant_a.partner
    assert saved.enterprise.bw_service_provider_id == "Zenith_Labs"
    assert list(saved.enterprise.customers.values_list("name", flat=True)) == ["Zenith Labs"]


@pytest.mark.django_db
def test_add_services_keeps_the_customer_and_needs_no_customer_fields(tenant_a):
    order = services.order_start(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                                 customer=tenant_a.customer)
    p = f.package("Music On Hold")
    services.order_lines_add(user=tenant_a.user, order_id=order.pk,
                             order_type_id=p.order_type_id, package_ids=[p.pk])
    before = Customer.objects.count()
    saved = services.order_save(user=tenant_a.user, order_id=order.pk,
                                details=services.OrderDetails(
                                    billing_start_date=timezone.localdate())).order
    assert saved.customer == tenant_a.customer and Customer.objects.count() == before


@pytest.mark.django_db
def test_domain_of_another_enterprise_rolls_back_everything(tenant_a, tenant_b):
    order = services.order_start(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE)
    p = f.package("Power User")
    services.order_lines_add(user=tenant_a.user, order_id=order.pk,
                             order_type_id=p.order_type_id, package_ids=[p.pk])
    enterprises, customers = Enterprise.objects.count(), Customer.objects.count()
    with pytest.raises(OrderValidationError) as info:
        services.order_save(user=tenant_a.user, order_id=order.pk,
                            details=f.new_customer_details(enterprise_name="Copycat",
                                                           domain="bravo.example"))
    assert "already used by another enterprise" in info.value.errors["domain"][0]
    # The enterprise was created inside the transaction before the domain failed: gone again.
    assert (Enterprise.objects.count(), Customer.objects.count()) == (enterprises, customers)
    order.refresh_from_db()
    assert order.state == OrderState.DRAFT and order.number is None


@pytest.mark.django_db
def test_same_enterprise_may_share_a_domain(tenant_a):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    saved = services.order_save(user=tenant_a.user, order_id=order.pk,
                                details=f.new_customer_details(domain="acme.example")).order
    assert saved.customer.domain == "acme.example"


@pytest.mark.django_db
def test_save_refuses_empty_order_and_past_billing_date(tenant_a):
    order = services.order_start(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                                 enterprise=tenant_a.enterprise)
    yesterday = timezone.localdate() - timedelta(days=2)
    with pytest.raises(OrderValidationError) as info:
        services.order_save(user=tenant_a.user, order_id=order.pk,
                            details=f.new_customer_details(billing_start_date=yesterday,
                                                           company_name=""))
    assert set(info.value.errors) == {"packages", "billing_start_date", "company_name"}
    assert Order.objects.get(pk=order.pk).state == OrderState.DRAFT


@pytest.mark.django_db
def test_package_of_another_order_type_is_refused(tenant_a):
    order = services.order_start(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                                 enterprise=tenant_a.enterprise)
    fax = f.package("Virtual Fax NRC")
    with pytest.raises(OrderError, match="not in the chosen order type"):
        services.order_lines_add(user=tenant_a.user, order_id=order.pk,
                                 order_type_id=f.order_type("Hosted PBX Services").pk,
                                 package_ids=[fax.pk])
    assert not order.lines.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", ["0", "-1", "1000000000", "abc", "", "1.5"])
def test_quantity_out_of_range_is_refused(tenant_a, quantity):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    line = order.lines.get()
    with pytest.raises(OrderError, match=r"1 to 9,999|whole number"):
        services.order_line_set_quantity(user=tenant_a.user, order_id=order.pk,
                                         line_id=line.pk, quantity=quantity)
    line.refresh_from_db()
    assert line.quantity == 1


@pytest.mark.django_db
def test_database_refuses_bad_quantity_and_duplicate_line(tenant_a):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    line = order.lines.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLine.objects.filter(pk=line.pk).update(quantity=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLine.objects.create(order=order, package=line.package, quantity=1,
                                 charge_type="MRC", unit_price=1)


@pytest.mark.django_db
def test_other_partner_cannot_touch_the_draft(tenant_a, tenant_b):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    p = f.package("Hunt Group")
    with pytest.raises(NotFound):
        services.order_lines_add(user=tenant_b.user, order_id=order.pk,
                                 order_type_id=p.order_type_id, package_ids=[p.pk])
    with pytest.raises(NotFound):
        services.order_save(user=tenant_b.user, order_id=order.pk,
                            details=f.new_customer_details())


@pytest.mark.django_db
def test_saved_order_is_not_editable_and_second_save_is_idempotent(tenant_a):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    first = services.order_save(user=tenant_a.user, order_id=order.pk,
                                details=f.new_customer_details())
    again = services.order_save(user=tenant_a.user, order_id=order.pk,
                                details=f.new_customer_details())
    assert first.created and not again.created and again.order.number == first.order.number
    assert Customer.objects.filter(name="Brand New Co").count() == 1
    with pytest.raises(OrderNotEditable):
        services.order_line_remove(user=tenant_a.user, order_id=order.pk,
                                   line_id=order.lines.get().pk)


@pytest.mark.django_db
def test_state_changes_follow_the_table(tenant_a):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    with pytest.raises(InvalidTransition):
        services.order_transition(order=order, to=OrderState.COMPLETED, by=tenant_a.user)
    assert Order.objects.get(pk=order.pk).state == OrderState.DRAFT


@pytest.mark.django_db
def test_database_refuses_placed_order_without_number(tenant_a):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(state=OrderState.ACKNOWLEDGED)


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_save_makes_one_order(catalog):
    """Two Save Orders of one draft at the same moment (a double click): one order."""
    partner = f.make_partner("Racing Partner")
    user = f.make_user(partner=partner)
    enterprise = f.make_enterprise(partner=partner, name="Racing Enterprise")
    order = f.draft_with_packages(user=user, enterprise=enterprise)
    results, errors = [], []
    barrier = threading.Barrier(4)

    def save() -> None:
        try:
            barrier.wait()
            results.append(services.order_save(user=user, order_id=order.pk,
                                               details=f.new_customer_details()))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=save) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.created for r in results) == 1
    assert len({r.order.number for r in results}) == 1
    assert Customer.objects.filter(enterprise=enterprise, name="Brand New Co").count() == 1


@pytest.mark.django_db
def test_the_extra_did_charge_cannot_be_picked_by_hand(tenant_a):
    from orion.catalog.models import Package

    order = services.order_start(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                                 enterprise=tenant_a.enterprise)
    extra = Package.objects.get(is_extra_did=True)
    with pytest.raises(OrderError, match="charged automatically"):
        services.order_lines_add(user=tenant_a.user, order_id=order.pk,
                                 order_type_id=extra.order_type_id, package_ids=[extra.pk])
    assert not order.lines.exists()
