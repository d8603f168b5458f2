"""Enterprise and customer account pages, with the tabs of the source document."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from orion.accounts.selectors import customer_get, enterprise_get
from orion.orders.selectors import order_list

ENTERPRISE_TABS = [("overview", "Overview"), ("customers", "Customers"),
                   ("orderforms", "OrderForms"), ("orders", "Orders")]
CUSTOMER_TABS = [("overview", "Overview"), ("orderforms", "OrderForms"), ("orders", "Orders"),
                 ("billing", "Billing")]


def enterprise_detail(request: HttpRequest, pk: int, tab: str = "overview") -> HttpResponse:
    if tab not in dict(ENTERPRISE_TABS):
        raise Http404
    enterprise = enterprise_get(user=request.user, enterprise_id=pk)
    context = {"enterprise": enterprise, "tabs": ENTERPRISE_TABS, "tab": tab,
               "tab_base": f"/enterprises/{enterprise.pk}/",
               "customers": enterprise.customers.all()}
    if tab == "orders":
        context["orders"] = order_list(user=request.user).filter(enterprise=enterprise)
    return render(request, "accounts/enterprise.html", context)


def customer_detail(request: HttpRequest, pk: int, tab: str = "overview") -> HttpResponse:
    if tab not in dict(CUSTOMER_TABS):
        raise Http404
    customer = customer_get(user=request.user, customer_id=pk)
    context = {"customer": customer, "enterprise": customer.enterprise, "tabs": CUSTOMER_TABS,
               "tab": tab, "tab_base": f"/customers/{customer.pk}/"}
    if tab == "orders":
        context["orders"] = order_list(user=request.user).filter(customer=customer)
    if tab == "billing":
        from orion.billing.selectors import customer_billing

        context["billing"] = customer_billing(user=request.user, customer_id=customer.pk)
    return render(request, "accounts/customer.html", context)
