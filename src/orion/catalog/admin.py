from __future__ import annotations

from django.contrib import admin

from orion.catalog.models import OrderType, Package


@admin.register(OrderType)
class OrderTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "sort_order"]


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin):
    list_display = ["name", "order_type", "charge_type", "price", "included_dids", "bw_kind",
                    "bw_name", "is_active"]
    list_editable = ["price", "is_active"]
    list_filter = ["order_type", "charge_type", "bw_kind", "is_active"]
    search_fields = ["name", "bw_name"]
