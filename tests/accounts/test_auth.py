from __future__ import annotations

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from orion.accounts.models import User
from tests import factories as f


@pytest.mark.django_db
def test_log_in_and_out(client, tenant_a):
    response = client.post("/login/", {"username": tenant_a.user.username,
                                       "password": f.PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_login_is_throttled_after_five_failures(client, tenant_a):
    for _ in range(5):
        client.post("/login/", {"username": tenant_a.user.username, "password": "wrong"})
    locked = client.post("/login/", {"username": tenant_a.user.username,
                                     "password": f.PASSWORD})
    assert locked.status_code == 429
    assert "Too many failed log-ins" in locked.content.decode()
    assert client.get("/").status_code == 302  # still not logged in


@pytest.mark.django_db
def test_password_reset_sends_a_working_link(client, tenant_a, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.post("/password-reset/", {"email": tenant_a.user.email})
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line).strip()
    path = link[link.index("/reset/"):]
    form = client.get(path, follow=True)
    assert form.status_code == 200 and "Choose a new password" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "brand-new-secret-42!",
                                                    "new_password2": "brand-new-secret-42!"})
    assert done.status_code == 302
    assert User.objects.get(pk=tenant_a.user.pk).check_password("brand-new-secret-42!")


@pytest.mark.django_db
def test_user_is_partner_user_or_staff_never_both(tenant_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="both", partner=tenant_a.partner, is_staff=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="neither", partner=None, is_staff=False)


def test_a_logged_in_page_loads_the_user_with_its_partner(client, tenant_a,
                                                          django_assert_num_queries):
    """Every page names the partner in its header: the session's user comes with it, in one
    query; a deactivated user is logged out as before."""
    from orion.accounts.auth import ThrottledModelBackend

    backend = ThrottledModelBackend()
    with django_assert_num_queries(1):
        user = backend.get_user(tenant_a.user.pk)
        assert user.partner.name == tenant_a.partner.name
    User.objects.filter(pk=tenant_a.user.pk).update(is_active=False)
    assert backend.get_user(tenant_a.user.pk) is None
    assert backend.get_user(10**9) is None

    User.objects.filter(pk=tenant_a.user.pk).update(is_active=True)
    client.post("/login/", {"username": tenant_a.user.username, "password": f.PASSWORD})
    page = client.get("/").content.decode()
    assert tenant_a.partner.name in page
