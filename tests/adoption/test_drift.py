"""The drift audit (issue 19, item 2): differences found, accepted, and gone by themselves."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from orion.accounts.models import Customer
from orion.adoption.drift import DriftRefused, drift_accept, drift_audit
from orion.adoption.models import BaselineQuantity, DriftEntry
from orion.adoption.services import broadworks_import
from orion.audit.models import AuditEntry
from orion.numbers.models import DID
from tests.adoption.seed import BRANCH, HQ, SP

pytestmark = pytest.mark.django_db


def _open() -> set[tuple[str, str, str, str, str]]:
    return set(DriftEntry.objects.filter(resolved_at__isnull=True).values_list(
        "customer__bw_group_id", "kind", "name", "expected", "actual"))


@pytest.fixture
def drifted(tenant_a, legacy, bw_config):
    """Imported, then changed behind Orion's back: a quantity, a number added, a group gone."""
    broadworks_import(partner=tenant_a.partner, service_providers=[SP], dry_run=False,
                      config=bw_config, by=None)
    assert drift_audit(config=bw_config).found == {}  # just imported: no drift
    legacy.batch_or_raise([
        ("GroupServiceModifyAuthorizationListRequest", {
            "service_provider_id": SP, "group_id": HQ, "user_service_authorization": [
                {"service_name": "Call Forwarding Always",
                 "authorized_quantity": {"quantity": 4}}]}),
        ("GroupDnAssignListRequest", {"service_provider_id": SP, "group_id": HQ,
                                      "phone_number": ["+1-3125550200"]}),
        ("GroupDeleteRequest", {"service_provider_id": SP, "group_id": BRANCH}),
    ])
    return legacy


def test_the_audit_finds_exactly_the_three_changes(drifted, bw_config):
    report = drift_audit(config=bw_config)
    assert _open() == {
        (HQ, "quantity", "user_service:Call Forwarding Always", "3", "4"),
        (HQ, "number_extra", "+13125550200", "absent", "assigned"),
        (BRANCH, "group_missing", BRANCH, "present", "absent"),
    }
    assert report.new == 3 and report.customers == 2
    assert drift_audit(config=bw_config).new == 0 and len(_open()) == 3  # kept, not doubled


def test_accept_takes_broadworks_value_and_the_next_audit_agrees(drifted, bw_config, staff):
    drift_audit(config=bw_config)
    quantity = DriftEntry.objects.get(kind="quantity")
    with pytest.raises(DriftRefused):
        drift_accept(user=staff, entry_id=quantity.pk, reason="  ")
    drift_accept(user=staff, entry_id=quantity.pk, reason="raised by operations in CommPilot")
    assert BaselineQuantity.objects.get(baseline__customer__bw_group_id=HQ,
                                        bw_name="Call Forwarding Always").quantity == 4
    number = DriftEntry.objects.get(kind="number_extra")
    drift_accept(user=staff, entry_id=number.pk, reason="customer's new fax line")
    assert DID.objects.get(e164="+13125550200").customer.bw_group_id == HQ
    missing = DriftEntry.objects.get(kind="group_missing")
    with pytest.raises(DriftRefused):  # nothing in BroadWorks to accept
        drift_accept(user=staff, entry_id=missing.pk, reason="gone")
    assert AuditEntry.objects.filter(action="adoption.drift_accept").count() == 2
    drift_audit(config=bw_config)
    assert _open() == {(BRANCH, "group_missing", BRANCH, "present", "absent")}


def test_a_difference_fixed_in_broadworks_disappears_by_itself(drifted, bw_config):
    drift_audit(config=bw_config)
    drifted.request("GroupServiceModifyAuthorizationListRequest", service_provider_id=SP,
                    group_id=HQ, user_service_authorization=[
                        {"service_name": "Call Forwarding Always",
                         "authorized_quantity": {"quantity": 3}}])
    report = drift_audit(config=bw_config)
    assert report.gone == 1
    assert DriftEntry.objects.get(kind="quantity").resolution == "gone"
    assert {kind for _, kind, *_ in _open()} == {"number_extra", "group_missing"}


def test_the_drift_page_is_staff_only(drifted, bw_config, staff, tenant_a, tenant_b, settings,
                                      capsys):
    settings.ORION_BROADWORKS = bw_config
    call_command("broadworks", "audit")
    assert "Open differences: 1 group missing, 1 extra number, 1 authorization quantity" in (
        capsys.readouterr().out)
    client = Client()
    client.force_login(staff)
    html = client.get("/broadworks/drift/").content.decode()
    assert "Legacy HQ" in html and "user service Call Forwarding Always" in html
    quantity_row = html.split(f'data-entry="{DriftEntry.objects.get(kind="quantity").pk}"')[1]
    assert 'value="reprovision"' in quantity_row.split("</tr>")[0]
    extra = DriftEntry.objects.get(kind="number_extra")
    refused = client.post("/broadworks/drift/", {"entry": extra.pk, "action": "reprovision"})
    assert refused.status_code == 422 and "Orion does not remove numbers" in (
        refused.content.decode())
    quantity = DriftEntry.objects.get(kind="quantity")
    refused = client.post("/broadworks/drift/", {"entry": quantity.pk, "reason": ""})
    assert refused.status_code == 422 and 'id="drift-problem"' in refused.content.decode()
    assert client.post("/broadworks/drift/", {"entry": quantity.pk,
                                              "reason": "ok"}).status_code == 302
    for user in (tenant_a.user, tenant_b.user):
        partner = Client()
        partner.force_login(user)
        assert partner.get("/broadworks/drift/").status_code == 404
        assert partner.post("/broadworks/drift/", {"entry": quantity.pk,
                                                   "reason": "x"}).status_code == 404
    assert Customer.objects.visible_to(tenant_b.user).filter(bw_group_id=HQ).count() == 0


