"""Reads of the audit log: the staff page's filtered list."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from orion.accounts.models import User
from orion.audit.models import AuditEntry
from orion.core.permissions import require_provider_staff

# The log cannot hold entries before Orion existed or after the year 9998; dates outside are
# clamped (and 9999-12-31 + 1 day would overflow).
EARLIEST, LATEST = date(2000, 1, 1), date(9998, 12, 31)


def _start_of(day: date) -> datetime:
    day = min(max(day, EARLIEST), LATEST)
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_entries(*, user: User, actor: str = "", action: str = "", object_type: str = "",
                  object_id: str = "", date_from: date | None = None,
                  date_to: date | None = None) -> QuerySet[AuditEntry]:
    """Entries newest first, filtered; provider staff only (anyone else: NotFound).

    Dates are whole local days, both ends included.
    """
    require_provider_staff(user)
    entries = AuditEntry.objects.all()
    if actor:
        entries = entries.filter(actor_name__iexact=actor)
    if action:
        entries = entries.filter(action=action)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=object_id)
    if date_from:
        entries = entries.filter(at__gte=_start_of(date_from))
    if date_to and date_to < LATEST:
        entries = entries.filter(at__lt=_start_of(date_to + timedelta(days=1)))
    return entries.order_by("-at", "-id")


def audit_filter_choices(*, user: User) -> dict[str, list[str]]:
    """The actions and object types present in the log, for the filter drop-downs; provider
    staff only, like the entries."""
    require_provider_staff(user)
    return {
        "actions": sorted(AuditEntry.objects.values_list("action", flat=True).distinct()),
        "object_types": sorted(AuditEntry.objects.values_list("object_type", flat=True)
                               .distinct()),
    }
