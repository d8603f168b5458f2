"""Billing from placed orders: frozen prices, charges, Billing Start Date rules, the Billing
tab, the invoice preview, the monthly export (CLI, page, API) and tenancy."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from orion.api.services import token_create
from orion.audit.models import AuditEntry
from orion.billing import selectors
from orion.billing.charges import BillingMonth
from orion.billing.models import InvoiceRun
from orion.catalog.models import Package
from orion.core.exceptions import NotFound
from orion.orders import services as order_services
from orion.orders.exceptions import OrderError
from orion.orders.models import Order, OrderKind, OrderStateChange
from orion.orders.states import OrderState
from orion.provisioning.repair import order_cancel
from tests import factories as f
from tests.billing.conftest import set_billing_start
from tests.provisioning.helpers import place_order

DEC = BillingMonth(2026, 12)
# 6 x 24.95 = 149.70 from 2026-12-10 (22 of 31 days): 149.70 - round(149.70 * 9 / 31) = 106.24
DEC_MRC = Decimal("106.24")


def _activate(order: Order, when: datetime | None = None) -> Order:
    Order.objects.filter(pk=order.pk).update(activated_at=when or timezone.now())
    order.refresh_from_db()
    return order


def _api(user):
    from django.test import Client

    secret = token_create(user=user, name="billing tests").secret
    return Client(headers={"Authorization": f"Bearer {secret}"})


# -- 1. prices are frozen ----------------------------------------------------------------------

def test_a_later_price_change_does_not_alter_a_placed_order(a_order, staff):
    set_billing_start(a_order, date(2026, 12, 10))
    Package.objects.filter(name="Enterprise Standard").update(price=Decimal("99.00"))
    line = a_order.lines.get(package__name="Enterprise Standard")
    line.refresh_from_db()
    assert (line.unit_price, line.charge_type, line.quantity) == (Decimal("24.95"), "MRC", 6)
    invoice = selectors.billing_export(user=staff, month=DEC)
    mrc = [c for c in invoice.charges if c.subscription.charge_type == "MRC"]
    assert [c.subscription.unit_price for c in mrc] == [Decimal("24.95")]
    assert mrc[0].amount == DEC_MRC


# -- 3. charges from orders --------------------------------------------------------------------

def test_charges_of_a_month_from_a_placed_order(a_order, staff):
    set_billing_start(a_order, date(2026, 12, 10))
    invoice = selectors.billing_export(user=staff, month=DEC)
    got = {(c.subscription.package, c.period, c.amount) for c in invoice.charges}
    assert got == {("Enterprise Standard", "2026-12-10..2026-12-31", DEC_MRC),
                   ("Broadsoft Provisioning Fee", "2026-12-10", Decimal("25.00"))}
    assert invoice.totals.total == DEC_MRC + Decimal("25.00")
    january = selectors.billing_export(user=staff, month=BillingMonth(2027, 1))
    assert [(c.subscription.package, c.amount) for c in january.charges] == [
        ("Enterprise Standard", Decimal("149.70"))]
    assert selectors.billing_export(user=staff, month=BillingMonth(2026, 11)).charges == []


def test_billing_starts_on_the_billing_date_not_on_activation(a_order, staff):
    """Kill Bill: entitlement (activation) and billing dates are separate."""
    set_billing_start(a_order, date(2026, 12, 10))
    _activate(a_order, datetime(2026, 11, 20, 15, tzinfo=UTC))
    charge = selectors.billing_export(user=staff, month=DEC).charges[0]
    assert charge.period_start == date(2026, 12, 10)
    assert charge.subscription.activated_on == date(2026, 11, 20)


def test_drafts_and_orders_cancelled_before_billing_never_bill(tenant_a, a_order, staff):
    from orion.provisioning.repair import order_cancel

    set_billing_start(a_order, date(2026, 12, 1))
    f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    withdrawn = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                            customer=tenant_a.customer, packages={"Power User": 1})
    set_billing_start(withdrawn, date(2027, 1, 10))
    order_cancel(order_id=withdrawn.pk, user=staff, reason="withdrawn")
    orders = {c.subscription.order_number for c in selectors.billing_export(
        user=staff, month=DEC).charges}
    assert orders == {a_order.number}


def test_cancelled_order_bills_to_the_end_of_its_day_in_the_customers_time_zone(a_order, staff):
    set_billing_start(a_order, date(2026, 2, 1))
    order_cancel(order_id=a_order.pk, user=staff, reason="customer changed its mind")
    # 03:30 UTC on March 1 is 22:30 on February 28 in New York: February is billed in full,
    # March not at all.
    OrderStateChange.objects.filter(order=a_order, to_state=OrderState.CANCELLED).update(
        changed_at=datetime(2026, 3, 1, 3, 30, tzinfo=UTC))
    feb = selectors.billing_export(user=staff, month=BillingMonth(2026, 2))
    assert {(c.subscription.charge_type, c.amount) for c in feb.charges} == {
        ("MRC", Decimal("149.70")), ("NRC", Decimal("25.00"))}
    assert selectors.billing_export(user=staff, month=BillingMonth(2026, 3)).charges == []


def test_computing_a_month_twice_gives_the_same_export(a_order, b_order, staff):
    from orion.billing.export import export_csv

    set_billing_start(a_order, date(2026, 12, 10))
    set_billing_start(b_order, date(2026, 12, 3))
    first = export_csv(selectors.billing_export(user=staff, month=DEC))
    second = export_csv(selectors.billing_export(user=staff, month=DEC))
    assert first == second


# -- 2. Billing Start Date ---------------------------------------------------------------------

def test_partner_moves_the_date_until_activation_and_it_is_audited(tenant_a, a_order):
    new = timezone.localdate() + timedelta(days=20)
    order_services.order_billing_start_date_change(user=tenant_a.user, order_id=a_order.pk,
                                                   value=new)
    a_order.refresh_from_db()
    assert a_order.billing_start_date == new
    entry = AuditEntry.objects.get(action="order.billing_start_date_change")
    assert entry.actor == tenant_a.user and entry.object_id == str(a_order.pk)
    assert entry.changes["billing_start_date"][1] == new.isoformat()


def test_billing_start_date_cannot_go_into_the_past(tenant_a, a_order):
    with pytest.raises(OrderError, match="past"):
        order_services.order_billing_start_date_change(
            user=tenant_a.user, order_id=a_order.pk,
            value=timezone.localdate() - timedelta(days=2))


def test_after_activation_the_partner_cannot_change_it(tenant_a, a_order):
    _activate(a_order)
    with pytest.raises(OrderError) as info:
        order_services.order_billing_start_date_change(
            user=tenant_a.user, order_id=a_order.pk,
            value=timezone.localdate() + timedelta(days=3))
    assert info.value.code == "billing_start_fixed"
    assert not AuditEntry.objects.filter(action="order.billing_start_date_change").exists()


def test_after_activation_staff_change_it_with_a_reason_and_it_is_audited(tenant_a, staff):
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                        enterprise=tenant_a.enterprise, packages={"Enterprise Standard": 2},
                        name="Fresh Co", domain="fresh.example")
    _activate(order)
    today = timezone.localdate()
    with pytest.raises(OrderError) as info:
        order_services.order_billing_start_date_change(user=staff, order_id=order.pk,
                                                       value=today)
    assert info.value.code == "reason_required"
    with pytest.raises(OrderError, match="before the order was saved"):
        order_services.order_billing_start_date_change(
            user=staff, order_id=order.pk, value=today - timedelta(days=30), reason="x")
    order_services.order_billing_start_date_change(
        user=staff, order_id=order.pk, value=today, reason="Activated early; bill from today")
    order.refresh_from_db()
    order.customer.refresh_from_db()
    assert order.billing_start_date == today == order.customer.billing_start_date
    entry = AuditEntry.objects.get(action="order.billing_start_date_change")
    assert entry.actor == staff and entry.reason == "Activated early; bill from today"
    assert entry.changes["activated"] is True
    assert not order.state_changes.filter(note__contains="Billing Start Date")  # not a state


def test_another_partners_order_is_not_found(tenant_b, a_order):
    with pytest.raises(NotFound):
        order_services.order_billing_start_date_change(
            user=tenant_b.user, order_id=a_order.pk,
            value=timezone.localdate() + timedelta(days=3))


# -- 4. the Billing tab and the invoice preview --------------------------------------------------

def test_billing_tab_shows_totals_upcoming_and_history(client, tenant_a, a_order):
    today = timezone.localdate()
    later = today + timedelta(days=10)
    order_services.order_billing_start_date_change(user=tenant_a.user, order_id=a_order.pk,
                                                   value=later)
    older = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                        customer=tenant_a.customer, packages={"Power User": 1})
    set_billing_start(older, today - timedelta(days=70))
    client.force_login(tenant_a.user)
    response = client.get(f"/customers/{tenant_a.customer.pk}/billing/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="current-total"' in html and 'id="upcoming"' in html
    assert later.strftime("%Y-%m-%d") in html and "Broadsoft Provisioning Fee" in html
    assert "34.95" in html  # the Power User full month, in the history
    b = selectors.customer_billing(user=tenant_a.user, customer_id=tenant_a.customer.pk)
    assert b.monthly_recurring == Decimal("149.70") + Decimal("34.95")
    assert [u.on for u in b.upcoming] == [later, later]
    assert len(b.history) >= 2 and b.history[0].month == BillingMonth.of(today).previous()
    assert {s.status(today) for s, _ in b.subscriptions} == {"ACTIVE", "PENDING"}


def test_invoice_preview_for_any_month(client, tenant_a, a_order):
    set_billing_start(a_order, date(2026, 12, 10))
    client.force_login(tenant_a.user)
    url = f"/billing/customers/{tenant_a.customer.pk}/preview/"
    html = client.get(url, {"month": "2026-12"}).content.decode()
    assert "Invoice preview: December 2026" in html and str(DEC_MRC) in html
    assert "22/31 (prorated)" in html and "dry run" in html
    html = client.get(url, {"month": "2027-02"}).content.decode()
    assert "149.70" in html and "25.00</td>" not in html
    html = client.get(url, {"month": "2026-13"}).content.decode()
    assert "not a month" in html
    assert not InvoiceRun.objects.exists()  # a preview stores nothing


def test_the_first_and_last_months_preview_without_a_link_past_them(client, tenant_a,
                                                                     a_order):
    client.force_login(tenant_a.user)
    url = f"/billing/customers/{tenant_a.customer.pk}/preview/"
    last = client.get(url, {"month": "2999-12"})
    html = last.content.decode()
    assert last.status_code == 200 and "Invoice preview: December 2999" in html
    assert 'id="next-month"' not in html and "?month=2999-11" in html
    first = client.get(url, {"month": "2000-01"})
    html = first.content.decode()
    assert first.status_code == 200 and "Invoice preview: January 2000" in html
    assert 'id="previous-month"' not in html and "?month=2000-02" in html


def test_billing_tab_form_changes_the_date_and_staff_need_a_reason(client, tenant_a, a_order,
                                                                   staff):
    client.force_login(tenant_a.user)
    new = timezone.localdate() + timedelta(days=5)
    url = f"/billing/orders/{a_order.pk}/billing-start-date/"
    response = client.post(url, {"billing_start_date": new.isoformat()}, follow=True)
    assert "Billing Start Date is now" in response.content.decode()
    _activate(a_order)
    response = client.post(url, {"billing_start_date": new.isoformat()}, follow=True)
    assert "now fixed" in response.content.decode()
    client.force_login(staff)
    response = client.post(url, {"billing_start_date": new.isoformat(), "reason": ""},
                           follow=True)
    assert "Give the reason" in response.content.decode()


# -- 5. the monthly export ----------------------------------------------------------------------

def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_cli_export_writes_lines_and_totals_and_records_the_run(a_order, b_order, capsys):
    set_billing_start(a_order, date(2026, 12, 10))
    set_billing_start(b_order, date(2026, 12, 1))
    call_command("billing", "export", "--month", "2026-12")
    out, err = capsys.readouterr()
    rows = _rows(out)
    charges = [r for r in rows if r["row"] == "charge"]
    assert {(r["customer"], r["package"], r["charge_type"], r["quantity"], r["unit_price"],
             r["period"], r["amount"]) for r in charges} == {
        ("Acme Corporation", "Enterprise Standard", "MRC", "6", "24.95",
         "2026-12-10..2026-12-31", "106.24"),
        ("Acme Corporation", "Broadsoft Provisioning Fee", "NRC", "1", "25.00", "2026-12-10",
         "25.00"),
        ("Bravo Holdings", "Power User", "MRC", "2", "34.95", "2026-12-01..2026-12-31",
         "69.90")}
    totals = {r["customer"]: r["amount"] for r in rows if r["row"] == "customer_total"}
    assert totals == {"Acme Corporation": "131.24", "Bravo Holdings": "69.90"}
    assert rows[-1]["row"] == "total" and rows[-1]["amount"] == "201.14"
    run = InvoiceRun.objects.get()
    assert (run.month, run.line_count, run.total) == ("2026-12", 3, Decimal("201.14"))
    assert "invoice run #" in err
    assert AuditEntry.objects.filter(action="billing.invoice_run").count() == 1
    # The same month again, after a change: a new run, and the note that it differs.
    set_billing_start(b_order, date(2026, 12, 2))
    call_command("billing", "export", "--month", "2026-12", "--dry-run")
    assert InvoiceRun.objects.count() == 1
    assert "dry run" in capsys.readouterr().err
    call_command("billing", "export", "--month", "2026-12", "--format", "json")
    out, err = capsys.readouterr()
    assert json.loads(out)["totals"]["total"] == "198.89"  # Bravo lost December 1st: 67.65
    assert "differs from invoice run" in err
    assert InvoiceRun.objects.count() == 2


def test_cli_export_json_and_bad_month(a_order, tmp_path):
    from django.core.management.base import CommandError

    set_billing_start(a_order, date(2026, 12, 10))
    target = tmp_path / "dec.json"
    call_command("billing", "export", "--month", "2026-12", "--format", "json",
                 "--output", str(target), "--dry-run")
    data = json.loads(target.read_text())
    assert data["totals"] == {"mrc": "106.24", "nrc": "25.00", "total": "131.24"}
    assert data["lines"][0]["days"] == 22 and data["lines"][0]["days_in_month"] == 31
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("billing", "export", "--month", "12-2026")


def test_api_export_csv_and_json_by_role(a_order, b_order, tenant_a, staff):
    set_billing_start(a_order, date(2026, 12, 10))
    set_billing_start(b_order, date(2026, 12, 1))
    response = _api(staff).get("/api/v1/billing/export", {"month": "2026-12"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert {r["customer"] for r in _rows(response.content.decode()) if r["row"] == "charge"} == {
        "Acme Corporation", "Bravo Holdings"}
    response = _api(tenant_a.user).get("/api/v1/billing/export",
                                       {"month": "2026-12", "format": "json"})
    assert response.status_code == 200
    data = response.json()
    assert {line["customer"] for line in data["lines"]} == {"Acme Corporation"}
    assert data["totals"]["total"] == "131.24"
    bad = _api(staff).get("/api/v1/billing/export", {"month": "2026-13"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_month"


def test_api_preview_summary_and_billing_start_change(a_order, tenant_a, staff):
    set_billing_start(a_order, date(2026, 12, 10))
    api = _api(tenant_a.user)
    preview = api.get(f"/api/v1/billing/customers/{tenant_a.customer.pk}/preview",
                      {"month": "2026-12"}).json()
    assert preview["totals"]["total"] == "131.24"
    summary = api.get(f"/api/v1/billing/customers/{tenant_a.customer.pk}/summary").json()
    assert summary["monthly_recurring"] == "149.70"
    # A date other than the one set above (on 2026-12-06, today + 4 days was that date: no
    # change, so no audit row, and the test failed on that one day).
    new = next(day for day in (timezone.localdate() + timedelta(days=n) for n in (4, 5))
               if day != date(2026, 12, 10))
    url = f"/api/v1/orders/{a_order.pk}/billing-start-date"
    response = api.put(url, {"billing_start_date": new.isoformat()},
                       content_type="application/json")
    assert response.status_code == 200 and response.json()["billing_start_date"] == str(new)
    assert AuditEntry.objects.get(action="order.billing_start_date_change").via == "api"
    _activate(a_order)
    response = api.put(url, {"billing_start_date": new.isoformat()},
                       content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "billing_start_fixed"
    response = _api(staff).put(url, {"billing_start_date": str(new + timedelta(days=1)),
                                     "reason": "Port completed late"},
                               content_type="application/json")
    assert response.status_code == 200


# -- 6. tenancy ----------------------------------------------------------------------------------

def test_partner_b_cannot_see_partner_a_billing(client, tenant_a, tenant_b, a_order, b_order):
    set_billing_start(a_order, date(2026, 12, 10))
    set_billing_start(b_order, date(2026, 12, 1))
    client.force_login(tenant_b.user)
    a_id = tenant_a.customer.pk
    assert client.get(f"/customers/{a_id}/billing/").status_code == 404
    assert client.get(f"/billing/customers/{a_id}/preview/",
                      {"month": "2026-12"}).status_code == 404
    assert client.post(f"/billing/orders/{a_order.pk}/billing-start-date/",
                       {"billing_start_date": "2030-01-01"}).status_code == 404
    page = client.get("/billing/export.csv", {"month": "2026-12"}).content.decode()
    assert "Bravo Holdings" in page and "Acme" not in page
    api = _api(tenant_b.user)
    assert api.get(f"/api/v1/billing/customers/{a_id}/preview",
                   {"month": "2026-12"}).status_code == 404
    assert api.get(f"/api/v1/billing/customers/{a_id}/summary").status_code == 404
    assert api.post(f"/api/v1/billing/orders/{a_order.pk}/billing-start-date",
                    {"billing_start_date": "2030-01-01"},
                    content_type="application/json").status_code == 404
    rows = api.get("/api/v1/billing/export", {"month": "2026-12", "format": "json",
                                              "partner_id": tenant_a.partner.pk}).json()
    assert rows["lines"] == [] and rows["totals"]["total"] == "0.00"
    assert selectors.billing_export(user=tenant_b.user, month=DEC).totals.total == Decimal(
        "69.90")


def test_staff_see_the_tab_with_the_reason_field_for_activated_orders(client, staff, tenant_a,
                                                                      a_order):
    _activate(a_order)
    client.force_login(staff)
    html = client.get(f"/customers/{tenant_a.customer.pk}/billing/").content.decode()
    assert 'name="reason"' in html and "staff only, with a reason" in html
    client.force_login(tenant_a.user)
    html = client.get(f"/customers/{tenant_a.customer.pk}/").content.decode()
    assert f'href="/customers/{tenant_a.customer.pk}/billing/"' in html
    html = client.get(f"/customers/{tenant_a.customer.pk}/billing/").content.decode()
    assert 'name="reason"' not in html and "Fixed since activation" in html
