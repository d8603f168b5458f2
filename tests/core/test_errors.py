"""The pages' one error mapping (``orion.core.middleware.OrionErrorMiddleware``) and the 404,
403 and 500 pages.

Views and selectors raise ``NotFound`` and let it go: a domain error that reaches the page
must give the 404 page with the normal navigation, never a 500 (as it did before the
middleware, for a service ``NotFound`` no view translated).
"""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.template.loader import get_template
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from orion.api.services import token_create
from orion.core.exceptions import NotFound, OrionError, PermissionDenied, Throttled
from orion.core.middleware import OrionErrorMiddleware
from tests import factories as f

pytestmark = pytest.mark.django_db


def _is_404_page(response) -> bool:
    html = response.content.decode()
    # The 404 page extends the normal layout: the search bar and the navigation are there.
    return (response.status_code == 404 and 'id="not-found"' in html
            and 'role="search"' in html and reverse("orders:list") in html)


def test_a_service_not_found_reaching_a_page_is_the_404_page(client, tenant_a, tenant_b):
    """``token_revoke`` raises NotFound for another user's token and the view does not catch
    it: the middleware turns it into the 404 page."""
    token = token_create(user=tenant_a.user, name="a's").token
    client.force_login(tenant_b.user)
    response = client.post(reverse("api_token_revoke", args=[token.pk]))
    assert _is_404_page(response)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_without_the_middleware_the_same_not_found_is_a_500(client, settings, tenant_a,
                                                            tenant_b):
    """What the middleware fixes: Django knows nothing of ``NotFound``, so a service's
    NotFound reaching a page is a server error without it."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("OrionErrorMiddleware")]
    token = token_create(user=tenant_a.user, name="a's").token
    client.force_login(tenant_b.user)
    client.raise_request_exception = False
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 500


def test_selectors_raise_not_found_and_pages_answer_404(client_a, tenant_b):
    """The account and order selectors raise NotFound (not Http404) for what the user may
    not see; the page is the same 404 as for an id that does not exist."""
    other = f.draft_with_packages(user=tenant_b.user, enterprise=tenant_b.enterprise)
    for path in (f"/enterprises/{tenant_b.enterprise.pk}/", f"/customers/{tenant_b.customer.pk}/",
                 f"/orders/{other.pk}/", "/orders/999999999/", "/enterprises/999999999/",
                 f"/enterprises/{tenant_b.enterprise.pk}/no-such-tab/"):
        assert _is_404_page(client_a.get(path)), path


@pytest.mark.parametrize("path", ["/numbers/", "/numbers/backorders/", "/audit/",
                                  "/numbers/number/?id=1"])
def test_staff_pages_are_404_for_partners_from_the_selector_alone(client_a, path):
    """The views hold no staff check of their own: the selector's ``require_provider_staff``
    is the rule, and its NotFound is the 404 page."""
    assert _is_404_page(client_a.get(path))


def test_staff_actions_are_404_for_partners_from_the_service_alone(client_a):
    for path, data in ((reverse("orders:numbers:number_action"), {"id": "1",
                                                                   "action": "release"}),
                       (reverse("orders:numbers:backorder_fill"), {"id": "1"})):
        assert _is_404_page(client_a.post(path, data)), path


def test_the_oci_log_is_404_for_the_partner_who_owns_the_order(client, tenant_a, staff):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    client.force_login(tenant_a.user)
    assert _is_404_page(client.get(f"/orders/{order.pk}/oci-log/"))
    client.force_login(staff)
    assert client.get(f"/orders/{order.pk}/oci-log/").status_code == 200


def test_staff_see_a_missing_number_as_404(client, staff):
    client.force_login(staff)
    assert _is_404_page(client.get("/numbers/number/?id=999999999"))


# --- the mapping itself, for errors no view raises today ------------------------------------

def _request(method: str = "get", *, htmx: bool = False, referer: str = ""):
    factory = RequestFactory()
    headers = {"HTTP_REFERER": referer} if referer else {}
    request = getattr(factory, method)("/somewhere/", **headers)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    request.htmx = htmx
    request.user = f.make_user(partner=None, username="errors-staff")
    return request


def _handle(request, exc: Exception):
    return OrionErrorMiddleware(lambda r: None).process_exception(request, exc)


def test_permission_denied_is_the_403_page():
    response = _handle(_request(), PermissionDenied("Only the order's author may do this."))
    assert response.status_code == 403
    assert "Only the order&#x27;s author may do this." in response.content.decode()


def test_an_orion_error_in_htmx_is_the_error_fragment():
    response = _handle(_request("post", htmx=True), OrionError("Choose another domain."))
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#form-errors"
    assert "Choose another domain." in response.content.decode()


def test_an_orion_error_on_a_full_page_post_is_a_message_and_a_redirect_back():
    request = _request("post", referer="http://testserver/orders/7/")
    response = _handle(request, OrionError("Choose another domain."))
    assert response.status_code == 302 and response["Location"] == "http://testserver/orders/7/"
    assert [m.message for m in get_messages(request)] == ["Choose another domain."]


def test_a_redirect_back_never_leaves_the_site():
    request = _request("post", referer="https://evil.example/phish")
    response = _handle(request, OrionError("No."))
    assert response["Location"] == reverse("dashboard")


def test_an_orion_error_on_a_full_page_get_is_a_page_with_the_message():
    response = _handle(_request(), OrionError("This order has been saved."))
    assert response.status_code == 422
    assert "This order has been saved." in response.content.decode()


def test_throttled_is_429_with_retry_after():
    response = _handle(_request(), Throttled("Too many attempts.", retry_after=90))
    assert response.status_code == 429 and response["Retry-After"] == "90"


def test_other_exceptions_are_left_to_django():
    assert _handle(_request(), ValueError("bug")) is None


def test_not_found_through_the_mapping_is_the_404_page():
    response = _handle(_request(), NotFound("No such order."))
    assert response.status_code == 404 and 'id="not-found"' in response.content.decode()


# --- 500 ---------------------------------------------------------------------------------------

def test_the_500_page_renders_without_any_request_context():
    """Django renders 500.html with an empty context; it must not need the user, the
    database, URL reversing or the static manifest."""
    html = get_template("500.html").render()
    assert 'id="server-error"' in html and 'href="/orders/"' in html
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500 and b"Something went wrong on our side" in response.content
