"""Template helpers of the change order form: each line's change and the monthly totals."""

from __future__ import annotations

from decimal import Decimal

from django import template

from orion.orders import changes
from orion.orders.changes import line_change_label
from orion.orders.models import OrderLine

register = template.Library()


@register.filter
def line_change(line: OrderLine) -> str:
    """"+2", "-1" (a minus sign), "removed", "new", or "" when the line changes nothing."""
    return line_change_label(line)


@register.filter
def monthly_change(lines: list[OrderLine]) -> Decimal:
    """The change in the monthly total (``changes.monthly_change``)."""
    return changes.monthly_change(lines)
