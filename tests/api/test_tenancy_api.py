"""No one reads or changes another partner's data through the API.

The test enumerates every operation of the OpenAPI schema and needs an entry for each in
OPERATIONS (how to fill its path, a valid body, and what tenancy means for it); an operation
added later without one makes ``test_every_operation_is_covered`` fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from orion.api.main import api
from orion.api.models import ApiToken
from orion.numbers.models import DID, Backorder
from orion.numbers.services import backorder_create, numbers_add_range, numbers_reserve
from orion.orders import services as order_services
from orion.orders.models import Order
from orion.porting.services import earliest_port_date
from tests import factories as f
from tests.api.conftest import ApiClient


@dataclass
class World:
    """Partner A's objects (the targets) and what partner B may legitimately own."""

    enterprise: int
    customer: int
    draft: int
    line: int
    did: int
    backorder: int
    placed: int
    placed_backorder: int
    token: int
    package: int
    webhook: int
    seat_user: int
    port: int


def tomorrow() -> str:
    return (timezone.localdate() + timedelta(days=2)).isoformat()


# kind: "object" - another partner gets 404 for A's ids; "list" - another partner's list
# never shows A's ids; "staff" - partners get 404 even for their own ids; "own" - no tenant
# data, or only the caller's own (me, catalog, the NPA/NXX search, token create).
# Operations that take the browser session only (a bearer token gets 403, tests/api).
SESSION_ONLY = {"token_list", "token_create", "token_revoke"}
OPERATIONS: dict[str, tuple[str, dict, object]] = {
    "me": ("own", {}, None),
    "token_list": ("list", {}, None),  # SESSION_ONLY: sent with the browser session
    "token_create": ("own", {}, {"name": "x"}),
    "token_revoke": ("object", {"token_id": "token"}, None),
    "account_search": ("list", {}, None),
    "enterprise_list": ("list", {}, None),
    "enterprise_get": ("object", {"enterprise_id": "enterprise"}, None),
    "enterprise_customers": ("object", {"enterprise_id": "enterprise"}, None),
    "enterprise_orders": ("object", {"enterprise_id": "enterprise"}, None),
    "customer_get": ("object", {"customer_id": "customer"}, None),
    "customer_orders": ("object", {"customer_id": "customer"}, None),
    "order_type_list": ("own", {}, None),
    "package_list": ("own", {}, None),
    "package_get": ("own", {"package_id": "package"}, None),
    "order_list": ("list", {}, None),
    "order_create": ("object", {}, "order_create_body"),
    "order_get": ("object", {"order_id": "draft"}, None),
    "order_lines_add": ("object", {"order_id": "draft"}, "lines_body"),
    "order_line_set_quantity": ("object", {"order_id": "draft", "line_id": "line"},
                                {"quantity": 7}),
    "order_line_remove": ("object", {"order_id": "draft", "line_id": "line"}, None),
    "order_save": ("object", {"order_id": "draft"}, "save_body"),
    "order_billing_start_date_change": ("object", {"order_id": "placed"}, "billing_body"),
    "order_progress": ("object", {"order_id": "placed"}, None),
    "order_dids_order": ("object", {"order_id": "draft"},
                         {"numbers": ["2125550140"], "npa": "212", "backorder_quantity": 1}),
    "order_dids_reserve_quantity": ("object", {"order_id": "draft"},
                                    {"npa": "212", "quantity": 1}),
    "order_did_remove": ("object", {"order_id": "draft", "did_id": "did"}, None),
    "order_backorder_remove": ("object", {"order_id": "draft", "backorder_id": "backorder"},
                               None),
    "order_retry": ("object", {"order_id": "placed"}, None),
    "order_cancel": ("object", {"order_id": "placed"}, {"reason": "tenancy"}),
    # Disconnect orders (orion.api.routers.disconnect).
    "customer_disconnect": ("object", {"customer_id": "customer"}, "disconnect_body"),
    "order_disconnect_cancel": ("object", {"order_id": "placed"}, {"reason": "tenancy"}),
    # Change orders (orion.api.routers.changes).
    "customer_change_start": ("object", {"customer_id": "customer"}, None),
    "order_change_save": ("object", {"order_id": "placed"}, "change_body"),
    "order_change_cancel": ("object", {"order_id": "placed"}, {"reason": "tenancy"}),
    "order_change_removals_set": ("object", {"order_id": "draft"}, {"number_ids": [],
                                                                    "user_ids": []}),
    "order_trunking_done": ("object", {"order_id": "placed"}, None),
    "order_trunk_facts_get": ("object", {"order_id": "placed"}, None),
    "order_trunk_facts_put": ("object", {"order_id": "placed"},
                              {"call_paths": 4, "pbx_addresses": ["sbc.example.net"],
                               "authentication": "ip", "failover_number": "2125550199"}),
    "numbers_available": ("own", {}, None),
    "number_blocks": ("own", {}, None),
    "numbers_search": ("own", {}, None),
    "number_import_start": ("staff", {}, None),
    "number_import_get": ("staff", {"import_id": "did"}, None),
    "number_get": ("staff", {"did_id": "did"}, None),
    "number_release": ("staff", {"did_id": "did"}, None),
    "number_quarantine": ("staff", {"did_id": "did"}, {"days": 5}),
    "number_unquarantine": ("staff", {"did_id": "did"}, None),
    # E911 locations (orion.api.routers.e911): the number's partner and staff.
    "number_e911_get": ("object", {"did_id": "did"}, None),
    "number_e911_set": ("object", {"did_id": "did"}, {
        "address_line1": "350 Fifth Avenue", "city": "New York", "state": "NY",
        "zip_code": "10118"}),
    "order_mark_live": ("object", {"order_id": "placed"}, None),
    "backorder_queue": ("staff", {}, None),
    "backorder_fill": ("staff", {"backorder_id": "placed_backorder"}, None),
    # Billing (orion.api.routers.billing).
    "billing_export": ("list", {}, None),
    "billing_invoice_preview": ("object", {"customer_id": "customer"}, None),
    "billing_customer_summary": ("object", {"customer_id": "customer"}, None),
    # Webhooks (orion.api.routers.webhooks).
    "webhook_endpoint_list": ("list", {}, None),
    "webhook_endpoint_create": ("own", {}, {"url": "http://127.0.0.1:9/b",
                                            "events": ["order.state_changed"]}),
    "webhook_endpoint_get": ("object", {"endpoint_id": "webhook"}, None),
    "webhook_endpoint_modify": ("object", {"endpoint_id": "webhook"}, {"is_active": False}),
    "webhook_endpoint_delete": ("object", {"endpoint_id": "webhook"}, None),
    "webhook_endpoint_rotate": ("object", {"endpoint_id": "webhook"}, None),
    "webhook_endpoint_ping": ("object", {"endpoint_id": "webhook"}, None),
    "webhook_delivery_list": ("object", {"endpoint_id": "webhook"}, None),
    # Users (seats) (orion.api.routers.users).
    "order_users_list": ("object", {"order_id": "draft"}, None),
    "order_users_set": ("object", {"order_id": "draft"}, {"users": []}),
    "order_user_update": ("object", {"order_id": "draft", "user_id": "seat_user"},
                          {"first_name": "Eve"}),
    "order_users_csv": ("object", {"order_id": "draft"}, None),
    "order_users_upload": ("object", {"order_id": "draft"}, None),
    "customer_users_list": ("object", {"customer_id": "customer"}, None),
    # Port requests (orion.api.routers.porting).
    "port_list": ("list", {}, None),
    "port_create": ("object", {}, "port_create_body"),
    "port_get": ("object", {"port_id": "port"}, None),
    "port_number_user": ("object", {"port_id": "port"}, {"number": "+12125550180",
                                                          "user_id": None}),
    "port_loa_attach": ("object", {"port_id": "port"}, None),
    "port_submit": ("object", {"port_id": "port"}, None),
    "port_cancel": ("object", {"port_id": "port"}, {"reason": "tenancy"}),
    "port_mark_pending": ("staff", {"port_id": "port"}, {"reason": ""}),
    "port_schedule": ("staff", {"port_id": "port"}, {"foc_at": "2030-01-08T10:00:00-05:00"}),
    "port_complete": ("staff", {"port_id": "port"}, None),
    "port_reject": ("staff", {"port_id": "port"}, {"reason": "tenancy"}),
}
# The owner reaches the order, which has none of these yet (a 404 that names what is
# missing, never the "no such order" another partner gets).
NOTHING_YET = {"order_trunk_facts_get": "No trunk details for this order yet."}
QUERY = {"account_search": {"q": "Acme"}, "numbers_available": {"npa": "212"},
         "numbers_search": {"npa": "212"},
         "order_list": {"include_drafts": "true"},
         "billing_export": {"month": "2030-01", "format": "json"},
         "billing_invoice_preview": {"month": "2030-01"}}


