"""The DID settings, read from Django settings when set there, else from the environment."""

from __future__ import annotations

import os

from django.conf import settings


def _int(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return int(value)


def reservation_minutes() -> int:
    """How long numbers ordered on a draft stay reserved to it (Bandwidth holds 4 hours)."""
    return _int("ORION_DID_RESERVATION_MINUTES", 30)


def quarantine_days() -> int:
    """How long a released number ages before it can be sold again."""
    return _int("ORION_DID_QUARANTINE_DAYS", 90)


def search_page_size() -> int:
    return _int("ORION_DID_PAGE_SIZE", 25)
