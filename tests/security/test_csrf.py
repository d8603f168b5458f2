"""CSRF: form posts and the API's browser-session auth need the token; Bearer calls do not."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict(tenant_a) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant_a.user)
    return client


def test_login_without_token_is_refused(tenant_a):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": tenant_a.user.username,
                                       "password": f.PASSWORD})
    assert response.status_code == 403


def test_form_posts_without_token_are_refused(strict, tenant_a):
    draft = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    for path, data in [
        (f"/orders/{draft.pk}/form/", {"billing_start_date": "2030-01-01"}),
        (f"/orders/{draft.pk}/form/lines/", {"order_type": "1", "package": "1"}),
        (f"/orders/{draft.pk}/form/dids/", {"backorder_quantity": "5", "npa": "212"}),
        (f"/orders/{draft.pk}/billing-start-date/", {"billing_start_date": "2030-01-01"}),
        ("/logout/", {}),
    ]:
        assert strict.post(path, data).status_code == 403, path
    assert draft.lines.count() == 1 and not draft.did_backorders.exists()


def test_form_post_with_token_is_accepted(tenant_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant_a.user)
    page = client.get("/")
    token = page.cookies["csrftoken"].value
    response = client.post("/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_api_with_session_needs_the_csrf_token(strict, tenant_a):
    assert strict.get("/api/v1/me").status_code == 200  # safe method: no token needed
    response = strict.post("/api/v1/tokens", {"name": "from the browser"},
                           content_type="application/json")
    assert response.status_code == 403
    from orion.api.models import ApiToken

    assert not ApiToken.objects.exists()
    strict.get("/")
    token = strict.cookies["csrftoken"].value
    ok = strict.post("/api/v1/tokens", {"name": "from the browser"},
                     content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert ok.status_code == 201


def test_api_with_bearer_token_needs_no_csrf(tenant_a):
    from orion.api.services import token_create

    secret = token_create(user=tenant_a.user, name="ci").secret
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/orders", {"kind": "new_customer",
                                              "enterprise_id": tenant_a.enterprise.pk},
                           content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 201, response.content
