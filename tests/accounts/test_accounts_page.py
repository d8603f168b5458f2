"""A partner sees their accounts (issue 15, item 7): the Accounts page, the customer's
Overview (current services, numbers, state, domain, BroadWorks ids), status and domain in the
search results."""

from __future__ import annotations

from django.utils import timezone

from orion.accounts.search import account_search
from orion.accounts.selectors import account_list, customer_numbers
from orion.numbers.models import DID
from orion.orders.models import Order, OrderLine
from orion.orders.selectors import customer_services
from orion.orders.states import OrderState
from tests import factories as f


def _order(tenant, state: str, lines: dict[str, int], number: str) -> Order:
    order = Order.objects.create(number=number, kind="add_services", state=state,
                                 partner=tenant.partner, enterprise=tenant.enterprise,
                                 customer=tenant.customer, created_by=tenant.user,
                                 billing_start_date=timezone.localdate())
    for name, quantity in lines.items():
        p = f.package(name)
        OrderLine.objects.create(order=order, package=p, quantity=quantity,
                                 charge_type=p.charge_type, unit_price=p.price)
    return order


def test_accounts_are_scoped_filtered_sorted_and_hide_cancelled(tenant_a, tenant_b, staff):
    _, rows = account_list(user=tenant_a.user)
    assert [r.enterprise.name for r in rows] == ["Acme Corporation"]
    assert [c.name for c in rows[0].customers] == ["Acme Corporation",
                                                   "Acme Corporation - Denver"]
    _, rows = account_list(user=staff)
    assert {r.enterprise.name for r in rows} == {"Acme Corporation", "Bravo Holdings"}

    other = f.make_enterprise(partner=tenant_a.partner, name="Zeta Works")
    f.make_customer(enterprise=other, name="Zeta Works")
    _, rows = account_list(user=tenant_a.user, sort="newest")
    assert [r.enterprise.name for r in rows] == ["Zeta Works", "Acme Corporation"]
    _, rows = account_list(user=tenant_a.user, name="denver")  # a customer's name matches
    assert [r.enterprise.name for r in rows] == ["Acme Corporation"]
    _, rows = account_list(user=tenant_a.user, name="bravo")  # another partner's: nothing
    assert rows == []

    tenant_a.second_customer.cancelled_at = timezone.now()
    tenant_a.second_customer.save(update_fields=["cancelled_at"])
    _, rows = account_list(user=tenant_a.user, name="acme")
    assert [c.name for c in rows[0].customers] == ["Acme Corporation"]
    _, rows = account_list(user=tenant_a.user, name="acme", show_cancelled=True)
    assert [c.status for c in rows[0].customers] == ["Pending", "Cancelled"]


def test_accounts_page_paginates(tenant_a):
    for i in range(3):
        f.make_enterprise(partner=tenant_a.partner, name=f"Extra {i}")
    page, rows = account_list(user=tenant_a.user, page_size=2)
    assert (page.paginator.num_pages, len(rows)) == (2, 2)
    page, rows = account_list(user=tenant_a.user, page=2, page_size=2)
    assert [r.enterprise.name for r in rows] == ["Extra 1", "Extra 2"]


def test_current_services_sum_provisioned_orders_only(tenant_a):
    _order(tenant_a, OrderState.COMPLETED, {"Power User": 3, "Hunt Group": 1}, "ORD-T1")
    _order(tenant_a, OrderState.PARTIAL, {"Power User": 2}, "ORD-T2")
    _order(tenant_a, OrderState.FAILED, {"Power User": 50}, "ORD-T3")
    _order(tenant_a, OrderState.ACKNOWLEDGED, {"Music On Hold": 1}, "ORD-T4")
    services = {s.package: s.quantity for s in customer_services(customer=tenant_a.customer)}
    assert services == {"Power User": 5, "Hunt Group": 1}
    assert customer_services(customer=tenant_a.second_customer) == []


def test_customer_overview_shows_services_numbers_state_domain_and_ids(client_a, tenant_a):
    order = _order(tenant_a, OrderState.COMPLETED, {"Power User": 4}, "ORD-T5")
    DID.objects.create(e164="+12125550142", npa="212", nxx="555", state="assigned",
                       order=order, customer=tenant_a.customer)
    DID.objects.create(e164="+12125550143", npa="212", nxx="555")  # available: not shown
    assert [d.e164 for d in customer_numbers(customer=tenant_a.customer)] == ["+12125550142"]
    html = client_a.get(f"/customers/{tenant_a.customer.pk}/").content.decode()
    assert "Power User" in html and "<td>4</td>" in html
    assert "(212) 555-0142" in html or "212-555-0142" in html or "2125550142" in html
    assert "555-0143" not in html
    assert '<dd id="customer-status">Pending</dd>' in html
    assert "acme.example" in html
    assert tenant_a.customer.bw_group_id in html
    assert tenant_a.enterprise.bw_service_provider_id in html


def test_accounts_page_renders_for_the_partner_only(client_a, tenant_a, tenant_b):
    html = client_a.get("/accounts/?name=acme&sort=newest").content.decode()
    assert "Acme Corporation - Denver" in html and "Bravo" not in html
    assert 'id="nav-accounts"' in html


def test_search_hits_show_status_and_domain(tenant_a):
    tenant_a.customer.activated_at = timezone.now()
    tenant_a.customer.save(update_fields=["activated_at"])
    hits = account_search(user=tenant_a.user, query="acme").hits
    by_name = {(h.role, h.name): h for h in hits}
    assert by_name[("Customer", "Acme Corporation")].status == "Active"
    assert by_name[("Customer", "Acme Corporation - Denver")].status == "Pending"
    assert by_name[("Customer", "Acme Corporation")].domain == "acme.example"
    assert by_name[("Enterprise", "Acme Corporation")].domain == "acme.example"
