"""API tokens: stored hashed, shown once, revocable, expiring; session auth needs CSRF."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from orion.api.models import ApiToken
from orion.api.services import token_create
from orion.audit.models import AuditEntry
from tests.api.conftest import ApiClient


def _browser(user) -> ApiClient:
    """The API as the logged-in browser (session cookie, no Authorization header)."""
    api = ApiClient()
    api.client.force_login(user)
    return api


@pytest.mark.django_db
def test_token_is_stored_hashed_and_works_as_its_user(tenant_a):
    created = token_create(user=tenant_a.user, name="sync")
    row = ApiToken.objects.get(pk=created.token.pk)
    assert created.secret.startswith("orn_") and len(created.secret) > 40
    assert row.key_hash == hashlib.sha256(created.secret.encode()).hexdigest()
    assert created.secret not in (row.key_hash, row.prefix) and created.secret.startswith(
        row.prefix)
    response = ApiClient(secret=created.secret).get("/me")
    assert response.status_code == 200
    assert response.json()["username"] == tenant_a.user.username
    row.refresh_from_db()
    assert row.last_used_at is not None
    assert AuditEntry.objects.filter(action="token.create", object_id=str(row.pk),
                                     actor=tenant_a.user).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["", "Bearer ", "Bearer nonsense", "Bearer orn_wrong",
                                    "Basic dXNlcjpwYXNz", "Token abc"])
def test_missing_or_bad_tokens_are_401(header):
    client = Client()
    response = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.django_db
def test_revoked_expired_and_inactive_users_tokens_are_401(tenant_a):
    api = ApiClient(tenant_a.user)
    token = ApiToken.objects.get(user=tenant_a.user)
    response = _browser(tenant_a.user).delete(f"/tokens/{token.pk}")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    assert api.get("/me").status_code == 401
    assert AuditEntry.objects.filter(action="token.revoke", object_id=str(token.pk)).exists()

    expiring = ApiClient(tenant_a.user)
    ApiToken.objects.filter(revoked_at__isnull=True).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    assert expiring.get("/me").status_code == 401

    active = ApiClient(tenant_a.user)
    assert active.get("/me").status_code == 200
    tenant_a.user.is_active = False
    tenant_a.user.save(update_fields=["is_active"])
    assert active.get("/me").status_code == 401


@pytest.mark.django_db
def test_token_create_and_list_through_the_api(tenant_a):
    ApiClient(tenant_a.user)  # a first token, made elsewhere
    api = _browser(tenant_a.user)  # token management takes the browser session only
    future = (timezone.now() + timedelta(days=30)).isoformat()
    response = api.post("/tokens", {"name": "ci", "expires_at": future})
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith(body["prefix"]) and body["status"] == "active"
    listed = api.get("/tokens").json()
    assert listed["count"] == 2 and all("token" not in item for item in listed["items"])
    assert ApiClient(secret=body["token"]).get("/me").status_code == 200
    bad = api.post("/tokens", {"name": "old", "expires_at": "2001-01-01T00:00:00Z"})
    assert bad.status_code == 422 and bad.json()["code"] == "token_expiry_past"
    assert bad.json()["errors"] == {"expires_at": ["The expiry must be in the future."]}
    assert api.post("/tokens", {"name": ""}).json()["code"] == "invalid_request"


@pytest.mark.django_db
def test_session_auth_needs_csrf_for_writes(tenant_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant_a.user)
    assert client.get("/api/v1/me").status_code == 200
    response = client.post("/api/v1/tokens", data={"name": "x"}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    client.get("/account/tokens/")  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    response = client.post("/api/v1/tokens", data={"name": "x"},
                           content_type="application/json", headers={"X-CSRFToken": csrf})
    assert response.status_code == 201


@pytest.mark.django_db
def test_anonymous_api_gets_json_401_not_a_login_redirect():
    response = Client().get("/api/v1/orders")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert Client().get("/api/openapi.json").json()["openapi"].startswith("3.1")
    assert Client().get("/api/docs").status_code == 200


@pytest.mark.django_db
def test_tokens_page_shows_the_secret_once_and_revokes(client_a, tenant_a):
    response = client_a.post("/account/tokens/", {"name": "billing sync"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=tenant_a.user)
    secret = response.context["created"].secret
    assert secret.encode() in response.content and token.prefix.encode() in response.content
    again = client_a.get("/account/tokens/")
    assert secret.encode() not in again.content and b"billing sync" in again.content
    assert client_a.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client_a.post("/account/tokens/", {"name": ""}).status_code == 422


@pytest.mark.django_db
def test_tokens_page_cannot_revoke_another_users_token(client, tenant_a, tenant_b):
    token = token_create(user=tenant_a.user, name="a").token
    client.force_login(tenant_b.user)
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert b"orn_" not in client.get("/account/tokens/").content
    token.refresh_from_db()
    assert token.revoked_at is None
