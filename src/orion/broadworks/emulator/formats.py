"""R25 schema formats the emulator enforces (ids, names, domains, DNs, time zones).

A real server answers a badly formed value with ``[Error 6004] OCI XML Request
validation error``; refusing the same values here keeps Orion from shipping requests that
only the emulator would accept.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime
from functools import cache

from orion.broadworks.emulator.errors import EmulatorError, Err

#: Ranges larger than this in one DnRange are refused rather than expanded into memory.
MAX_DN_RANGE = 10_000

_DNS_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_DN_DASHED = re.compile(r"^\+(\d{1,3})-(\d{4,14})$")


def invalid(detail: str) -> EmulatorError:
    return EmulatorError(Err.VALIDATION, detail=detail)


def check_token(value: str | None, what: str, *, max_len: int = 30) -> str:
    """ServiceProviderId/GroupId: a token of 1-30 bytes (no surrounding or inner runs of space)."""
    if value is None or not value.strip():
        raise invalid(f"{what} is required")
    size = len(value.encode("utf-8"))
    if size > max_len or value != " ".join(value.split()):
        raise invalid(f"{what} must be a token of 1-{max_len} bytes: {value!r}")
    return value


def check_name(value: str | None, what: str, *, max_len: int = 80) -> None:
    if value is not None and not 1 <= len(value) <= max_len:
        raise invalid(f"{what} must be 1-{max_len} characters")


def check_domain(value: str | None) -> str:
    """A DNS name of 1-80 characters; BroadWorks domains are never URLs."""
    if not value or len(value) > 80:
        raise invalid(f"domain must be 1-80 characters: {value!r}")
    labels = value.split(".")
    if len(labels) < 2 or not all(_DNS_LABEL.match(label) for label in labels):
        raise invalid(f"domain is not a valid DNS name: {value!r}")
    return value.lower()


def check_user_limit(value: int) -> None:
    if not 1 <= value <= 999_999:
        raise invalid(f"userLimit must be 1-999999, not {value}")


def normalize_dn(value: str | None) -> str:
    """E.164 as BroadWorks shows it: ``+1-2125551234``; the plain 10-digit form is NANP."""
    raw = (value or "").strip()
    match = _DN_DASHED.match(raw)
    if match:
        return raw
    digits = raw[1:] if raw.startswith("+") else raw
    if digits.isdigit():
        if len(digits) == 10 and not raw.startswith("+"):
            return f"+1-{digits}"
        if len(digits) == 11 and digits.startswith("1"):
            return f"+1-{digits[1:]}"
    raise invalid(f"phone number is not E.164 (+1-2125551234 or 2125551234): {value!r}")


def expand_dn_range(low: str, high: str) -> list[str]:
    """Every DN of a DNRange, refusing ranges across country codes or too large."""
    first, last = normalize_dn(low), normalize_dn(high)
    cc_first, national_first = first.split("-", 1)
    cc_last, national_last = last.split("-", 1)
    if cc_first != cc_last or len(national_first) != len(national_last):
        raise invalid(f"phone number range {first}..{last} mixes number formats")
    start, end = int(national_first), int(national_last)
    if end < start or end - start + 1 > MAX_DN_RANGE:
        raise invalid(f"phone number range {first}..{last} is empty or above {MAX_DN_RANGE}")
    width = len(national_first)
    return [f"{cc_first}-{n:0{width}d}" for n in range(start, end + 1)]


@cache
def time_zones() -> dict[str, str]:
    """Time zone key -> display name; BroadWorks uses the IANA ids as keys."""
    now = datetime.now(UTC)
    zones: dict[str, str] = {}
    for key in sorted(zoneinfo.available_timezones()):
        if "/" not in key or key.startswith(("Etc/", "SystemV/", "posix/", "right/")):
            continue
        offset = now.astimezone(zoneinfo.ZoneInfo(key)).utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset is not None else 0
        sign = "+" if minutes >= 0 else "-"
        hours, mins = divmod(abs(minutes), 60)
        zones[key] = f"(GMT{sign}{hours:02d}:{mins:02d}) {key.replace('_', ' ')}"
    return zones


def check_time_zone(value: str | None) -> None:
    if value is not None and value not in time_zones():
        raise EmulatorError(Err.TIME_ZONE_NOT_FOUND, time_zone=value)
