from __future__ import annotations

from django.contrib import admin

from orion.numbers.models import DID, Backorder, DIDEvent


@admin.register(DID)
class DIDAdmin(admin.ModelAdmin):
    """Read-mostly: state changes go through the inventory page so history is written."""

    list_display = ("e164", "npa", "nxx", "state", "order", "customer", "is_for_trunking")
    list_filter = ("state", "npa")
    search_fields = ("e164",)
    readonly_fields = ("state", "order", "customer", "backorder", "reserved_until",
                       "quarantined_until")


@admin.register(DIDEvent)
class DIDEventAdmin(admin.ModelAdmin):
    list_display = ("did", "from_state", "to_state", "order", "changed_by", "changed_at")
    list_select_related = ("did", "order", "changed_by")


@admin.register(Backorder)
class BackorderAdmin(admin.ModelAdmin):
    list_display = ("order", "npa", "nxx", "quantity", "filled", "is_for_trunking")
