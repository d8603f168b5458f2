"""Throttling of log-ins, password resets and wrong API tokens, counted in PostgreSQL.

Each rule is "at most N events per period" for one key (an address, a username, an e-mail) in
fixed windows: ``settings.ORION_THROTTLES`` maps a scope to ``"N/period"`` (``20/15m``,
``3/1h``, ``30/60s``). One ``INSERT ... ON CONFLICT DO UPDATE`` per event keeps the count
exact across every web process without a new server. Django-axes still locks one username
from one address after five failures; these rules add what it cannot see: one password tried
across many usernames from one address, one username attacked from many addresses, reset
e-mails sent in bulk, and token guessing.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from orion.core.exceptions import Throttled

_RATE = re.compile(r"^\s*([0-9]{1,6})\s*/\s*([0-9]{1,6})\s*([smh]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600}
CLEANUP_CHANCE = 0.01  # one event in a hundred deletes windows older than a day
KEEP = timedelta(days=1)


@dataclass(frozen=True)
class Rule:
    scope: str
    limit: int
    period: int  # seconds


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0  # seconds until the window that refused ends


def parse_rate(scope: str, spec: str) -> Rule:
    """``"20/15m"`` as a Rule; a wrong spec stops start-up with the setting's name."""
    match = _RATE.match(spec or "")
    if not match or int(match[1]) < 1 or int(match[2]) < 1:
        raise ImproperlyConfigured(
            f"throttle {scope!r}: {spec!r} is not a rate such as 20/15m (count/period, period "
            "in s, m or h)")
    return Rule(scope, int(match[1]), int(match[2]) * _UNIT_SECONDS[match[3]])


def rule(scope: str) -> Rule:
    return parse_rate(scope, settings.ORION_THROTTLES[scope])


def client_address(request: HttpRequest) -> str:
    """The peer address, as django-axes sees it (REMOTE_ADDR: a forged X-Forwarded-For
    header must not buy new attempts)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def normalize_identity(value: str) -> str:
    """A username or e-mail as one key whatever its spelling (case, width, spaces)."""
    return unicodedata.normalize("NFKC", value or "").strip().casefold()[:254]


def _key(scope: str, value: str) -> str:
    return salted_hmac("orion.core.throttle", f"{scope}:{value}",
                       algorithm="sha256").hexdigest()


def _window(now: datetime, period: int) -> tuple[datetime, int]:
    start = math.floor(now.timestamp() / period) * period
    begin = datetime.fromtimestamp(start, tz=now.tzinfo)
    return begin, max(1, math.ceil(start + period - now.timestamp()))


def _enabled() -> bool:
    return bool(getattr(settings, "ORION_THROTTLING", True))


def throttle_hit(scope: str, value: str, *, now: datetime | None = None) -> Decision:
    """Count one event of ``value`` in ``scope``; refused once the count exceeds the limit."""
    if not _enabled():
        return Decision(True)
    r = rule(scope)
    now = now or timezone.now()
    begin, remaining = _window(now, r.period)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_throttlecounter (scope, key, window_start, count) "
            "VALUES (%s, %s, %s, 1) ON CONFLICT (scope, key, window_start) "
            "DO UPDATE SET count = core_throttlecounter.count + 1 RETURNING count",
            [scope, _key(scope, value), begin])
        (count,) = cursor.fetchone()
        if random.random() < CLEANUP_CHANCE:
            cursor.execute("DELETE FROM core_throttlecounter WHERE window_start < %s",
                           [now - KEEP])
    return Decision(count <= r.limit, 0 if count <= r.limit else remaining)


def throttle_blocked(scope: str, value: str, *, now: datetime | None = None) -> Decision:
    """Whether ``value`` has used up ``scope`` in this window (reads, counts nothing)."""
    if not _enabled():
        return Decision(True)
    r = rule(scope)
    now = now or timezone.now()
    begin, remaining = _window(now, r.period)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count FROM core_throttlecounter WHERE scope = %s AND key = %s "
                       "AND window_start = %s", [scope, _key(scope, value), begin])
        row = cursor.fetchone()
    count = row[0] if row else 0
    return Decision(count < r.limit, 0 if count < r.limit else remaining)


def first_refusal(decisions: list[Decision]) -> Decision:
    """The refusal that lasts longest among ``decisions``, or an allowance."""
    refused = [d for d in decisions if not d.allowed]
    return max(refused, key=lambda d: d.retry_after) if refused else Decision(True)


def require_allowed(decision: Decision, message: str) -> None:
    if not decision.allowed:
        raise Throttled(message, retry_after=decision.retry_after)
