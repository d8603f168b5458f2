from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from orion.accounts.models import Customer, Domain, Enterprise, Partner, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("Orion", {"fields": ("partner",)}))
    list_display = ["username", "email", "partner", "is_staff", "is_active"]
    list_filter = ["partner", "is_staff", "is_active"]


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
