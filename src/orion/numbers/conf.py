"""The DID settings (``ORION_DID_*``, read in ``orion.settings``), as functions so that tests
overriding the settings see the change."""

from __future__ import annotations

from django.conf import settings


def reservation_minutes() -> int:
    """How long numbers ordered on a draft stay reserved to it (Bandwidth holds 4 hours)."""
    return int(settings.ORION_DID_RESERVATION_MINUTES)


def quarantine_days() -> int:
    """How long a released number ages before it can be sold again."""
    return int(settings.ORION_DID_QUARANTINE_DAYS)


def search_page_size() -> int:
    return int(settings.ORION_DID_PAGE_SIZE)
