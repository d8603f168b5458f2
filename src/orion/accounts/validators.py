"""Input rules for account data, written once and used by forms, services and the API."""

from __future__ import annotations

import re
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
    if not re.fullmatch(r"\d{5}(?:-\d{4})?", zip_code):
        raise ValidationError("Enter a ZIP code as 12345 or 12345-6789.", code="invalid")
    return zip_code


def normalize_phone(value: str) -> str:
    """A North American phone number, returned as 10 digits."""
    digits = re.sub(r"[\s().+-]", "", value or "")
    if digits.startswith("1") and len(digits) == 11:
        digits = digits[1:]
    if not re.fullmatch(r"[2-9]\d{2}[2-9]\d{6}", digits):
        raise ValidationError("Enter a 10-digit phone number, for example (212) 555-0100.",
                              code="invalid")
    return digits


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str, *, max_length: int, label: str, required: bool = True) -> str:
    """Trim a free-text field; refuse control characters and over-long values."""
    text = (value or "").strip()
    if _CONTROL.search(text):
        raise ValidationError(f"{label} contains control characters; remove them.",
                              code="invalid")
    if required and not text:
        raise ValidationError(f"{label} is required.", code="required")
    if len(text) > max_length:
        raise ValidationError(f"{label} may have at most {max_length} characters "
                              f"(it has {len(text)}).", code="max_length")
    return text