def schema_operations() -> list[tuple[str, str, str]]:
    """(operation_id, method, path) of every operation in the OpenAPI schema."""
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return [(op["operationId"], method, path)
            for path, methods in schema["paths"].items()
            for method, op in methods.items()]


def body_for(spec, world: World, tenant) -> object:
    if spec == "order_create_body":
        return {"kind": "new_customer", "enterprise_id": world.enterprise}
    if spec == "lines_body":
        return {"order_type_id": f.package("Enterprise Standard").order_type_id,
                "package_ids": [world.package]}
    if spec == "save_body":
        return {"billing_start_date": tomorrow(), "company_name": "Stolen Co",
                "address_line1": "1 Way", "city": "Boston", "state_code": "MA",
                "zip_code": "02108", "contact_name": "Eve", "contact_phone": "6175550100",
                "contact_email": "eve@example.com", "time_zone": "America/New_York"}
    if spec == "port_create_body":
        return {"customer_id": world.customer, "numbers": ["2125550190"],
                "losing_carrier": "Verizon", "account_number": "1", "pin": "1234",
                "billing_telephone_number": "2125550190", "address_line1": "1 Way",
                "city": "Boston", "region": "MA", "zip_code": "02108",
                "authorized_name": "Eve", "authorized_title": "Owner",
                "desired_date": str(earliest_port_date())}
    if spec == "disconnect_body":
        return {"effective_date": tomorrow(), "reason": "tenancy"}
    if spec == "change_body":
        return {"effective_date": tomorrow()}
    if spec == "billing_body":
        return {"billing_start_date": tomorrow()}
    return spec


