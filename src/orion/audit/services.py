"""Recording audit entries. Call inside the transaction of the change, so the entry and the
change commit (or roll back) together."""

from __future__ import annotations

from typing import Any

from django.db import models

from orion.audit.context import current
from orion.audit.models import AuditEntry

# Field values never written into ``changes``, whatever a caller passes.
SECRET_KEYS = frozenset({"password", "token", "secret", "key_hash", "token_hash"})


def _redact(changes: dict) -> dict:
    return {k: ("[redacted]" if str(k).lower() in SECRET_KEYS else v) for k, v in changes.items()}


def _no_nul(value: Any) -> Any:
    """``value`` without NUL characters, which PostgreSQL refuses in text and jsonb.

    An audit entry is written inside the transaction of the change it records: a NUL in a
    reason or a changed value (from a caller that did not validate it) would otherwise turn
    the whole change into a 500. The entry keeps the rest of the text.
    """
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_no_nul(k): _no_nul(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_no_nul(v) for v in value]
    return value


def audit_record(*, actor: Any, action: str, obj: models.Model | None = None,
                 changes: dict | None = None, reason: str = "", via: str | None = None,
                 object_type: str = "", object_id: str = "",
                 object_repr: str = "") -> AuditEntry:
    """Write one audit entry: ``actor`` did ``action`` to ``obj`` (``changes``: old/new).

    ``via`` defaults to how the current request arrived (``web`` or ``api``), else ``cli``.
    Without a model instance (a bulk load of numbers), give ``object_type``/``object_id``/
    ``object_repr`` instead.
    """
    entry = audit_entry(actor=actor, action=action, obj=obj, changes=changes, reason=reason,
                        via=via, object_type=object_type, object_id=object_id,
                        object_repr=object_repr)
    entry.save(force_insert=True)
    return entry


def audit_record_many(entries: list[AuditEntry]) -> None:
    """Write entries built by ``audit_entry`` in one INSERT per thousand: an import of a
    thousand groups writes three entries per group, one statement each would cost more than
    the import's own rows."""
    AuditEntry.objects.bulk_create(entries, batch_size=1000)


def audit_entry(*, actor: Any, action: str, obj: models.Model | None = None,
                changes: dict | None = None, reason: str = "", via: str | None = None,
                object_type: str = "", object_id: str = "",
                object_repr: str = "") -> AuditEntry:
    """The entry ``audit_record`` writes, unsaved (for ``audit_record_many``)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    context = current()
    if via is None:
        via = context.via if context is not None else "cli"
    if obj is not None:
        object_type = obj._meta.label
        object_id = str(obj.pk)
        object_repr = str(obj)
    partner_id = getattr(obj, "partner_id", None) or getattr(user, "partner_id", None)
    return AuditEntry(
        actor=user, actor_name=_no_nul(getattr(user, "username", "") or "system"),
        partner_id=partner_id, action=_no_nul(action)[:60],
        object_type=_no_nul(object_type)[:60], object_id=_no_nul(object_id)[:40],
        object_repr=_no_nul(object_repr)[:200], changes=_no_nul(_redact(changes or {})),
        reason=_no_nul(reason or "")[:500], via=_no_nul(via)[:10])
