"""Check BroadWorks: read a customer's users back from its group and mark where BroadWorks
differs from Orion's records. A read only: nothing is changed on either side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orion.broadworks import BroadWorksClient
from orion.users.models import OrderUser


@dataclass(frozen=True)
class UserCheck:
    """One user as Orion records it (``user`` None: a user only BroadWorks has), and what
    BroadWorks says of it."""

    user: OrderUser | None
    user_id: str
    status: str  # "ok", "missing", "differs", "only_in_broadworks"
    differences: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return {"ok": "As ordered", "missing": "Not in BroadWorks",
                "differs": "Differs", "only_in_broadworks": "Only in BroadWorks"}[self.status]


def _bw_number(user: OrderUser) -> str:
    return f"+1-{user.number.e164.removeprefix('+1')}" if user.number else ""


def users_check(*, users: list[OrderUser], sp_id: str, group_id: str,
                client: BroadWorksClient) -> list[UserCheck]:
    """Compare ``users`` (Orion's, of one group) with ``UserGetListInGroupRequest``."""
    answer: Any = client.request("UserGetListInGroupRequest", service_provider_id=sp_id,
                                 group_id=group_id)
    seen = {row.user_id: row for row in list(answer.user_table or [])}
    result: list[UserCheck] = []
    for u in users:
        row = seen.pop(u.user_id, None)
        if row is None:
            result.append(UserCheck(u, u.user_id, "missing"))
            continue
        differences = []
        for label, ours, theirs in (("first name", u.first_name, row.first_name),
                                    ("last name", u.last_name, row.last_name),
                                    ("extension", u.extension, row.extension),
                                    ("number", _bw_number(u), row.phone_number)):
            if (ours or "") != (theirs or ""):
                differences.append(f"{label}: {theirs or '(none)'} in BroadWorks, "
                                   f"{ours or '(none)'} ordered")
        result.append(UserCheck(u, u.user_id, "differs" if differences else "ok",
                                tuple(differences)))
    result += [UserCheck(None, user_id, "only_in_broadworks") for user_id in sorted(seen)]
    return result
