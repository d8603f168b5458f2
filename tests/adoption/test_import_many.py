"""The import writes an enterprise's groups together (bulk): the records are the same as one
group at a time, a number BroadWorks holds that Orion's inventory cannot (an N11 exchange) is
refused with the reason instead of stopping the import, and a second run changes nothing."""

from __future__ import annotations

import pytest

from orion.accounts.models import Customer
from orion.adoption.models import ImportBaseline
from orion.adoption.services import broadworks_import
from orion.audit.models import AuditEntry
from orion.numbers.models import DID
from tests.adoption.seed import BRANCH, HQ, SP

pytestmark = pytest.mark.django_db


def test_an_n11_number_is_refused_and_the_rest_imported(tenant_a, legacy, bw_config):
    legacy.batch_or_raise([
        ("ServiceProviderDnAddListRequest", {"service_provider_id": SP,
                                             "phone_number": ["+1-3129110000"]}),
        ("GroupDnAssignListRequest", {"service_provider_id": SP, "group_id": BRANCH,
                                      "phone_number": ["+1-3129110000"]}),
    ])
    report = broadworks_import(partner=tenant_a.partner, service_providers=[SP],
                               dry_run=False, config=bw_config, by=None)
    assert {r["object"]: r["reason"] for r in report.refused}[
        f"number +13129110000 of {SP}/{BRANCH}"] == (
        "an N11 service code as its area or exchange code")
    assert set(Customer.objects.filter(enterprise__bw_service_provider_id=SP)
               .values_list("bw_group_id", flat=True)) == {HQ, BRANCH}
    assert DID.objects.filter(customer__bw_group_id=BRANCH).count() == 2
    assert not DID.objects.filter(e164="+13129110000").exists()
    assert ImportBaseline.objects.count() == 2
    # One audit row per customer created, per group's numbers and per baseline.
    assert AuditEntry.objects.filter(action="adoption.customer_import").count() == 2
    assert AuditEntry.objects.filter(action="adoption.numbers_import").count() == 2
    assert AuditEntry.objects.filter(action="adoption.baseline_import").count() == 2
    again = broadworks_import(partner=tenant_a.partner, service_providers=[SP],
                              dry_run=False, config=bw_config, by=None)
    assert not any(again.created.values()) and not any(again.updated.values())
    assert again.unchanged["customers"] == 2 and again.unchanged["numbers"] == 5
