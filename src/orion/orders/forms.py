"""The order form's fields. Validation is the shared validators of accounts; the form only
adapts them to Django's field errors and builds an ``OrderDetails`` for ``order_save``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db import models

from orion.accounts import validators as v
from orion.accounts.models import ServiceType
from orion.accounts.selectors import DuplicateAccount
from orion.broadworks import schema
from orion.orders.changes import effective_date_problem
from orion.orders.models import (
    ACCOUNT_FIELDS,
    CUSTOMER_INFORMATION,
    ENTERPRISE_NAME_LABEL,
    Order,
    OrderKind,
)
from orion.orders.services import (
    OrderDetails,
    billing_start_date_problem,
    order_required_fields,
)


def _stored_length(name: str) -> int:
    """The column's length on ``Order``: what the cleaned value may be at most."""
    field = Order._meta.get_field(name)
    assert isinstance(field, models.Field) and field.max_length is not None  # a text column
    return field.max_length


class OrderDetailsForm(forms.Form):
    """The order form's details. Labels and stored lengths come from ``orion.orders.models``
    (``ACCOUNT_FIELDS``, the ``Order`` columns); the ``max_length`` on each field is only a
    first bound on what is read, before the cleaning below enforces the stored length."""

    billing_start_date = forms.DateField(
        label="Billing Start Date", widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Today or later. Can be changed until the service is activated.")
    billing_start_on_port = forms.BooleanField(
        label="On port completion", required=False,
        help_text="Numbers are porting in: billing starts the day the last port completes "
                  "(the date above is the expected one).")
    awaiting_turn_up = forms.BooleanField(
        label="Awaiting turn-up: a circuit or the customer's PBX", required=False,
        help_text="The service is live only when you (or operations) mark it live on the "
                  "order page.")
    # Change orders: the day the change takes effect in BroadWorks and billing (it replaces
    # the Billing Start Date on their form).
    effective_date = forms.DateField(
        label="Effective date", widget=forms.DateInput(attrs={"type": "date"}), required=False,
        help_text="Today or later, in the customer's time zone. The change is made in "
                  "BroadWorks on that day, and billed from it.")
    enterprise_name = forms.CharField(label=ENTERPRISE_NAME_LABEL, required=False,
                                      max_length=400)
    company_name = forms.CharField(label=ACCOUNT_FIELDS["company_name"], required=False,
                                   max_length=400)
    address_line1 = forms.CharField(label=ACCOUNT_FIELDS["address_line1"], required=False,
                                    max_length=400)
    address_line2 = forms.CharField(label=ACCOUNT_FIELDS["address_line2"], required=False,
                                    max_length=400)
    city = forms.CharField(label=ACCOUNT_FIELDS["city"], required=False, max_length=400)
    state_code = forms.CharField(label=ACCOUNT_FIELDS["state_code"], required=False,
                                 max_length=20)
    zip_code = forms.CharField(label=ACCOUNT_FIELDS["zip_code"], required=False, max_length=20)
    contact_name = forms.CharField(label=ACCOUNT_FIELDS["contact_name"], required=False,
                                   max_length=400)
    contact_phone = forms.CharField(label=ACCOUNT_FIELDS["contact_phone"], required=False,
                                    max_length=40)
    contact_email = forms.CharField(label=ACCOUNT_FIELDS["contact_email"], required=False,
                                    max_length=400)
    domain = forms.CharField(label=ACCOUNT_FIELDS["domain"], required=False, max_length=400,
                             help_text='For example acme.com - without "www."')
    time_zone = forms.CharField(label=ACCOUNT_FIELDS["time_zone"], required=False,
                                max_length=100)
    service_type = forms.ChoiceField(label=ACCOUNT_FIELDS["service_type"],
                                     choices=ServiceType.choices, initial=ServiceType.HOSTED,
                                     required=False)
    notes = forms.CharField(
        label="Notes", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Special provisioning: IP fax, e-mail addresses, numbers that are porting, "
                  "numbers for Smart Record.")

    # The draft's version the page was rendered from (see ``orion.orders.drafts``): Save Order
    # and autosave from a page that missed a later edit are refused.
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    # Shown with the refusal when numbers of the draft were released (their reservation ran out).
    save_without_released = forms.BooleanField(label="Save without them", required=False)

    # Shown with the refusal when a new customer's or enterprise's name is that of an active
    # account of the partner (``order_save``); not an account field (``ACCOUNT_FIELDS``).
    confirm_duplicate = forms.BooleanField(label="This is a different customer, save anyway",
                                           required=False)

    def __init__(self, *args: Any, order: Order, autosave: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order = order
        self.autosave = autosave
        self.stale = False  # the template offers a reload link when True
        self.package_errors: list[str] = []  # Save Order's refusals about the lines
        self.removal_errors: list[str] = []  # a change's, about numbers and users
        self.released: list[str] = []  # numbers released meanwhile (Save Order asks first)
        self.duplicate: DuplicateAccount | None = None  # set by the page when Save Order refuses
        # What the draft holds (autosaved) is what the form shows, after a refresh too.
        for name in ("enterprise_name", *ACCOUNT_FIELDS, "notes", "billing_start_on_port",
                     "awaiting_turn_up"):
            value = getattr(order, name)
            if value:
                self.initial.setdefault(name, value)
        self.initial["version"] = order.version
        if order.kind != OrderKind.NEW_ENTERPRISE:
            del self.fields["enterprise_name"]
        if not order.creates_account:
            for name in ACCOUNT_FIELDS:
                del self.fields[name]
            del self.fields["confirm_duplicate"]
        else:
            for name in order_required_fields(kind=order.kind):
                self.fields[name].required = True
                self.fields[name].widget.attrs["required"] = "required"
            self.fields["time_zone"].widget.attrs["list"] = "time-zones"
            self.fields["time_zone"].widget.attrs["autocomplete"] = "off"
        if order.kind == OrderKind.CHANGE:
            # A change bills from its effective date: one date, not two.
            del self.fields["billing_start_date"]
            self.fields["effective_date"].required = True
            self.fields["effective_date"].widget.attrs["required"] = "required"
            if order.effective_date:
                self.initial.setdefault("effective_date", order.effective_date)
        else:
            del self.fields["effective_date"]
            self.fields["billing_start_date"].widget.attrs["required"] = "required"

    @property
    def customer_information(self) -> list[forms.BoundField]:
        """The "Customer Information" box of the page, in ``CUSTOMER_INFORMATION`` order."""
        return [self[name] for name in CUSTOMER_INFORMATION if name in self.fields]

    def _text(self, name: str, max_length: int | None = None, required: bool = False) -> str:
        """A one-line field a person types: NFC, no control or invisible format characters,
        at most as long as its column (or ``max_length``, when BroadWorks keeps less)."""
        return v.clean_name(self.cleaned_data.get(name, ""),
                            max_length=max_length or _stored_length(name),
                            label=str(self.fields[name].label), required=required)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean returns cleaned_data
        if not self.autosave:
            self._check_draft_version(cleaned.get("version"))
            self._check_released_numbers(bool(cleaned.get("save_without_released")))
        value = cleaned.get("billing_start_date")
        if isinstance(value, date):
            tz = cleaned.get("time_zone") or (
                self.order.customer.time_zone if self.order.customer is not None else "")
            problem = billing_start_date_problem(value, time_zone=str(tz or ""))
            if problem:
                self.add_error("billing_start_date", problem)
        effective = cleaned.get("effective_date")
        if isinstance(effective, date) and self.order.customer is not None:
            problem = effective_date_problem(effective,
                                             time_zone=self.order.customer.time_zone)
            if problem:
                self.add_error("effective_date", problem)
        return cleaned

    def _check_draft_version(self, version: object) -> None:
        from orion.orders.drafts import order_draft_check_version
        from orion.orders.exceptions import StaleDraft

        try:
            order_draft_check_version(order=self.order,
                                      version=version if isinstance(version, int) else None)
        except StaleDraft as exc:
            self.stale = True
            self.add_error(None, exc.message)

    def _check_released_numbers(self, confirmed: bool) -> None:
        """Numbers the draft had and lost (the reservation ran out) stop Save Order until the
        partner re-selects them or ticks "Save without them": saving silently lost them.
        Save Order checks again under the draft's lock (``NumbersReleased``)."""
        from orion.numbers import conf
        from orion.numbers.nanp import display
        from orion.numbers.services import order_numbers_released
        from orion.orders.exceptions import NumbersReleased

        self.released = order_numbers_released(order=self.order)
        if not self.released or confirmed:
            return
        refusal = NumbersReleased(self.released, shown=[display(e) for e in self.released],
                                  minutes=conf.reservation_minutes())
        self.add_error(None, refusal.errors["save_without_released"][0])

    def clean_enterprise_name(self) -> str:
        return self._text("enterprise_name", required=True)

    def clean_company_name(self) -> str:
        return self._text("company_name", required=True)

    def clean_address_line1(self) -> str:
        return self._text("address_line1", required=True)

    def clean_address_line2(self) -> str:
        return self._text("address_line2")

    def clean_city(self) -> str:
        return self._text("city", required=True)

    def clean_state_code(self) -> str:
        return v.normalize_state(self.cleaned_data.get("state_code", ""))

    def clean_zip_code(self) -> str:
        return v.normalize_zip(self.cleaned_data.get("zip_code", ""))

    def _broadworks_text(self, name: str, ocip_type: str) -> str:
        """A field BroadWorks stores with a shorter limit than people expect: say so here.

        The limit comes from the R25 schema table; a longer value would fail the order at
        the group step (``[Error 6004]``).
        """
        limit = schema.max_length(ocip_type)
        try:
            return self._text(name, limit, required=True)
        except forms.ValidationError as exc:
            if exc.code != "max_length":
                raise
            raise forms.ValidationError(
                f"{exc.messages[0]} BroadWorks keeps at most {limit} characters for this.",
                code="max_length") from None

    def clean_contact_name(self) -> str:
        return self._broadworks_text("contact_name", "Contact.contactName")

    def clean_contact_phone(self) -> str:
        return v.normalize_phone(self.cleaned_data.get("contact_phone", ""))

    def clean_contact_email(self) -> str:
        value = self._broadworks_text("contact_email", "EmailAddress")
        forms.EmailField().clean(value)
        return value.lower()

    def clean_domain(self) -> str:
        value = (self.cleaned_data.get("domain") or "").strip()
        return v.normalize_domain(value) if value else ""

    def clean_time_zone(self) -> str:
        return v.validate_time_zone(self.cleaned_data.get("time_zone", ""))

    def clean_service_type(self) -> str:
        return self.cleaned_data.get("service_type") or ServiceType.HOSTED

    def clean_notes(self) -> str:
        text = self.cleaned_data.get("notes", "")
        text = text.replace("\r\n", "\n")
        return v.clean_text(text, max_length=_stored_length("notes"), label="Notes",
                            required=False)

    def details(self) -> OrderDetails:
        data = {k: val for k, val in self.cleaned_data.items() if k in OrderDetails.__annotations__}
        if self.order.kind == OrderKind.CHANGE:
            data["billing_start_date"] = data.get("effective_date")
        return OrderDetails(**data)
