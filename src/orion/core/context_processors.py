from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def orion(request: HttpRequest) -> dict[str, object]:
    """Values every page needs: the search term and whether BroadWorks is the emulator."""
    user = getattr(request, "user", None)
    return {
        "search_q": request.GET.get("q", "") if request.path.startswith("/search") else "",
        "broadworks_is_emulator": settings.ORION_BROADWORKS_IS_EMULATOR,
        "is_provider_staff": bool(user and user.is_authenticated and user.is_provider_staff),
    }
