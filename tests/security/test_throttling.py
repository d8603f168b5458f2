"""Log-in throttling (django-axes): 5 failures per user name and address lock that pair.

What the API adds: it takes no passwords (Bearer tokens, or the session of a browser that
logged in through the throttled page), so password guessing has no way round the lockout.
Tokens are 256-bit random secrets, stored hashed: guessing one is not a matter of throttling.
"""

from __future__ import annotations

import time

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db

# Every limit here counts in fixed windows (``core.throttle``) of 30 s, 1 min, 15 min or 1 h,
# all of which end on a multiple of 30 s since the epoch.
_WINDOW_EDGES = 30
_TEST_SECONDS = 5


@pytest.fixture(autouse=True)
def _not_at_a_window_edge() -> None:
    """A test that counts up to a limit must not straddle the end of a window: its count
    would start again half-way (20 refusals expected, the 23rd answered 401). Wait, at most
    5 s, for the next window when fewer than 5 s are left in this one."""
    left = _WINDOW_EDGES - time.time() % _WINDOW_EDGES
    if left < _TEST_SECONDS:
        time.sleep(left + 0.05)


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


# --- Orion's own limits, counted in PostgreSQL (issue 13, defect 5) ---------------------------

def _reset(client, email: str, **extra: str):
    return client.post("/password-reset/", {"email": email}, **extra)


def test_password_reset_is_limited_per_e_mail_address(client, tenant_a):
    """30 requests in a burst used to send 30 e-mails to one mailbox; now 3 an hour."""
    from django.core import mail

    answers = [_reset(client, tenant_a.user.email, REMOTE_ADDR=f"198.51.100.{i}").status_code
               for i in range(30)]
    assert answers[:3] == [302, 302, 302]
    assert set(answers[3:]) == {429}
    assert len(mail.outbox) == 3
    refused = _reset(client, tenant_a.user.email, REMOTE_ADDR="192.0.2.99")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many password reset requests" in refused.content.decode()


def test_password_reset_is_limited_per_address_whatever_the_e_mail(client, tenant_a):
    answers = [_reset(client, f"someone{i}@example.com", REMOTE_ADDR="203.0.113.5").status_code
               for i in range(8)]
    assert answers == [302] * 5 + [429] * 3
    # Another address is not affected.
    assert _reset(client, "other@example.com", REMOTE_ADDR="203.0.113.6").status_code == 302


def test_one_password_across_many_usernames_from_one_address_is_slowed(client, tenant_a):
    for i in range(20):
        response = client.post("/login/", {"username": f"victim{i}", "password": "Summer2026!"},
                               REMOTE_ADDR="203.0.113.7")
        assert response.status_code == 200, i
    blocked = _login(client, tenant_a.user.username, REMOTE_ADDR="203.0.113.7")
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session  # even the right password waits
    assert _login(client, tenant_a.user.username, REMOTE_ADDR="203.0.113.8").status_code == 302


def test_one_username_attacked_from_many_addresses_is_slowed(client, tenant_a):
    name = tenant_a.user.username
    for i in range(20):
        client.post("/login/", {"username": name, "password": "wrong-guess"},
                    REMOTE_ADDR=f"10.1.{i}.1")
    blocked = _login(client, name, REMOTE_ADDR="10.200.0.1")
    assert blocked.status_code == 429 and "Retry-After" in blocked
    # Spelling variants share the count.
    assert _login(client, name.upper(), REMOTE_ADDR="10.200.0.2").status_code == 429


def test_the_admin_login_shares_the_address_limit(client, staff):
    for i in range(20):
        client.post("/admin/login/", {"username": f"admin{i}", "password": "bad"},
                    REMOTE_ADDR="203.0.113.9")
    response = client.post("/admin/login/", {"username": staff.username,
                                             "password": f.PASSWORD}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429


def test_wrong_bearer_tokens_are_throttled_per_address(client, tenant_a):
    """300 wrong tokens in 0.9 s were all 401; now 20 a minute, then 429 for that address."""
    from orion.api.services import token_create

    good = token_create(user=tenant_a.user, name="ci").secret
    answers = [client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer orn_guess{i}",
                          REMOTE_ADDR="203.0.113.10").status_code for i in range(25)]
    assert answers == [401] * 20 + [429] * 5
    refused = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {good}",
                         REMOTE_ADDR="203.0.113.10")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused.json()["code"] == "throttled"
    # Other schemes count too, and another address is not affected.
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Basic eDp5",
                      REMOTE_ADDR="203.0.113.10").status_code == 429
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {good}",
                      REMOTE_ADDR="203.0.113.11").status_code == 200


def test_limits_are_configurable(client, tenant_a, settings):
    settings.ORION_THROTTLES = {**settings.ORION_THROTTLES, "reset_email": "1/30s"}
    assert _reset(client, tenant_a.user.email).status_code == 302
    refused = _reset(client, tenant_a.user.email)
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 30


def test_counters_live_in_postgresql_and_hold_no_address_or_e_mail(client, tenant_a):
    from orion.core.models import ThrottleCounter

    _reset(client, tenant_a.user.email, REMOTE_ADDR="203.0.113.12")
    rows = list(ThrottleCounter.objects.values_list("scope", "key", "count"))
    assert {scope for scope, _, _ in rows} == {"reset_address", "reset_email"}
    assert all(count == 1 for _, _, count in rows)
    stored = " ".join(key for _, key, _ in rows)
    assert tenant_a.user.email not in stored and "203.0.113.12" not in stored


def test_a_window_ends_and_the_count_starts_again(tenant_a):
    from datetime import timedelta

    from django.utils import timezone

    from orion.core.throttle import throttle_hit

    now = timezone.now()
    decisions = [throttle_hit("reset_email", "x@example.com", now=now) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert 0 < decisions[-1].retry_after <= 3600
    assert throttle_hit("reset_email", "x@example.com", now=now + timedelta(hours=1)).allowed


@pytest.mark.parametrize("spec", ["", "20", "0/1m", "20/0s", "twenty/1m", "20/1d"])
def test_a_wrong_rate_names_the_setting(spec):
    from django.core.exceptions import ImproperlyConfigured

    from orion.core.throttle import parse_rate

    with pytest.raises(ImproperlyConfigured, match="login_address"):
        parse_rate("login_address", spec)


def test_rates_parse():
    from orion.core.throttle import parse_rate

    assert parse_rate("x", "20/15m").limit == 20 and parse_rate("x", "20/15m").period == 900
    assert parse_rate("x", "3/1h").period == 3600 and parse_rate("x", "5/30").period == 30
