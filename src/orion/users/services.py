"""Writes on users (seats): keep an order's users in step with its seat lines, edit them
(a row, or the whole users sheet), and make them live when Save Order places the order.

A draft's users follow its seat lines (``order_users_sync``): one user per unit, prefilled
(names "User N", extensions from the next free block, the order's numbers in order) so an
order can be saved without typing. Every write checks BroadWorks' rules with
``orion.users.rules``; the database constraints on ``OrderUser`` hold them again.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from orion.accounts.models import User
from orion.audit.services import audit_record
from orion.core.bulk import rows_update
from orion.core.exceptions import NotFound
from orion.numbers.nanp import display
from orion.orders.drafts import STALE_MESSAGE
from orion.orders.exceptions import OrderNotEditable, OrderValidationError, StaleDraft
from orion.orders.models import Order
from orion.orders.states import OrderState
from orion.users import rules
from orion.users.exceptions import UserError, UsersInvalid
from orion.users.models import USER_ID_MAX_LENGTH, OrderUser

logger = logging.getLogger(__name__)

SAVED_MESSAGE = "This order has been saved; its users can no longer be edited here."


def _locked_draft(*, user: User, order_id: int) -> Order:
    order = (Order.objects.visible_to(user).select_for_update(of=("self",), no_key=True)
             .select_related("customer").filter(pk=order_id).first())
    if order is None:
        raise NotFound("No such order.")
    if order.state != OrderState.DRAFT:
        raise OrderNotEditable(SAVED_MESSAGE)
    if order.customer is not None and order.customer.read_only_reason:
        # A disconnected customer's users are history: neither the sheet nor a row changes.
        raise UserError(f"{order.customer.read_only_reason} Its users cannot be changed.",
                        code="customer_disconnected")
    return order


def _next_extension(used: set[str], *, length: int, after: int) -> str:
    """The first free extension after ``after`` (wrapping to the start of the block)."""
    low, high = 10 ** (length - 1), 10 ** length - 1
    for value in itertools.chain(range(max(after + 1, low), high + 1), range(low, high + 1)):
        text = str(value)
        if text not in used:
            return text
    raise UserError(f"No {length}-digit extension is free in this group.",
                    code="no_free_extension", field="extension")


def order_users_sync(*, order: Order) -> str | None:
    """Make the draft's users match its seat lines (the caller holds the draft's lock).

    A seat line of quantity N has N users: missing ones are added prefilled, extra ones (the
    last) removed; a user whose number left the order (or became Is For Trunking) loses it,
    and prefilled users nobody edited yet take the order's free numbers in order.
    Returns why no users could be made (the group's user limit), or None.
    """
    return _users_sync(order)[0]


def _users_sync(order: Order) -> tuple[str | None, rules.Group, list[OrderUser]]:
    """``order_users_sync``, also returning the group's rules and the users as they are now
    (in position order), so Save Order checks them without reading them again."""
    group = rules.group_for(order)
    seat_lines = [line for line in order.lines.select_related("package").order_by("id")
                  if line.package.is_seat]
    # A change order's seat line adds users for its increase only (its previous quantity
    # already has them); other orders' lines have previous quantity 0.
    added = {line.pk: max(0, line.quantity - line.previous_quantity) for line in seat_lines}
    problem = rules.user_limit_problem(group, sum(added.values()))
    if problem:
        return problem, group, []
    users = list(order.users.all())
    stale_numbers = [u.pk for u in users
                     if u.number_id is not None and u.number_id not in group.numbers]
    if stale_numbers:
        OrderUser.objects.filter(pk__in=stale_numbers).update(number=None)
        for u in users:
            if u.pk in stale_numbers:
                u.number_id = None
    by_line: dict[int, list[OrderUser]] = {}
    for u in users:
        by_line.setdefault(u.line_id, []).append(u)
    extra = [u.pk for line in seat_lines
             for u in sorted(by_line.get(line.pk, []), key=lambda u: u.position)[added[line.pk]:]]
    if extra:
        OrderUser.objects.filter(pk__in=extra).delete()
        users = [u for u in users if u.pk not in extra]
    used_ext = group.taken_extensions | {u.extension for u in users}
    used_numbers = group.taken_numbers | {u.number_id for u in users if u.number_id}
    free_numbers = [pk for pk in group.numbers if pk not in used_numbers]
    # Prefilled rows nobody edited (version 1) take the numbers added since, in order.
    untouched = [u for u in sorted(users, key=lambda u: u.position)
                 if u.number_id is None and u.version == 1]
    for u in untouched[:len(free_numbers)]:
        u.number_id = free_numbers.pop(0)
        u.save(update_fields=["number"])
    last = max((int(e) for e in used_ext if e.isdigit()), default=0)
    position = max((u.position for u in users), default=0)
    new: list[OrderUser] = []
    for line in seat_lines:
        for _ in range(max(0, added[line.pk] - len(by_line.get(line.pk, [])))):
            position += 1
            extension = _next_extension(used_ext, length=group.extension_length, after=last)
            used_ext.add(extension)
            last = int(extension)
            new.append(OrderUser(order=order, line=line, position=position, first_name="User",
                                 last_name=str(position), extension=extension,
                                 number_id=free_numbers.pop(0) if free_numbers else None))
    OrderUser.objects.bulk_create(new)
    return None, group, sorted([*users, *new], key=lambda u: (u.position, u.pk or 0))


def order_users_refresh(*, user: User, order_id: int) -> str | None:
    """The order form's Users section: bring the draft's users in step with its lines."""
    with transaction.atomic():
        order = _locked_draft(user=user, order_id=order_id)
        return order_users_sync(order=order)


def _candidate_values(group: rules.Group, values: Mapping[str, object],
                      base: rules.Candidate) -> tuple[rules.Candidate, dict[str, list[str]]]:
    """``base`` with the given fields cleaned and applied; the fields' own errors apart."""
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    cleaners = {
        "first_name": lambda v: rules.clean_name(v, field="first_name"),
        "last_name": lambda v: rules.clean_name(v, field="last_name"),
        "extension": lambda v: rules.clean_extension(v, length=group.extension_length),
        "email": rules.clean_email,
        "device_type": rules.clean_device_type,
        "mac_address": rules.clean_mac,
    }
    for name, value in values.items():
        try:
            if name == "number":
                text = str(value or "").strip()
                did = group.number_by_text(text) if text else None
                if text and did is None:
                    raise UserError(f"{text} is not one of this order's numbers (Is For "
                                    "Trunking numbers cannot be a user's); choose one of the "
                                    "order's numbers or none.", code="number_not_on_order",
                                    field="number")
                fields["number_id"] = did.pk if did else None
            elif name in cleaners:
                fields[name] = cleaners[name](value)
        except UserError as exc:
            errors.setdefault(name, []).append(exc.message)
    candidate = rules.Candidate(**{**base.__dict__, **fields})
    return candidate, errors


@transaction.atomic
def order_user_update(*, user: User, order_id: int, user_pk: int, version: int | None,
                      values: Mapping[str, object]) -> OrderUser:
    """An inline edit of one user on the order form: only the fields given change.

    Refused with the reason, naming the field, when a value breaks a rule; problems of other
    fields of the row (shown on the row) do not stop this edit.
    """
    order = _locked_draft(user=user, order_id=order_id)
    row = order.users.filter(pk=user_pk).first()
    if row is None:
        raise NotFound("That user is not on this order; reload the form.")
    if version is not None and version != row.version:
        raise StaleDraft(STALE_MESSAGE)
    unknown = set(values) - set(rules.USER_FIELDS)
    if unknown:
        raise UserError(f"Not a user field: {', '.join(sorted(unknown))}.", code="unknown_field")
    group = rules.group_for(order)
    users = list(order.users.all())
    index = next(i for i, u in enumerate(users) if u.pk == row.pk)
    candidate, errors = _candidate_values(group, values, rules.Candidate.of(row))
    if not errors:
        candidates = [rules.Candidate.of(u) for u in users]
        candidates[index] = candidate
        found = rules.users_problems(group, candidates, only=index).get(index, {})
        errors = {name: msgs for name, msgs in found.items()
                  if name in values or (name == "device_type" and "mac_address" in values)}
    if errors:
        name, messages = next(iter(errors.items()))
        raise UserError(messages[0], code="user_invalid", field=name)
    changed = [name for name in ("first_name", "last_name", "extension", "number_id", "email",
                                 "device_type", "mac_address")
               if getattr(row, name) != getattr(candidate, name)]
    if changed:
        for name in changed:
            setattr(row, name, getattr(candidate, name))
        row.version += 1
        row.save(update_fields=[*changed, "version", "updated_at"])
    return row


# The users sheet / the API's list: one entry per user, matched by position ("user").
SHEET_FIELDS: tuple[str, ...] = ("user", "seat", *rules.USER_FIELDS)


def order_users_set(*, user: User, order_id: int, rows: Sequence[Mapping[str, object]],
                    via: str = "web") -> list[OrderUser]:
    """Replace the draft's users with ``rows`` (the uploaded users sheet, or the API's list).

    Each row names its user by position (``user``: 1, 2, ...) and its seat package by name; it
    must list every user of the order once. Every row's errors are collected (row number ->
    messages, counting the sheet's data rows from 1); one error anywhere saves nothing.
    """
    with transaction.atomic():
        order = _locked_draft(user=user, order_id=order_id)
        problem = order_users_sync(order=order)
        if problem:
            raise UserError(problem, code="user_limit")
        group = rules.group_for(order)
        users = {u.position: u for u in order.users.select_related("line__package")}
        errors: dict[int, list[str]] = {}
        seen: dict[int, int] = {}
        candidates: list[rules.Candidate] = []
        row_of: list[int] = []
        targets: list[OrderUser] = []
        for number, row in enumerate(rows, start=1):
            messages: list[str] = []
            position_text = str(row.get("user", "") or "").strip()
            target = users.get(int(position_text)) if position_text.isascii() \
                and position_text.isdigit() and len(position_text) < 9 else None
            if target is None:
                errors[number] = [f'"{position_text[:20]}" is not a user of this order (the '
                                  '"user" column numbers them 1, 2, ...).']
                continue
            if target.position in seen:
                messages.append(f"User {target.position} is listed twice (rows "
                                f"{seen[target.position]} and {number}).")
            seen[target.position] = number
            seat = str(row.get("seat", "") or "").strip()
            if seat and seat != target.line.package.name:
                messages.append(f"User {target.position} is a {target.line.package.name} seat, "
                                f"not {seat[:60]}; change the seat quantities on the order "
                                "form.")
            values = {name: row.get(name, "") for name in rules.USER_FIELDS}
            candidate, field_errors = _candidate_values(group, values,
                                                        rules.Candidate.of(target))
            messages += [m for msgs in field_errors.values() for m in msgs]
            if messages:
                errors[number] = messages
            candidates.append(candidate)
            row_of.append(number)
            targets.append(target)
        missing = sorted(set(users) - set(seen))
        if missing:
            listed = ", ".join(str(p) for p in missing[:10])
            errors.setdefault(0, []).append(
                f"The sheet does not list user{'s' if len(missing) > 1 else ''} {listed}"
                f"{' ...' if len(missing) > 10 else ''}; list every user of the order once.")
        # The set's own rules only between users that passed their field rules.
        for index, found in rules.users_problems(group, candidates).items():
            errors.setdefault(row_of[index], []).extend(
                m for msgs in found.values() for m in msgs)
        if errors:
            raise UsersInvalid(dict(sorted(errors.items())))
        # Swapping extensions or numbers between users is fine: the order's own unique
        # constraints on them are checked at commit (deferred); MACs are cleared first.
        OrderUser.objects.filter(pk__in=[t.pk for t in targets]).update(mac_address="")
        changed = 0
        for target, candidate in zip(targets, candidates, strict=True):
            before = rules.Candidate.of(target)
            for name in ("first_name", "last_name", "extension", "number_id", "email",
                         "device_type", "mac_address"):
                setattr(target, name, getattr(candidate, name))
            target.version += 1
            changed += before != candidate
        OrderUser.objects.bulk_update(targets, ["first_name", "last_name", "extension", "number",
                                                "email", "device_type", "mac_address",
                                                "version"])
        audit_record(actor=user, action="order.users_set", obj=order, via=via,
                     changes={"users": len(targets), "changed": changed})
    logger.info("draft %s: %s users set by %s (%s)", order.pk, len(targets), user.username, via)
    return list(order.users.select_related("number", "line__package"))


def order_users_check(*, order: Order) -> list[OrderUser]:
    """Save Order's check, under the draft's lock: the users follow the seat lines, and the
    set keeps every rule. Raises ``OrderValidationError`` with the ``users`` field. Returns
    the users checked (for ``order_users_place`` in the same transaction)."""
    problem, group, users = _users_sync(order)
    if problem:
        raise OrderValidationError({"users": [problem]})
    problems = rules.users_problems(group, [rules.Candidate.of(u) for u in users])
    if problems:
        first = next(iter(problems))
        message = next(m for msgs in problems[first].values() for m in msgs)
        count = len(problems)
        raise OrderValidationError({"users": [
            f"{count} user{'s' if count != 1 else ''} in the Users section "
            f"ha{'ve' if count != 1 else 's'} errors (User {users[first].position}: {message}); "
            "correct the rows marked there."]})
    return users


def _user_id(*, local: str, domain: str) -> str:
    local = local[:USER_ID_MAX_LENGTH - len(domain) - 1]
    return f"{local}@{domain}"


def _release_cancelled(users: list[OrderUser], *, customer_id: int) -> None:
    """Users of cancelled orders stop holding extensions, numbers and phones (the rules
    already ignore them): done here, where a new user may need what they held."""
    numbers = [u.number_id for u in users if u.number_id]
    macs = [u.mac_address for u in users if u.mac_address]
    (OrderUser.objects.live().filter(order__state=OrderState.CANCELLED)
     .filter(Q(customer_id=customer_id) | Q(number_id__in=numbers) | Q(mac_address__in=macs))
     .update(is_live=False))


def order_users_place(*, order: Order, users: list[OrderUser] | None = None) -> int:
    """Save Order, once the order has its customer: its users become live, Orion's record of
    the group's users, each with its BroadWorks user id ``<group id>_<extension>@<domain>``
    (unique in the whole system; on a clash the enterprise id goes in front).

    The customer row is locked first, so two orders for the same customer take their
    extensions one after the other; the database's unique constraints hold the rest.
    ``users``: the order's users as ``order_users_check`` returned them in this transaction
    (read again when not given).
    """
    customer = order.customer
    assert customer is not None and order.enterprise is not None
    type(customer).objects.select_for_update(no_key=True).filter(pk=customer.pk).first()
    users = list(order.users.all()) if users is None else users
    if not users:
        return 0
    _release_cancelled(users, customer_id=customer.pk)
    domain = customer.group_domain or settings.ORION_BROADWORKS_SYSTEM_DOMAIN
    wanted = {u.pk: _user_id(local=f"{customer.bw_group_id}_{u.extension}".lower(),
                             domain=domain) for u in users}
    taken = set(OrderUser.objects.live().filter(user_id__in=wanted.values())
                .values_list("user_id", flat=True))
    sp = order.enterprise.bw_service_provider_id
    for u in users:
        user_id = wanted[u.pk]
        if user_id in taken:
            user_id = _user_id(local=f"{sp}_{customer.bw_group_id}_{u.extension}".lower(),
                               domain=domain)
        if user_id in taken:
            user_id = _user_id(local=f"{customer.bw_group_id}_{u.extension}_{order.pk}".lower(),
                               domain=domain)
        taken.add(user_id)
        u.user_id, u.customer_id, u.is_live = user_id, customer.pk, True
    try:
        with transaction.atomic():
            rows_update(users, ["user_id", "customer", "is_live"])
    except IntegrityError as exc:
        # Another order of the same customer or number was saved at the same moment.
        raise OrderValidationError({"users": [
            "Another order took one of these users' extensions, numbers or phones at the same "
            "moment; reload the form and save again."]}) from exc
    return len(users)


def user_row_numbers(order: Order) -> list[tuple[str, str]]:
    """The numbers a user of ``order`` may have, as (e164, shown) pairs for the form."""
    return [(did.e164, display(did.e164)) for did in rules.group_for(order).numbers.values()]


def order_users_release(*, order: Order) -> int:
    """The order ended without its users (cancelled; BroadWorks no longer holds them): they
    stop being Orion's record of the group, so their extensions, user ids, numbers and MACs
    are free for the next order. The rows stay, as the cancelled order's history."""
    return OrderUser.objects.filter(order=order, is_live=True).update(is_live=False)
