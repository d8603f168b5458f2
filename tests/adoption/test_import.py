"""Import of a BroadWorks that Orion did not create (issue 19, items 1 and 4)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from orion.accounts.models import Customer, Domain, Enterprise
from orion.adoption.models import BaselineQuantity, ImportBaseline
from orion.adoption.reads import SeenEnterprise, SeenGroup, _parse_group
from orion.adoption.services import broadworks_import
from orion.audit.models import AuditEntry
from orion.broadworks.client import OCIResult
from orion.numbers.models import DID
from tests.adoption.seed import BRANCH, HQ, RESELLER, SP, STANDARD

pytestmark = pytest.mark.django_db


def _import(tenant: Any, bw_config: Any, **options: Any) -> Any:
    return broadworks_import(partner=tenant.partner, service_providers=options.pop("ids", []),
                             dry_run=options.pop("dry_run", False), config=bw_config, by=None)


def _orion_records() -> dict[str, list[tuple]]:
    """Everything the import may write, as comparable rows."""
    return {
        "enterprises": list(Enterprise.objects.order_by("pk").values_list(
            "pk", "partner_id", "name", "bw_service_provider_id", "default_domain")),
        "customers": list(Customer.objects.order_by("pk").values_list(
            "pk", "enterprise_id", "partner_id", "name", "bw_group_id", "service_type",
            "time_zone", "address_line1", "city", "state", "zip_code", "contact_name",
            "contact_phone", "contact_email", "domain", "activated_at")),
        "domains": list(Domain.objects.order_by("pk").values_list("pk", "name", "enterprise_id")),
        "dids": list(DID.objects.order_by("e164").values_list(
            "e164", "state", "customer_id", "order_id", "updated_at")),
        "baselines": list(BaselineQuantity.objects.order_by("pk").values_list(
            "pk", "baseline__customer_id", "bw_kind", "bw_name", "quantity")),
        "audit": list(AuditEntry.objects.order_by("pk").values_list("pk", "action")),
    }


def test_dry_run_changes_nothing_and_reports_what_it_would_do(tenant_a, legacy, bw_config):
    before = _orion_records()
    report = _import(tenant_a, bw_config, dry_run=True)
    assert _orion_records() == before
    assert report.dry_run
    assert report.created["enterprises"] == 1 and report.created["customers"] == 2
    assert report.created["numbers"] == 5 and report.created["baselines"] == 2
    assert "Dry run: nothing was changed." in report.lines()[0]


def test_import_creates_exactly_the_expected_records(tenant_a, legacy, bw_config):
    before = {model: model.objects.count() for model in (Enterprise, Customer, DID)}
    report = _import(tenant_a, bw_config)
    enterprise = Enterprise.objects.get(bw_service_provider_id=SP)
    assert (enterprise.partner, enterprise.name, enterprise.default_domain) == (
        tenant_a.partner, "Legacy Corp", "legacy.example")
    assert Enterprise.objects.count() == before[Enterprise] + 1
    assert Customer.objects.count() == before[Customer] + 2
    hq = Customer.objects.get(enterprise=enterprise, bw_group_id=HQ)
    assert (hq.name, hq.service_type, hq.time_zone, hq.partner_id) == (
        "Legacy HQ", "hosted", "America/Chicago", tenant_a.partner.pk)
    assert (hq.address_line1, hq.city, hq.state, hq.zip_code) == (
        "1 Main St", "Chicago", "IL", "60601")
    assert (hq.contact_name, hq.contact_phone, hq.contact_email) == (
        "Pat Doe", "3125550000", "pat@legacy.example")
    assert hq.activated_at is not None and hq.domain == ""  # the enterprise's default
    branch = Customer.objects.get(enterprise=enterprise, bw_group_id=BRANCH)
    assert branch.time_zone == "America/Denver" and branch.city == "Denver"
    assert list(enterprise.domains.values_list("name", flat=True)) == ["legacy.example"]
    # Numbers: assigned to their customer, no order of Orion's; the loose ones left out.
    assert DID.objects.count() == before[DID] + 5
    assert sorted(DID.objects.filter(customer=hq).values_list("e164", "state", "order_id")) == [
        ("+13125550100", "assigned", None), ("+13125550101", "assigned", None),
        ("+13125550102", "assigned", None)]
    assert sorted(DID.objects.filter(customer=branch).values_list("e164", flat=True)) == [
        "+13125550150", "+13125550152"]
    assert hq.dids.first().events.get().note == "imported from BroadWorks"
    # The baseline: what the group holds, matched to the catalog; the unknown pack reported.
    assert sorted(BaselineQuantity.objects.filter(baseline__customer=hq).values_list(
        "bw_kind", "bw_name", "quantity", "package__name")) == [
        ("group_service", "Hunt Group", 1, "Hunt Group"),
        ("service_pack", STANDARD, 5, "Enterprise Standard"),
        ("user_service", "Call Forwarding Always", 3, "Call Forwarding Always")]
    assert ImportBaseline.objects.get(customer=hq).user_count == 1
    assert not BaselineQuantity.objects.filter(baseline__customer=branch).exists()
    assert ImportBaseline.objects.filter(customer=branch).exists()  # adopted, holds nothing
    assert report.unmatched == [{"enterprise": SP, "group": HQ, "kind": "service_pack",
                                 "name": "Legacy Gold", "quantity": "2"}]
    reasons = {item["object"]: item["reason"] for item in report.refused}
    assert reasons[f"service provider {RESELLER}"].startswith("a service provider, not an")
    assert reasons[f"2 numbers of enterprise {SP}"].startswith("in no group (first +1-3125550200)")
    assert report.refused_count == 2
    assert report.created == {"enterprises": 1, "customers": 2, "domains": 1, "numbers": 5,
                              "baselines": 2}
    assert report.documents <= 3 and report.sessions <= 4  # 1 list, 14 + 8 reads in batches


def test_second_import_changes_nothing(tenant_a, legacy, bw_config):
    _import(tenant_a, bw_config)
    before = _orion_records()
    report = _import(tenant_a, bw_config)
    assert _orion_records() == before
    assert not any(report.created.values()) and not any(report.updated.values())
    assert report.unchanged == {"enterprises": 1, "customers": 2, "domains": 1, "numbers": 5,
                                "baselines": 2}


def test_a_change_in_broadworks_updates_the_customer(tenant_a, legacy, bw_config):
    _import(tenant_a, bw_config)
    legacy.request("GroupModifyRequest", service_provider_id=SP, group_id=BRANCH,
                   group_name="Legacy Branch West")
    report = _import(tenant_a, bw_config, ids=[SP])
    assert report.updated["customers"] == 1 and report.unchanged["customers"] == 1
    assert Customer.objects.get(bw_group_id=BRANCH).name == "Legacy Branch West"


def test_only_the_service_providers_asked_for(tenant_a, legacy, bw_config):
    report = _import(tenant_a, bw_config, ids=["NOPE1"])
    assert report.refused == [{"object": "enterprise NOPE1", "reason": "not in BroadWorks"}]
    assert not Enterprise.objects.filter(bw_service_provider_id=SP).exists()


def test_an_enterprise_of_another_partner_is_refused(tenant_a, tenant_b, legacy, bw_config):
    _import(tenant_b, bw_config)
    report = _import(tenant_a, bw_config, ids=[SP])
    assert report.refused == [{"object": f"enterprise {SP}",
                               "reason": "belongs to another partner in Orion"}]
    assert Enterprise.objects.get(bw_service_provider_id=SP).partner == tenant_b.partner


def test_another_partner_never_sees_the_imported_accounts(tenant_a, tenant_b, legacy,
                                                          bw_config):
    _import(tenant_a, bw_config)
    hq = Customer.objects.get(bw_group_id=HQ)
    assert not Customer.objects.visible_to(tenant_b.user).filter(enterprise=hq.enterprise)
    assert not Enterprise.objects.visible_to(tenant_b.user).filter(pk=hq.enterprise_id)
    other = Client()
    other.force_login(tenant_b.user)
    assert other.get(f"/customers/{hq.pk}/").status_code == 404
    assert other.get(f"/enterprises/{hq.enterprise_id}/").status_code == 404
    assert "Legacy HQ" not in other.get("/search/", {"q": "Legacy"}).content.decode()
    mine = Client()
    mine.force_login(tenant_a.user)
    assert mine.get(f"/customers/{hq.pk}/").status_code == 200
    assert "Legacy HQ" in mine.get("/search/", {"q": "Legacy"}).content.decode()


def test_the_command_imports_and_prints_the_report(tenant_a, legacy, bw_config, settings,
                                                   capsys):
    settings.ORION_BROADWORKS = bw_config
    with pytest.raises(SystemExit) as exit_:  # something was refused: exit status 1
        call_command("broadworks", "import", "--partner", tenant_a.partner.name, "--dry-run")
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert "Created: 1 enterprises, 2 customers, 1 domains, 5 numbers, 2 baselines." in out
    assert 'unmatched service pack "Legacy Gold" (2) in LEGACY1/LEG-HQ' in out
    assert not Enterprise.objects.filter(bw_service_provider_id=SP).exists()
    with pytest.raises(SystemExit):  # the enterprise's numbers in no group
        call_command("broadworks", "import", "--partner", tenant_a.partner.name,
                     "--service-provider", SP)
    assert "Created: 1 enterprises, 2 customers" in capsys.readouterr().out
    assert Customer.objects.filter(bw_group_id__in=[HQ, BRANCH]).count() == 2


def _result(name: str, **fields: Any) -> OCIResult:
    from types import SimpleNamespace

    return OCIResult(name, "1", response=SimpleNamespace(**fields))  # type: ignore[arg-type]


def test_number_ranges_in_group_and_enterprise_tables_are_expanded():
    """BroadWorks lists consecutive numbers as one range row in both tables."""
    enterprise = SeenEnterprise(sp_id=SP, numbers={"+1-3125550300": "G1"})
    group = SeenGroup(group_id="G1")
    detail = _result("GroupGetRequest22V5", group_name="G", default_domain="d.example",
                     time_zone="America/Chicago", user_limit=5, contact={}, address={})
    dns = _result("GroupDnGetListRequest", phone_number=["+1-3125550100 - +1-3125550103"])
    auth = _result("GroupServiceGetAuthorizationListRequest",
                   service_packs_authorization_table=[], user_services_authorization_table=[],
                   group_services_authorization_table=[])
    _parse_group(enterprise, group, [detail, auth, dns, _result("U", user_table=[])])
    assert group.numbers == {"+1-3125550100", "+1-3125550101", "+1-3125550102",
                             "+1-3125550103", "+1-3125550300"}


def test_enterprise_summary_range_gives_every_number_to_its_group(tenant_a, legacy, bw_config):
    table = legacy.request("ServiceProviderDnGetSummaryListRequest",
                           service_provider_id=SP).dn_summary_table
    assert "+1-3125550100 - +1-3125550102" in [row.phone_numbers for row in table]
    _import(tenant_a, bw_config)
    assert DID.objects.filter(customer__bw_group_id=HQ).count() == 3
