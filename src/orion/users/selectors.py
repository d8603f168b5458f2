"""Reads of users (seats): an order's users for the form, the sheet and the API; a customer's
users for its Users tab; and what provisioning sends to BroadWorks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from orion.accounts.models import Customer, User
from orion.accounts.selectors import customer_get
from orion.core.compiled import Read, by_order, fetch
from orion.numbers.models import DID
from orion.numbers.nanp import display
from orion.orders.models import Order
from orion.orders.states import OrderState
from orion.users import rules
from orion.users.models import OrderUser


def order_users(*, order: Order) -> list[OrderUser]:
    users = by_order(OrderUser, [order.pk], "order_users", related=("number", "line__package"))
    for user in users:
        user.order = order  # as ``order.users`` would: no query to reach it
    return users


@dataclass(frozen=True)
class UserRow:
    """One user as the order form shows it, with the problems the rules find in it."""

    user: OrderUser
    problems: dict[str, list[str]]

    @property
    def problem_list(self) -> list[str]:
        return [m for msgs in self.problems.values() for m in msgs]


def order_user_rows(*, order: Order, on_order: list[DID] | None = None,
                    ) -> tuple[list[UserRow], rules.Group]:
    """The order's users with each row's problems (a duplicate extension, a number that left
    the order, ...), so the form marks them where they are. ``on_order``: the order's numbers
    if the caller has read them (``OrderNumbers.on_order``)."""
    users = order_users(order=order)
    group = rules.group_for(order, on_order=on_order)
    problems = rules.users_problems(group, [rules.Candidate.of(u) for u in users])
    return [UserRow(u, problems.get(i, {})) for i, u in enumerate(users)], group


def customer_users(*, user: User, customer_id: int) -> list[OrderUser]:
    """The customer's users from Orion's records: the live users of its orders that were not
    cancelled (the Users tab, the API). Scoped to the viewer: another partner's customer is a
    NotFound."""
    customer = customer_get(user=user, customer_id=customer_id)
    return list(OrderUser.objects.live().filter(customer=customer)
                .exclude(order__state=OrderState.CANCELLED)
                .select_related("number", "line__package", "order")
                .order_by("extension"))


@dataclass(frozen=True)
class ProvisioningUser:
    """What BroadWorks needs to create one user and its phone (UserAddRequest17sp4,
    UserServiceAssignListRequest, GroupAccessDeviceAddRequest14)."""

    user_id: str
    first_name: str
    last_name: str
    calling_line_id_first_name: str
    calling_line_id_last_name: str
    extension: str
    phone_number: str | None  # BroadWorks' form, +1-2125550100; None: extension only
    email: str
    service_pack: str  # the seat package's service pack
    device_type: str  # empty: no phone
    mac_address: str
    device_name: str  # the group access device's name (unique in the group)
    line_port: str  # <userpart>@<domain>, the device's line port for this user


def _domain(customer: Customer) -> str:
    return customer.group_domain or settings.ORION_BROADWORKS_SYSTEM_DOMAIN


def provisioning_users_read(order: Order) -> Read:
    """The read of ``order_users_for_provisioning``, for a caller that sends it together
    with others (``core.compiled.fetch_many``): plain rows, not model instances, since a
    provisioning round reads every user of the order."""
    return Read("provisioning_users", lambda pk: (
        OrderUser.objects.live().filter(order_id=pk).order_by("position").values_list(
            "user_id", "first_name", "last_name", "extension", "number__e164", "email",
            "line__package__bw_name", "device_type", "mac_address")), order.pk)


def order_users_for_provisioning(order: Order, rows: list[tuple[Any, ...]] | None = None,
                                 ) -> list[ProvisioningUser]:
    """The users a placed order adds to its group, in order, for the provisioning plan.

    Only this order's users: an add-services order leaves the customer's existing users as
    they are. Names are BroadWorks-length already (30); the calling line id names are the
    same names. ``rows``: what ``provisioning_users_read`` returned, when the caller read it.
    """
    if order.customer is None:
        return []
    domain = _domain(order.customer)
    result = []
    if rows is None:
        read = provisioning_users_read(order)
        rows = fetch(read.key, read.build, read.value)
    for user_id, first, last, extension, e164, email, pack, device_type, mac in rows:
        userpart = user_id.split("@", 1)[0]
        result.append(ProvisioningUser(
            user_id=user_id, first_name=first, last_name=last,
            calling_line_id_first_name=first, calling_line_id_last_name=last,
            extension=extension,
            phone_number=f"+1-{e164.removeprefix('+1')}" if e164 else None,
            email=email, service_pack=pack, device_type=device_type, mac_address=mac,
            device_name=f"{userpart}_phone"[:40] if device_type else "",
            line_port=f"{userpart}@{domain}" if device_type else ""))
    return result


def number_display(user: OrderUser) -> str:
    return display(user.number.e164) if user.number else ""
