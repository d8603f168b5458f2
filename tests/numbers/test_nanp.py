from __future__ import annotations

import pytest

from orion.numbers.exceptions import InvalidNumber
from orion.numbers.nanp import clean_npa, clean_nxx, display, to_e164


@pytest.mark.parametrize(("raw", "e164"), [
    ("2125550100", "+12125550100"),
    ("+12125550100", "+12125550100"),
    ("12125550100", "+12125550100"),
    ("(212) 555-0100", "+12125550100"),
    ("212.555.0100", "+12125550100"),
    ("+1-212-555-0100", "+12125550100"),
])
def test_valid_numbers_become_e164(raw, e164):
    assert to_e164(raw) == e164


@pytest.mark.parametrize(("raw", "reason"), [
    ("212555010", "10 digits"),
    ("21255501000", "10 digits"),
    ("+442071234567", "+1"),
    ("1125550100", "start with a digit from 2 to 9"),
    ("0125550100", "start with a digit from 2 to 9"),
    ("2121550100", "NXX must start"),
    ("2120550100", "NXX must start"),
    ("9115550100", "N11"),
    ("2124110100", "N11"),
    ("21255501OO", "digits only"),
    ("", "digits only"),
])
def test_invalid_numbers_say_why(raw, reason):
    with pytest.raises(InvalidNumber) as exc:
        to_e164(raw)
    assert reason in exc.value.message


@pytest.mark.parametrize("npa", ["123", "911", "21", "abc", "2125", "", "011", " 1 2"])
def test_bad_npa(npa):
    with pytest.raises(InvalidNumber):
        clean_npa(npa)


@pytest.mark.parametrize("nxx", ["011", "111", "411", "55", "x55"])
def test_bad_nxx(nxx):
    with pytest.raises(InvalidNumber):
        clean_nxx(nxx)


def test_good_codes_and_display():
    assert clean_npa(" 212 ") == "212"
    assert clean_nxx("555") == "555"
    assert display("+12125550100") == "212-555-0100"
