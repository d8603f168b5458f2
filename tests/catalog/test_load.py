from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from orion.catalog.models import OrderType, Package
from orion.catalog.services import catalog_load


@pytest.mark.django_db
def test_catalog_has_the_documents_order_types_and_91_packages(catalog):
    assert list(OrderType.objects.values_list("name", flat=True)) == [
        "AlaCarte Services", "Hosted PBX Services", "Fax Service", "Call Recording", "Toll Free"]
    document = Package.objects.filter(is_extra_did=False)
    assert document.count() == 91
    assert Counter(document.values_list("order_type__name", flat=True)) == {
        "AlaCarte Services": 45, "Hosted PBX Services": 22, "Fax Service": 7,
        "Call Recording": 14, "Toll Free": 3}
    for name in ("Toll FRee Number", "Traditional User\\User Management Fee",
                 "Call Center Supervisor - Client Only - (NO SEAT)", "Smart Record Pro NRC"):
        assert document.filter(name=name).exists(), name


@pytest.mark.django_db
def test_nrc_names_are_one_time_and_mapping_is_consistent(catalog):
    for package in Package.objects.all():
        if package.name.endswith("NRC"):
            assert package.charge_type == "NRC", package.name
        assert package.price >= 0
        if package.bw_kind != "none":
            assert package.bw_name, package.name
    seat = Package.objects.get(name="Enterprise Standard")
    assert seat.is_seat and seat.bw_kind == "service_pack" and seat.included_dids >= 1
    assert Package.objects.get(name="Late Fee").bw_kind == "none"
    assert Package.objects.get(is_extra_did=True).charge_type == "MRC"


@pytest.mark.django_db
def test_load_is_idempotent_and_keeps_staff_prices(catalog):
    package = Package.objects.get(name="Hunt Group")
    package.price = Decimal("42.42")
    package.save(update_fields=["price"])
    result = catalog_load()
    assert result.packages_created == 0 and result.order_types_created == 0
    assert Package.objects.count() == 92
    package.refresh_from_db()
    assert package.price == Decimal("42.42")