def test_reprovision_makes_broadworks_match_orion_through_a_job(drifted, bw_config, staff):
    from django.db import connection

    from orion.adoption.drift import drift_reprovision_run, drift_reprovision_start

    drift_audit(config=bw_config)
    quantity = DriftEntry.objects.get(kind="quantity")
    drift_reprovision_start(user=staff, entry_id=quantity.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT task_name, args::text FROM procrastinate_jobs ORDER BY id")
        assert cursor.fetchall()[-1] == ("orion.reprovision_drift",
                                         f'{{"entry_id": {quantity.pk}}}')
    assert AuditEntry.objects.filter(action="adoption.drift_reprovision").count() == 1
    assert drift_reprovision_run(entry_id=quantity.pk, config=bw_config) == "reprovisioned"
    auth = drifted.request("GroupServiceGetAuthorizationListRequest", service_provider_id=SP,
                           group_id=HQ).user_services_authorization_table
    assert {r.service_name: r.quantity for r in auth}["Call Forwarding Always"] == "3"
    quantity.refresh_from_db()
    assert quantity.resolution == "reprovisioned"
    for kind in ("number_extra", "group_missing"):  # nothing Orion may send for these
        with pytest.raises(DriftRefused):
            drift_reprovision_start(user=staff, entry_id=DriftEntry.objects.get(kind=kind).pk)
    drift_audit(config=bw_config)
    assert {kind for _, kind, *_ in _open()} == {"number_extra", "group_missing"}


def test_reprovision_of_a_missing_number(tenant_a, legacy, bw_config, staff):
    from orion.adoption.drift import drift_reprovision_run, drift_reprovision_start

    broadworks_import(partner=tenant_a.partner, service_providers=[SP], dry_run=False,
                      config=bw_config, by=None)
    hq = Customer.objects.get(bw_group_id=HQ)
    DID.objects.create(e164="+13125550199", npa="312", nxx="555", state="assigned",
                       customer=hq)  # Orion's records hold a number BroadWorks does not
    drift_audit(config=bw_config)
    (entry,) = DriftEntry.objects.filter(resolved_at__isnull=True)
    assert (entry.kind, entry.name) == ("number_missing", "+13125550199")
    drift_reprovision_start(user=staff, entry_id=entry.pk)
    assert drift_reprovision_run(entry_id=entry.pk, config=bw_config) == "reprovisioned"
    dns = legacy.request("GroupDnGetListRequest", service_provider_id=SP, group_id=HQ)
    assert "+1-3125550199" in dns.phone_number
    assert drift_audit(config=bw_config).found == {}


def test_users_added_or_deleted_behind_orions_back(tenant_a, legacy, bw_config, staff):
    from orion.orders.models import OrderKind
    from orion.provisioning import services
    from tests.provisioning.helpers import place_order, stock_numbers

    broadworks_import(partner=tenant_a.partner, service_providers=[SP], dry_run=False,
                      config=bw_config, by=None)
    hq = Customer.objects.get(bw_group_id=HQ)
    order = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                        enterprise=hq.enterprise, customer=hq,
                        packages={"Enterprise Standard": 1},
                        numbers=stock_numbers(3125550170, 1))
    assert services.order_provision(order_id=order.pk, config=bw_config) == "completed"
    assert drift_audit(config=bw_config).found == {}  # the imported user and the order's
    (mine,) = order.users.all()
    legacy.batch_or_raise([
        ("UserDeleteRequest", {"user_id": mine.user_id}),
        ("UserAddRequest17sp4", {"service_provider_id": SP, "group_id": HQ,
                                 "user_id": "sam@legacy.example", "last_name": "Roe",
                                 "first_name": "Sam", "calling_line_id_last_name": "Roe",
                                 "calling_line_id_first_name": "Sam",
                                 "password": "S3cret-by-hand!", "extension": "190"}),
    ])
    drift_audit(config=bw_config)
    assert {(kind, name) for _, kind, name, *_ in _open()} == {
        ("user_missing", mine.user_id), ("user_extra", "sam@legacy.example")}
    extra = DriftEntry.objects.get(kind="user_extra")
    drift_accept(user=staff, entry_id=extra.pk, reason="receptionist added by operations")
    drift_audit(config=bw_config)
    assert {kind for _, kind, *_ in _open()} == {"user_missing"}
