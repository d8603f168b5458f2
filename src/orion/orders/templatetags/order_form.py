"""Template helpers of the order form."""

from __future__ import annotations

import math
from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def minutes_left(until: datetime | None) -> int:
    """Whole minutes until ``until``, rounded up (0 once it has passed): "reserved for 24
    more minutes" must not say 0 while a reservation still runs."""
    if until is None:
        return 0
    return max(0, math.ceil((until - timezone.now()).total_seconds() / 60))
