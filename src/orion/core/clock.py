"""The customer's calendar: what day it is in a time zone. One rule for the whole product:
an unknown or empty time zone falls back to ``ORION_DEFAULT_TIME_ZONE`` (the provider's)."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone


def zone(time_zone: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(time_zone or settings.ORION_DEFAULT_TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.ORION_DEFAULT_TIME_ZONE)


def local_date(moment: datetime, time_zone: str | None) -> date:
    """The calendar day of ``moment`` in ``time_zone`` (the customer's), e.g. a cancellation."""
    return moment.astimezone(zone(time_zone)).date()


def local_today(time_zone: str | None) -> date:
    """Today in ``time_zone``: billing start dates and months are the customer's days."""
    return local_date(timezone.now(), time_zone)