def fill(path: str, params: dict[str, str], world: World) -> str:
    for name, attr in params.items():
        path = path.replace("{" + name + "}", str(getattr(world, attr)))
    assert "{" not in path, f"{path}: a path parameter has no value in OPERATIONS"
    return path


@pytest.fixture
def world(tenant_a, tenant_b) -> World:
    numbers_add_range(spec="2125550100-2125550149")
    draft = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    numbers_reserve(user=tenant_a.user, order_id=draft.pk, numbers=["2125550100"])
    backorder = backorder_create(user=tenant_a.user, order_id=draft.pk, npa="212", quantity=2)
    placed = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    placed_backorder = backorder_create(user=tenant_a.user, order_id=placed.pk, npa="212",
                                        quantity=1)
    order_services.order_save(user=tenant_a.user, order_id=placed.pk,
                              details=f.new_customer_details())
    from orion.api.services import token_create

    token = token_create(user=tenant_a.user, name="a's token").token
    from orion.webhooks.services import endpoint_add

    webhook = endpoint_add(user=tenant_a.user, url="http://127.0.0.1:9/a",
                           events=["order.state_changed"]).endpoint
    from orion.users.services import order_users_refresh

    order_users_refresh(user=tenant_a.user, order_id=draft.pk)  # the draft's seat's user
    from tests.porting.factories import make_port

    port = make_port(tenant_a, numbers="2125550180")
    # Partner B has its own draft, so B's lists are not trivially empty.
    f.draft_with_packages(user=tenant_b.user, enterprise=tenant_b.enterprise)
    return World(enterprise=tenant_a.enterprise.pk, customer=tenant_a.customer.pk,
                 draft=draft.pk, line=draft.lines.get().pk,
                 did=DID.objects.get(e164="+12125550100").pk, backorder=backorder.pk,
                 placed=placed.pk, placed_backorder=placed_backorder.pk, token=token.pk,
                 package=f.package("Enterprise Standard").pk, webhook=webhook.pk,
                 seat_user=draft.users.get().pk, port=port.pk)


def test_every_operation_is_covered():
    ids = [op_id for op_id, _, _ in schema_operations()]
    assert len(ids) == len(set(ids)), "operation ids must be unique"
    missing = set(ids) - OPERATIONS.keys()
    assert not missing, f"new API operations without a tenancy entry: {sorted(missing)}"
    stale = OPERATIONS.keys() - set(ids)
    assert not stale, f"OPERATIONS names operations that no longer exist: {sorted(stale)}"


def _ids_in(payload) -> set[int]:
    """Every integer value under an 'id'-like key in a JSON answer."""
    found: set[int] = set()
    if isinstance(payload, dict):
        for key, value in payload.items():
            if isinstance(value, int) and (key == "id" or key.endswith("_id")):
                found.add(value)
            else:
                found |= _ids_in(value)
    elif isinstance(payload, list):
        for item in payload:
            found |= _ids_in(item)
    return found


