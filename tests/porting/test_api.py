"""The port API: the same services as the pages; the PIN is write-only."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from django.test import Client
from django.utils import timezone

from orion.api.services import token_create
from orion.porting.businessdays import add_business_days, federal_holidays
from orion.porting.services import earliest_port_date
from tests.api.conftest import ApiClient
from tests.porting.factories import pdf_bytes


def _body(customer_id: int, **overrides: object) -> dict:
    body = {"customer_id": customer_id, "numbers": ["2125550100-2125550102", "2125550150"],
            "losing_carrier": "Verizon", "account_number": "ACC-1", "pin": "API5566",
            "billing_telephone_number": "2125550100", "address_line1": "1 Main Street",
            "city": "New York", "region": "NY", "zip_code": "10001",
            "authorized_name": "Pat Doe", "authorized_title": "Owner",
            "desired_date": str(earliest_port_date())}
    body.update(overrides)
    return body


def _upload(user, port_id: int, content: bytes):
    secret = token_create(user=user, name="upload").secret
    return Client().post(f"/api/v1/ports/{port_id}/loa", {"file": _named(content)},
                         headers={"Authorization": f"Bearer {secret}"})


def _named(content: bytes):
    from io import BytesIO

    handle = BytesIO(content)
    handle.name = "loa.pdf"
    return handle


@pytest.mark.django_db
def test_create_attach_submit_and_staff_moves(tenant_a, staff):
    api = ApiClient(tenant_a.user)
    created = api.post("/ports", _body(tenant_a.customer.pk))
    assert created.status_code == 201, created.content
    port = created.json()
    assert port["numbers"] == ["+12125550100", "+12125550101", "+12125550102", "+12125550150"]
    assert port["pin_hint"] == "••••66" and "API5566" not in created.content.decode()
    refused = api.post(f"/ports/{port['id']}/submit")
    assert refused.status_code == 422
    assert "signed letter of authorization" in refused.json()["message"]
    assert _upload(tenant_a.user, port["id"], b"not a pdf").status_code == 422
    attached = _upload(tenant_a.user, port["id"], pdf_bytes())
    assert attached.status_code == 200 and attached.json()["loa_attached"]
    assert api.post(f"/ports/{port['id']}/submit").json()["state"] == "submitted"
    # Staff's moves are a 404 for the partner, as for a request it cannot see.
    assert api.post(f"/ports/{port['id']}/pending", {}).status_code == 404
    ops = ApiClient(staff)
    assert ops.post(f"/ports/{port['id']}/pending", {"reason": "sent"}).json()["state"] == \
        "pending"
    foc = timezone.make_aware(datetime.combine(add_business_days(timezone.localdate(), 2),
                                               time(10, 0)))
    scheduled = ops.post(f"/ports/{port['id']}/schedule", {"foc_at": foc.isoformat()})
    assert scheduled.json()["state"] == "scheduled", scheduled.content
    assert api.post(f"/ports/{port['id']}/cancel", {}).status_code == 422  # scheduled
    rejected = ops.post(f"/ports/{port['id']}/reject", {"reason": "Name mismatch"})
    assert rejected.json()["rejection_reason"] == "Name mismatch"
    listed = api.get("/ports").json()
    assert [i["id"] for i in listed["items"]] == [port["id"]]
    assert "API5566" not in str(listed) and "API5566" not in api.get(
        f"/ports/{port['id']}").content.decode()


@pytest.mark.django_db
def test_refusals_name_the_field_and_the_number(tenant_a):
    api = ApiClient(tenant_a.user)
    api.post("/ports", _body(tenant_a.customer.pk))
    taken = api.post("/ports", _body(tenant_a.customer.pk, numbers=["2125550101"]))
    assert taken.status_code == 422
    assert "212-555-0101 is already in open port request" in taken.json()["message"]
    thanksgiving = min(d for year in (0, 1)
                       for d, name in federal_holidays(timezone.localdate().year + year).items()
                       if name == "Thanksgiving Day" and d > earliest_port_date())
    holiday = api.post("/ports", _body(tenant_a.customer.pk, numbers=["2125550160"],
                                       desired_date=str(thanksgiving)))
    assert holiday.status_code == 422 and "federal holiday" in holiday.json()["message"]


@pytest.mark.django_db
def test_dates_at_the_ends_of_the_calendar_are_refused_not_errors(tenant_a, staff):
    api = ApiClient(tenant_a.user)
    for desired in ("9999-12-31", "0001-01-01", "2099-06-01"):
        answer = api.post("/ports", _body(tenant_a.customer.pk, desired_date=desired))
        assert answer.status_code == 422, (desired, answer.content)
    port = api.post("/ports", _body(tenant_a.customer.pk)).json()
    from orion.porting.models import PortRequest

    PortRequest.objects.filter(pk=port["id"]).update(state="pending", loa_file="x.pdf")
    ops = ApiClient(staff)
    for foc in ("9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"):
        answer = ops.post(f"/ports/{port['id']}/schedule", {"foc_at": foc})
        assert answer.status_code == 422 and answer.json()["message"], (foc, answer.content)
    assert api.get("/ports", state="bogus").status_code == 200  # an unknown state: ignored
