"""API test helpers: a JSON client that authenticates with a real personal token."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from orion.api.services import token_create


class ApiClient:
    def __init__(self, user=None, secret: str | None = None):
        self.client = Client()
        self.user = user
        self.secret = secret
        if user is not None and secret is None:
            self.secret = token_create(user=user, name="tests").secret

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.secret}"} if self.secret else {}

    def request(self, method: str, path: str, body=None, **query):
        url = path if path.startswith("/api/") else f"/api/v1{path}"
        kwargs = {"headers": self._headers()}
        if method in ("get",):
            return self.client.get(url, query, **kwargs)
        if body is not None:
            kwargs["data"] = json.dumps(body, default=str)
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method)(url, **kwargs)

    def get(self, path, **query):
        return self.request("get", path, **query)

    def post(self, path, body=None):
        return self.request("post", path, body if body is not None else {})

    def patch(self, path, body=None):
        return self.request("patch", path, body)

    def put(self, path, body=None):
        return self.request("put", path, body)

    def delete(self, path):
        return self.request("delete", path)


@pytest.fixture
def api_a(tenant_a) -> ApiClient:
    return ApiClient(tenant_a.user)


@pytest.fixture
def api_b(tenant_b) -> ApiClient:
    return ApiClient(tenant_b.user)


@pytest.fixture
def api_staff(staff) -> ApiClient:
    return ApiClient(staff)
