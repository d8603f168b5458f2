"""The webhooks API: the same services as the page (create with the secret once, list, ping,
deliveries, rotate, modify, delete), refusals per field, read-only for provider staff."""

from __future__ import annotations

import pytest

from orion.webhooks.models import Endpoint
from orion.webhooks.signing import signature_verify
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_create_list_ping_deliveries_rotate_modify_delete(tenant_a, receiver):
    api = ApiClient(tenant_a.user)
    made = api.post("/webhooks/endpoints", {"url": receiver.url,
                                            "events": ["order.state_changed"]})
    assert made.status_code == 201, made.content
    assert "no-store" in made["Cache-Control"]
    body = made.json()
    endpoint = Endpoint.objects.get(pk=body["id"])
    assert body["secret"] == endpoint.secret and body["events"] == ["order.state_changed"]
    assert body["secret_hint"] == endpoint.secret[:10] + "…"

    listed = api.get("/webhooks/endpoints").json()
    assert [i["id"] for i in listed["items"]] == [endpoint.pk]
    assert "secret" not in listed["items"][0]

    receiver.answer(500, b"boom")
    ping = api.post(f"/webhooks/endpoints/{endpoint.pk}/ping").json()
    assert (ping["event"], ping["status"], ping["response_code"]) == ("ping", "failed", 500)
    signature_verify(secret=endpoint.secret, headers=receiver.received[0].headers,
                     body=receiver.received[0].body)
    deliveries = api.get(f"/webhooks/endpoints/{endpoint.pk}/deliveries").json()
    assert [(d["event"], d["response_code"], d["attempts"]) for d in deliveries["items"]] == [
        ("ping", 500, 1)]

    rotated = api.post(f"/webhooks/endpoints/{endpoint.pk}/rotate-secret")
    assert rotated.status_code == 200 and "no-store" in rotated["Cache-Control"]
    assert rotated.json()["secret"] == Endpoint.objects.get(pk=endpoint.pk).secret
    assert rotated.json()["secret"] != body["secret"]

    changed = api.patch(f"/webhooks/endpoints/{endpoint.pk}",
                        {"events": ["backorder.filled"], "is_active": False}).json()
    assert changed["events"] == ["backorder.filled"] and changed["is_active"] is False

    gone = api.delete(f"/webhooks/endpoints/{endpoint.pk}")
    assert gone.status_code == 200 and gone.json()["id"] == endpoint.pk
    assert not Endpoint.objects.filter(pk=endpoint.pk).exists()
    assert api.get(f"/webhooks/endpoints/{endpoint.pk}").status_code == 404


def test_refusals_name_their_field(tenant_a, production_mode):
    api = ApiClient(tenant_a.user)
    refused = api.post("/webhooks/endpoints", {"url": "https://169.254.169.254/latest",
                                               "events": ["order.state_changed"]})
    assert refused.status_code == 422
    assert refused.json()["code"] == "webhook_address_refused"
    assert "private or reserved" in refused.json()["errors"]["url"][0]
    refused = api.post("/webhooks/endpoints", {"url": "https://93.184.215.14/x", "events": []})
    assert refused.status_code == 422 and "events" in refused.json()["errors"]
    assert not Endpoint.objects.exists()


def test_staff_read_every_partners_endpoints_but_change_none(tenant_a, staff, receiver):
    made = ApiClient(tenant_a.user).post("/webhooks/endpoints", {
        "url": receiver.url, "events": ["order.state_changed"]}).json()
    api = ApiClient(staff)
    assert [i["id"] for i in api.get("/webhooks/endpoints").json()["items"]] == [made["id"]]
    assert api.get(f"/webhooks/endpoints/{made['id']}/deliveries").status_code == 200
    assert api.post(f"/webhooks/endpoints/{made['id']}/rotate-secret").status_code == 403
    assert api.post("/webhooks/endpoints", {"url": receiver.url + "2",
                                            "events": ["ping"]}).status_code == 403
    assert Endpoint.objects.get(pk=made["id"]).secret == made["secret"]
