"""Phone number ranges as BroadWorks shows them in number tables, both ways.

BroadWorks coalesces consecutive numbers with the same properties into one table row,
``+1-2125550100 - +1-2125550109`` (the "Phone Numbers" column of
``ServiceProviderDnGetSummaryListResponse``; public clients carry code to expand it). A reader
that takes the cell as one number re-plans the add and assign of numbers the customer
already has (``[Error 4204]``, ``[Error 4208]``), so every reader of a number table goes
through :func:`expand_dn_cell` / :func:`dn_summary_numbers`; the emulator uses
:func:`coalesce` to write such tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

#: ``+1-2125550100 - +1-2125550109`` (spaces around the dash are optional on input).
_RANGE = re.compile(r"^\s*(\+?\d{1,3}-)?(\d+)\s*-\s*(\+?\d{1,3}-)?(\d+)\s*$")
#: A range above this is not a number table we trust; refuse rather than allocate.
MAX_RANGE = 100_000
RANGE_SEPARATOR = " - "


def expand_dn_cell(cell: str | None) -> list[str]:
    """The numbers of one "Phone Numbers" cell: a single number or a range of them."""
    text = (cell or "").strip()
    if not text:
        return []
    match = _RANGE.match(text)
    coherent = match is not None and (
        (match[1] or "") == (match[3] or "") and len(match[2]) == len(match[4])
    )
    if not coherent:
        if RANGE_SEPARATOR in text:
            raise ValueError(f"not a phone number range: {cell!r}")
        return [text]  # "+1-2125550100": the dash after the country code is not a range
    assert match is not None
    cc_low, low, _, high = match.groups()
    first, last = int(low), int(high)
    if last < first or last - first >= MAX_RANGE:
        raise ValueError(f"range is empty or too large: {cell!r}")
    prefix = cc_low or ""
    return [f"{prefix}{n:0{len(low)}d}" for n in range(first, last + 1)]


def dn_summary_numbers(table: Iterable[Any] | None) -> dict[str, str]:
    """``ServiceProviderDnGetSummaryListResponse.dn_summary_table`` -> {number: group id or ""}."""
    return {
        number: row.group_id or ""
        for row in table or []
        for number in expand_dn_cell(row.phone_numbers)
    }


def coalesce(rows: Sequence[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Merge consecutive numbers whose other columns are equal into one range row.

    ``rows`` are (number, *other columns) in the order the table lists them; a run of two or
    more consecutive numbers becomes ``("+1-2125550100 - +1-2125550109", *others)``.
    """
    out: list[tuple[str, ...]] = []
    run: list[tuple[str, ...]] = []

    def flush() -> None:
        if len(run) > 1:
            out.append((f"{run[0][0]}{RANGE_SEPARATOR}{run[-1][0]}", *run[0][1:]))
        else:
            out.extend(run)
        run.clear()

    for row in sorted(rows, key=lambda r: _sort_key(r[0])):
        if run and _follows(run[-1], row):
            run.append(row)
            continue
        flush()
        run.append(row)
    flush()
    return out


def _split(number: str) -> tuple[str, int, int]:
    prefix, _, national = number.rpartition("-")
    return prefix, int(national) if national.isdigit() else -1, len(national)


def _sort_key(number: str) -> tuple[str, int, int]:
    return _split(number)


def _follows(previous: tuple[str, ...], row: tuple[str, ...]) -> bool:
    prev_prefix, prev_n, prev_len = _split(previous[0])
    prefix, n, length = _split(row[0])
    return (
        prefix == prev_prefix
        and length == prev_len
        and prev_n >= 0
        and n == prev_n + 1
        and previous[1:] == row[1:]
    )
