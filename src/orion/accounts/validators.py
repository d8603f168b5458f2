"""Input rules for account data, written once and used by forms, services and the API."""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from functools import lru_cache

from django.core.exceptions import ValidationError

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
DOMAIN_MAX_LENGTH = 80  # BroadWorks' limit for a domain name


def normalize_domain(value: str) -> str:
    """Return the domain lower-cased, or raise ValidationError saying what is wrong with it.

    BroadWorks needs a plain DNS name: no scheme, no ``www.``, no trailing dot, ASCII only
    (international names must be given in their ``xn--`` form so look-alike letters cannot
    slip in).
    """
    domain = (value or "").strip().lower().rstrip(".")
    if not domain:
        raise ValidationError("Enter a domain name such as acme.com.", code="required")
    if "://" in domain or "/" in domain:
        raise ValidationError("Enter only the domain name (acme.com), not a web address.",
                              code="invalid")
    if domain.startswith("www."):
        raise ValidationError(
            'Do not include "www." - enter the bare domain (for example acme.com), which '
            "BroadWorks uses for SIP addresses.", code="www")
    if not domain.isascii():
        raise ValidationError(
            "The domain contains non-ASCII characters (possibly look-alike letters); enter it "
            "in plain ASCII or its xn-- form.", code="invalid")
    if len(domain) > DOMAIN_MAX_LENGTH:
        raise ValidationError(f"A domain may have at most {DOMAIN_MAX_LENGTH} characters.",
                              code="max_length")
    labels = domain.split(".")
    if len(labels) < 2:
        raise ValidationError(
            f'"{domain}" is not a full domain name; add its ending, for example {domain}.com.',
            code="invalid")
    if any(label == "" for label in labels):
        raise ValidationError("A domain name cannot contain two dots in a row.", code="invalid")
    for label in labels:
        if not _LABEL.match(label):
            raise ValidationError(
                f'"{label}" is not a valid part of a domain name: use letters, digits and '
                "hyphens, not starting or ending with a hyphen.", code="invalid")
    if not _TLD.match(labels[-1]):
        raise ValidationError(f'".{labels[-1]}" is not a valid domain ending.', code="invalid")
    return domain


@lru_cache(maxsize=1)
def time_zone_names() -> tuple[str, ...]:
    """IANA time zone names (BroadWorks uses the same ids), canonical Area/City ones only."""
    names = {
        name for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
    }
    return tuple(sorted(names))


def validate_time_zone(value: str) -> str:
    value = (value or "").strip()
    if value not in time_zone_names():
        raise ValidationError(
            f'"{value[:64]}" is not a known time zone; choose one from the list '
            "(for example America/New_York).", code="invalid")
    return value


_US_STATES = frozenset({
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI",
    "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN",
    "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH",
    "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "PR", "VI", "GU", "AS", "MP",
})


def normalize_state(value: str) -> str:
    state = (value or "").strip().upper()
    if state not in _US_STATES:
        raise ValidationError("Enter the two-letter state code (for example NY).", code="invalid")
    return state


def normalize_zip(value: str) -> str:
    zip_code = (value or "").strip()
    if not re.fullmatch(r"[0-9]{5}(?:-[0-9]{4})?", zip_code):
        raise ValidationError("Enter a ZIP code as 12345 or 12345-6789.", code="invalid")
    return zip_code


def normalize_phone(value: str) -> str:
    """A North American phone number, returned as 10 digits."""
    digits = re.sub(r"[\s().+-]", "", value or "")
    if digits.startswith("1") and len(digits) == 11:
        digits = digits[1:]
    if not re.fullmatch(r"[2-9][0-9]{2}[2-9][0-9]{6}", digits):
        raise ValidationError("Enter a 10-digit phone number, for example (212) 555-0100.",
                              code="invalid")
    return digits


_ASCII_INT = re.compile(r"[+-]?[0-9]{1,18}")


def ascii_int(value: object) -> int:
    """``int(value)`` for ASCII digits only; ValueError otherwise.

    Python's ``int()`` also reads Arabic-Indic (``\\u0661\\u0662``), full-width and other
    Unicode digits, and ``1_000``: such a quantity or id was accepted and such digits were sent
    on. Every number a person types is checked with this (or ``[0-9]``, never ``\\d``).
    """
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not _ASCII_INT.fullmatch(text):
        raise ValueError(f"not a whole number in ASCII digits: {text[:20]!r}")
    return int(text)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Bidirectional embeddings, overrides and isolates (and the marks): they make text read
# differently from how it is stored ("Trojan Source"). Refused in every free-text field.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                           "\u2066\u2067\u2068\u2069")


def _has_format_characters(text: str) -> bool:
    """Unicode format characters (category Cf: bidi controls, zero-width spaces and joiners,
    soft hyphens): invisible, so ``Ac\u200bme`` looks like ``Acme`` but is another name."""
    return any(unicodedata.category(ch) == "Cf" for ch in text)


def clean_text(value: str, *, max_length: int, label: str, required: bool = True) -> str:
    """Trim a free-text field, normalised to NFC; refuse control characters, bidi controls
    and over-long values.

    NFC first, so that one name typed on two keyboards (``é`` as one code point or as ``e``
    and a combining accent) is stored, searched and sent to BroadWorks the same way.
    """
    text = unicodedata.normalize("NFC", (value or "")).strip()
    if _CONTROL.search(text):
        raise ValidationError(f"{label} contains control characters; remove them.",
                              code="invalid")
    if any(ch in _BIDI_CONTROLS for ch in text):
        raise ValidationError(f"{label} contains invisible right-to-left or left-to-right "
                              "controls; retype it without them.", code="invalid")
    if required and not text:
        raise ValidationError(f"{label} is required.", code="required")
    if len(text) > max_length:
        raise ValidationError(f"{label} may have at most {max_length} characters "
                              f"(it has {len(text)}).", code="max_length")
    return text


def clean_name(value: str, *, max_length: int, label: str, required: bool = True) -> str:
    """A name a person types (company, enterprise, contact, address, token): ``clean_text``
    plus no line breaks or tabs and no invisible format characters (Unicode category Cf)."""
    text = clean_text(value, max_length=max_length, label=label, required=required)
    if any(ch in "\t\n\r" for ch in text):
        raise ValidationError(f"{label} must be on one line.", code="invalid")
    if _has_format_characters(text):
        raise ValidationError(
            f"{label} contains invisible formatting characters (such as a right-to-left "
            "override or a zero-width space); retype it without them.", code="invalid")
    return text
