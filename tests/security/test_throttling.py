"""Log-in throttling (django-axes): 5 failures per user name and address lock that pair.

What the API adds: it takes no passwords (Bearer tokens, or the session of a browser that
logged in through the throttled page), so password guessing has no way round the lockout.
Tokens are 256-bit random secrets, stored hashed: guessing one is not a matter of throttling.
"""

from __future__ import annotations

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


def _fail(client, username: str, times: int = 5, **extra: str) -> None:
    for _ in range(times):
        response = client.post("/login/", {"username": username, "password": "wrong-guess"},
                               **extra)
        assert response.status_code in (200, 429)


def _login(client, username: str, **extra: str):
    return client.post("/login/", {"username": username, "password": f.PASSWORD}, **extra)


def test_four_failures_then_the_right_password_logs_in(client, tenant_a):
    _fail(client, tenant_a.user.username, times=4)
    assert _login(client, tenant_a.user.username).status_code == 302


def test_fifth_failure_locks_the_user_from_that_address(client, tenant_a):
    _fail(client, tenant_a.user.username)
    locked = _login(client, tenant_a.user.username)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_and_address(client, tenant_a, tenant_b):
    _fail(client, tenant_a.user.username, REMOTE_ADDR="203.0.113.7")
    assert _login(client, tenant_a.user.username, REMOTE_ADDR="203.0.113.7").status_code == 429
    # The same user from another address, and another user from the same address, still log in.
    assert _login(client, tenant_a.user.username, REMOTE_ADDR="198.51.100.9").status_code == 302
    client.logout()
    assert _login(client, tenant_b.user.username, REMOTE_ADDR="203.0.113.7").status_code == 302


def test_a_forged_forwarded_for_header_does_not_reset_the_count(client, tenant_a):
    """Axes reads REMOTE_ADDR only: rotating X-Forwarded-For buys no new attempts."""
    for i in range(5):
        client.post("/login/", {"username": tenant_a.user.username, "password": "nope"},
                    HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    locked = _login(client, tenant_a.user.username, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert locked.status_code == 429


@pytest.mark.parametrize("variant", [" {u}", "{u} ", "{U}", "\uff55{rest}"])
def test_spelling_variants_of_the_username_do_not_buy_more_guesses(client, tenant_a, variant):
    """Each variant either fails to log in at all or shares the lockout of the real name."""
    name = tenant_a.user.username
    _fail(client, name)
    candidate = variant.format(u=name, U=name.upper(), rest=name[1:])
    response = _login(client, candidate)
    assert response.status_code != 302, f"{candidate!r} logged in despite the lockout"


def test_admin_login_shares_the_lockout(client, staff):
    for _ in range(5):
        client.post("/admin/login/", {"username": staff.username, "password": "bad"})
    response = client.post("/admin/login/", {"username": staff.username,
                                             "password": f.PASSWORD})
    assert response.status_code == 429


def test_a_locked_user_keeps_a_session_opened_before(client, tenant_a):
    """Lockout stops new log-ins; it does not throw out the user's own open session."""
    client.force_login(tenant_a.user)
    other = client.__class__()
    _fail(other, tenant_a.user.username)
    assert client.get("/").status_code == 200


# --- the API -------------------------------------------------------------------------------

def test_the_api_takes_no_passwords(client, tenant_a):
    """Basic auth with the right password is refused: passwords only go through /login/."""
    import base64

    basic = base64.b64encode(f"{tenant_a.user.username}:{f.PASSWORD}".encode()).decode()
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code == 401


def test_token_guesses_are_refused_and_never_fall_back_to_the_session(client, tenant_a):
    client.force_login(tenant_a.user)
    for guess in ("orn_" + "A" * 43, "orn_", "x" * 300, "orn_' OR 1=1 --", "orn_\x00"):
        response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {guess}")
        assert response.status_code == 401, guess
        assert response.json()["code"] == "not_authenticated"


def test_tokens_are_long_random_secrets_stored_hashed(tenant_a):
    from orion.api.models import ApiToken
    from orion.api.services import token_authenticate, token_create

    created = token_create(user=tenant_a.user, name="ci")
    assert len(created.secret) >= 40  # orn_ + 32 random bytes, base64url: 2**256 to guess
    stored = ApiToken.objects.get(pk=created.token.pk)
    assert created.secret not in str(stored.__dict__)
    assert token_authenticate(created.secret) == tenant_a.user
    assert token_authenticate(created.secret[:-1] + "x") is None
