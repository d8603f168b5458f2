"""The numbers of a port request as a partner pastes them: lists and ranges.

Numbers are separated by commas, semicolons, spaces or line breaks; a range is two numbers
joined by a dash (``2125550100-2125550109``, spaces around the dash allowed) and stays within
one NPA-NXX, as a carrier's thousands block does. Each error names the number.
"""

from __future__ import annotations

import re

from orion.numbers.exceptions import InvalidNumber
from orion.numbers.nanp import display, to_e164
from orion.porting.exceptions import PortNumbersRefused
from orion.porting.models import MAX_NUMBERS

_DASH = re.compile(r"\s*[-\u2013]\s*")
_SPLIT = re.compile(r"[\s,;]+")


def _number(token: str) -> str:
    try:
        return to_e164(token)
    except InvalidNumber as exc:
        raise PortNumbersRefused(exc.message, field="numbers") from None


def _range(token: str) -> list[str] | None:
    """The numbers of ``token`` if it is ``start-end``; None if it is one number."""
    try:
        to_e164(token)
        return None  # 212-555-0100: one number written with dashes
    except InvalidNumber:
        pass
    parts = [i for i, ch in enumerate(token) if ch == "-"]
    for cut in parts:
        head, tail = token[:cut], token[cut + 1:]
        try:
            start, end = to_e164(head), to_e164(tail)
        except InvalidNumber:
            continue
        if start[:8] != end[:8]:
            raise PortNumbersRefused(
                f"{token}: a range stays within one NPA-NXX ({display(start)[:7]}); "
                "list the numbers of the other exchange separately.", field="numbers")
        first, last = int(start[8:]), int(end[8:])
        if last < first:
            raise PortNumbersRefused(f"{token}: the range ends before it starts.",
                                     field="numbers")
        if last - first + 1 > MAX_NUMBERS:
            raise PortNumbersRefused(f"{token}: at most {MAX_NUMBERS} numbers per request.",
                                     field="numbers")
        return [f"{start[:8]}{n:04d}" for n in range(first, last + 1)]
    return None


def parse_numbers(text: str) -> list[str]:
    """The E.164 numbers in ``text``, in the order given, without repeats; PortNumbersRefused
    naming the first number that is not a North American number."""
    found: dict[str, None] = {}
    for token in _SPLIT.split(_DASH.sub("-", text or "").strip()):
        if not token:
            continue
        expanded = _range(token) if "-" in token.strip("-") else None
        for number in expanded if expanded is not None else [_number(token)]:
            found[number] = None
            if len(found) > MAX_NUMBERS:
                raise PortNumbersRefused(
                    f"At most {MAX_NUMBERS} numbers per request; split the port into several "
                    "requests.", field="numbers")
    if not found:
        raise PortNumbersRefused("Enter the numbers to port in.", field="numbers")
    return list(found)
