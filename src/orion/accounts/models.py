"""Partners, their users, and the accounts they sell to: Enterprises and their Customers.

An Enterprise maps to a BroadWorks enterprise (a service provider with ``isEnterprise``) and a
Customer to a BroadWorks group inside it. Every partner-reachable query goes through the
``visible_to(user)`` QuerySet methods here, so tenancy lives in one place.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower


class Partner(models.Model):
    """A channel partner (reseller/agent company): the tenant boundary of Orion."""

    name = models.CharField(max_length=120, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrionUserManager(UserManager["User"]):
    pass


class User(AbstractUser):
    """A person who logs in: a partner's agent, or provider operations staff (no partner).

    The database refuses a user that is both or neither: partner users are never Django staff,
    provider staff never belong to a partner.
    """

    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )

    objects: ClassVar[OrionUserManager] = OrionUserManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(partner__isnull=True, is_staff=True)
                | Q(partner__isnull=False, is_staff=False),
                name="user_is_partner_user_xor_provider_staff",
            )
        ]

    @property
    def is_provider_staff(self) -> bool:
        return self.is_staff and self.partner_id is None


def name_search_indexes(table: str) -> list[models.Index]:
    """The indexes behind the account search bar, alike on enterprises and customers.

    * ``<table>_name_prefix`` and ``<table>_partner_name_prefix``: B-trees on ``lower(name)``
      with ``text_pattern_ops`` (byte order, so ``LIKE 'acme%'`` becomes a range scan whatever
      the collation), one for provider staff and one led by ``partner_id`` for partner users.
      ``INCLUDE (id, name)`` lets the exact and prefix matches come from index-only scans.
    * ``<table>_name_trgm``: a GIN index over ``(partner_id, name gin_trgm_ops)`` (``btree_gin``
      provides the ``partner_id`` part) serving ``ILIKE '%q%'`` for staff and, with the partner
      condition inside the same index scan, for partner users.
    """
    return [
        models.Index(OpClass(Lower("name"), name="text_pattern_ops"),
                     include=["id", "name"], name=f"{table}_name_prefix"),
        models.Index(F("partner"), OpClass(Lower("name"), name="text_pattern_ops"),
                     include=["id", "name"], name=f"{table}_partner_name_prefix"),
        GinIndex(F("partner"), OpClass("name", name="gin_trgm_ops"), name=f"{table}_name_trgm",
                 fastupdate=False),
    ]


class Viewer(Protocol):
    """Who reads through ``visible_to``: a logged-in ``User``, or a reader without a login
    (``orion billing export`` at the console)."""

    @property
    def is_provider_staff(self) -> bool: ...

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def partner_id(self) -> int | None: ...


class EnterpriseQuerySet(models.QuerySet["Enterprise"]):
    def visible_to(self, user: Viewer) -> EnterpriseQuerySet:
        if user.is_provider_staff:
            return self
        if not user.is_authenticated or user.partner_id is None:
            return self.none()
        return self.filter(partner_id=user.partner_id)


class Enterprise(models.Model):
    """A partner's enterprise account; in BroadWorks a service provider with isEnterprise."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="enterprises")
    name = models.CharField(max_length=80)
    bw_service_provider_id = models.CharField(
        "BroadWorks enterprise id", max_length=30, unique=True,
        help_text="ServiceProviderId in BroadWorks (a token of 1-30 characters).",
    )
    default_domain = models.CharField(
        max_length=80, blank=True, db_default="",
        help_text="The enterprise's default domain in BroadWorks, fixed when it is created: "
                  "its first customer's domain, else the system domain. Customers without a "
                  "domain of their own get this one.")
    cancelled_at = models.DateTimeField(
        null=True, blank=True,
        help_text="Set when the order that created the enterprise was cancelled: the account "
                  "is kept for the record but hidden from search and from new orders.")
    disconnected_at = models.DateTimeField(
        null=True, blank=True,
        help_text="Set when the disconnect of its last customer removed the enterprise from "
                  "BroadWorks (the partner ticked \"remove the enterprise\").")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = name_search_indexes("enterprise")
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="enterprise_name_not_empty"),
            # Target of the customers' (enterprise_id, partner_id) foreign key, see Customer.
            models.UniqueConstraint(fields=["id", "partner"], name="enterprise_id_partner_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceType(models.TextChoices):
    HOSTED = "hosted", "Hosted"
    TRUNKING = "trunking", "Trunking"


class CustomerQuerySet(models.QuerySet["Customer"]):
    def visible_to(self, user: Viewer) -> CustomerQuerySet:
        if user.is_provider_staff:
            return self
        if not user.is_authenticated or user.partner_id is None:
            return self.none()
        return self.filter(partner_id=user.partner_id)


class Customer(models.Model):
    """A customer of an enterprise; in BroadWorks a group inside the enterprise.

    ``partner`` repeats the enterprise's partner so that tenancy filters and the search indexes
    work on the customer table alone. The database keeps the copy right: a composite foreign
    key ``(enterprise_id, partner_id) REFERENCES accounts_enterprise (id, partner_id) ON UPDATE
    CASCADE`` (migration 0002; Django cannot declare it) refuses a customer whose partner
    differs from its enterprise's and carries a change of the enterprise's partner over to
    its customers.
    """

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="customers")
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="customers", editable=False,
        db_index=False,  # customer_partner_name_prefix leads with partner_id
        help_text="The enterprise's partner (denormalised; see the class docstring).",
    )
    name = models.CharField("company name", max_length=80)
    bw_group_id = models.CharField(
        "BroadWorks group id", max_length=30,
        help_text="GroupId in BroadWorks, unique within the enterprise.",
    )
    service_type = models.CharField(
        max_length=10, choices=ServiceType.choices, default=ServiceType.HOSTED
    )
    address_line1 = models.CharField("address", max_length=80)
    address_line2 = models.CharField("address line 2", max_length=80, blank=True)
    city = models.CharField(max_length=50)
    state = models.CharField("state", max_length=2)
    zip_code = models.CharField("ZIP", max_length=10)
    contact_name = models.CharField(max_length=80)
    contact_phone = models.CharField(max_length=20)
    contact_email = models.EmailField(max_length=254)
    domain = models.CharField(max_length=80, blank=True)
    time_zone = models.CharField(max_length=64)
    billing_start_date = models.DateField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(
        null=True, blank=True,
        help_text="Set when the order that created the customer was cancelled: the account "
                  "is kept for the record but hidden from search and from new orders.")
    disconnected_at = models.DateTimeField(
        null=True, blank=True,
        help_text="Set when a disconnect order removed the customer from BroadWorks: the "
                  "account stays, read-only, with its history, and is marked Disconnected.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = name_search_indexes("customer")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "bw_group_id"], name="customer_group_id_unique_in_enterprise"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="customer_name_not_empty"),
            models.CheckConstraint(
                condition=Q(service_type__in=["hosted", "trunking"]),
                name="customer_service_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_trunking(self) -> bool:
        return self.service_type == ServiceType.TRUNKING

    @property
    def status(self) -> str:
        """Active once an order provisioned it; Cancelled when its creating order was."""
        if self.cancelled_at is not None:
            return "Cancelled"
        if self.disconnected_at is not None:
            return "Disconnected"
        return "Active" if self.activated_at is not None else "Pending"

    @property
    def read_only_reason(self) -> str:
        """Why nothing of the customer may change any more ("" while it may): a disconnected
        customer is kept with its history, read-only, everywhere (orders, ports, users,
        E911 locations), since BroadWorks no longer holds it."""
        if self.disconnected_at is None:
            return ""
        from orion.core.clock import local_date

        day = local_date(self.disconnected_at, self.time_zone)
        return (f"{self.name} was disconnected on {day:%Y-%m-%d}; it is kept read-only, "
                "with its history.")

    @property
    def group_domain(self) -> str:
        """The group's default domain in BroadWorks: its own, else its enterprise's.

        The one domain rule (with ``Enterprise.default_domain``): provisioning, the order
        form and the demo seed all ask here.
        """
        return self.domain or self.enterprise.default_domain


class Domain(models.Model):
    """A DNS domain and the one enterprise that may use it.

    BroadWorks assigns a domain to one service provider only, so the database refuses the same
    domain in two enterprises; customers of one enterprise may share it.
    """

    name = models.CharField(max_length=80)
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="domains")

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("name"), name="domain_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name
