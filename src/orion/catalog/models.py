"""The catalog: Order Types and the Packages partners order, with prices and BroadWorks mapping."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q


class ChargeType(models.TextChoices):
    MRC = "MRC", "Monthly (MRC)"
    NRC = "NRC", "One-time (NRC)"


class BroadWorksKind(models.TextChoices):
    SERVICE_PACK = "service_pack", "Service pack"
    GROUP_SERVICE = "group_service", "Group service"
    USER_SERVICE = "user_service", "User service"
    NONE = "none", "None (billing only)"


class OrderType(models.Model):
    """A family of packages chosen from the order form's Order Type drop-down."""

    name = models.CharField(max_length=80, unique=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


# The catalog's fee Orion bills itself, monthly, per number with an E911 location
# (``orion.numbers.services.e911``); never ticked by hand.
E911_SURCHARGE_PACKAGE = "E911 Surcharge"


class PackageQuerySet(models.QuerySet["Package"]):
    def orderable(self) -> PackageQuerySet:
        return self.filter(is_active=True)

    def pickable(self) -> PackageQuerySet:
        """What a partner may tick on the order form: sold packages, not the extra-DID charge,
        which Orion adds itself for DIDs beyond the packages' allowance, nor the E911
        Surcharge, which it adds for each number with an E911 location."""
        return self.orderable().filter(is_extra_did=False).exclude(name=E911_SURCHARGE_PACKAGE)


class Package(models.Model):
    """Something a partner orders by quantity. Prices are data that staff edit."""

    order_type = models.ForeignKey(OrderType, on_delete=models.PROTECT, related_name="packages")
    name = models.CharField(max_length=120)
    charge_type = models.CharField(max_length=3, choices=ChargeType.choices)
    price = models.DecimalField(max_digits=10, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0.00"))])
    included_dids = models.PositiveSmallIntegerField(
        "DIDs included", default=0, help_text="DIDs included at no charge per unit ordered."
    )
    bw_kind = models.CharField("BroadWorks kind", max_length=16, choices=BroadWorksKind.choices,
                               default=BroadWorksKind.NONE)
    bw_name = models.CharField("BroadWorks name", max_length=80, blank=True)
    bw_services = models.JSONField("BroadWorks services in the pack", default=list, blank=True)
    is_seat = models.BooleanField(default=False,
                                  help_text="One unit is one user (counts toward the user limit).")
    is_extra_did = models.BooleanField(
        default=False, help_text="Charged for each DID beyond the packages' allowance.")
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=200, blank=True)

    objects = PackageQuerySet.as_manager()

    class Meta:
        ordering = ["order_type__sort_order", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["order_type", "name"],
                                    name="package_name_unique_in_order_type"),
            models.CheckConstraint(condition=Q(price__gte=0), name="package_price_not_negative"),
            models.CheckConstraint(condition=Q(charge_type__in=["MRC", "NRC"]),
                                   name="package_charge_type_valid"),
            models.CheckConstraint(
                condition=Q(bw_kind="none") | ~Q(bw_name=""),
                name="package_bw_name_when_mapped"),
            models.UniqueConstraint(fields=["is_extra_did"], condition=Q(is_extra_did=True),
                                    name="one_extra_did_package"),
        ]

    def __str__(self) -> str:
        return self.name
