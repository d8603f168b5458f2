from __future__ import annotations

from django.contrib import admin

from orion.users.models import OrderUser


@admin.register(OrderUser)
class OrderUserAdmin(admin.ModelAdmin):
    """Read-only: users change through the order form, the users sheet or the API, which
    keep BroadWorks' rules."""

    list_display = ["user_id", "first_name", "last_name", "extension", "number", "customer",
                    "order", "is_live"]
    list_filter = ["is_live"]
    search_fields = ["user_id", "first_name", "last_name", "extension", "mac_address"]
    list_select_related = ["number", "customer", "order"]

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False
