"""The audit log: every user action on orders, billing dates, prices, inventory and users
leaves one entry, in the same transaction as the change; staff read it on /audit/."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from orion.audit.models import AuditEntry
from orion.audit.services import audit_record
from orion.numbers import services as number_services
from orion.numbers.exceptions import NumberInService
from orion.numbers.models import DID
from orion.orders import services as order_services
from orion.orders.exceptions import OrderValidationError
from orion.orders.lifecycle import order_transition
from orion.orders.models import Order
from orion.orders.states import OrderState
from orion.provisioning import repair as provisioning_repair
from tests import factories as f

pytestmark = pytest.mark.django_db


def _placed(tenant, *, service_type: str = "hosted") -> Order:
    draft = f.draft_with_packages(user=tenant.user, enterprise=tenant.enterprise)
    details = f.new_customer_details(service_type=service_type,
                                     company_name=f"Brand New Co {draft.pk}",
                                     domain=f"new{draft.pk}.example")
    return order_services.order_save(user=tenant.user, order_id=draft.pk,
                                     details=details).order


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


def test_order_save_is_audited_with_actor_and_partner(tenant_a):
    order = _placed(tenant_a)
    (entry,) = _entries("order.save")
    assert entry.actor == tenant_a.user and entry.actor_name == tenant_a.user.username
    assert entry.partner_id == tenant_a.partner.pk
    assert entry.object_type == "orders.Order" and entry.object_id == str(order.pk)
    assert entry.changes["state"] == ["draft", "acknowledged"]
    assert entry.via == "cli"  # no request: a service called directly


def test_a_rolled_back_save_leaves_no_audit_entry(tenant_a):
    draft = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    past = f.new_customer_details(billing_start_date=timezone.localdate() - timedelta(days=3))
    with pytest.raises(OrderValidationError):
        order_services.order_save(user=tenant_a.user, order_id=draft.pk, details=past)
    assert not AuditEntry.objects.exists()


def test_billing_start_date_change_records_old_and_new(client, tenant_a):
    order = _placed(tenant_a)
    old = order.billing_start_date
    new = old + timedelta(days=5)
    order_services.order_billing_start_date_change(user=tenant_a.user, order_id=order.pk,
                                                   value=new)
    (entry,) = _entries("order.billing_start_date_change")
    assert entry.changes["billing_start_date"] == [old.isoformat(), new.isoformat()]
    assert entry.actor == tenant_a.user
    # Not a state change: the order's state history has no row for it ...
    assert not order.state_changes.filter(from_state=order.state, to_state=order.state)
    # ... and the order page lists it from the audit.
    client.force_login(tenant_a.user)
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'id="billing-date-changes"' in page and new.isoformat() in page


def test_staff_retry_cancel_and_trunking_done_are_audited(tenant_a, staff):
    failed = _placed(tenant_a)
    order_transition(order=failed, to=OrderState.IN_PROGRESS, by=None)
    order_transition(order=failed, to=OrderState.FAILED, by=None)
    provisioning_repair.order_retry(order_id=failed.pk, user=staff)
    cancelled = _placed(tenant_a)
    provisioning_repair.order_cancel(order_id=cancelled.pk, user=staff, reason="left us")
    trunking = _placed(tenant_a, service_type="trunking")
    assert trunking.state == OrderState.HELD
    provisioning_repair.order_trunking_done(order_id=trunking.pk, user=staff)

    (retry,) = _entries("order.retry")
    (cancel,) = _entries("order.cancel")
    (done,) = _entries("order.trunking_done")
    assert retry.object_id == str(failed.pk) and retry.actor == staff
    assert cancel.reason == "left us" and cancel.changes["state"] == ["acknowledged",
                                                                      "cancelled"]
    assert done.changes["state"] == ["held", "completed"]
    assert {retry.partner_id, cancel.partner_id, done.partner_id} == {tenant_a.partner.pk}


def test_inventory_changes_are_audited(staff, tenant_a):
    number_services.numbers_add_range(spec="2125550100-2125550104", by=staff)
    (load,) = _entries("numbers.import")
    assert load.changes["added"] == 5 and load.actor == staff
    did = DID.objects.get(e164="+12125550100")
    number_services.number_quarantine(user=staff, did_id=did.pk, days=10, note="bad line")
    number_services.number_unquarantine(user=staff, did_id=did.pk)
    assert [e.action for e in AuditEntry.objects.order_by("id")][1:] == [
        "number.quarantine", "number.unquarantine"]
    assert _entries("number.quarantine")[0].reason == "bad line"


def test_release_and_backorder_fill_are_audited(staff, tenant_a):
    number_services.numbers_add_range(spec="2125550100-2125550101")
    draft = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    number_services.order_dids_order(user=tenant_a.user, order_id=draft.pk,
                                     numbers=["2125550100"], npa="212", nxx="555",
                                     backorder_quantity=1)
    order = order_services.order_save(user=tenant_a.user, order_id=draft.pk,
                                      details=f.new_customer_details()).order
    filled = number_services.backorder_fill(user=staff,
                                            backorder_id=order.did_backorders.get().pk)
    assert filled == 1
    (fill,) = _entries("backorder.fill")
    assert fill.changes["filled"] == [0, 1] and fill.changes["numbers"] == ["+12125550101"]
    did = DID.objects.get(e164="+12125550100")
    # A number in service is given back by an order, never released alone; a refusal is
    # not audited as a release.
    with pytest.raises(NumberInService):
        number_services.number_release(user=staff, did_id=did.pk)
    assert _entries("number.release") == []
    from orion.provisioning.repair import order_cancel

    order_cancel(order_id=order.pk, user=staff, reason="test")
    (cancel,) = _entries("order.cancel")
    assert cancel.changes["numbers_released"] == 2
    assert cancel.changes["accounts_cancelled"] == [f"customer {order.customer.name}"]


def test_price_change_in_the_admin_records_old_and_new_price(client, staff, catalog):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    package = f.package("Enterprise Standard")
    old_price = package.price
    response = client.post(f"/admin/catalog/package/{package.pk}/change/", {
        "name": package.name, "order_type": package.order_type_id,
        "charge_type": package.charge_type, "price": "99.95",
        "included_dids": package.included_dids, "bw_kind": package.bw_kind,
        "bw_name": package.bw_name, "is_active": "on", "sort_order": package.sort_order,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    (entry,) = _entries("package.price_change")
    assert entry.changes["price"] == [str(old_price), "99.95"]
    assert entry.actor == staff and entry.via == "web"
    assert Decimal(entry.changes["price"][1]) == Decimal("99.95")


def test_user_changes_and_password_resets_are_audited(client, staff, tenant_a, settings):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    user = tenant_a.user
    response = client.post(f"/admin/accounts/user/{user.pk}/change/", {
        "username": user.username, "email": "new@example.com", "first_name": "", "last_name": "",
        "partner": tenant_a.partner.pk, "is_active": "on", "date_joined_0": "2024-01-01",
        "date_joined_1": "00:00:00", "initial-date_joined_0": "2024-01-01",
        "initial-date_joined_1": "00:00:00",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    (change,) = _entries("user.change")
    assert change.changes["email"][1] == "new@example.com" and change.actor == staff
    assert "password" not in change.changes

    client.logout()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.post("/password-reset/", {"email": "new@example.com"})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line).strip()
    form = client.get(link[link.index("/reset/"):], follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": "brand-new-secret-42!",
                                             "new_password2": "brand-new-secret-42!"})
    (reset,) = _entries("user.password_change")
    assert reset.actor == user and "reset" in reset.reason
    assert "pbkdf2" not in str(reset.changes) and "md5" not in str(reset.changes)


def test_secrets_are_never_written_into_changes(tenant_a):
    entry = audit_record(actor=tenant_a.user, action="token.create", obj=tenant_a.user,
                         changes={"token": "abc123", "name": "ci"})
    assert entry.changes == {"token": "[redacted]", "name": "ci"}


# --- the staff page ------------------------------------------------------------------------

def test_audit_page_is_staff_only(client, tenant_a, staff):
    client.force_login(tenant_a.user)
    assert client.get("/audit/").status_code == 404
    client.logout()
    assert client.get("/audit/").status_code == 302  # log in first
    client.force_login(staff)
    assert client.get("/audit/").status_code == 200


def test_audit_page_filters_and_pages(client, tenant_a, staff):
    order = _placed(tenant_a)
    for i in range(60):
        audit_record(actor=staff, action="number.quarantine", obj=order, reason=f"r{i}")
    old = audit_record(actor=staff, action="package.price_change", obj=order)
    AuditEntry.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=40))
    client.force_login(staff)

    first = client.get("/audit/")
    text = first.content.decode()
    assert first.status_code == 200 and "62 entries" in text and 'rel="next"' in text
    second = client.get("/audit/?action=number.quarantine&page=2")
    assert "60 entries" in second.content.decode()
    assert second.content.decode().count("<code>number.quarantine</code>") == 10

    by_actor = client.get(f"/audit/?actor={tenant_a.user.username}").content.decode()
    assert "1 entries" in by_actor and "order.save" in by_actor
    by_type = client.get("/audit/?object_type=orders.Order&action=order.save").content.decode()
    assert "1 entries" in by_type
    since = (timezone.localdate() - timedelta(days=1)).isoformat()
    recent = client.get(f"/audit/?date_from={since}").content.decode()
    assert "61 entries" in recent
    until = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert "1 entries" in client.get(f"/audit/?date_to={until}").content.decode()


@pytest.mark.parametrize("query", ["date_from=0001-01-01&date_to=9999-12-31",
                                   "date_from=not-a-date", "action=%27%20OR%201%3D1%20--",
                                   "actor=%00", "page=99999999999999999999",
                                   "date_from=2025-02-01&date_to=2025-01-01",
                                   "object_type={{7*7}}"])
def test_hostile_audit_filters_are_refused_not_crashed(client, staff, query):
    client.force_login(staff)
    response = client.get(f"/audit/?{query}")
    assert response.status_code in (200, 400)
    assert "49" not in response.content.decode().split("<main")[1][:200]
