"""Documents of a run's writes, and the new users' documents sent several at a time.

A 50-seat order is about 110 commands: at 15 per document, 8 documents, and sent one after
the other that is 8 times BroadWorks' answer time. The group, its services and its numbers
must exist before any user, but new users do not depend on each other: their documents
(each user's ``UserAddRequest17sp4`` with its ``UserServiceAssignListRequest``, never split)
can go out at once, over the run's session and whatever other sessions of the worker's pool
are free at that moment. The number of documents is unchanged; the waits are fewer.

What depends on something stays in order: everything before the first new user (domains,
enterprise, group, numbers, phones, changes to existing users, removals) is sent one
document at a time, as before; a burst goes out only after every document before it was
answered, recorded and found without failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from orion.broadworks import client as oci_client
from orion.broadworks.client import BroadWorksClient, OCIResult
from orion.broadworks.exceptions import OCIConnectionError, OCIError
from orion.provisioning.plan import Action

#: Documents of one run in flight at once, at most (the pool's free sessions bound it too).
#: 1 sends everything one document at a time.
MAX_AT_ONCE = 4

#: The commands of one new user; only whole units of these go into a burst.
_USER_UNIT = frozenset({"UserAddRequest17sp4", "UserServiceAssignListRequest"})


@dataclass(frozen=True)
class Documents:
    """A run's writes cut into documents: ``ordered`` go one at a time, then ``concurrent``
    may go several at a time (each a list of actions, at most 15 commands)."""

    ordered: list[list[Action]]
    concurrent: list[list[Action]]


def _user_of(action: Action) -> str | None:
    name, fields = action.request
    if action.step == "users" and name in _USER_UNIT:
        return str(fields.get("user_id") or "") or None
    return None


def documents(actions: Sequence[Action], *, limit: int | None = None) -> Documents:
    """Cut ``actions`` (in dependency order) into documents.

    The tail of new users' units (``_USER_UNIT``, grouped by user id) may go concurrently;
    the rest is cut every ``limit`` commands as ever, and its last document is topped up
    with whole units, so the count of documents stays what it was.
    """
    # The client's limit, read now (one place for it; the benchmarks' baseline lowers it).
    limit = limit or oci_client.MAX_COMMANDS_PER_DOCUMENT
    tail_start = len(actions)
    while tail_start > 0 and _user_of(actions[tail_start - 1]) is not None:
        tail_start -= 1
    head, tail = list(actions[:tail_start]), list(actions[tail_start:])
    units: list[list[Action]] = []
    seen: dict[str, list[Action]] = {}
    for action in tail:
        user = _user_of(action)
        assert user is not None
        if user in seen and seen[user] is units[-1]:
            units[-1].append(action)
        else:
            unit = [action]
            units.append(unit)
            seen[user] = unit
    if len({_user_of(u[0]) for u in units}) != len(units) or any(
            len(u) > limit for u in units):
        # A user's commands not side by side (not what the plan writes): keep it all in order.
        return Documents(_cut(list(actions), limit), [])
    ordered = _cut(head, limit)
    if ordered:
        last = ordered[-1]
        while units and len(last) + len(units[0]) <= limit:
            last.extend(units.pop(0))
    concurrent: list[list[Action]] = []
    for unit in units:
        if concurrent and len(concurrent[-1]) + len(unit) <= limit:
            concurrent[-1].extend(unit)
        else:
            concurrent.append(list(unit))
    return Documents(ordered, concurrent)


def _cut(actions: list[Action], limit: int) -> list[list[Action]]:
    return [actions[n:n + limit] for n in range(0, len(actions), limit)]


def bursts(chunks: list[list[Action]], width: int) -> Iterator[list[list[Action]]]:
    """``chunks`` in bursts of at most ``width`` documents."""
    for start in range(0, len(chunks), max(1, width)):
        yield chunks[start:start + max(1, width)]


class NotSent(Exception):
    """A spare session could not log in: its document was not sent (send it on the run's)."""


def _once() -> Callable[[], None]:
    """A ``before_send`` for one document of a burst: the run checked its fence just before
    the burst, on its own database session, and that check stands for this one send. A
    resend (the connection dropped) has no check of its own, so it is refused as a lost
    connection: the retry reads BroadWorks first."""
    calls = 0

    def check() -> None:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise OCIConnectionError(
                "connection lost during a concurrent document; not resent (the retry reads "
                "BroadWorks first)")

    return check


_executor: ThreadPoolExecutor | None = None


def _pool_threads() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="oci-burst")
    return _executor


def send_burst(clients: Sequence[BroadWorksClient], burst: list[list[Action]], *,
               in_thread: Callable[[], AbstractContextManager[Any]]
               ) -> list[list[OCIResult] | BaseException]:
    """Send one document per client at once; each answer or the exception it raised.

    ``in_thread`` wraps each send in its thread (the run's OCI-P log follows the run
    there). A client that cannot log in gives :class:`NotSent`: nothing of it was sent.
    """
    assert len(clients) >= len(burst)

    def send(client: BroadWorksClient, chunk: list[Action]) -> list[OCIResult]:
        with in_thread():
            saved = client.before_send
            client.before_send = _once()
            try:
                try:
                    client.connect()
                except OCIError as exc:
                    raise NotSent(str(exc)) from exc
                return client.batch([a.request for a in chunk])
            finally:
                client.before_send = saved

    futures = [_pool_threads().submit(send, client, chunk)
               for client, chunk in zip(clients, burst, strict=False)]
    outcomes: list[list[OCIResult] | BaseException] = []
    for future in futures:
        try:
            outcomes.append(future.result())
        except BaseException as exc:
            outcomes.append(exc)
    return outcomes
