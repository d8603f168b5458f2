"""Security headers, cookie flags, production settings and password rules."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_every_page_sends_the_security_headers(client, tenant_a):
    for response in (client.get("/login/"), client.get("/nowhere/")):
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "object-src 'none'" in csp and "base-uri 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "camera=()" in response["Permissions-Policy"]
        assert "microphone=()" in response["Permissions-Policy"]
        assert "Strict-Transport-Security" not in response  # development: plain HTTP


def test_hsts_in_production_over_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get("/login/", secure=True)
    assert response["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload")


INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<[^>]*\sstyle\s*=|<style", re.I)
HX_ON = re.compile(r"\shx-on", re.I)


def _assert_csp_clean(html: str, where: str) -> None:
    for name, pattern in (("inline event handler", INLINE_HANDLER),
                          ("inline script", INLINE_SCRIPT), ("inline style", INLINE_STYLE),
                          ("hx-on (needs eval)", HX_ON)):
        match = pattern.search(html)
        assert match is None, f"{where}: {name} the CSP would block: {html[match.start():][:120]}"


def test_pages_have_nothing_the_csp_would_block(client, tenant_a, staff):
    """The strict CSP works only if no page relies on inline script or style."""
    from orion.numbers.services import numbers_add_range, order_dids_order
    from orion.orders import services as order_services

    numbers_add_range(spec="2125550100-2125550109")
    draft = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    order_dids_order(user=tenant_a.user, order_id=draft.pk, numbers=["2125550100"])
    client.force_login(tenant_a.user)
    pages = [
        "/", "/search/?q=Acme", f"/enterprises/{tenant_a.enterprise.pk}/",
        f"/customers/{tenant_a.customer.pk}/", "/orders/", f"/orders/{draft.pk}/form/",
        f"/orders/{draft.pk}/form/packages/?order_type={f.order_type('Hosted PBX Services').pk}",
        f"/orders/{draft.pk}/form/dids/select/",
        f"/orders/{draft.pk}/form/dids/search/?npa=212&nxx=555",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_csp_clean(response.content.decode(), path)
    order = order_services.order_save(user=tenant_a.user, order_id=draft.pk,
                                      details=f.new_customer_details()).order
    client.force_login(staff)
    for path in (f"/orders/{order.pk}/", f"/orders/{order.pk}/progress/", "/audit/",
                 "/numbers/", "/numbers/backorders/"):
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_csp_clean(response.content.decode(), path)
    client.logout()
    _assert_csp_clean(client.get("/login/").content.decode(), "/login/")


def test_the_page_script_is_served_locally(client):
    html = client.get("/login/").content.decode()
    assert "/static/orion/orion.js" in html and "/static/django_htmx/htmx" in html
    assert '"allowEval": false' in html  # htmx may not eval: hx-on is not used
    assert "http://" not in re.sub(r'xmlns="[^"]+"', "", html.split("<body")[0])


def test_session_and_csrf_cookies(client, tenant_a):
    login = client.get("/login/")
    csrf = login.cookies["csrftoken"]
    assert csrf["samesite"] == "Lax"
    response = client.post("/login/", {"username": tenant_a.user.username,
                                       "password": f.PASSWORD})
    session = response.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax"
    assert not session["secure"]  # development; production: see the test below


def test_production_settings_turn_on_secure_cookies_hsts_and_ssl_redirect():
    code = ("import json, django; from django.conf import settings as s; "
            "print(json.dumps({k: getattr(s, k) for k in ['SESSION_COOKIE_SECURE', "
            "'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE', "
            "'CSRF_COOKIE_SAMESITE', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', "
            "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'DEBUG', 'X_FRAME_OPTIONS', "
            "'SECURE_CONTENT_TYPE_NOSNIFF']}))")
    env = {**os.environ, "ORION_ENV": "production", "DJANGO_SETTINGS_MODULE": "orion.settings",
           "ORION_SECRET_KEY": "s" * 60, "ORION_ALLOWED_HOSTS": "orion.example.com",
           "ORION_BROADWORKS_PASSWORD": "the-real-ocip-password",
           "ORION_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=60, check=True).stdout
    values = json.loads(out.strip().splitlines()[-1])
    assert values == {
        "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True, "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SAMESITE": "Lax", "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "DEBUG": False, "X_FRAME_OPTIONS": "DENY", "SECURE_CONTENT_TYPE_NOSNIFF": True}


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "ORION_SECRET_KEY"}
    env.update(ORION_ENV="production", DJANGO_SETTINGS_MODULE="orion.settings")
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "ORION_SECRET_KEY" in result.stderr


@pytest.mark.parametrize("password,problem", [
    ("short-1A!", "too short"),
    ("password1234", "too common"),
    ("839201748261", "entirely numeric"),
    ("agentsmith-example", "too similar"),
])
def test_password_validators_refuse_weak_passwords(password, problem, tenant_a):
    user = tenant_a.user
    user.username, user.email = "agentsmith", "agentsmith-example@example.com"
    with pytest.raises(ValidationError) as exc:
        validate_password(password, user=user)
    assert problem in " ".join(exc.value.messages)


def test_a_strong_password_passes(tenant_a):
    validate_password("correct horse battery staple 42", user=tenant_a.user)


def test_password_reset_form_enforces_the_validators(client, tenant_a):
    from django.contrib.auth.forms import SetPasswordForm

    form = SetPasswordForm(tenant_a.user, {"new_password1": "12345678",
                                           "new_password2": "12345678"})
    assert not form.is_valid()
    assert "too short" in str(form.errors)
