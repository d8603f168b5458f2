"""Drift kinds of service packs and group services (issue 19, item 2): a service pack missing
or extra, a group service unassigned or assigned behind Orion's back (raw OCI-P to the
emulator), each found by the audit and resolved by Re-provision and by Accept (or Accept
refused with the reason); another partner never sees any of it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from orion.adoption.drift import (
    DriftRefused,
    drift_accept,
    drift_audit,
    drift_reprovision_run,
    drift_reprovision_start,
)
from orion.adoption.models import BaselineQuantity, DriftEntry
from orion.adoption.services import broadworks_import
from orion.audit.models import AuditEntry
from tests.adoption.seed import BRANCH, HQ, SP, STANDARD

pytestmark = pytest.mark.django_db

HQ_GROUP = {"service_provider_id": SP, "group_id": HQ}
BRANCH_GROUP = {"service_provider_id": SP, "group_id": BRANCH}

# What each change behind Orion's back does, and the entry the audit must find for it.
CHANGES: dict[str, tuple[list[tuple[str, dict[str, Any]]], tuple[str, str, str, str]]] = {
    "pack_missing": (
        [("GroupServiceModifyAuthorizationListRequest", {
            **HQ_GROUP, "service_pack_authorization": [
                {"service_pack_name": STANDARD, "unauthorized": True}]})],
        (HQ, STANDARD, "5", "absent")),
    "pack_extra": (
        [("GroupServiceModifyAuthorizationListRequest", {
            **BRANCH_GROUP, "service_pack_authorization": [
                {"service_pack_name": STANDARD, "authorized_quantity": {"quantity": 2}}]})],
        (BRANCH, STANDARD, "0", "2")),
    "gs_unassigned": (
        [("GroupServiceUnassignListRequest", {**HQ_GROUP, "service_name": ["Hunt Group"]})],
        (HQ, "Hunt Group", "assigned", "unassigned")),
    "gs_assigned": (
        [("GroupServiceModifyAuthorizationListRequest", {
            **BRANCH_GROUP, "group_service_authorization": [
                {"service_name": "Hunt Group", "authorized_quantity": {"quantity": 1}}]}),
         ("GroupServiceAssignListRequest", {**BRANCH_GROUP, "service_name": ["Hunt Group"]})],
        (BRANCH, "Hunt Group", "0", "1")),
}


def _open() -> set[tuple[str, str, str, str, str]]:
    return set(DriftEntry.objects.filter(resolved_at__isnull=True).values_list(
        "customer__bw_group_id", "kind", "name", "expected", "actual"))


def _drift(kind: str, tenant_a, legacy, bw_config) -> DriftEntry:
    """Import, change ``kind`` behind Orion's back, audit: exactly that one entry."""
    broadworks_import(partner=tenant_a.partner, service_providers=[SP], dry_run=False,
                      config=bw_config, by=None)
    assert drift_audit(config=bw_config).found == {}
    requests, (group, name, expected, actual) = CHANGES[kind]
    legacy.batch_or_raise(requests)
    report = drift_audit(config=bw_config)
    assert _open() == {(group, kind, name, expected, actual)}  # that kind only, nothing else
    assert report.new == 1
    return DriftEntry.objects.get(resolved_at__isnull=True)


def _group_auth(legacy, group: dict[str, str]) -> Any:
    return legacy.request("GroupServiceGetAuthorizationListRequest", **group)


