"""A change order's removals: numbers the customer gives back and users it removes.

Chosen on the change's form (or the API) while it is a draft; Save Order checks them with the
package lines (``removal_problems``: BroadWorks refuses to unassign a number a user still has,
unless that user goes in the same order); provisioning deletes the users and their phones,
then unassigns the numbers from the group and deletes them from the enterprise; completion
(``provisioning.services``) puts the numbers in quarantine (aging, as a released number) and
ends the users' life in Orion's records, in the completion's transaction. Reads and draft
edits only: this module sits below the job queue (provisioning's plan reads it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from orion.accounts.models import User
from orion.core.exceptions import NotFound
from orion.numbers.models import DID
from orion.numbers.nanp import display
from orion.numbers.states import NumberState
from orion.orders.exceptions import OrderError, OrderNotEditable
from orion.orders.models import Order, OrderKind
from orion.orders.states import OrderState
from orion.users.models import ChangeRemoval, OrderUser


def customer_numbers(customer_id: int) -> list[DID]:
    """The customer's numbers in service (assigned), in order: what a change may give back."""
    return list(DID.objects.filter(customer_id=customer_id, state=NumberState.ASSIGNED)
                .order_by("e164"))


def customer_live_users(customer_id: int, *, exclude_order_id: int | None = None
                        ) -> list[OrderUser]:
    """The customer's live users (of orders not cancelled): what a change may remove."""
    users = (OrderUser.objects.live().filter(customer_id=customer_id)
             .exclude(order__state=OrderState.CANCELLED).select_related("number"))
    if exclude_order_id is not None:
        users = users.exclude(order_id=exclude_order_id)
    return list(users.order_by("extension"))


def _draft_change(*, user: User, order_id: int) -> Order:
    order = (Order.objects.visible_to(user).select_for_update(of=("self",), no_key=True)
             .filter(pk=order_id).first())
    if order is None or order.kind != OrderKind.CHANGE:
        raise NotFound("No such change order.")
    if order.state != OrderState.DRAFT:
        raise OrderNotEditable(f"Order {order} has been saved and can no longer be edited.")
    return order


@transaction.atomic
def change_removals_set(*, user: User, order_id: int, number_ids: Iterable[int],
                        user_ids: Iterable[int]) -> list[ChangeRemoval]:
    """Set which numbers the change gives back and which users it removes (the whole set:
    the form's ticks, the API's lists). Only the customer's own numbers in service and live
    users qualify; anything else is refused by name, nothing is changed then."""
    order = _draft_change(user=user, order_id=order_id)
    assert order.customer_id is not None
    numbers = {int(pk) for pk in number_ids}
    users = {int(pk) for pk in user_ids}
    known_numbers = {d.pk for d in customer_numbers(order.customer_id)}
    known_users = {u.pk for u in customer_live_users(order.customer_id,
                                                     exclude_order_id=order.pk)}
    if numbers - known_numbers:
        raise OrderError("One of the numbers is not a number of this customer in service; "
                         "reload the form.", code="unknown_number", field="numbers")
    if users - known_users:
        raise OrderError("One of the users is not a user of this customer; reload the form.",
                         code="unknown_user", field="users")
    ChangeRemoval.objects.filter(order=order).exclude(number_id__in=numbers).filter(
        number__isnull=False).delete()
    ChangeRemoval.objects.filter(order=order).exclude(user_id__in=users).filter(
        user__isnull=False).delete()
    have_numbers = set(ChangeRemoval.objects.filter(order=order, number__isnull=False)
                       .values_list("number_id", flat=True))
    have_users = set(ChangeRemoval.objects.filter(order=order, user__isnull=False)
                     .values_list("user_id", flat=True))
    ChangeRemoval.objects.bulk_create(
        [ChangeRemoval(order=order, number_id=pk) for pk in sorted(numbers - have_numbers)]
        + [ChangeRemoval(order=order, user_id=pk) for pk in sorted(users - have_users)])
    order.save(update_fields=["updated_at"])
    return list(order.removals.all())


@dataclass(frozen=True)
class Removals:
    numbers: list[DID]
    users: list[OrderUser]

    def __bool__(self) -> bool:
        return bool(self.numbers or self.users)


def order_removals(order: Order) -> Removals:
    rows = list(order.removals.select_related("number", "user__number"))
    return Removals(numbers=[r.number for r in rows if r.number is not None],
                    users=[r.user for r in rows if r.user is not None])


def removal_problems(order: Order) -> dict[str, list[str]]:
    """What BroadWorks would refuse of the removals: a number given back that a user keeps
    (the user is named; removing the user in the same order allows it)."""
    removals = order_removals(order)
    if not removals.numbers:
        return {}
    removed = {u.pk for u in removals.users}
    given = {d.pk for d in removals.numbers}
    holders = (OrderUser.objects.live().filter(number_id__in=given)
               .exclude(order__state=OrderState.CANCELLED).exclude(pk__in=removed)
               .select_related("number").order_by("extension"))
    problems = [f"{display(u.number.e164)} is the number of {u.first_name} {u.last_name} "
                f"({u.extension}); remove that user in this change too, or keep the number."
                for u in holders if u.number is not None]
    return {"numbers": problems} if problems else {}


@dataclass(frozen=True)
class RemovalTargets:
    """What provisioning deletes for a change: users (by BroadWorks user id), their phones
    (device names, as ``users.selectors`` names them) and numbers (E.164)."""

    users: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()


def removal_targets(order: Order) -> RemovalTargets:
    if order.kind != OrderKind.CHANGE:
        return RemovalTargets()
    removals = order_removals(order)
    users = tuple(sorted(u.user_id for u in removals.users))
    devices = tuple(sorted(f"{u.user_id.split('@', 1)[0]}_phone"[:40]
                           for u in removals.users if u.device_type))
    numbers = tuple(sorted(d.e164 for d in removals.numbers))
    return RemovalTargets(users=users, devices=devices, numbers=numbers)
