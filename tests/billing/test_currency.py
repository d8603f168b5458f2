"""Money shows with its currency everywhere (issue 15, item 10): the order form's lines and
totals, the package list, the billing tab, the trunking PDF and the exports, in the
installation's currency (``ORION_CURRENCY``)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.utils import timezone

from orion.core.money import format_money
from orion.orders.models import OrderKind
from tests.provisioning.helpers import place_order


@pytest.mark.parametrize(("amount", "code", "shown"), [
    (Decimal("1234.5"), "USD", "$1,234.50"), (Decimal("0"), "USD", "$0.00"),
    (Decimal("-5"), "USD", "-$5.00"), (Decimal("24.955"), "USD", "$24.96"),
    (Decimal("1234567.891"), "EUR", "EUR 1,234,567.89"), ("n/a", "USD", "n/a")])
def test_amounts_read_with_their_currency(amount, code, shown):
    assert format_money(amount, code=code) == shown


def test_the_template_filter_follows_the_setting(settings):
    settings.ORION_CURRENCY = "CAD"
    rendered = Template("{% load money %}{{ x|money }} {% currency %}").render(
        Context({"x": Decimal("9.5")}))
    assert rendered == "CAD 9.50 CAD"


@pytest.mark.django_db
def test_pages_show_every_amount_with_the_currency(client, tenant_a, settings):
    settings.ORION_CURRENCY = "EUR"
    order = place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                        customer=tenant_a.customer,
                        packages={"Enterprise Standard": 60, "Broadsoft Provisioning Fee": 1})
    client.force_login(tenant_a.user)
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'id="mrc-total">EUR 1,497.00<' in page  # 60 x 24.95
    assert "EUR 24.95" in page and "EUR 25.00" in page and "$" not in page.split("<main")[1]
    billing = client.get(f"/customers/{tenant_a.customer.pk}/billing/").content.decode()
    assert 'id="monthly-recurring">EUR 1,497.00<' in billing


@pytest.mark.django_db
def test_exports_name_the_currency(tenant_a, capsys, settings):
    place_order(user=tenant_a.user, kind=OrderKind.ADD_SERVICES, customer=tenant_a.customer,
                packages={"Power User": 1})
    month = timezone.localdate().strftime("%Y-%m")
    call_command("billing", "export", "--month", month, "--dry-run")
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr()[0])))
    assert rows and all(r["currency"] == "USD" for r in rows)
    settings.ORION_CURRENCY = "EUR"
    call_command("billing", "export", "--month", month, "--format", "json", "--dry-run")
    assert json.loads(capsys.readouterr()[0])["currency"] == "EUR"
