"""Placing realistic orders for provisioning tests, through the real services."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from orion.accounts.models import User
from orion.numbers.services import numbers_add_range, order_dids_order
from orion.orders import services as order_services
from orion.orders.models import Order, OrderKind
from tests import factories as f

TYPICAL_PACKAGES = {"Enterprise Standard": 6, "Power User": 2, "Auto Attendant": 1,
                    "Hunt Group": 1, "Call Forwarding Always": 3, "Music On Hold": 1,
                    "Voice Mail Add On": 2, "Broadsoft Provisioning Fee": 1,
                    "Virtual Fax Desktop Unlimited": 1, "Receptionist User": 1}


def add_packages(user: User, order: Order, packages: dict[str, int]) -> None:
    for name, quantity in packages.items():
        p = f.package(name)
        order_services.order_lines_add(user=user, order_id=order.pk,
                                       order_type_id=p.order_type_id, package_ids=[p.pk])
        line = order.lines.get(package=p)
        order_services.order_line_set_quantity(user=user, order_id=order.pk, line_id=line.pk,
                                               quantity=quantity)


def stock_numbers(first: int, count: int) -> list[str]:
    numbers_add_range(spec=f"{first}-{first + count - 1}")
    return [f"+1{n}" for n in range(first, first + count)]


def place_order(*, user: User, kind: str, enterprise=None, customer=None,
                packages: dict[str, int], numbers: list[str] = (),
                trunking: list[str] = (), name: str = "New Co", domain: str = "",
                enterprise_name: str = "", service_type: str = "hosted") -> Order:
    order = order_services.order_start(user=user, kind=kind, enterprise=enterprise,
                                       customer=customer)
    add_packages(user, order, packages)
    if numbers or trunking:
        order_dids_order(user=user, order_id=order.pk, numbers=list(numbers),
                         trunking=list(trunking))
    if kind == OrderKind.ADD_SERVICES:
        details = order_services.OrderDetails(
            billing_start_date=timezone.localdate() + timedelta(days=1))
    else:
        details = f.new_customer_details(company_name=name, domain=domain,
                                         enterprise_name=enterprise_name or name,
                                         service_type=service_type)
    return order_services.order_save(user=user, order_id=order.pk, details=details).order


def place_load(*, count: int, enterprises: int, first_number: int, prefix: str,
               domain_for=None) -> list[Order]:
    """``count`` orders across ``enterprises`` new enterprises (2 DIDs each), for the tests
    with real workers; ``domain_for(i, first)`` gives the i-th order's domain."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
    domain_for = domain_for or (lambda i, first: f"{prefix.lower()}{i % enterprises}.example")
    partner = f.make_partner(f"{prefix} Partner")
    user = f.make_user(partner=partner)
    numbers = stock_numbers(first_number, count * 2)
    firsts = [place_order(user=user, kind=OrderKind.NEW_ENTERPRISE,
                          packages={"Enterprise Standard": 2, "Hunt Group": 1},
                          numbers=numbers[i * 2:i * 2 + 2], name=f"{prefix} Ent {i}",
                          domain=domain_for(i, True)) for i in range(enterprises)]
    orders = list(firsts)
    for i in range(enterprises, count):
        orders.append(place_order(
            user=user, kind=OrderKind.NEW_CUSTOMER, enterprise=firsts[i % enterprises].enterprise,
            packages={"Enterprise Standard": 1 + i % 3, "Auto Attendant": 1},
            numbers=numbers[i * 2:i * 2 + 2], name=f"{prefix} Customer {i}",
            domain=domain_for(i, False)))
    return orders
