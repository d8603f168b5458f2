"""R25 OCI-P schema checks shared by the emulator (refuse) and the client (never send).

A real application server validates every request against the OCI-P schema and refuses one
that breaks it with ``[Error 6004] OCI XML Request validation error`` (element order, a
missing required element, an unknown element, a length, range, enumeration or pattern
facet). broadworks-ocip only checks Python types, so without this the emulator accepted
what BroadWorks refuses, and Orion shipped requests that would fail a real order.

The facts live in one committed table, ``r25.json`` (generated from the public schema by
``orion.broadworks.schema.generate``): one line per simple type with its facets and one line
per element of each complex type, in schema order. This module only interprets it.

Deliberate tolerance (documented in docs/broadworks.md): ``LogoutRequest``'s ``reason`` is
not checked against its enumeration, because broadworks-ocip 3.0.0 sends a value outside it
and real servers log it out anyway.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

XSI = "http://www.w3.org/2001/XMLSchema-instance"
_XSI_TYPE = f"{{{XSI}}}type"
_XSI_NIL = f"{{{XSI}}}nil"
TABLE_PATH = Path(__file__).with_name("r25.json")

#: (request, element) pairs whose facets are not enforced; see the module docstring.
TOLERATED = frozenset({("LogoutRequest", "reason")})
_TOLERATING = frozenset(command for command, _ in TOLERATED)

_INT_RANGE = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_MATCHED_MAX = 20_000
_INTEGER = re.compile(r"^[+-]?\d+$")


class SchemaViolation(ValueError):
    """A request the schema refuses; ``path`` names the element (``GroupAddRequest/userLimit``)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class Table:
    requests: frozenset[str]
    simple: dict[str, dict[str, Any]]
    complex: dict[str, dict[str, Any]]
    #: (complex type, child element names) -> the particle each child matched. Matching a
    #: content model depends on nothing else, and a provisioning run sends the same shapes
    #: over and over (50 UserAddRequest17sp4 with the same elements): the backtracking
    #: match runs once per shape, the values are still checked every time.
    matched: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = field(
        default_factory=dict, compare=False, repr=False)


@cache
def table() -> Table:
    data = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    return Table(frozenset(data["requests"]), data["simple"], data["complex"])


def knows(command: str) -> bool:
    """Whether the table describes this request (others cannot be checked here)."""
    return command in table().requests


def max_length(type_name: str) -> int:
    """The maxLength of an R25 simple type (``EmailAddress`` -> 80), for Orion's own fields.

    Forms use this so a person learns the limit where they type, not from a failed order.
    """
    return int(table().simple[type_name]["maxLength"])


def validate_command(command: str, element: Any, *, facts: Table | None = None) -> None:
    """Check one ``<command xsi:type=...>`` element (lxml) against the table.

    Raises :class:`SchemaViolation` naming the first offending element. Commands outside
    the table raise too: the caller decides whether that means "unknown" or "not supported".
    ``facts`` replaces the R25 table (tests of the checker itself).
    """
    facts = facts or table()
    if command not in facts.requests:
        raise SchemaViolation(command, "request type is not in Orion's R25 schema table")
    _Checker(command, facts).complex(command, command, element)


# -- interpretation ---------------------------------------------------------------------


def _local(tag: Any) -> str:
    return tag.split("}", 1)[-1] if isinstance(tag, str) else ""


