"""NUL and other control characters in query parameters (issue 13, defect 4): every page filter
and every API list refuses them with a message (``GET /orders/?q=%00`` was a 500), and TRACE
answers 405.

The parameters are found, not listed by hand: every ``request.GET.get("...")`` in Orion's
source, the fields of forms bound to ``request.GET``, and every query parameter of every GET
operation in the OpenAPI schema. The pages are every URL pattern outside the admin and the API.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from orion.api.services import token_create
from tests import factories as f

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "orion"
HOSTILE = ["\x00", "a\x00b", "Acme\x1b[31m", "\x7f"]


def page_parameters() -> set[str]:
    names: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        names |= set(re.findall(r"""request\.GET\.(?:get|getlist)\(\s*["'](\w+)["']""", text))
    from orion.audit.views import AuditFilterForm

    names |= set(AuditFilterForm.base_fields)
    return names


def page_urls(world) -> list[str]:
    ids = {"pk": world["order"], "line_pk": world["line"], "tab": "overview", "user_pk": 1,
           "uidb64": "MQ", "token": "x-y"}
    urls = []

    def walk(resolver, prefix: str) -> None:
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            if route.startswith(("admin/", "api/")):
                continue
            if isinstance(entry, URLResolver):
                walk(entry, route)
            elif isinstance(entry, URLPattern):
                path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m[1]]), route)
                urls.append(path)

    walk(get_resolver(), "")
    return sorted(set(urls))


@pytest.fixture
def world(tenant_a, staff):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    return {"order": order.pk, "line": order.lines.get().pk}


def test_the_walk_finds_the_known_filters():
    assert {"q", "state", "kind", "partner", "page", "npa", "nxx", "month", "all",
            "actor", "rate_center", "zip", "consecutive"} <= page_parameters()


def test_every_page_filter_refuses_control_characters(client, staff, world):
    client.force_login(staff)
    urls, names = page_urls(world), sorted(page_parameters())
    assert len(urls) > 30 and len(names) > 10
    checked = 0
    for url in urls:
        for name in names:
            for value in HOSTILE[:2]:
                response = client.get(url, {name: value})
                assert response.status_code == 400, (url, name, response.status_code)
                assert "contains control characters" in response.content.decode()
                checked += 1
    assert checked == len(urls) * len(names) * 2


@pytest.mark.parametrize("value", HOSTILE)
def test_the_orders_filter_answers_with_a_message(client_a, value):
    response = client_a.get("/orders/", {"q": value})
    assert response.status_code == 400
    assert 'The filter "q" contains control characters' in html.unescape(
        response.content.decode())


def test_a_control_character_in_a_parameter_name_is_refused(client_a):
    response = client_a.get("/orders/?a%00b=1")
    assert response.status_code == 400


def test_htmx_filters_get_the_error_fragment(client_a, world):
    response = client_a.get(f"/orders/{world['order']}/form/dids/search/",
                            {"npa": "212", "nxx": "5\x0055"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#form-errors"
    assert "control characters" in response.content.decode()


def test_every_api_query_parameter_refuses_control_characters(tenant_a, staff):
    secret = token_create(user=staff, name="walk").secret
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    schema = Client().get("/api/openapi.json").json()
    checked = 0
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if not get:
            continue
        url = re.sub(r"\{\w+\}", "1", path)
        for param in get.get("parameters", []):
            if param["in"] != "query":
                continue
            for value in HOSTILE:
                response = api.get(url, {param["name"]: value})
                assert response.status_code == 422, (path, param["name"], response.status_code)
                body = response.json()
                assert body["code"] == "invalid_request" and param["name"] in body["errors"]
                checked += 1
    assert checked >= 4 * 8


@pytest.mark.parametrize("path", ["/", "/login/", "/orders/", "/api/v1/me", "/api/docs"])
@pytest.mark.parametrize("method", ["TRACE", "TRACK"])
def test_trace_answers_405(client_a, path, method):
    response = client_a.generic(method, path)
    assert response.status_code == 405
    assert "Allow" in response and "TRACE" not in response["Allow"]
