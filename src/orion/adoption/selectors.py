"""Reads of the adoption app: the staff page's runs and partners, an adopted customer's
baseline. Staff only: a partner asking gets a 404, as if the page did not exist."""

from __future__ import annotations

import re

from orion.accounts.models import Partner, User
from orion.adoption.models import BaselineQuantity, DriftEntry, DriftKind, ImportRun
from orion.core.exceptions import NotFound
from orion.core.permissions import require_provider_staff
from orion.orders.models import Order
from orion.orders.states import OrderState
from orion.provisioning.models import StepStatus


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


#: How a provisioning failure names the drift entry it tripped over.
DRIFT_REFERENCE = re.compile(r"\(drift #(\d{1,12})\)")


def order_drift(*, user: User, order: Order) -> DriftEntry | None:
    """The open drift entry a failed order's failure names (staff only: a partner, or an
    order that did not fail on one, gets None). Scoped to the order's customer, so the
    message can only point at that customer's own entry."""
    if (not user.is_provider_staff or order.state != OrderState.FAILED
            or order.customer_id is None):
        return None
    failed = (order.provisioning_steps.filter(status=StepStatus.FAILED)
              .values_list("error", flat=True))
    for error in failed:
        if match := DRIFT_REFERENCE.search(error or ""):
            return (DriftEntry.objects.filter(pk=int(match.group(1)),
                                              customer_id=order.customer_id,
                                              resolved_at__isnull=True)
                    .select_related("customer").first())
    return None