class _Checker:
    def __init__(self, command: str, facts: Table) -> None:
        self.command = command
        self.table = facts

    # -- complex content ------------------------------------------------------------

    def complex(self, type_name: str, path: str, element: Any) -> None:
        declared = self.table.complex[type_name]
        if "simple" in declared:
            self.simple(declared["simple"], path, element.text, element.get(_XSI_NIL))
            return
        if (element.text or "").strip():
            raise SchemaViolation(path, "cvc-complex-type.2.3: text is not allowed here")
        children = [child for child in element if isinstance(child.tag, str)]
        names = [_local(child.tag) for child in children]
        shape = (type_name, tuple(names))
        assigned = self.table.matched.get(shape)
        if assigned is None:
            assigned = []
            self.furthest: tuple[int, list[str]] = (-1, [])
            end = self._sequence(declared.get("content", []), names, 0, assigned)
            if end is None or end < len(names):
                self._structure_error(path, names, end)  # refusals are not remembered
            if len(self.table.matched) < _MATCHED_MAX:  # bounded, whatever peers send
                self.table.matched[shape] = assigned
        for child, particle in zip(children, assigned, strict=True):
            self.element(particle, f"{path}/{particle['element']}", child)

    def _structure_error(self, path: str, names: list[str], end: int | None) -> None:
        position, expected = self.furthest
        wanted = ", ".join(dict.fromkeys(expected)) or "nothing"
        if end is not None and end < len(names) and end >= position:
            position = end
        if position < len(names) and position >= 0:
            raise SchemaViolation(
                f"{path}/{names[position]}",
                f"cvc-complex-type.2.4.a: invalid content starting with element "
                f"'{names[position]}'; expected {wanted}",
            )
        raise SchemaViolation(
            path, f"cvc-complex-type.2.4.b: content is incomplete; expected {wanted}"
        )

    def _expect(self, pos: int, name: str) -> None:
        if pos > self.furthest[0]:
            self.furthest = (pos, [name])
        elif pos == self.furthest[0]:
            self.furthest[1].append(name)

    def _sequence(
        self, items: list[Any], names: list[str], pos: int, out: list[dict[str, Any]]
    ) -> int | None:
        for item in items:
            result = self._particle(item, names, pos, out)
            if result is None:
                return None
            pos = result
        return pos

    def _particle(
        self, particle: dict[str, Any], names: list[str], pos: int, out: list[dict[str, Any]]
    ) -> int | None:
        """Match one particle min..max times, greedily (the schema is deterministic)."""
        low = particle.get("min", 1)
        high = particle.get("max", 1)
        count = 0
        while high is None or count < high:
            mark = len(out)
            result = self._once(particle, names, pos, out)
            if result is None or result == pos:
                del out[mark:]
                if result == pos and count < low:
                    count = low  # an empty match satisfies any number of occurrences
                break
            pos = result
            count += 1
        return pos if count >= low else None

    def _once(
        self, particle: dict[str, Any], names: list[str], pos: int, out: list[dict[str, Any]]
    ) -> int | None:
        if "element" in particle:
            if pos < len(names) and names[pos] == particle["element"]:
                out.append(particle)
                return pos + 1
            self._expect(pos, particle["element"])
            return None
        if "sequence" in particle:
            return self._sequence(particle["sequence"], names, pos, out)
        if "all" in particle:
            return self._sequence(particle["all"], names, pos, out)
        best: int | None = None
        for alternative in particle["choice"]:
            mark = len(out)
            result = self._particle(alternative, names, pos, out)
            if result is not None and result > pos:
                return result
            del out[mark:]
            if result is not None:
                best = pos
        return best

    # -- one element ----------------------------------------------------------------

    def element(self, particle: dict[str, Any], path: str, element: Any) -> None:
        type_name = particle["type"]
        if element.get(_XSI_NIL) in ("true", "1"):
            if not particle.get("nillable"):
                raise SchemaViolation(path, "cvc-elt.3.1: the element is not nillable")
            if len(element) or (element.text or "").strip():
                raise SchemaViolation(path, "cvc-elt.3.2.2: a nil element must be empty")
            return
        override = element.get(_XSI_TYPE)
        if override is not None:
            override = override.split(":", 1)[-1]
            if override not in self.table.complex:
                raise SchemaViolation(path, f"cvc-elt.4.2: unknown xsi:type '{override}'")
            if override != type_name and self.table.complex[override].get("base") != type_name:
                raise SchemaViolation(
                    path, f"cvc-elt.4.3: '{override}' is not derived from '{type_name}'"
                )
            type_name = override
        if type_name in self.table.complex:
            if self.table.complex[type_name].get("abstract"):
                raise SchemaViolation(path, f"cvc-type.2: '{type_name}' is abstract")
            self.complex(type_name, path, element)
            return
        if len(element):
            raise SchemaViolation(path, "cvc-type.3.1.2: a simple value has no child elements")
        self.simple(type_name, path, element.text, None)

    def simple(self, type_name: str, path: str, text: str | None, nil: str | None) -> None:
        if self.command in _TOLERATING and (self.command, path.rsplit("/", 1)[-1]) in TOLERATED:
            return
        facets = self.table.simple.get(type_name, {"base": type_name})
        if "union" in facets:
            for member in facets["union"]:
                try:
                    self.simple(member, path, text, nil)
                    return
                except SchemaViolation:
                    continue
            raise SchemaViolation(path, f"cvc-datatype-valid: not valid for union {type_name}")
        base = facets.get("base", type_name)
        value = text or ""
        if base != "string":
            value = " ".join(value.split())  # whiteSpace collapse (token and non-strings)
            # The messages' parts are built only for a refusal: most values pass, and this
            # runs for every simple value of every command, on both sides of the wire.
            self._base(base, value, path, type_name)
        length = len(value)
        for facet in ("length", "minLength", "maxLength"):
            if facet not in facets:
                continue
            n = facets[facet]
            if not (length == n if facet == "length"
                    else length >= n if facet == "minLength" else length <= n):
                raise SchemaViolation(
                    path,
                    f"cvc-{facet}-valid: value {_shown(value)} with length {length} is not "
                    f"facet-valid with respect to {facet} {n} {_where(type_name)}",
                )
        if "enumeration" in facets and value not in facets["enumeration"]:
            raise SchemaViolation(
                path,
                f"cvc-enumeration-valid: value {_shown(value)} is not in the enumeration "
                f"{_where(type_name)}",
            )
        for alternatives in facets.get("patterns", []):
            if not any(re.fullmatch(p, value) for p in alternatives):
                raise SchemaViolation(
                    path, f"cvc-pattern-valid: value {_shown(value)} does not match the pattern "
                    f"{_where(type_name)}"
                )
        for facet in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
            if facet not in facets:
                continue
            n, number = int(facets[facet]), int(value)
            if not (number >= n if facet == "minInclusive" else number <= n
                    if facet == "maxInclusive" else number > n if facet == "minExclusive"
                    else number < n):
                raise SchemaViolation(
                    path,
                    f"cvc-{facet}-valid: value {_shown(value)} is not facet-valid with respect "
                    f"to {facet} {facets[facet]} {_where(type_name)}",
                )

    @staticmethod
    def _base(base: str, value: str, path: str, type_name: str) -> None:
        if base == "boolean":
            if value not in ("true", "false", "1", "0"):
                raise SchemaViolation(path, f"cvc-datatype-valid: {_shown(value)} is not a boolean")
        elif base in ("int", "long", "integer", "positiveInteger", "nonNegativeInteger"):
            if not _INTEGER.match(value):
                raise SchemaViolation(
                    path, f"cvc-datatype-valid: {_shown(value)} is not a valid value for '{base}'"
                )
            low, high = _INT_RANGE.get(base, (None, None))
            number = int(value)
            if (low is not None and number < low) or (high is not None and number > high):
                raise SchemaViolation(
                    path, f"cvc-datatype-valid: {_shown(value)} is out of range {_where(type_name)}"
                )
            if base == "positiveInteger" and number < 1:
                raise SchemaViolation(path, f"cvc-datatype-valid: {_shown(value)} is not positive")
            if base == "nonNegativeInteger" and number < 0:
                raise SchemaViolation(path, f"cvc-datatype-valid: {_shown(value)} is negative")


def _shown(value: str) -> str:
    return f"'{value[:40]}'" + ("..." if len(value) > 40 else "")


def _where(type_name: str) -> str:
    return f"for type '{type_name}'"
