"""Drift that an order trips over: the provisioning run records the difference it found as a
drift entry (or finds the one the nightly audit already keeps), so the failure names it and
staff can accept BroadWorks' value from the order page.

A module of its own, importing only the adoption models: ``provisioning.services`` calls it,
and must not reach the adoption use cases above it (which call ``provisioning.repair``).
"""

from __future__ import annotations

from django.db import transaction

from orion.adoption.models import DriftEntry, DriftKind
from orion.audit.services import audit_record


def drift_record(*, customer_id: int, kind: str, name: str, expected: str,
                 actual: str) -> DriftEntry:
    """The open drift entry for this difference, created (and audited) if the audit has not
    found it yet; an open one takes the values the run just saw."""
    kind = DriftKind(kind)
    name, expected, actual = name[:120], expected[:120], actual[:120]
    with transaction.atomic():
        entry = (DriftEntry.objects.select_for_update()
                 .filter(customer_id=customer_id, kind=kind, name=name,
                         resolved_at__isnull=True).first())
        if entry is None:
            entry = DriftEntry.objects.create(customer_id=customer_id, kind=kind, name=name,
                                              expected=expected, actual=actual)
            audit_record(actor=None, action="adoption.drift_found", obj=entry.customer,
                         changes={"drift": entry.pk, "kind": kind, "name": name,
                                  "expected": expected, "actual": actual},
                         reason="An order found it while provisioning.")
        elif (entry.expected, entry.actual) != (expected, actual):
            entry.expected, entry.actual = expected, actual
            entry.save(update_fields=["expected", "actual", "seen_at"])
    return entry