@pytest.mark.parametrize("kind", sorted(CHANGES))
def test_reprovision_makes_broadworks_match_and_the_next_audit_agrees(
        kind, tenant_a, legacy, bw_config, staff):
    entry = _drift(kind, tenant_a, legacy, bw_config)
    drift_reprovision_start(user=staff, entry_id=entry.pk)
    assert drift_reprovision_run(entry_id=entry.pk, config=bw_config) == "reprovisioned"
    entry.refresh_from_db()
    assert entry.resolution == "reprovisioned" and entry.error == ""
    auth = _group_auth(legacy, HQ_GROUP if entry.customer.bw_group_id == HQ else BRANCH_GROUP)
    packs = {r.service_pack_name: (r.authorized, r.allocated)
             for r in auth.service_packs_authorization_table}
    services = {r.service_name: (r.authorized, r.assigned)
                for r in auth.group_services_authorization_table}
    if kind == "pack_missing":
        assert packs[STANDARD] == ("true", "5")
    elif kind == "pack_extra":
        assert packs[STANDARD][0] == "false"
    elif kind == "gs_unassigned":
        assert services["Hunt Group"] == ("true", "true")
    else:
        assert services["Hunt Group"] == ("false", "false")
    assert AuditEntry.objects.filter(action="adoption.drift_reprovision").count() == 1
    assert drift_audit(config=bw_config).found == {}


@pytest.mark.parametrize("kind", ["pack_missing", "pack_extra", "gs_assigned"])
def test_accept_takes_broadworks_value_and_the_next_audit_agrees(
        kind, tenant_a, legacy, bw_config, staff):
    entry = _drift(kind, tenant_a, legacy, bw_config)
    with pytest.raises(DriftRefused):
        drift_accept(user=staff, entry_id=entry.pk, reason=" ")
    drift_accept(user=staff, entry_id=entry.pk, reason="changed by operations in CommPilot")
    held = {(q.baseline.customer.bw_group_id, q.bw_name): q.quantity
            for q in BaselineQuantity.objects.select_related("baseline__customer")}
    if kind == "pack_missing":
        assert (HQ, STANDARD) not in held  # the baseline holds none of it any more
    elif kind == "pack_extra":
        assert held[(BRANCH, STANDARD)] == 2
    else:
        assert held[(BRANCH, "Hunt Group")] == 1
    audit = AuditEntry.objects.get(action="adoption.drift_accept")
    assert audit.changes["kind"] == kind and audit.reason == "changed by operations in CommPilot"
    assert drift_audit(config=bw_config).found == {}


def test_an_unassigned_group_service_cannot_be_accepted_and_the_page_says_why(
        tenant_a, tenant_b, legacy, bw_config, staff):
    entry = _drift("gs_unassigned", tenant_a, legacy, bw_config)
    with pytest.raises(DriftRefused, match="Orion assigns every group service it counts"):
        drift_accept(user=staff, entry_id=entry.pk, reason="not used")
    client = Client()
    client.force_login(staff)
    html = client.get("/broadworks/drift/").content.decode()
    row = html.split(f'data-entry="{entry.pk}"')[1].split("</tr>")[0]
    assert "Group service unassigned" in row and 'value="reprovision"' in row
    assert ">Accept<" not in row and "the next order would assign it again" in row
    for user in (tenant_a.user, tenant_b.user):
        partner = Client()
        partner.force_login(user)
        assert partner.get("/broadworks/drift/").status_code == 404
        assert partner.post("/broadworks/drift/", {"entry": entry.pk,
                                                   "action": "reprovision"}).status_code == 404
    entry.refresh_from_db()
    assert entry.reprovision_queued_at is None and entry.resolved_at is None


def test_the_page_offers_accept_and_reprovision_for_an_extra_pack(
        tenant_a, tenant_b, legacy, bw_config, staff):
    entry = _drift("pack_extra", tenant_a, legacy, bw_config)
    client = Client()
    client.force_login(staff)
    row = client.get("/broadworks/drift/").content.decode().split(
        f'data-entry="{entry.pk}"')[1].split("</tr>")[0]
    assert "Extra service pack" in row and ">Accept<" in row and 'value="reprovision"' in row
    partner = Client()
    partner.force_login(tenant_b.user)
    assert partner.post("/broadworks/drift/", {"entry": entry.pk,
                                               "reason": "x"}).status_code == 404
    assert client.post("/broadworks/drift/", {"entry": entry.pk,
                                              "reason": "sold by hand"}).status_code == 302
    entry.refresh_from_db()
    assert entry.resolution == "accepted"
