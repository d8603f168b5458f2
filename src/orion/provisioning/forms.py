"""The trunking page's form: labels and widgets only; the rules are in ``trunk``."""

from __future__ import annotations

from django import forms

from orion.provisioning.models import TrunkAuthentication, TrunkTransport

LABELS = {
    "call_paths": "Call paths (simultaneous calls)",
    "pbx_addresses": "PBX/SBC addresses",
    "authentication": "Authentication type",
    "sip_username": "SIP user name",
    "sip_password": "SIP password",
    "failover_number": "Failover number",
    "transport": "Transport",
}


class TrunkFactsForm(forms.Form):
    call_paths = forms.CharField(
        label=LABELS["call_paths"], max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text="1 to 9,999: how many calls the trunk carries at once.")
    pbx_addresses = forms.CharField(
        label=LABELS["pbx_addresses"], max_length=800,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="IP addresses or host names of the PBX or SBC, one per line.")
    authentication = forms.ChoiceField(
        label=LABELS["authentication"],
        choices=[("", "— choose —"), *TrunkAuthentication.choices])
    sip_username = forms.CharField(
        label=LABELS["sip_username"], max_length=80, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="Registration only: the user name the PBX registers with.")
    sip_password = forms.CharField(
        label=LABELS["sip_password"], max_length=60, required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=False),
        help_text="Registration only: 8 to 60 characters. Left empty, a saved password is kept.")
    failover_number = forms.CharField(
        label=LABELS["failover_number"], max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text="10 digits (NPA NXX XXXX): where calls go when the trunk is down.")
    transport = forms.ChoiceField(
        label=LABELS["transport"], required=False,
        choices=[("", "— any (operations choose) —"), *TrunkTransport.choices])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name in ("call_paths", "pbx_addresses", "authentication", "failover_number"):
            self.fields[name].widget.attrs["aria-required"] = "true"
