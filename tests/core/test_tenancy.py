"""Every URL that takes an object id answers 404 to another partner's user.

The test walks the URL configuration itself, so a view added later without an entry in
OBJECTS makes it fail rather than go unchecked.
"""

from __future__ import annotations

import itertools

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from orion.api.services import token_create
from orion.numbers.models import DID
from orion.orders.models import Order
from orion.users.services import order_users_refresh
from orion.webhooks.services import endpoint_add
from tests import factories as f
from tests.porting.factories import make_port

# URL prefix -> how to find partner A's object of that kind.
OBJECTS = {
    "enterprises/": lambda t, order: t.enterprise.pk,
    "customers/": lambda t, order: t.customer.pk,
    "orders/": lambda t, order: order.pk,
    "billing/customers/": lambda t, order: t.customer.pk,
    "billing/orders/": lambda t, order: order.pk,
    "account/tokens/": lambda t, order: token_create(user=t.user, name="tenancy").token.pk,
    "account/webhooks/": lambda t, order: endpoint_add(
        user=t.user, url=f"http://127.0.0.1:9/tenancy/{next(_hooks)}",
        events=["order.state_changed"]).endpoint.pk,
    "ports/": lambda t, order: make_port(t, numbers=f"21255502{next(_ports):02d}").pk,
    # A number's E911 location (numbers/<pk>/e911/): one of the customer's numbers.
    "numbers/": lambda t, order: DID.objects.create(
        e164=f"+121255503{next(_dids):02d}", npa="212", nxx="555", state="assigned",
        customer=t.customer).pk,
}
_dids = itertools.count()
_hooks = itertools.count()
_ports = itertools.count()
# Object URLs only provider staff may open: the owning partner gets 404 as well.
STAFF_ONLY = {"orders/<int:pk>/oci-log/", "orders/<int:pk>/accept-drift/"}
NO_OBJECT = {"", "search/", "login/", "logout/", "password-reset/", "password-reset/done/",
             "reset/done/", "orders/", "orders/new-enterprise/",
             # Staff-only DID pages (ids in query/body; partners get 404: tests/numbers).
             "numbers/", "numbers/number/", "numbers/number/action/", "numbers/backorders/",
             "numbers/backorders/fill/",
             # API tokens page: lists only the user's own tokens (tests/api).
             "account/tokens/", "api/openapi.json", "api/docs", "billing/export.csv", "audit/",
             # Webhooks page: lists only the partner's own endpoints (tests/webhooks).
             "account/webhooks/",
             # Accounts page: lists only the partner's own accounts (tests/accounts).
             "accounts/",
             # Port requests: the partner's own list; a new one names its account in the
             # query (another partner's account is a 404: tests/porting).
             "ports/", "ports/new/",
             # The OCI-P log of all orders: provider staff only (tests/provisioning).
             "oci-log/",
             # Staff number import: provider staff only (tests/numbers/test_imports.py).
             "numbers/import/", "numbers/import/progress/",
             # BroadWorks import and drift: provider staff only (tests/adoption).
             "broadworks/import/", "broadworks/import/progress/", "broadworks/drift/"}


def _patterns(resolver=None, prefix: str = ""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            # admin/: staff only; api/: every operation is checked by tests/api/test_tenancy_api.
            if route.startswith(("admin/", "api/")):
                continue
            yield from _patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


def _fill(route: str, ids: dict[str, int]) -> str:
    path = route
    for name, value in ids.items():
        path = path.replace(f"<int:{name}>", str(value))
    return "/" + path.replace("<slug:tab>", "overview")


@pytest.mark.django_db
def test_every_object_url_is_scoped_to_the_partner(client, tenant_a, tenant_b, staff):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    line = order.lines.get()
    order_users_refresh(user=tenant_a.user, order_id=order.pk)  # its seat's user
    seat_user = order.users.get()
    checked = 0
    for route in _patterns():
        if "<" not in route:
            assert route in NO_OBJECT, f"new URL {route!r}: add it to the tenancy test"
            continue
        if route.startswith("reset/"):
            continue
        prefix = next((p for p in OBJECTS if route.startswith(p)), None)
        assert prefix is not None, f"URL {route!r} has an id the tenancy test does not know"
        path = _fill(route, {"pk": OBJECTS[prefix](tenant_a, order), "line_pk": line.pk,
                             "user_pk": seat_user.pk})
        client.force_login(tenant_b.user)
        for method in ("get", "post"):
            response = getattr(client, method)(path, {"quantity": "3", "order_type": "1",
                                                      "package": "1"})
            assert response.status_code in (404, 405), (method, path, response.status_code)
        checked += 1
        # The owner and staff do reach it (a redirect or a page, never 404).
        if route in STAFF_ONLY:
            client.force_login(tenant_a.user)
            assert client.get(path).status_code == 404, path
            client.force_login(staff)
            assert client.get(path).status_code == 200, path
            checked += 1
            continue
        for who in (tenant_a.user, staff):
            client.force_login(who)
            assert client.get(path).status_code in (200, 302, 405, 422), (who, path)
    assert checked >= 10
    # Nothing of partner A was changed by partner B's attempts.
    order.refresh_from_db()
    assert order.state == "draft" and order.lines.get().quantity == 1
    assert Order.objects.filter(partner=tenant_b.partner).count() == 0


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_log_in(client, tenant_a):
    for path in ("/", "/search/?q=acme", f"/enterprises/{tenant_a.enterprise.pk}/", "/orders/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
