from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from orion.accounts.models import Customer, Domain, Enterprise, Partner, User
from orion.audit.services import audit_record


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Orion", {"fields": ("partner",)}))
    list_display = ["username", "email", "partner", "is_staff", "is_active"]
    list_filter = ["partner", "is_staff", "is_active"]
    AUDITED = ("username", "email", "first_name", "last_name", "partner_id", "is_active",
               "is_staff", "is_superuser")

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """Save, and record which account fields moved (passwords: see orion.audit.signals)."""
        old = (User.objects.filter(pk=obj.pk).values(*self.AUDITED).first()
               if change else None) or {}
        super().save_model(request, obj, form, change)
        changes: dict[str, object] = {f: [old.get(f), getattr(obj, f)] for f in self.AUDITED
                   if not change or old.get(f) != getattr(obj, f)}
        if "groups" in form.changed_data or "user_permissions" in form.changed_data:
            changes["permissions"] = "changed"
        if changes:
            audit_record(actor=request.user, action="user.change" if change else "user.create",
                         obj=obj, changes=changes)


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "created_at"]
    search_fields = ["name"]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "partner", "bw_service_provider_id", "created_at"]
    list_filter = ["partner"]
    search_fields = ["name", "bw_service_provider_id"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "enterprise", "service_type", "city", "domain", "billing_start_date"]
    list_filter = ["service_type"]
    search_fields = ["name", "bw_group_id", "domain"]


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["name", "enterprise"]
    search_fields = ["name"]
