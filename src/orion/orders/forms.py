"""The order form's fields. Validation is the shared validators of accounts; the form only
adapts them to Django's field errors and builds an ``OrderDetails`` for ``order_save``."""

from __future__ import annotations

from datetime import date

from django import forms

from orion.accounts import validators as v
from orion.accounts.models import ServiceType
from orion.broadworks import schema
from orion.orders.models import Order, OrderKind
from orion.orders.services import (
    OrderDetails,
    billing_start_date_problem,
    order_required_fields,
)


class OrderDetailsForm(forms.Form):
    billing_start_date = forms.DateField(
        label="Billing Start Date", widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Today or later. Can be changed until the service is activated.")
    enterprise_name = forms.CharField(label="Enterprise name", required=False, max_length=400)
    company_name = forms.CharField(label="Company name", required=False, max_length=400)
    address_line1 = forms.CharField(label="Address", required=False, max_length=400)
    address_line2 = forms.CharField(label="Address line 2", required=False, max_length=400)
    city = forms.CharField(required=False, max_length=400)
    state_code = forms.CharField(label="State", required=False, max_length=20)
    zip_code = forms.CharField(label="ZIP", required=False, max_length=20)
    contact_name = forms.CharField(label="Contact name", required=False, max_length=400)
    contact_phone = forms.CharField(label="Phone", required=False, max_length=40)
    contact_email = forms.CharField(label="E-mail", required=False, max_length=400)
    domain = forms.CharField(label="Domain name", required=False, max_length=400,
                             help_text='For example acme.com - without "www."')
    time_zone = forms.CharField(label="Time Zone", required=False, max_length=100)
    service_type = forms.ChoiceField(label="Service type", choices=ServiceType.choices,
                                     initial=ServiceType.HOSTED, required=False)
    notes = forms.CharField(
        label="Notes", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Special provisioning: IP fax, e-mail addresses, numbers that are porting, "
                  "numbers for Smart Record.")

    ACCOUNT_FIELDS = ("company_name", "address_line1", "address_line2", "city", "state_code",
                      "zip_code", "contact_name", "contact_phone", "contact_email", "domain",
                      "time_zone", "service_type")

    def __init__(self, *args: object, order: Order, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.order = order
        if order.kind != OrderKind.NEW_ENTERPRISE:
            del self.fields["enterprise_name"]
        if not order.creates_account:
            for name in self.ACCOUNT_FIELDS:
                del self.fields[name]
        else:
            for name in order_required_fields(kind=order.kind):
                self.fields[name].required = True
                self.fields[name].widget.attrs["required"] = "required"
            self.fields["time_zone"].widget.attrs["list"] = "time-zones"
            self.fields["time_zone"].widget.attrs["autocomplete"] = "off"
        self.fields["billing_start_date"].widget.attrs["required"] = "required"

    def _text(self, name: str, label: str, max_length: int, required: bool = False) -> str:
        """A one-line field a person types: NFC, no control or invisible format characters."""
        return v.clean_name(self.cleaned_data.get(name, ""), max_length=max_length, label=label,
                            required=required)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        value = cleaned.get("billing_start_date")
        if isinstance(value, date):
            tz = cleaned.get("time_zone") or (
                self.order.customer.time_zone if self.order.customer_id else "")
            problem = billing_start_date_problem(value, time_zone=str(tz or ""))
            if problem:
                self.add_error("billing_start_date", problem)
        return cleaned

    def clean_enterprise_name(self) -> str:
        return self._text("enterprise_name", "Enterprise name", 80, True)

    def clean_company_name(self) -> str:
        return self._text("company_name", "Company name", 80, True)

    def clean_address_line1(self) -> str:
        return self._text("address_line1", "Address", 80, True)

    def clean_address_line2(self) -> str:
        return self._text("address_line2", "Address line 2", 80)

    def clean_city(self) -> str:
        return self._text("city", "City", 50, True)

    def clean_state_code(self) -> str:
        return v.normalize_state(self.cleaned_data.get("state_code", ""))

    def clean_zip_code(self) -> str:
        return v.normalize_zip(self.cleaned_data.get("zip_code", ""))

    def _broadworks_text(self, name: str, label: str, ocip_type: str) -> str:
        """A field BroadWorks stores with a shorter limit than people expect: say so here.

        The limit comes from the R25 schema table; a longer value would fail the order at
        the group step (``[Error 6004]``).
        """
        limit = schema.max_length(ocip_type)
        try:
            return self._text(name, label, limit, True)
        except forms.ValidationError as exc:
            if exc.code != "max_length":
                raise
            raise forms.ValidationError(
                f"{exc.messages[0]} BroadWorks keeps at most {limit} characters for this.",
                code="max_length") from None

    def clean_contact_name(self) -> str:
        return self._broadworks_text("contact_name", "Contact name", "Contact.contactName")

    def clean_contact_phone(self) -> str:
        return v.normalize_phone(self.cleaned_data.get("contact_phone", ""))

    def clean_contact_email(self) -> str:
        value = self._broadworks_text("contact_email", "E-mail", "EmailAddress")
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
        return v.clean_text(text, max_length=4000, label="Notes", required=False)

    def details(self) -> OrderDetails:
        data = {k: val for k, val in self.cleaned_data.items() if k in OrderDetails.__annotations__}
        return OrderDetails(**data)
