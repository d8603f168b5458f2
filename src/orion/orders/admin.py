from __future__ import annotations

from django.contrib import admin

from orion.orders.models import Order, OrderLine, OrderStateChange


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    readonly_fields = ["package", "quantity", "charge_type", "unit_price", "included_dids"]


class OrderStateChangeInline(admin.TabularInline):
    model = OrderStateChange
    extra = 0
    readonly_fields = ["from_state", "to_state", "changed_by", "changed_at", "note"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["__str__", "state", "kind", "partner", "enterprise", "customer",
                    "submitted_at"]
    list_filter = ["state", "kind", "partner"]
    search_fields = ["number", "customer__name", "enterprise__name"]
    readonly_fields = ["state"]
    inlines = [OrderLineInline, OrderStateChangeInline]
