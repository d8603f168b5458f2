from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from orion.audit.services import audit_record
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

    AUDITED = ("price", "is_active", "charge_type", "included_dids", "name")

    def save_model(self, request: HttpRequest, obj: Package, form: Any, change: bool) -> None:
        """Save, and record old and new price (and the other commercial fields) that moved."""
        old = (Package.objects.filter(pk=obj.pk).values(*self.AUDITED).first()
               if change else None) or {}
        super().save_model(request, obj, form, change)
        changes = {f: [old.get(f), getattr(obj, f)] for f in self.AUDITED
                   if not change or old.get(f) != getattr(obj, f)}
        if changes:
            audit_record(actor=request.user, obj=obj, changes=changes,
                         action="package.price_change" if "price" in changes and change
                         else ("package.change" if change else "package.create"))
