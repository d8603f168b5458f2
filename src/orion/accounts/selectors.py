"""Reads on accounts, scoped to the user: the account pages. The search bar's engine is
``orion.accounts.search``."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import CharField, Func, Q, Value
from django.db.models.functions import Lower

from orion.accounts.models import Customer, Enterprise, User, Viewer
from orion.core.exceptions import NotFound
from orion.numbers.models import DID
from orion.numbers.states import NumberState


def enterprise_get(*, user: User, enterprise_id: int) -> Enterprise:
    """The enterprise if this user may see it; 404 otherwise (never 403: no existence leak)."""
    enterprise = (Enterprise.objects.visible_to(user).select_related("partner")
                  .filter(pk=enterprise_id).first())
    if enterprise is None:
        raise NotFound("No such enterprise.")
    return enterprise


def customer_get(*, user: User, customer_id: int) -> Customer:
    customer = (Customer.objects.visible_to(user).select_related("enterprise__partner")
                .filter(pk=customer_id).first())
    if customer is None:
        raise NotFound("No such customer.")
    return customer


ACCOUNT_SORTS = {"name": ("name", "id"), "newest": ("-created_at", "-id")}
ACCOUNTS_PAGE_SIZE = 25


@dataclass(frozen=True)
class AccountRow:
    """One enterprise of the Accounts page, with the customers shown under it."""

    enterprise: Enterprise
    customers: list[Customer]

    @property
    def status(self) -> str:
        return "Cancelled" if self.enterprise.cancelled_at is not None else "Active"


def account_list(*, user: Viewer, name: str = "", sort: str = "name",
                 show_cancelled: bool = False, page: int = 1,
                 page_size: int = ACCOUNTS_PAGE_SIZE) -> tuple[Page, list[AccountRow]]:
    """The Accounts page: the user's enterprises, each with its customers, one page of them.

    ``name`` keeps the enterprises whose name, or one of whose customers' names, contains it
    (any case); cancelled enterprises and customers are left out unless ``show_cancelled``.
    """
    name = " ".join(name.split())
    customers = Customer.objects.visible_to(user)
    enterprises = Enterprise.objects.visible_to(user).select_related("partner")
    if not show_cancelled:
        customers = customers.filter(cancelled_at__isnull=True)
        enterprises = enterprises.filter(cancelled_at__isnull=True)
    if name:
        enterprises = enterprises.filter(
            Q(name__icontains=name)
            | Q(pk__in=customers.filter(name__icontains=name).values("enterprise_id")))
    enterprises = enterprises.order_by(*ACCOUNT_SORTS.get(sort, ACCOUNT_SORTS["name"]))
    paged = Paginator(enterprises, page_size).get_page(page)
    shown = list(paged.object_list)
    by_enterprise: dict[int, list[Customer]] = {e.pk: [] for e in shown}
    rows = customers.filter(enterprise_id__in=list(by_enterprise)).order_by(
        *ACCOUNT_SORTS.get(sort, ACCOUNT_SORTS["name"]))
    for customer in rows:
        by_enterprise[customer.enterprise_id].append(customer)
    return paged, [AccountRow(enterprise=e, customers=by_enterprise[e.pk]) for e in shown]


def customer_numbers(*, customer: Customer) -> list[DID]:
    """The DIDs assigned to the customer (what its Overview tab lists), in number order."""
    return list(DID.objects.filter(customer=customer, state=NumberState.ASSIGNED)
                .select_related("e911").order_by("e164"))


def name_fold(name: str) -> str:
    """A name as duplicates are compared: lower case, letters and digits only
    ("ACME Corp." and "acme corp" fold alike)."""
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _folded(column: str) -> Func:
    # PostgreSQL's side of name_fold: [:alnum:] follows the database's locale, like isalnum.
    return Func(Lower(column), Value("[^[:alnum:]]+"), Value(""), Value("g"),
                function="regexp_replace", output_field=CharField())


@dataclass(frozen=True)
class DuplicateAccount:
    """An active account whose name folds to the same as a new one's."""

    role: str  # "Enterprise" or "Customer"
    id: int
    name: str
    enterprise_name: str

    @property
    def url(self) -> str:
        return f"/{'enterprises' if self.role == 'Enterprise' else 'customers'}/{self.id}/"


def account_duplicate_find(*, partner_id: int, role: str, name: str) -> DuplicateAccount | None:
    """The partner's active (not cancelled) enterprise or customer (``role``) whose name is
    ``name`` with case and punctuation folded, if any: what Save Order warns about."""
    folded = name_fold(name)
    if not folded:
        return None
    if role == "Enterprise":
        enterprise = (Enterprise.objects.filter(partner_id=partner_id, cancelled_at__isnull=True)
                      .annotate(folded=_folded("name")).filter(folded=folded)
                      .order_by("id").first())
        if enterprise is None:
            return None
        return DuplicateAccount(role="Enterprise", id=enterprise.pk, name=enterprise.name,
                                enterprise_name=enterprise.name)
    customer = (Customer.objects.filter(partner_id=partner_id, cancelled_at__isnull=True,
                                        enterprise__cancelled_at__isnull=True)
                .select_related("enterprise").annotate(folded=_folded("name"))
                .filter(folded=folded).order_by("id").first())
    if customer is None:
        return None
    return DuplicateAccount(role="Customer", id=customer.pk, name=customer.name,
                            enterprise_name=customer.enterprise.name)
