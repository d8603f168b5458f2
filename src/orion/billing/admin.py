from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from orion.billing.models import InvoiceRun, InvoiceRunLine


class InvoiceRunLineInline(admin.TabularInline):
    model = InvoiceRunLine
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in InvoiceRunLine._meta.fields]


@admin.register(InvoiceRun)
class InvoiceRunAdmin(admin.ModelAdmin):
    list_display = ["month", "partner", "created_at", "created_by", "line_count", "total",
                    "digest"]
    list_filter = ["month"]
    list_select_related = ["partner", "created_by"]
    readonly_fields = [f.name for f in InvoiceRun._meta.fields]
    inlines = [InvoiceRunLineInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: InvoiceRun | None = None
                               ) -> bool:
        return False
