"""``{% load drift %}{% order_drift order as entry %}``: the order page asks the adoption app
which open drift entry a failed order's failure names (staff only; None otherwise), so the
orders app needs no knowledge of adoption."""

from __future__ import annotations

from typing import Any

from django import template

from orion.adoption import selectors
from orion.adoption.models import DriftEntry

register = template.Library()


@register.simple_tag(takes_context=True)
def order_drift(context: dict[str, Any], order: Any) -> DriftEntry | None:
    user = context.get("user")
    if user is None or order is None:
        return None
    return selectors.order_drift(user=user, order=order)
