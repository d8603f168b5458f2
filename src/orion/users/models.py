"""Users (seats): one BroadWorks user per unit of a seat package on an order.

An ``OrderUser`` belongs to the order and to its seat line (removing the line removes its
users). While the order is a draft the row is what the form shows and edits; Save Order makes
it *live*: it then carries the customer (the BroadWorks group) and its ``user_id``
(``<local>@<group domain>``), and it is Orion's record of that user. The customer's Users tab,
the next add-services order and provisioning read the live rows
(``orion.users.selectors``). The database holds BroadWorks' rules for live users: one user id
in the whole system, one extension per group, one user per number, one phone per MAC.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from orion.accounts.models import Customer
from orion.broadworks.devices import DEVICE_TYPES as BROADWORKS_DEVICE_TYPES
from orion.numbers.models import DID
from orion.orders.models import Order, OrderLine

# BroadWorks' limits for what Orion sends (UserAddRequest17sp4).
NAME_MAX_LENGTH = 30  # firstName, lastName, callingLineIdFirstName/LastName
EMAIL_MAX_LENGTH = 80  # emailAddress
USER_ID_MAX_LENGTH = 161  # userId: <local>@<domain>
EXTENSION_PATTERN = r"^[0-9]{2,6}$"
MAC_PATTERN = r"^([0-9A-F]{12})?$"

# The phones a user may have: display name -> BroadWorks device type (the ``deviceType`` of
# GroupAccessDeviceAddRequest14), the short list the emulator is configured with. Orion stores
# and sends the BroadWorks name.
DEVICE_TYPE_NAMES: dict[str, str] = dict(BROADWORKS_DEVICE_TYPES)
DEVICE_TYPES: tuple[str, ...] = tuple(DEVICE_TYPE_NAMES.values())
DEVICE_TYPE_LABELS: dict[str, str] = {v: k for k, v in DEVICE_TYPE_NAMES.items()}


class OrderUserQuerySet(models.QuerySet["OrderUser"]):
    def live(self) -> OrderUserQuerySet:
        """Users that exist (or are being created) in BroadWorks: those of placed orders."""
        return self.filter(is_live=True)


class OrderUser(models.Model):
    """One seat of an order: a BroadWorks user with a name, an extension, maybe a number and
    a phone."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="users")
    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="users",
                             help_text="The seat package line this user is one unit of.")
    position = models.PositiveIntegerField(help_text="1.. on the order (User 1, User 2, ...).")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="seat_users",
                                 help_text="The group; set when the order is saved.")
    is_live = models.BooleanField(default=False,
                                  help_text="Saved with its order: Orion's record of the user.")
    first_name = models.CharField(max_length=NAME_MAX_LENGTH)
    last_name = models.CharField(max_length=NAME_MAX_LENGTH)
    extension = models.CharField(max_length=6)
    number = models.ForeignKey(DID, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    email = models.CharField("e-mail", max_length=EMAIL_MAX_LENGTH, blank=True)
    user_id = models.CharField("BroadWorks user id", max_length=USER_ID_MAX_LENGTH, blank=True,
                               help_text="<local>@<group domain>; set when the order is saved.")
    device_type = models.CharField(max_length=40, blank=True,
                                   choices=[(v, k) for k, v in DEVICE_TYPE_NAMES.items()])
    mac_address = models.CharField("MAC address", max_length=12, blank=True)
    # Counts the row's saved edits: an edit from a page that has not seen the latest one is
    # refused, never merged (the draft's rule, orion.orders.drafts).
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrderUserQuerySet.as_manager()

    class Meta:
        ordering = ["order_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="order_user_position"),
            # Deferred: the users sheet may swap extensions or numbers between two users.
            models.UniqueConstraint(fields=["order", "extension"],
                                    name="order_user_extension_unique_in_order",
                                    deferrable=models.Deferrable.DEFERRED),
            models.UniqueConstraint(fields=["order", "number"],
                                    name="order_user_number_unique_in_order",
                                    deferrable=models.Deferrable.DEFERRED),
            models.UniqueConstraint(fields=["order", "mac_address"], condition=~Q(mac_address=""),
                                    name="order_user_mac_unique_in_order"),
            models.UniqueConstraint(fields=["customer", "extension"], condition=Q(is_live=True),
                                    name="user_extension_unique_in_group"),
            models.UniqueConstraint(fields=["user_id"], condition=Q(is_live=True),
                                    name="user_id_unique"),
            models.UniqueConstraint(fields=["number"],
                                    condition=Q(is_live=True, number__isnull=False),
                                    name="user_number_unique"),
            models.UniqueConstraint(fields=["mac_address"],
                                    condition=Q(is_live=True) & ~Q(mac_address=""),
                                    name="user_mac_unique"),
            models.CheckConstraint(condition=Q(extension__regex=EXTENSION_PATTERN),
                                   name="user_extension_digits"),
            models.CheckConstraint(condition=Q(mac_address__regex=MAC_PATTERN),
                                   name="user_mac_12_hex"),
            models.CheckConstraint(condition=~Q(first_name="") & ~Q(last_name=""),
                                   name="user_names_not_empty"),
            models.CheckConstraint(condition=Q(position__gte=1), name="user_position_from_1"),
            models.CheckConstraint(condition=Q(mac_address="") | ~Q(device_type=""),
                                   name="user_mac_has_device_type"),
            models.CheckConstraint(
                condition=Q(is_live=False) | (Q(customer__isnull=False) & ~Q(user_id="")),
                name="user_live_has_group_and_id"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.extension})"

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def device_label(self) -> str:
        return DEVICE_TYPE_LABELS.get(self.device_type, self.device_type)

    @property
    def mac_display(self) -> str:
        mac = self.mac_address
        return ":".join(mac[i:i + 2] for i in range(0, len(mac), 2)) if mac else ""


class ChangeRemoval(models.Model):
    """What a change order takes away besides packages: a number the customer gives back, or
    a user it removes (with the user's phone). Provisioning deletes them from BroadWorks on
    the effective date; on completion the number ages in quarantine and the user stops being
    live (``orion.users.removals``)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="removals")
    number = models.ForeignKey(DID, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", help_text="A number given back.")
    user = models.ForeignKey(OrderUser, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="removals", help_text="A user removed.")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(number__isnull=False) & Q(user__isnull=True))
                | (Q(number__isnull=True) & Q(user__isnull=False)),
                name="change_removal_number_or_user"),
            models.UniqueConstraint(fields=["order", "number"], condition=Q(number__isnull=False),
                                    name="change_removal_number_once"),
            models.UniqueConstraint(fields=["order", "user"], condition=Q(user__isnull=False),
                                    name="change_removal_user_once"),
        ]

    def __str__(self) -> str:
        return f"{self.order}: remove {self.number or self.user}"
