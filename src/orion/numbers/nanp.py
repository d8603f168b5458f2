"""North American Numbering Plan rules, in one place for the importer, the search and the API.

A NANP number is NPA-NXX-XXXX: ten digits, written here in E.164 as ``+1NPANXXXXXX``. The NPA
(area code) and the NXX (central office code) start with 2-9, and neither may be an N11 code
(211, 311, ... 911 are service codes such as 911 emergency).
"""

from __future__ import annotations

import re

from orion.numbers.exceptions import InvalidNumber

_SEPARATORS = re.compile(r"[\s().\-]")
US_STATES = frozenset([
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
    "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
    "VT", "VA", "WA", "WV", "WI", "WY", "PR", "VI", "GU", "AS", "MP", "AB", "BC", "MB", "NB",
    "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT",
])


def _code_problem(code: str, label: str) -> str | None:
    if len(code) != 3 or not code.isascii() or not code.isdigit():
        return f"The {label} must be 3 digits."
    if code[0] in "01":
        return f"The {label} must start with a digit from 2 to 9 ({code} starts with {code[0]})."
    if code[1:] == "11":
        return f"{code} is an N11 service code, not an {label}."
    return None


def clean_npa(value: object) -> str:
    """The NPA (area code) typed by a user, or InvalidNumber saying what is wrong."""
    code = str(value or "").strip()
    problem = _code_problem(code, "NPA")
    if problem:
        raise InvalidNumber(problem, field="npa")
    return code


def clean_nxx(value: object) -> str:
    """The NXX (exchange) typed by a user, or InvalidNumber saying what is wrong."""
    code = str(value or "").strip()
    problem = _code_problem(code, "NXX")
    if problem:
        raise InvalidNumber(problem, field="nxx")
    return code


def to_e164(value: object) -> str:
    """``+1NPANXXXXXX`` from 10 digits, 11 digits starting with 1, or +1, with common
    separators; InvalidNumber with the reason otherwise."""
    raw = str(value or "").strip()
    digits = _SEPARATORS.sub("", raw)
    if digits.startswith("+"):
        if not digits.startswith("+1"):
            raise InvalidNumber(f"{raw}: only North American (+1) numbers are accepted.")
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if not digits.isascii() or not digits.isdigit():
        raise InvalidNumber(f"{raw or '(empty)'}: a number has digits only.")
    if len(digits) != 10:
        raise InvalidNumber(f"{raw}: a number has 10 digits (NPA NXX XXXX), not {len(digits)}.")
    for code, label in ((digits[:3], "NPA"), (digits[3:6], "NXX")):
        problem = _code_problem(code, label)
        if problem:
            raise InvalidNumber(f"{raw}: {problem}")
    return f"+1{digits}"


def clean_region(value: object) -> str:
    """A US state or Canadian province code, or empty."""
    code = str(value or "").strip().upper()
    if code and code not in US_STATES:
        raise InvalidNumber(f"{value}: not a US state or Canadian province code.")
    return code


# Toll-free NPAs in service (855 onwards added as 800 ran out). Numbers in them ring anywhere
# in North America: they have no rate center, and are sold only with the toll-free package.
TOLL_FREE_NPAS = frozenset({"800", "833", "844", "855", "866", "877", "888"})
# The package a toll-free number is sold with, spelled as the document (and the catalog) does.
TOLL_FREE_PACKAGE = "Toll FRee Number"


def is_toll_free(npa: str) -> bool:
    return npa in TOLL_FREE_NPAS


# LERG rate-center abbreviations are upper-case letters and digits ("NWYRCYZN01"); longer
# written-out names ("NEW YORK CITY") are allowed, with the punctuation of place names.
_RATE_CENTER = re.compile(r"^[A-Z0-9][A-Z0-9 .'&/-]{0,39}$")
_CITY = re.compile(r"^[^\W\d_][\w .'-]{0,39}$")
_ZIP = re.compile(r"^[0-9]{5}$")


def clean_rate_center(value: object) -> str:
    """A rate center (upper-cased), or empty; InvalidNumber for markup or formulas."""
    text = " ".join(str(value or "").split()).upper()
    if text and not _RATE_CENTER.match(text):
        raise InvalidNumber(f"{value}: a rate center has letters, digits and spaces only "
                            "(at most 40), e.g. NWYRCYZN01.", field="rate_center")
    return text


def clean_city(value: object) -> str:
    """A city (locality) name, or empty; InvalidNumber for markup or formulas."""
    text = " ".join(str(value or "").split())
    if text and (not _CITY.match(text) or not text.isprintable()):
        raise InvalidNumber(f"{value}: a city has letters, spaces, dots, hyphens and "
                            "apostrophes only (at most 40).", field="city")
    return text


def clean_zip(value: object) -> str:
    """A 5-digit US ZIP code (ZIP+4 is cut to its first five), or empty."""
    text = str(value or "").strip()
    if len(text) == 10 and text[5] == "-":
        text = text[:5]
    if text and (not text.isascii() or not _ZIP.match(text)):
        raise InvalidNumber(f"{value}: a ZIP code has 5 digits.", field="zip")
    return text


def display(e164: str) -> str:
    """``+12125550100`` -> ``212-555-0100``, the way partners read numbers."""
    d = e164.removeprefix("+1")
    return f"{d[:3]}-{d[3:6]}-{d[6:]}" if len(d) == 10 else e164