@pytest.mark.django_db
def test_no_partner_reaches_another_partners_data(tenant_a, tenant_b, staff, world):
    api_b = ApiClient(tenant_b.user)
    a_objects = {world.enterprise, world.customer, world.draft, world.placed, world.token,
                 tenant_a.second_customer.pk}
    checked = 0
    browser_b = ApiClient()  # token management takes the browser session, not a token
    browser_b.client.force_login(tenant_b.user)
    for op_id, method, path in schema_operations():
        kind, params, body = OPERATIONS[op_id]
        url = fill(path, params, world)
        payload = body_for(body, world, tenant_b)
        client = browser_b if op_id in SESSION_ONLY else api_b
        if method == "get":
            response = client.get(url, **QUERY.get(op_id, {}))
        else:
            response = client.request(method, url, payload if payload is not None else {})
        if kind in ("object", "staff"):
            assert response.status_code == 404, (op_id, url, response.status_code,
                                                 response.content[:300])
            assert response.json()["code"] == "not_found"
        elif kind == "list":
            assert response.status_code in (200, 404), (op_id, response.status_code)
            if response.status_code == 200:
                leaked = _ids_in(response.json()) & a_objects
                # ids are per table; compare by table where it matters
                items = response.json().get("items", [])
                if op_id == "enterprise_list":
                    assert world.enterprise not in {i["id"] for i in items}
                elif op_id == "order_list":
                    assert {world.draft, world.placed}.isdisjoint(i["id"] for i in items)
                    assert all(i["partner_id"] == tenant_b.partner.pk for i in items)
                elif op_id == "token_list":
                    assert world.token not in {i["id"] for i in items}
                elif op_id == "port_list" or op_id == "webhook_endpoint_list":
                    assert all(i["partner_id"] == tenant_b.partner.pk for i in items)
                elif op_id == "billing_export":
                    assert all(line["customer_id"] not in (world.customer,)
                               for line in response.json()["lines"])
                elif op_id == "account_search":
                    assert items == [], leaked
        else:
            assert response.status_code in (200, 201), (op_id, response.status_code)
        checked += 1
    assert checked == len(OPERATIONS)

    # Nothing of partner A changed; B made no order in A's enterprise.
    draft = Order.objects.get(pk=world.draft)
    assert draft.state == "draft" and draft.lines.get().quantity == 1
    assert DID.objects.get(pk=world.did).order_id == world.draft
    assert Backorder.objects.filter(pk=world.backorder).exists()
    placed = Order.objects.get(pk=world.placed)
    assert placed.state == "acknowledged"
    assert placed.billing_start_date == f.new_customer_details().billing_start_date
    assert ApiToken.objects.get(pk=world.token).revoked_at is None
    from orion.webhooks.models import Endpoint

    webhook = Endpoint.objects.get(pk=world.webhook)
    assert webhook.is_active and webhook.partner == tenant_a.partner
    assert not webhook.deliveries.exists()
    from orion.porting.models import PortRequest

    port = PortRequest.objects.get(pk=world.port)
    assert port.state == "unconfirmed" and not port.loa_file
    assert not PortRequest.objects.filter(partner=tenant_b.partner).exists()
    assert not Order.objects.filter(partner=tenant_b.partner, enterprise_id=world.enterprise)
    assert Order.objects.filter(partner=tenant_a.partner).count() == 2


@pytest.mark.django_db
def test_owner_and_staff_reach_the_objects(tenant_a, staff, world):
    """The 404s above are about tenancy: the owner and staff do get the objects."""
    for who in (ApiClient(tenant_a.user), ApiClient(staff)):
        for op_id, method, path in schema_operations():
            kind, params, _ = OPERATIONS[op_id]
            if method != "get" or kind != "object":
                continue
            response = who.get(fill(path, params, world), **QUERY.get(op_id, {}))
            if op_id in NOTHING_YET:  # the order is theirs; it has nothing of the kind yet
                assert response.json()["message"] == NOTHING_YET[op_id], op_id
                continue
            assert response.status_code == 200, (who.user, op_id, response.content[:200])
    staff_api = ApiClient(staff)
    assert staff_api.get(f"/numbers/{world.did}").status_code == 200
    assert ApiClient(tenant_a.user).get(f"/numbers/{world.did}").status_code == 404
    # Tokens are personal: not even staff see or revoke another user's token (from the
    # browser session: token management takes no bearer token).
    staff_browser = ApiClient()
    staff_browser.client.force_login(staff)
    assert staff_browser.delete(f"/tokens/{world.token}").status_code == 404
    assert world.token not in {t["id"] for t in staff_browser.get("/tokens").json()["items"]}
