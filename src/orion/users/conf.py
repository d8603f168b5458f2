"""The users settings (``ORION_USERS_*``, read in ``orion.settings``), as functions so that
tests overriding the settings see the change."""

from __future__ import annotations

from django.conf import settings

# BroadWorks' own bounds: a group's extension length is 2-6 digits, its userLimit 1-999,999.
EXTENSION_LENGTH_MIN = 2
EXTENSION_LENGTH_MAX = 6
BROADWORKS_USER_LIMIT_MAX = 999_999


def extension_length() -> int:
    """The extension length of a new group (BroadWorks' default is 4)."""
    value = int(getattr(settings, "ORION_USERS_EXTENSION_LENGTH", 4))
    return min(max(value, EXTENSION_LENGTH_MIN), EXTENSION_LENGTH_MAX)


def group_user_limit() -> int:
    """The most users one customer (group) may have: the highest ``userLimit`` Orion sets."""
    value = int(getattr(settings, "ORION_USERS_GROUP_LIMIT", 1000))
    return min(max(value, 1), BROADWORKS_USER_LIMIT_MAX)
