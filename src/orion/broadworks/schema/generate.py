"""Regenerate ``r25.json`` (the facet table) from the public R25 OCI-P schema.

The XSD files are not part of Orion (they are BroadSoft's, 7 MB, and we need a few
hundred types of them); the facts we use are committed as data instead. To regenerate,
get the ``ocip_schema`` folder of https://github.com/nigelm/broadworks_ocip (the R25
schema broadworks-ocip 3.0.0 is built from) and run::

    python -m orion.broadworks.schema.generate /path/to/ocip_schema

It walks every request in :data:`REQUESTS` and every type those requests use, flattens
simple types (a restriction of a restriction keeps the stricter facets) and writes one
line per simple type and one line per element, so a review reads the diff like a table.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from lxml import etree

XS = "{http://www.w3.org/2001/XMLSchema}"
OUTPUT = Path(__file__).with_name("r25.json")

#: The requests the emulator answers and Orion sends (current and deprecated names).
REQUESTS = (
    "AuthenticationRequest",
    "LoginRequest14sp4",
    "LoginRequest22V5",
    "LogoutRequest",
    "ServiceProviderAddRequest13mp2",
    "ServiceProviderConsolidatedAddRequest",
    "ServiceProviderGetRequest22V4",
    "ServiceProviderGetListRequest",
    "ServiceProviderDeleteRequest",
    "GroupAddRequest",
    "GroupConsolidatedAddRequest",
    "GroupGetRequest22V5",
    "GroupGetListInServiceProviderRequest",
    "GroupDeleteRequest",
    "GroupModifyRequest",
    "SystemDomainAddRequest",
    "SystemDomainGetListRequest",
    "SystemDomainGetListRequest22V2",
    "SystemSoftwareVersionGetRequest",
    "ServiceProviderDomainAssignListRequest",
    "ServiceProviderDomainGetAssignedListRequest",
    "ServiceProviderDomainGetAssignedListRequest22",
    "GroupDomainAssignListRequest",
    "GroupDomainGetAssignedListRequest",
    "GroupDomainUnassignListRequest",
    "ServiceProviderDnAddListRequest",
    "ServiceProviderDnGetAvailableListRequest",
    "ServiceProviderDnGetSummaryListRequest",
    "ServiceProviderDnDeleteListRequest",
    "GroupDnAssignListRequest",
    "GroupDnGetListRequest",
    "GroupDnUnassignListRequest",
    "ServiceProviderServicePackAddRequest",
    "ServiceProviderServicePackGetListRequest",
    "ServiceProviderServicePackGetDetailListRequest",
    "ServiceProviderServicePackDeleteRequest",
    "ServiceProviderServiceModifyAuthorizationListRequest",
    "ServiceProviderServiceGetAuthorizationListRequest",
    "GroupServiceModifyAuthorizationListRequest",
    "GroupServiceGetAuthorizationListRequest",
    "GroupServiceAssignListRequest",
    "GroupServiceUnassignListRequest",
    "GroupServiceGetAuthorizedListRequest",
    "GroupServiceIsAssignedRequest",
    "SystemTimeZoneGetListRequest20",
    "UserAddRequest17sp4",
    "UserAddRequest22V2",
    "UserGetRequest22",
    "UserGetRequest23V2",
    "UserGetListInGroupRequest",
    "UserModifyRequest17sp4",
    "UserDeleteRequest",
    "UserServiceAssignListRequest",
    "UserServiceUnassignListRequest",
    "UserServiceGetAssignmentListRequest",
    "GroupAccessDeviceAddRequest14",
    "GroupAccessDeviceGetListRequest",
    "GroupAccessDeviceGetRequest18sp1",
    "GroupAccessDeviceDeleteRequest",
    "GroupExtensionLengthGetRequest17",
    "GroupExtensionLengthModifyRequest17",
)

_FACETS = (
    "length",
    "minLength",
    "maxLength",
    "minInclusive",
    "maxInclusive",
    "minExclusive",
    "maxExclusive",
    "totalDigits",
    "fractionDigits",
)
_INTEGER_FACETS = {"length", "minLength", "maxLength", "totalDigits", "fractionDigits"}


def _local(name: str) -> str:
    return name.split(":", 1)[-1]


class _Schema:
    def __init__(self, folder: Path) -> None:
        self.complex: dict[str, Any] = {}
        self.simple: dict[str, Any] = {}
        for path in sorted(folder.rglob("*.xsd")):
            root = etree.parse(str(path)).getroot()
            for node in root:
                name = node.get("name")
                if node.tag == f"{XS}complexType" and name:
                    self.complex.setdefault(name, node)
                elif node.tag == f"{XS}simpleType" and name:
                    self.simple.setdefault(name, node)
        self.out_complex: dict[str, Any] = {}
        self.out_simple: dict[str, Any] = {}

    # -- simple types -----------------------------------------------------------------

    def simple_type(self, name: str) -> str:
        """Record a named simple type (flattened); returns the name to use in the table."""
        name = _local(name)
        if name not in self.simple:
            return name  # an XML Schema built-in: string, token, int, boolean, ...
        if name not in self.out_simple:
            self.out_simple[name] = {}  # guards recursion
            self.out_simple[name] = self._flatten(self.simple[name])
        return name

    def _flatten(self, node: Any) -> dict[str, Any]:
        restriction = node.find(f"{XS}restriction")
        if restriction is not None:
            base = restriction.get("base")
            if base is None:
                inner = restriction.find(f"{XS}simpleType")
                facets = dict(self._flatten(inner))
            else:
                base_name = self.simple_type(base)
                facets = dict(self.out_simple.get(base_name) or {"base": base_name})
            enums = [e.get("value") for e in restriction.findall(f"{XS}enumeration")]
            if enums:
                facets["enumeration"] = enums
            patterns = [p.get("value") for p in restriction.findall(f"{XS}pattern")]
            if patterns:
                # patterns of one step are alternatives; each derivation step must hold
                facets["patterns"] = [*facets.get("patterns", []), patterns]
            for facet in _FACETS:
                found = restriction.find(f"{XS}{facet}")
                if found is not None:
                    value = found.get("value")
                    numeric = facet in _INTEGER_FACETS or value.lstrip("-").isdigit()
                    facets[facet] = int(value) if numeric else value
            return facets
        union = node.find(f"{XS}union")
        if union is not None:
            members = [self.simple_type(m) for m in (union.get("memberTypes") or "").split()]
            for inner in union.findall(f"{XS}simpleType"):
                members.append(self._anonymous(inner))
            return {"union": members}
        item = node.find(f"{XS}list")
        if item is not None:
            return {"list": self.simple_type(item.get("itemType"))}
        raise ValueError(f"unsupported simple type {etree.tostring(node)[:200]!r}")

    def _anonymous(self, node: Any) -> str:
        name = f"_anon{len(self.out_simple)}"
        self.out_simple[name] = self._flatten(node)
        return name

    # -- complex types ----------------------------------------------------------------

    def complex_type(self, name: str) -> str:
        name = _local(name)
        if name in self.simple or name not in self.complex:
            return self.simple_type(name)
        if name not in self.out_complex:
            self.out_complex[name] = {}
            self.out_complex[name] = self._complex(name, self.complex[name])
        return name

    def derived_of_abstract(self) -> None:
        """Add every type derived from an abstract one in the table (``DepartmentKey`` ->
        ``GroupDepartmentKey``, ``EnterpriseDepartmentKey``): an instance names one with
        ``xsi:type``, which the checker must know to accept."""
        while True:
            used: set[str] = set()
            for declared in self.out_complex.values():
                _element_types(declared.get("content", []), used)
            # only abstract element types: SearchCriteria is a base, never an element's type
            abstract = {n for n in used if self.out_complex.get(n, {}).get("abstract")}
            missing = [
                name
                for name, node in self.complex.items()
                if name not in self.out_complex and self._base_of(node) in abstract
            ]
            if not missing:
                return
            for name in missing:
                self.complex_type(name)

    @staticmethod
    def _base_of(node: Any) -> str | None:
        content = node.find(f"{XS}complexContent")
        if content is None or not len(content):
            return None
        base = content[0].get("base")
        return _local(base) if base else None

    def type_of(self, name: str) -> str:
        return self.complex_type(name)

    def _complex(self, name: str, node: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if node.get("abstract") == "true":
            out["abstract"] = True
        content: list[Any] = []
        complex_content = node.find(f"{XS}complexContent")
        simple_content = node.find(f"{XS}simpleContent")
        if simple_content is not None:
            derivation = simple_content[0]
            return {**out, "simple": self.simple_type(derivation.get("base"))}
        body = node
        if complex_content is not None:
            derivation = complex_content[0]
            base = _local(derivation.get("base"))
            if derivation.tag == f"{XS}extension" and base not in (
                "OCIRequest",
                "OCIResponse",
                "OCIDataResponse",
                "OCICommand",
            ):
                base_name = self.complex_type(base)
                content.extend(self.out_complex[base_name].get("content", []))
                out["base"] = base_name
            body = derivation
        for child in body:
            if child.tag in (f"{XS}sequence", f"{XS}choice", f"{XS}all"):
                content.append(self._particle(name, child))
        out["content"] = content
        return out

    def _occurs(self, node: Any, particle: dict[str, Any]) -> dict[str, Any]:
        low, high = node.get("minOccurs", "1"), node.get("maxOccurs", "1")
        if low != "1":
            particle["min"] = int(low)
        if high != "1":
            particle["max"] = None if high == "unbounded" else int(high)
        return particle

    def _particle(self, owner: str, node: Any) -> dict[str, Any]:
        if node.tag == f"{XS}element":
            name = node.get("name")
            type_name = node.get("type")
            if type_name is None:
                inner = node.find(f"{XS}complexType")
                synthetic = f"{owner}.{name}"
                if inner is not None:
                    self.out_complex[synthetic] = {}
                    self.out_complex[synthetic] = self._complex(synthetic, inner)
                else:
                    inner = node.find(f"{XS}simpleType")
                    self.out_simple[synthetic] = self._flatten(inner)
                type_name = synthetic
            else:
                type_name = self.type_of(type_name)
            particle: dict[str, Any] = {"element": name, "type": type_name}
            if node.get("nillable") == "true":
                particle["nillable"] = True
            return self._occurs(node, particle)
        kind = node.tag[len(XS) :]
        items = [
            self._particle(owner, child)
            for child in node
            if child.tag in (f"{XS}element", f"{XS}sequence", f"{XS}choice")
        ]
        return self._occurs(node, {kind: items})


def _element_types(particles: list[Any], out: set[str]) -> None:
    for particle in particles:
        if "element" in particle:
            out.add(particle["type"])
        for kind in ("sequence", "choice", "all"):
            _element_types(particle.get(kind, []), out)


def _dump(table: dict[str, Any]) -> str:
    """JSON with one simple type per line and one element per line."""
    lines = ["{"]
    sections = list(table.items())
    for index, (section, value) in enumerate(sections):
        comma = "," if index + 1 < len(sections) else ""
        if not isinstance(value, dict):
            lines.append(f"  {json.dumps(section)}: {json.dumps(value)}{comma}")
            continue
        lines.append(f"  {json.dumps(section)}: {{")
        entries = sorted(value.items())
        for i, (name, entry) in enumerate(entries):
            end = "," if i + 1 < len(entries) else ""
            if section != "complex":
                lines.append(f"    {json.dumps(name)}: {json.dumps(entry)}{end}")
                continue
            head = {k: v for k, v in entry.items() if k != "content"}
            lines.append(f"    {json.dumps(name)}: {{")
            for key, item in head.items():
                lines.append(f"      {json.dumps(key)}: {json.dumps(item)},")
            lines.append('      "content": [')
            _dump_particles(lines, entry.get("content", []), 8)
            lines.append("      ]")
            lines.append(f"    }}{end}")
        lines.append(f"  }}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dump_particles(lines: list[str], particles: list[Any], indent: int) -> None:
    pad = " " * indent
    for i, particle in enumerate(particles):
        end = "," if i + 1 < len(particles) else ""
        if "element" in particle:
            lines.append(f"{pad}{json.dumps(particle)}{end}")
            continue
        kind = next(k for k in ("sequence", "choice", "all") if k in particle)
        extra = {k: v for k, v in particle.items() if k != kind}
        lines.append(f"{pad}{{{json.dumps(kind)}: [")
        _dump_particles(lines, particle[kind], indent + 2)
        tail = "".join(f", {json.dumps(k)}: {json.dumps(v)}" for k, v in extra.items())
        lines.append(f"{pad}]{tail}}}{end}")


def generate(folder: Path) -> dict[str, Any]:
    schema = _Schema(folder)
    for request in REQUESTS:
        if request not in schema.complex:
            raise SystemExit(f"{request} is not in the schema at {folder}")
        schema.complex_type(request)
    schema.derived_of_abstract()
    return {
        "source": (
            "BroadWorks R25 OCI-P schema, ocip_schema/ of github.com/nigelm/broadworks_ocip "
            "(commit 47ba1e0); generated by orion.broadworks.schema.generate"
        ),
        "requests": list(REQUESTS),
        "simple": schema.out_simple,
        "complex": schema.out_complex,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the ocip_schema folder")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    args.output.write_text(_dump(generate(args.folder)), encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
