from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from orion.accounts import validators as v


@pytest.mark.parametrize("raw, expected", [
    ("acme.com", "acme.com"),
    ("  ACME.Com ", "acme.com"),
    ("voice.acme-corp.co.uk", "voice.acme-corp.co.uk"),
    ("acme.com.", "acme.com"),
    ("xn--bcher-kva.example", "xn--bcher-kva.example"),
])
def test_domain_accepts_and_lowercases(raw, expected):
    assert v.normalize_domain(raw) == expected


@pytest.mark.parametrize("raw, code, words", [
    ("www.acme.com", "www", "www."),
    ("WWW.acme.com", "www", "www."),
    ("acme", "invalid", "not a full domain"),
    ("-acme.com", "invalid", "hyphen"),
    ("acme-.com", "invalid", "hyphen"),
    ("acme..com", "invalid", "two dots"),
    ("http://acme.com", "invalid", "not a web address"),
    ("acme.c0m", "invalid", "ending"),
    ("\u0430cme.com", "invalid", "look-alike"),  # Cyrillic small a
    ("acme_corp.com", "invalid", "letters, digits"),
    ("a" * 40 + "." + "b" * 40 + ".com", "max_length", "at most 80"),
    ("", "required", "Enter a domain"),
])
def test_domain_refuses_with_reason(raw, code, words):
    with pytest.raises(ValidationError) as info:
        v.normalize_domain(raw)
    assert info.value.code == code
    assert words in info.value.messages[0]


def test_time_zones_are_iana_names():
    names = v.time_zone_names()
    assert "America/New_York" in names and "Europe/London" in names
    assert "US/Eastern" not in names and "EST" not in names
    assert v.validate_time_zone("America/Denver") == "America/Denver"
    for bad in ("Mars/Olympus", "EST", "", "America/New_York\x00"):
        with pytest.raises(ValidationError):
            v.validate_time_zone(bad)


def test_phone_state_zip_and_text():
    assert v.normalize_phone("+1 (212) 555-0100") == "2125550100"
    for bad in ("555-0100", "1125550100", "abc"):
        with pytest.raises(ValidationError):
            v.normalize_phone(bad)
    assert v.normalize_state("ny") == "NY"
    with pytest.raises(ValidationError):
        v.normalize_state("New York")
    assert v.normalize_zip("10001-1234") == "10001-1234"
    with pytest.raises(ValidationError):
        v.normalize_zip("1000")
    with pytest.raises(ValidationError, match="at most 80"):
        v.clean_text("x" * 300, max_length=80, label="Company name")
    with pytest.raises(ValidationError, match="control characters"):
        v.clean_text("Acme\x07", max_length=80, label="Company name")
