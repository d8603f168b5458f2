"""Loading the catalog of the source document (idempotent: prices staff changed are kept)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from orion.catalog.models import OrderType, Package


@dataclass(frozen=True)
class CatalogLoadResult:
    order_types_created: int
    packages_created: int
    packages_updated: int


@transaction.atomic
def catalog_load() -> CatalogLoadResult:
    """Create missing order types and packages; refresh their BroadWorks mapping.

    Prices and the active flag belong to staff once a package exists, so a second load never
    overwrites them.
    """
    from orion.catalog import data

    types_created = created = updated = 0
    order_types: dict[str, OrderType] = {}
    for index, name in enumerate(data.ORDER_TYPES):
        order_type, was_created = OrderType.objects.get_or_create(
            name=name, defaults={"sort_order": index})
        order_types[name] = order_type
        types_created += was_created
    for spec in (*data.PACKAGES, data.EXTRA_DID_PACKAGE):
        mapping = {
            "charge_type": spec.charge_type,
            "included_dids": spec.included_dids,
            "bw_kind": spec.bw_kind,
            "bw_name": spec.bw_name,
            "bw_services": list(spec.bw_services),
            "is_seat": spec.is_seat,
            "is_extra_did": spec is data.EXTRA_DID_PACKAGE,
            "sort_order": spec.sort_order,
            "description": spec.description,
        }
        package, was_created = Package.objects.get_or_create(
            order_type=order_types[spec.order_type], name=spec.name,
            defaults={**mapping, "price": spec.price})
        if was_created:
            created += 1
            continue
        changed = [field for field, value in mapping.items() if getattr(package, field) != value]
        if changed:
            for field in changed:
                setattr(package, field, mapping[field])
            package.save(update_fields=changed)
            updated += 1
    return CatalogLoadResult(types_created, created, updated)
