"""Small factories for tests: real rows through the real services, no mocks."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from orion.accounts.models import Customer, Enterprise, Partner, User
from orion.accounts.services import customer_create, enterprise_create
from orion.catalog.models import OrderType, Package
from orion.orders import services as order_services
from orion.orders.models import Order, OrderKind

PASSWORD = "a-long-test-password-123"
_seq = itertools.count(1)


def make_partner(name: str | None = None) -> Partner:
    return Partner.objects.create(name=name or f"Partner {next(_seq)}")


def make_user(*, partner: Partner | None, username: str | None = None) -> User:
    user = User(username=username or f"user{next(_seq)}", partner=partner,
                is_staff=partner is None, email=f"u{next(_seq)}@example.com")
    user.set_password(PASSWORD)
    user.save()
    return user


def make_enterprise(*, partner: Partner, name: str | None = None,
                    default_domain: str = "") -> Enterprise:
    return enterprise_create(partner=partner, name=name or f"Enterprise {next(_seq)}",
                             created_by=None, default_domain=default_domain)


def make_customer(*, enterprise: Enterprise, name: str | None = None, domain: str = "",
                  city: str = "New York", service_type: str = "hosted") -> Customer:
    return customer_create(
        enterprise=enterprise, name=name or f"Customer {next(_seq)}", service_type=service_type,
        address_line1="1 Main Street", city=city, state="NY", zip_code="10001",
        contact_name="Pat Doe", contact_phone="2125550100", contact_email="pat@example.com",
        domain=domain, time_zone="America/New_York")


def package(name: str) -> Package:
    return Package.objects.get(name=name)


def order_type(name: str) -> OrderType:
    return OrderType.objects.get(name=name)


def new_customer_details(**overrides: object) -> order_services.OrderDetails:
    values: dict[str, object] = {
        "billing_start_date": timezone.localdate() + timedelta(days=7),
        "company_name": "Brand New Co", "address_line1": "9 Elm Street", "city": "Boston",
        "state_code": "MA", "zip_code": "02108", "contact_name": "Sam Smith",
        "contact_phone": "6175550100", "contact_email": "sam@brandnew.example",
        "domain": "brandnew.example", "time_zone": "America/New_York", "notes": "",
    }
    values.update(overrides)
    return order_services.OrderDetails(**values)  # type: ignore[arg-type]


def draft_with_packages(*, user: User, enterprise: Enterprise,
                        packages: tuple[str, ...] = ("Enterprise Standard",)) -> Order:
    order = order_services.order_start(user=user, kind=OrderKind.NEW_CUSTOMER,
                                       enterprise=enterprise)
    for name in packages:
        p = package(name)
        order_services.order_lines_add(user=user, order_id=order.pk,
                                       order_type_id=p.order_type_id, package_ids=[p.pk])
    return order
