"""Token rules of issue 13 (defect 3): token management takes the browser session only (a
token that expires in 65 s could mint a non-expiring one), a password change or reset revokes
the user's tokens, and answers carrying a secret are ``Cache-Control: no-store``."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from orion.api.models import ApiToken
from orion.api.services import token_create
from orion.audit.models import AuditEntry
from tests import factories as f

pytestmark = pytest.mark.django_db


def _bearer(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_a_short_lived_token_cannot_mint_longer_lived_ones(tenant_a):
    short = token_create(user=tenant_a.user, name="short",
                         expires_at=timezone.now() + timedelta(seconds=65))
    api = _bearer(short.secret)
    later = (timezone.now() + timedelta(days=3650 - 1)).isoformat()
    for body in ({"name": "forever"}, {"name": "ten years", "expires_at": later}):
        response = api.post("/api/v1/tokens", body, content_type="application/json")
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "session_required"
    assert ApiToken.objects.filter(user=tenant_a.user).count() == 1


def test_a_token_can_neither_list_nor_revoke_tokens(tenant_a):
    first = token_create(user=tenant_a.user, name="one")
    other = token_create(user=tenant_a.user, name="two").token
    api = _bearer(first.secret)
    assert api.get("/api/v1/tokens").status_code == 403
    assert api.delete(f"/api/v1/tokens/{other.pk}").status_code == 403
    other.refresh_from_db()
    assert other.revoked_at is None
    assert api.get("/api/v1/me").status_code == 200  # the token itself still works


def test_the_browser_session_manages_tokens(client_a, tenant_a):
    response = client_a.post("/api/v1/tokens", {"name": "from the browser"},
                             content_type="application/json")
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    assert client_a.get("/api/v1/tokens").json()["count"] == 1


def test_the_tokens_page_is_no_store_and_states_the_rules(client_a):
    created = client_a.post("/account/tokens/", {"name": "billing sync"})
    assert created.status_code == 200 and b"orn_" in created.content
    assert "no-store" in created["Cache-Control"]
    listing = client_a.get("/account/tokens/")
    assert "no-store" in listing["Cache-Control"]
    assert "Changing or resetting your password revokes" in listing.content.decode()


def test_a_password_reset_revokes_every_token(client, tenant_a):
    user = tenant_a.user
    tokens = [token_create(user=user, name=f"t{i}") for i in range(2)]
    assert client.post("/password-reset/", {"email": user.email}).status_code == 302
    link = re.search(r"https?://[^/]+(/reset/\S+/)", mail.outbox[0].body)[1]
    form = client.get(link, follow=True)
    assert "revokes all your API tokens" in form.content.decode()  # said on the page
    new = "another-long-password-456"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new,
                                                    "new_password2": new})
    assert done.status_code == 302 and done["Location"].endswith("/reset/done/")
    for created in tokens:
        created.token.refresh_from_db()
        assert created.token.revoked_at is not None
        assert _bearer(created.secret).get("/api/v1/me").status_code == 401
    entries = AuditEntry.objects.filter(action="token.revoke", reason="password changed")
    assert entries.count() == 2


def test_any_password_change_revokes_tokens(tenant_a):
    """The admin, ``changepassword`` and code all end in set_password() and save()."""
    created = token_create(user=tenant_a.user, name="ci")
    tenant_a.user.set_password("yet-another-password-789")
    tenant_a.user.save()
    created.token.refresh_from_db()
    assert created.token.status == "revoked"


def test_saving_a_user_without_a_new_password_keeps_tokens(tenant_a):
    created = token_create(user=tenant_a.user, name="ci")
    tenant_a.user.first_name = "Pat"
    tenant_a.user.save()
    assert _bearer(created.secret).get("/api/v1/me").status_code == 200


def test_logging_in_keeps_tokens(client, tenant_a):
    created = token_create(user=tenant_a.user, name="ci")
    assert client.post("/login/", {"username": tenant_a.user.username,
                                   "password": f.PASSWORD}).status_code == 302
    assert _bearer(created.secret).get("/api/v1/me").status_code == 200


@pytest.mark.parametrize("name", ["\u202eevil\u202c token", "ci\u200btoken", "a\u2066b",
                                  "soft\u00adhyphen"])
def test_token_names_refuse_invisible_characters(client_a, name):
    response = client_a.post("/api/v1/tokens", {"name": name}, content_type="application/json")
    assert response.status_code == 422
    assert ApiToken.objects.count() == 0


def test_token_names_are_stored_nfc(tenant_a):
    token = token_create(user=tenant_a.user, name="Cafe\u0301 sync").token
    assert token.name == "Caf\u00e9 sync"
