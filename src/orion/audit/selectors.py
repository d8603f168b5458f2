"""Reads of the audit log: the staff page's filtered list."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.db.models import QuerySet
from django.utils import timezone

from orion.accounts.models import User
from orion.audit.models import AuditEntry
from orion.core.permissions import require_provider_staff
from orion.numbers.states import NumberState
from orion.orders.models import OrderKind
from orion.orders.states import OrderState

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
    """The actors, actions and object types present in the log, each once, for the filter
    drop-downs; provider staff only, like the entries. (``order_by`` replaces the model's
    ``-at`` ordering, which would otherwise make DISTINCT return one value per entry.)"""
    require_provider_staff(user)

    def distinct(field: str) -> list[str]:
        return list(AuditEntry.objects.exclude(**{field: ""}).order_by(field)
                    .values_list(field, flat=True).distinct())

    return {"actors": distinct("actor_name"), "actions": distinct("action"),
            "object_types": distinct("object_type")}


# --- the changes column: "field: old → new", with names instead of ids ----------------------

@dataclass(frozen=True)
class ChangeLine:
    """One line of an entry's changes: ``label: old → new`` (``is_change``) or ``label: new``."""

    label: str
    old: str
    new: str
    is_change: bool

    def __str__(self) -> str:
        return f"{self.label}: {self.old} → {self.new}" if self.is_change \
            else f"{self.label}: {self.new}"


# Keys whose values are ids of a model: shown by that model's name. (app label.Model, field)
_REFERENCES: dict[str, tuple[str, str]] = {
    "partner": ("accounts.Partner", "name"), "partner_id": ("accounts.Partner", "name"),
    "on_behalf_of": ("accounts.Partner", "name"),
    "enterprise": ("accounts.Enterprise", "name"),
    "enterprise_id": ("accounts.Enterprise", "name"),
    "customer": ("accounts.Customer", "name"), "customer_id": ("accounts.Customer", "name"),
    "order": ("orders.Order", "number"), "order_id": ("orders.Order", "number"),
    "package": ("catalog.Package", "name"), "package_id": ("catalog.Package", "name"),
    "user": ("accounts.User", "username"), "user_id": ("accounts.User", "username"),
    "placed_by_staff": ("accounts.User", "username"),
}
_LABELS = {"billing_start_date": "Billing Start Date", "on_behalf_of": "On behalf of partner",
           "is_active": "Active", "is_staff": "Staff", "is_superuser": "Superuser",
           "mrc": "MRC", "nrc": "NRC", "url": "URL", "npa": "NPA", "nxx": "NXX"}
# Values of these keys are choices: shown by their label, per object type.
_CHOICE_LABELS: dict[str, dict[str, str]] = {
    "kind": dict(OrderKind.choices),
}
_STATE_LABELS: dict[str, dict[str, str]] = {
    "orders.Order": dict(OrderState.choices),
    "numbers.DID": dict(NumberState.choices),
}
# Actions that record what was created: a two-item list there is a value, not old → new.
_CREATING = (".create", ".add", ".import", ".import_upload")


def _label(key: str) -> str:
    if key in _LABELS:
        return _LABELS[key]
    name = key.removesuffix("_id").replace("_", " ").strip()
    return name[:1].upper() + name[1:]


def _is_pair(entry: AuditEntry, value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 2
            and not entry.action.endswith(_CREATING))


def _names(entries: list[AuditEntry]) -> dict[tuple[str, str], str]:
    """(model label, id) -> name for every referenced id on these entries: one query per
    model, whatever the number of entries."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        for key, value in (entry.changes or {}).items():
            if key not in _REFERENCES:
                continue
            values = value if _is_pair(entry, value) else [value]
            for item in values:
                if isinstance(item, int) and not isinstance(item, bool):
                    wanted[_REFERENCES[key][0]].add(item)
                elif isinstance(item, str) and item.isascii() and item.isdigit() \
                        and len(item) <= 18:
                    wanted[_REFERENCES[key][0]].add(int(item))
    fields = {model: field for model, field in _REFERENCES.values()}
    names: dict[tuple[str, str], str] = {}
    for model_label, ids in wanted.items():
        model = apps.get_model(model_label)
        field = fields[model_label]
        for pk, name in model._default_manager.filter(pk__in=ids).values_list("pk", field):
            names[(model_label, str(pk))] = str(name or f"#{pk}")
    return names


def _show(entry: AuditEntry, key: str, value: Any, names: dict[tuple[str, str], str]) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key in _REFERENCES and isinstance(value, (int, str)):
        model_label = _REFERENCES[key][0]
        name = names.get((model_label, str(value)))
        return name if name is not None else f"#{value} (deleted)"
    if key == "state":
        labels = _STATE_LABELS.get(entry.object_type, {})
        return labels.get(str(value), str(value))
    if key in _CHOICE_LABELS:
        return _CHOICE_LABELS[key].get(str(value), str(value))
    if isinstance(value, list):
        return ", ".join(_show(entry, key, item, names) for item in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_show(entry, k, v, names)}" for k, v in value.items())
    return str(value)


def audit_change_lines(entries: list[AuditEntry]) -> dict[int, list[ChangeLine]]:
    """Each entry's changes as lines to read: old → new where the entry recorded both, ids of
    partners, accounts, orders, packages and users replaced by their names, order and number
    states and order kinds by their labels."""
    names = _names(entries)
    lines: dict[int, list[ChangeLine]] = {}
    for entry in entries:
        rows: list[ChangeLine] = []
        for key, value in (entry.changes or {}).items():
            if _is_pair(entry, value):
                rows.append(ChangeLine(label=_label(str(key)),
                                       old=_show(entry, key, value[0], names),
                                       new=_show(entry, key, value[1], names), is_change=True))
            else:
                rows.append(ChangeLine(label=_label(str(key)), old="",
                                       new=_show(entry, key, value, names), is_change=False))
        lines[entry.pk] = rows
    return lines
