"""Reads of the adoption app: the staff page's runs and partners, an adopted customer's
baseline. Staff only: a partner asking gets a 404, as if the page did not exist."""

from __future__ import annotations

from orion.accounts.models import Partner, User
from orion.adoption.models import BaselineQuantity, DriftEntry, DriftKind, ImportRun
from orion.core.exceptions import NotFound
from orion.core.permissions import require_provider_staff


def import_run_get(*, user: User, run_id: int) -> ImportRun:
    require_provider_staff(user)
    run = ImportRun.objects.select_related("partner", "created_by").filter(pk=run_id).first()
    if run is None:
        raise NotFound("No such import.")
    return run


def import_runs_recent(*, user: User, limit: int = 10) -> list[ImportRun]:
    require_provider_staff(user)
    return list(ImportRun.objects.select_related("partner", "created_by")[:limit])


def import_partners(*, user: User) -> list[Partner]:
    """The partners imported accounts may be given to (active ones)."""
    require_provider_staff(user)
    return list(Partner.objects.filter(is_active=True).order_by("name"))


def baseline_quantities(*, customer_id: int) -> list[BaselineQuantity]:
    return list(BaselineQuantity.objects.filter(baseline__customer_id=customer_id)
                .select_related("package"))


def drift_open(*, user: User) -> tuple[dict[str, int], list[DriftEntry]]:
    """The open differences (staff): counts by kind, then each with its customer."""
    require_provider_staff(user)
    entries = list(DriftEntry.objects.filter(resolved_at__isnull=True)
                   .select_related("customer", "customer__enterprise")
                   .order_by("kind", "customer__name", "name")[:1000])
    counts: dict[str, int] = {}
    for kind, label in DriftKind.choices:
        counts[label] = DriftEntry.objects.filter(resolved_at__isnull=True, kind=kind).count()
    return counts, entries
