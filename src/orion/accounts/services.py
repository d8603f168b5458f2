"""Writes on accounts: creating enterprises and customers with their BroadWorks ids."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import IntegrityError, transaction

from orion.accounts.exceptions import DomainInUse
from orion.accounts.models import Customer, Domain, Enterprise, Partner, User


def bw_token(name: str, *, max_length: int = 30) -> str:
    """A BroadWorks id token from a name: ASCII letters, digits and underscores, 1-30 long."""
    token = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")
    return (token or "account")[:max_length]


def _unique_token(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    for n in range(2, 100_000):
        suffix = f"_{n}"
        candidate = base[: 30 - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
    raise RuntimeError("no free BroadWorks id")  # pragma: no cover - 100k collisions


def enterprise_create(*, partner: Partner, name: str, created_by: User | None,
                      default_domain: str = "") -> Enterprise:
    """Create an enterprise with a fresh, unique BroadWorks service provider id.

    ``default_domain`` is its first customer's domain; without one the enterprise takes the
    system domain (BroadWorks needs a default domain for every service provider).
    """
    base = bw_token(name)
    taken = set(
        Enterprise.objects.filter(bw_service_provider_id__startswith=base[:20]).values_list(
            "bw_service_provider_id", flat=True)
    )
    return Enterprise.objects.create(
        partner=partner, name=name, created_by=created_by,
        bw_service_provider_id=_unique_token(base, taken),
        default_domain=default_domain or settings.ORION_BROADWORKS_SYSTEM_DOMAIN,
    )


def domain_claim(*, enterprise: Enterprise, domain: str) -> None:
    """Record that ``enterprise`` uses ``domain``; refuse a domain of another enterprise.

    The unique index on the domain name is the guarantee; the query before it only turns the
    common case into a message that names the other enterprise when the user may see it.
    The system domain is every enterprise's in BroadWorks (a typed one is not claimed, or
    the first enterprise to type it would lock every other out of it).
    """
    if not domain or domain.lower() == settings.ORION_BROADWORKS_SYSTEM_DOMAIN.lower():
        return
    existing = Domain.objects.filter(name__iexact=domain).select_related("enterprise").first()
    if existing is not None:
        if existing.enterprise_id == enterprise.pk:
            return
        raise DomainInUse(
            f'The domain "{domain}" is already used by another enterprise; BroadWorks allows a '
            "domain in one enterprise only. Choose another domain.", field="domain")
    try:
        with transaction.atomic():
            Domain.objects.create(name=domain, enterprise=enterprise)
    except IntegrityError as exc:
        raise DomainInUse(
            f'The domain "{domain}" was just taken by another enterprise. Choose another domain.',
            field="domain") from exc




def customer_create(*, enterprise: Enterprise, **fields: object) -> Customer:
    """Create a customer (BroadWorks group) in ``enterprise``; claims its domain first.

    Call inside the caller's transaction: the customer and its domain stand or fall together.
    """
    domain = str(fields.get("domain") or "")
    domain_claim(enterprise=enterprise, domain=domain)
    base = bw_token(str(fields["name"]))
    taken = set(enterprise.customers.values_list("bw_group_id", flat=True))
    return Customer.objects.create(
        enterprise=enterprise, partner_id=enterprise.partner_id,
        bw_group_id=_unique_token(base, taken), **fields
    )
