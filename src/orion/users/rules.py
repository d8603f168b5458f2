"""BroadWorks' rules for users, written once: the order form's row edits, the users sheet,
the API and Save Order all clean values and check a set of users here.

Field rules (``clean_*``) look at one value; ``users_problems`` checks a whole set of users
of one order against each other and against the group (its live users, its extension length,
its user limit, the order's numbers). Each problem names the field it belongs to, so every
caller can put the message next to the control or in the row it came from.
"""

from __future__ import annotations

import operator
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import reduce

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q

from orion.accounts.validators import ascii_int
from orion.numbers.models import DID
from orion.numbers.nanp import display
from orion.orders.models import Order, OrderLine
from orion.orders.states import OrderState
from orion.users import conf
from orion.users.exceptions import UserError
from orion.users.models import (
    DEVICE_TYPE_NAMES,
    DEVICE_TYPES,
    EMAIL_MAX_LENGTH,
    NAME_MAX_LENGTH,
    OrderUser,
)

# What a user is made of, as the form, the sheet and the API name it (field -> label).
USER_FIELDS: dict[str, str] = {
    "first_name": "First name",
    "last_name": "Last name",
    "extension": "Extension",
    "number": "Number",
    "email": "E-mail",
    "device_type": "Device type",
    "mac_address": "MAC address",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_name(value: object, *, field: str) -> str:
    label = USER_FIELDS[field]
    text = str(value or "").strip()
    if not text:
        raise UserError(f"{label} is required.", code="name_required", field=field)
    if _CONTROL.search(text):
        raise UserError(f"{label} may not contain control characters.", code="invalid_name",
                        field=field)
    if len(text) > NAME_MAX_LENGTH:
        raise UserError(f"{label} may have at most {NAME_MAX_LENGTH} characters (BroadWorks' "
                        f"limit); this one has {len(text)}.", code="name_too_long", field=field)
    return text


def clean_extension(value: object, *, length: int) -> str:
    text = str(value or "").strip()
    if not text:
        raise UserError("Extension is required.", code="extension_required", field="extension")
    if not (text.isascii() and text.isdigit()):
        raise UserError(f"The extension may contain digits only ({length} digits).",
                        code="invalid_extension", field="extension")
    if len(text) != length:
        raise UserError(f"The extension must have {length} digits, this group's extension "
                        f"length; {text} has {len(text)}.", code="invalid_extension",
                        field="extension")
    return text


def clean_email(value: object) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    if len(text) > EMAIL_MAX_LENGTH:
        raise UserError(f"The e-mail address may have at most {EMAIL_MAX_LENGTH} characters "
                        "(BroadWorks' limit).", code="invalid_email", field="email")
    try:
        validate_email(text)
    except ValidationError:
        raise UserError("Enter a valid e-mail address, or leave it empty.", code="invalid_email",
                        field="email") from None
    return text


def clean_device_type(value: object) -> str:
    """A BroadWorks device type, given by its name or its display name."""
    text = str(value or "").strip()
    text = DEVICE_TYPE_NAMES.get(text, text)
    if text and text not in DEVICE_TYPES:
        raise UserError(f"Choose the device type from the list ({', '.join(DEVICE_TYPE_NAMES)}), "
                        "or leave it empty.", code="invalid_device_type", field="device_type")
    return text


def clean_mac(value: object) -> str:
    """12 hex digits, upper case; ``:``, ``-`` and ``.`` between them are allowed."""
    text = re.sub(r"[\s:.\-]", "", str(value or "")).upper()
    if text and not re.fullmatch(r"[0-9A-F]{12}", text):
        raise UserError("The MAC address must be 12 hexadecimal digits (for example "
                        "00:04:F2:AB:CD:EF).", code="invalid_mac", field="mac_address")
    return text


@dataclass
class Group:
    """What the rules need to know about the order's group and numbers."""

    order: Order
    extension_length: int
    user_limit: int
    # The order's numbers a user may have (not Is For Trunking), by id and by digits.
    numbers: dict[int, DID]
    # Live users of the customer from other orders: their extensions and count.
    taken_extensions: set[str] = field(default_factory=set)
    existing_users: int = 0
    # Numbers and MACs live users of other orders have: the order's numbers by id; MACs (asked
    # for as they come, ``_mac_owners``) with whether the user is this customer's.
    taken_numbers: set[int] = field(default_factory=set)
    taken_macs: dict[str, bool] = field(default_factory=dict)
    free_macs: set[str] = field(default_factory=set)  # asked, and no other user has them

    def number_by_text(self, text: str) -> DID | None:
        digits = re.sub(r"\D", "", text)
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        for did in self.numbers.values():
            if did.e164 == f"+1{digits}":
                return did
        return None


def group_for(order: Order, *, on_order: list[DID] | None = None) -> Group:
    """Read the group's rules for ``order``: its customer's live users (an add-services
    order), the extension length and the order's numbers (from ``on_order``, every number of
    the order by E.164, when the caller has read them)."""
    if on_order is None:
        on_order = list(DID.objects.filter(order=order, is_for_trunking=False).order_by("e164"))
    numbers = {d.pk: d for d in on_order if not d.is_for_trunking}
    # A cancelled order's users never reached (or left) BroadWorks: they hold nothing.
    others = OrderUser.objects.live().exclude(order=order).exclude(
        order__state=OrderState.CANCELLED)
    # One query: the customer's live users (their extensions), and the live users holding
    # one of the order's own numbers (only those can clash: a user may have no other).
    wanted = [*([Q(number_id__in=list(numbers))] if numbers else []),
              *([Q(customer_id=order.customer_id)] if order.customer_id is not None else [])]
    mine: list[str] = []
    taken_numbers: set[int] = set()
    if wanted:
        for customer_id, extension, number_id in others.filter(
                reduce(operator.or_, wanted)).values_list("customer_id", "extension",
                                                          "number_id"):
            if order.customer_id is not None and customer_id == order.customer_id:
                mine.append(extension)
            if number_id in numbers:
                taken_numbers.add(number_id)
    taken_extensions = set(mine)
    existing = len(mine)
    # The group says otherwise: its existing users have its extension length.
    length = len(mine[0]) if mine else conf.extension_length()
    return Group(order=order, extension_length=length, user_limit=conf.group_user_limit(),
                 numbers=numbers, taken_extensions=taken_extensions, existing_users=existing,
                 taken_numbers=taken_numbers)


def _mac_owners(group: Group, macs: set[str]) -> dict[str, bool]:
    """The MACs among ``macs`` that live users of other orders have: MAC -> whether that user
    is of this customer. Asked only for the MACs given, so the check stays one small query."""
    unknown = macs - group.taken_macs.keys() - group.free_macs
    if unknown:
        others = OrderUser.objects.live().exclude(order=group.order).exclude(
            order__state=OrderState.CANCELLED)
        for mac, customer_id in others.filter(mac_address__in=unknown).values_list(
                "mac_address", "customer_id"):
            group.taken_macs[mac] = (customer_id is not None
                                     and customer_id == group.order.customer_id)
        group.free_macs |= unknown - group.taken_macs.keys()
    return {mac: group.taken_macs[mac] for mac in macs if mac in group.taken_macs}


def user_limit_problem(group: Group, seats: int) -> str | None:
    """Why ``seats`` users on this order are too many for the group, or None."""
    total = group.existing_users + seats
    if total <= group.user_limit:
        return None
    existing = (f" ({group.existing_users:,} existing and {seats:,} on this order)"
                if group.existing_users else "")
    return (f"This order would give the customer {total:,} users{existing}; a customer's "
            f"group may have at most {group.user_limit:,} users (its BroadWorks user limit). "
            "Lower the seat quantity.")


def seat_quantity_check(*, order: Order, line: OrderLine, quantity: object) -> None:
    """Refuse a seat line's quantity that would take the group past its user limit, with that
    reason (before the quantity's own 1-9,999 range, so 10,000 seats say why)."""
    if not line.package.is_seat:
        return
    try:
        value = ascii_int(quantity)
    except (TypeError, ValueError):
        return  # not a number: the quantity's own rule says so
    if value > conf.BROADWORKS_USER_LIMIT_MAX:
        return  # past any BroadWorks group: the quantity's own range says so
    # A change order's lines add users for their increase only.
    others = sum(max(0, other.quantity - other.previous_quantity)
                 for other in order.lines.select_related("package")
                 if other.package.is_seat and other.pk != line.pk)
    problem = user_limit_problem(group_for(order),
                                 others + max(0, value - line.previous_quantity))
    if problem:
        raise UserError(problem, code="user_limit", field="quantity")


@dataclass
class Candidate:
    """One user as given (cleaned field by field): the row the rules check."""

    line_id: int
    first_name: str
    last_name: str
    extension: str
    number_id: int | None
    email: str = ""
    device_type: str = ""
    mac_address: str = ""

    @classmethod
    def of(cls, user: OrderUser) -> Candidate:
        return cls(line_id=user.line_id, first_name=user.first_name, last_name=user.last_name,
                   extension=user.extension, number_id=user.number_id, email=user.email,
                   device_type=user.device_type, mac_address=user.mac_address)


Problems = dict[int, dict[str, list[str]]]


def users_problems(group: Group, users: list[Candidate], *,
                   only: int | None = None) -> Problems:
    """Every problem of ``users`` (index -> field -> messages), as a set: duplicates among
    them, and clashes with the group and the system. ``only`` limits the answer to one row
    (a row edit) while still checking it against all the others."""
    problems: Problems = {}

    def add(index: int, name: str, message: str) -> None:
        if only is None or index == only:
            problems.setdefault(index, {}).setdefault(name, []).append(message)

    extensions = Counter(u.extension for u in users)
    numbers = Counter(u.number_id for u in users if u.number_id is not None)
    macs = Counter(u.mac_address for u in users if u.mac_address)
    mac_owners = _mac_owners(group, set(macs))
    for index, u in enumerate(users):
        if len(u.extension) != group.extension_length:
            add(index, "extension", f"The extension must have {group.extension_length} digits, "
                                    "this group's extension length.")
        elif u.extension in group.taken_extensions:
            add(index, "extension", f"Extension {u.extension} is already used by another user "
                                    "of this customer.")
        elif extensions[u.extension] > 1:
            add(index, "extension", f"Extension {u.extension} is given to more than one user; "
                                    "each user needs its own.")
        if u.number_id is not None:
            did = group.numbers.get(u.number_id)
            if did is None:
                add(index, "number", "That number is not one of this order's numbers (or it is "
                                     "Is For Trunking); choose one of the order's numbers.")
            elif u.number_id in group.taken_numbers:
                add(index, "number", f"{display(did.e164)} is already the number of another "
                                     "user.")
            elif numbers[u.number_id] > 1:
                add(index, "number", f"{display(did.e164)} is given to more than one user; a "
                                     "number belongs to one user only.")
        if u.mac_address:
            if not u.device_type:
                add(index, "device_type", "Choose the phone's device type for this MAC address.")
            if u.mac_address in mac_owners:
                own = mac_owners[u.mac_address]
                add(index, "mac_address", "This MAC address is already the phone of "
                    + ("another user of this customer." if own else "another customer's user."))
            elif macs[u.mac_address] > 1:
                add(index, "mac_address", "This MAC address is given to more than one user; "
                                          "each phone has its own.")
    return problems
