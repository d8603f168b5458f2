"""Reads on accounts, scoped to the user: the search bar and the account pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.shortcuts import get_object_or_404

from orion.accounts.models import Customer, Enterprise, User

SEARCH_MAX_QUERY = 80


@dataclass(frozen=True)
class AccountHit:
    """One row of the search results table."""

    role: str  # "Enterprise" or "Customer"
    id: int
    name: str
    enterprise_id: int
    enterprise_name: str
    city: str
    partner_name: str

    @property
    def url(self) -> str:
        kind = "enterprises" if self.role == "Enterprise" else "customers"
        return f"/{kind}/{self.id}/"


@dataclass(frozen=True)
class SearchPage:
    query: str
    hits: list[AccountHit]
    page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _like_pattern(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# One statement over both tables. Each arm filters with ILIKE '%q%' on the account name, which
# PostgreSQL serves from the pg_trgm GIN index on that name; rows are ranked exact match first,
# then names starting with the query, then trigram similarity. Asking for one row more than a
# page tells whether there is a next page without counting every match.
_SEARCH_SQL = """
SELECT role, id, name, enterprise_id, enterprise_name, city, partner_name FROM (
    SELECT 'Enterprise' AS role, e.id, e.name, e.id AS enterprise_id, e.name AS enterprise_name,
           '' AS city, p.name AS partner_name, e.partner_id
      FROM accounts_enterprise e JOIN accounts_partner p ON p.id = e.partner_id
     WHERE e.name ILIKE %(pattern)s {enterprise_scope}
    UNION ALL
    SELECT 'Customer', c.id, c.name, e.id, e.name, c.city, p.name, e.partner_id
      FROM accounts_customer c
      JOIN accounts_enterprise e ON e.id = c.enterprise_id
      JOIN accounts_partner p ON p.id = e.partner_id
     WHERE c.name ILIKE %(pattern)s {enterprise_scope}
) hits
ORDER BY lower(name) = lower(%(query)s) DESC,
         lower(name) LIKE lower(%(prefix)s) DESC,
         similarity(name, %(query)s) DESC,
         name, role DESC, id
LIMIT %(limit)s OFFSET %(offset)s
"""


def search_sql(*, scoped: bool) -> str:
    return _SEARCH_SQL.format(enterprise_scope="AND e.partner_id = %(partner_id)s" if scoped
                              else "")


def account_search(*, user: User, query: str, page: int = 1, page_size: int = 25) -> SearchPage:
    """Accounts whose name contains ``query`` (any case, partial words), best matches first.

    A partner's user sees only that partner's accounts; provider staff see all.
    """
    query = " ".join((query or "").split())[:SEARCH_MAX_QUERY]
    page = max(1, page)
    if not query or not user.is_authenticated:
        return SearchPage(query=query, hits=[], page=page, has_next=False)
    scoped = not user.is_provider_staff
    if scoped and user.partner_id is None:
        return SearchPage(query=query, hits=[], page=page, has_next=False)
    params = {
        "pattern": _like_pattern(query),
        "prefix": _like_pattern(query)[1:],
        "query": query,
        "limit": page_size + 1,
        "offset": (page - 1) * page_size,
        "partner_id": user.partner_id,
    }
    with connection.cursor() as cursor:
        cursor.execute(search_sql(scoped=scoped), params)
        rows = cursor.fetchall()
    hits = [AccountHit(*row) for row in rows[:page_size]]
    return SearchPage(query=query, hits=hits, page=page, has_next=len(rows) > page_size)


def enterprise_get(*, user: User, enterprise_id: int) -> Enterprise:
    """The enterprise if this user may see it; 404 otherwise (never 403: no existence leak)."""
    return get_object_or_404(
        Enterprise.objects.visible_to(user).select_related("partner"), pk=enterprise_id
    )


def customer_get(*, user: User, customer_id: int) -> Customer:
    return get_object_or_404(
        Customer.objects.visible_to(user).select_related("enterprise__partner"), pk=customer_id
    )
