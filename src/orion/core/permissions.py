"""The one check for provider-staff-only operations.

A partner asking for a staff page or action gets the same answer as for an object that does
not exist (404), so staff-only URLs and ids reveal nothing.
"""

from __future__ import annotations

from orion.core.exceptions import NotFound


def require_provider_staff(user: object, *, what: str = "page") -> None:
    if not getattr(user, "is_provider_staff", False):
        raise NotFound(f"No such {what}.")
