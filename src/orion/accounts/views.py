"""Enterprise and customer account pages, with the tabs of the source document; the
throttled password reset."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from orion.accounts.http import AuthedRequest
from orion.accounts.search import SearchPage, account_search
from orion.accounts.selectors import (
    ACCOUNT_SORTS,
    account_list,
    customer_get,
    customer_numbers,
    enterprise_get,
)
from orion.core.exceptions import NotFound, Throttled
from orion.core.http import page_number, throttled_response
from orion.core.throttle import client_address, first_refusal, normalize_identity, throttle_hit
from orion.orders.selectors import customer_services, order_list
from orion.users.selectors import customer_users

ENTERPRISE_TABS = [("overview", "Overview"), ("customers", "Customers"),
                   ("orderforms", "OrderForms"), ("orders", "Orders")]
CUSTOMER_TABS = [("overview", "Overview"), ("orderforms", "OrderForms"), ("orders", "Orders"),
                 ("users", "Users"), ("billing", "Billing")]


def enterprise_detail(request: AuthedRequest, pk: int, tab: str = "overview") -> HttpResponse:
    if tab not in dict(ENTERPRISE_TABS):
        raise NotFound("No such tab.")
    enterprise = enterprise_get(user=request.user, enterprise_id=pk)
    context = {"enterprise": enterprise, "tabs": ENTERPRISE_TABS, "tab": tab,
               "tab_base": f"/enterprises/{enterprise.pk}/",
               "customers": enterprise.customers.all()}
    if tab == "orders":
        context["orders"] = order_list(user=request.user).filter(enterprise=enterprise)
    return render(request, "accounts/enterprise.html", context)


def account_index(request: AuthedRequest) -> HttpResponse:
    """The Accounts page: the user's enterprises with their customers, filtered and sorted."""
    name = request.GET.get("name", "")[:80]
    sort = request.GET.get("sort", "name")
    sort = sort if sort in ACCOUNT_SORTS else "name"
    show_cancelled = request.GET.get("cancelled") == "1"
    page, rows = account_list(user=request.user, name=name, sort=sort,
                              show_cancelled=show_cancelled, page=page_number(request))
    return render(request, "accounts/accounts.html", {
        "page": page, "rows": rows, "name": name, "sort": sort,
        "show_cancelled": show_cancelled})


def customer_detail(request: AuthedRequest, pk: int, tab: str = "overview") -> HttpResponse:
    if tab not in dict(CUSTOMER_TABS):
        raise NotFound("No such tab.")
    customer = customer_get(user=request.user, customer_id=pk)
    context = {"customer": customer, "enterprise": customer.enterprise, "tabs": CUSTOMER_TABS,
               "tab": tab, "tab_base": f"/customers/{customer.pk}/"}
    if tab == "overview":
        context["services"] = customer_services(customer=customer)
        context["numbers"] = customer_numbers(customer=customer)
    if tab == "orders":
        context["orders"] = order_list(user=request.user).filter(customer=customer)
    if tab == "users":
        context["users"] = customer_users(user=request.user, customer_id=customer.pk)
    if tab == "billing":
        from orion.billing.selectors import customer_billing

        context["billing"] = customer_billing(user=request.user, customer_id=customer.pk)
    return render(request, "accounts/customer.html", context)


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, limited per address and per e-mail address.

    Every request counts, whether or not the address belongs to a user, so a 429 tells an
    attacker nothing about which e-mail addresses exist; the limits stop reset e-mails being
    sent in bulk to one mailbox (``ORION_THROTTLES["reset_email"]``) or from one address
    (``["reset_address"]``).
    """

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        email = normalize_identity(str(request.POST.get("email", "")))
        refusal = first_refusal([throttle_hit("reset_address", client_address(request)),
                                 throttle_hit("reset_email", email)])
        if not refusal.allowed:
            return throttled_response(request, Throttled(
                "Too many password reset requests from your address or for this e-mail "
                "address.", retry_after=refusal.retry_after))
        return super().post(request, *args, **kwargs)


def search(request: AuthedRequest) -> HttpResponse:
    """The search bar on every page: accounts by name, with their Role."""
    query = request.GET.get("q", "")
    if any(ord(ch) < 32 for ch in query):
        # PostgreSQL refuses NUL in text (a 500 before this check); no name has control chars.
        messages.error(request, "The search contains control characters; type a name.")
        empty = SearchPage(query="", hits=[], page=1, has_next=False)
        return render(request, "accounts/search.html", {"results": empty}, status=400)
    page = account_search(user=request.user, query=query, page=page_number(request),
                          page_size=settings.ORION_SEARCH_PAGE_SIZE)
    return render(request, "accounts/search.html", {"results": page})
