"""Orders: a draft that the order form edits, its package lines, and its state history."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from orion.accounts.models import Customer, Enterprise, Partner, ServiceType, Viewer
from orion.audit.models import REASON_MAX_LENGTH
from orion.catalog.models import ChargeType, Package
from orion.orders.states import OrderState

# --- the order form's limits and field lists, defined once ------------------------------------
# The database constraint, the services, the form, the API schemas (``le=``/``max_length``) and
# the templates read these; tests/orders/test_limits.py proves they agree.

# Most of one package on one order line (1-9,999).
MAX_QUANTITY = 9999

# The source document's "Customer Information" (field -> label, in form order): what an order
# that creates its customer asks for; Save Order copies it onto the order and into the new
# Customer.
CUSTOMER_INFORMATION: dict[str, str] = {
    "company_name": "Company name",
    "address_line1": "Address",
    "address_line2": "Address line 2",
    "city": "City",
    "state_code": "State",
    "zip_code": "ZIP",
    "contact_name": "Contact name",
    "contact_phone": "Phone",
    "contact_email": "E-mail",
}
# The rest of what a new customer needs (the form's "Service" box), field -> label.
CUSTOMER_SERVICE: dict[str, str] = {
    "domain": "Domain name",
    "time_zone": "Time Zone",
    "service_type": "Service type",
}
# Everything an order that creates its customer carries about that customer.
ACCOUNT_FIELDS: dict[str, str] = {**CUSTOMER_INFORMATION, **CUSTOMER_SERVICE}
# What Save Order requires of an order that creates its customer (a new enterprise's order
# requires ``enterprise_name`` as well). Address line 2 and the domain are optional; the
# service type defaults to hosted.
ACCOUNT_REQUIRED: tuple[str, ...] = (
    "company_name", "address_line1", "city", "state_code", "zip_code", "contact_name",
    "contact_phone", "contact_email", "time_zone",
)
ENTERPRISE_NAME_LABEL = "Enterprise name"


class OrderKind(models.TextChoices):
    NEW_ENTERPRISE = "new_enterprise", "New enterprise"
    NEW_CUSTOMER = "new_customer", "New customer in an existing enterprise"
    ADD_SERVICES = "add_services", "Add services to an existing customer"
    # Day two (TMF622 order item actions modify and delete): an existing customer's packages,
    # numbers and users change, or the customer leaves. Both take effect on ``effective_date``.
    CHANGE = "change", "Change services of an existing customer"
    DISCONNECT = "disconnect", "Disconnect an existing customer"


# The kinds that act on a customer that already exists (and so must name it).
EXISTING_CUSTOMER_KINDS: tuple[str, ...] = (
    OrderKind.ADD_SERVICES, OrderKind.CHANGE, OrderKind.DISCONNECT)
# The day-two kinds: one open at a time per customer, effective on a date.
DAY_TWO_KINDS: tuple[str, ...] = (OrderKind.CHANGE, OrderKind.DISCONNECT)
# Longest disconnect reason (what the audit log keeps too).
DISCONNECT_REASON_MAX_LENGTH = 200


class OrderQuerySet(models.QuerySet["Order"]):
    def visible_to(self, user: Viewer) -> OrderQuerySet:
        if user.is_provider_staff:
            return self
        if not user.is_authenticated or user.partner_id is None:
            return self.none()
        return self.filter(partner_id=user.partner_id)

    def placed(self) -> OrderQuerySet:
        return self.exclude(state=OrderState.DRAFT)


class Order(models.Model):
    """One order of the order form. A draft until Save Order, then numbered and immutable.

    The customer-information fields hold what the form entered; Save Order creates the
    enterprise and customer from them when the order is for new ones.
    """

    # For the templates (``{{ order.REASON_MAX_LENGTH }}``): the reason inputs' maxlength.
    REASON_MAX_LENGTH = REASON_MAX_LENGTH

    number = models.CharField(max_length=20, unique=True, null=True, blank=True)
    kind = models.CharField(max_length=16, choices=OrderKind.choices)
    state = models.CharField(max_length=16, choices=OrderState.choices,
                             default=OrderState.DRAFT, db_index=True)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="orders")
    enterprise = models.ForeignKey(Enterprise, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="orders")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="orders")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="orders")
    # Set when provider staff start the order for the partner ("act for a partner"): the order
    # is the partner's (``partner``, its accounts, its numbers) and says who placed it for them.
    placed_by_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name="placed on behalf of the partner by",
        help_text="The provider staff user who started this order for the partner.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(
        null=True, blank=True, help_text="When the order's services went live (completed).")

    # What the order form entered.
    enterprise_name = models.CharField(max_length=80, blank=True)
    company_name = models.CharField(max_length=80, blank=True)
    address_line1 = models.CharField(max_length=80, blank=True)
    address_line2 = models.CharField(max_length=80, blank=True)
    city = models.CharField(max_length=50, blank=True)
    state_code = models.CharField("state", max_length=2, blank=True)
    zip_code = models.CharField(max_length=10, blank=True)
    contact_name = models.CharField(max_length=80, blank=True)
    contact_phone = models.CharField(max_length=20, blank=True)
    contact_email = models.EmailField(max_length=254, blank=True)
    domain = models.CharField(max_length=80, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    service_type = models.CharField(max_length=10, choices=ServiceType.choices,
                                    default=ServiceType.HOSTED)
    billing_start_date = models.DateField(null=True, blank=True)
    # "On port completion": the Billing Start Date above is the expected port date, replaced
    # by the day the order's last port completes (issue 18; the partner may still move it
    # until the service is activated).
    billing_start_on_port = models.BooleanField(
        "billing starts on port completion", default=False, db_default=False)
    # The service is live only once something outside Orion is ready (a circuit, the
    # customer's PBX): provisioning does not activate the order; the partner or staff mark
    # it live (``order_mark_live``).
    awaiting_turn_up = models.BooleanField(
        "awaiting turn-up", default=False, db_default=False,
        help_text="A circuit or the customer's PBX must be ready before the service is live.")
    notes = models.TextField(blank=True, max_length=4000)
    # Change and disconnect orders: the day their changes take effect in BroadWorks and in
    # billing (today or later; the provisioning job is deferred to it).
    effective_date = models.DateField(null=True, blank=True)
    # Disconnect orders: why the customer leaves, and whether the enterprise goes too when
    # this is its last customer.
    disconnect_reason = models.CharField(max_length=DISCONNECT_REASON_MAX_LENGTH, blank=True)
    remove_enterprise = models.BooleanField(default=False, db_default=False)
    # Counts the draft's saved edits of its details (autosave): a write that names an older
    # version comes from a tab that has not seen the latest edit and is refused, never merged.
    version = models.PositiveIntegerField(default=1, db_default=1)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=EXISTING_CUSTOMER_KINDS) | Q(customer__isnull=False),
                name="order_existing_customer_kinds_have_customer"),
            # Day-two orders are saved with the date they take effect.
            models.CheckConstraint(
                condition=~Q(kind__in=DAY_TWO_KINDS) | Q(state="draft")
                | Q(effective_date__isnull=False),
                name="order_day_two_placed_has_effective_date"),
            # One open change or disconnect per customer: it waits for the ones before it to
            # finish (or be cancelled) before another can be saved.
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(kind__in=DAY_TWO_KINDS)
                & ~Q(state__in=["draft", "completed", "cancelled"]),
                name="order_one_open_day_two_per_customer"),
            models.CheckConstraint(
                condition=~Q(kind="new_customer") | Q(enterprise__isnull=False),
                name="order_new_customer_has_enterprise"),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(number__isnull=False, enterprise__isnull=False,
                                               customer__isnull=False,
                                               billing_start_date__isnull=False),
                name="order_placed_is_complete"),
            # Staff act for a partner themselves: the one who placed it is the one who started it.
            models.CheckConstraint(
                condition=Q(placed_by_staff__isnull=True) | Q(placed_by_staff=F("created_by")),
                name="order_placed_by_staff_is_creator"),
        ]
        indexes = [models.Index(fields=["partner", "-created_at"], name="order_partner_recent")]

    def __str__(self) -> str:
        return self.number or f"Draft {self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.state == OrderState.DRAFT

    @property
    def creates_account(self) -> bool:
        return self.kind in (OrderKind.NEW_ENTERPRISE, OrderKind.NEW_CUSTOMER)

    @property
    def on_behalf_of_partner(self) -> bool:
        """Started by provider staff for the partner (shown on the order and its form)."""
        return self.placed_by_staff_id is not None

    @property
    def account_name(self) -> str:
        if self.customer is not None:
            return self.customer.name
        return self.company_name or "(new customer)"


class OrderLine(models.Model):
    """A package on an order, with the charge and price frozen when the order is saved."""

    MAX_QUANTITY = MAX_QUANTITY  # for the templates: the quantity input's max

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(default=1)
    # Change orders: the quantity the customer had before this order (0: a package it adds).
    # ``quantity`` is then the new quantity, 0 when the change removes the package. Orders of
    # the other kinds leave it 0.
    previous_quantity = models.PositiveIntegerField(default=0, db_default=0)
    charge_type = models.CharField(max_length=3, choices=ChargeType.choices)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    included_dids = models.PositiveSmallIntegerField(default=0)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["package__order_type__sort_order", "package__sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "package"], name="order_line_one_per_package"),
            # 0 only on a change order's line that removes a package it had.
            models.CheckConstraint(
                condition=(Q(quantity__gte=1) | Q(previous_quantity__gte=1))
                & Q(quantity__lte=MAX_QUANTITY) & Q(previous_quantity__lte=MAX_QUANTITY),
                name=f"order_line_quantity_0_to_{MAX_QUANTITY}"),
            models.CheckConstraint(condition=Q(unit_price__gte=0),
                                   name="order_line_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.package}"

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


class OrderStateChange(models.Model):
    """History: every state change of an order, who made it and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="state_changes")
    from_state = models.CharField(max_length=16, choices=OrderState.choices)
    to_state = models.CharField(max_length=16, choices=OrderState.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=REASON_MAX_LENGTH, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.order}: {self.from_state} -> {self.to_state}"
