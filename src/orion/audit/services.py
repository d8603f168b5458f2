"""Recording audit entries. Call inside the transaction of the change, so the entry and the
change commit (or roll back) together."""

from __future__ import annotations

from typing import Any

from django.db import models

from orion.audit.models import AuditEntry


def audit_record(*, actor: Any, action: str, obj: models.Model, changes: dict | None = None,
                 reason: str = "", via: str = "web") -> AuditEntry:
    """Write one audit entry: ``actor`` did ``action`` to ``obj`` (``changes``: old/new)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    partner_id = getattr(obj, "partner_id", None) or getattr(user, "partner_id", None)
    return AuditEntry.objects.create(
        actor=user, actor_name=getattr(user, "username", "") or "system",
        partner_id=partner_id, action=action[:60], object_type=obj._meta.label[:60],
        object_id=str(obj.pk)[:40], object_repr=str(obj)[:200], changes=changes or {},
        reason=reason[:500], via=via[:10])
