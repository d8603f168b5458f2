from __future__ import annotations

import pytest

from orion.porting.exceptions import PortNumbersRefused
from orion.porting.parsing import parse_numbers


def test_lists_and_ranges_with_any_separator():
    got = parse_numbers("2125550100-2125550102, 212-555-0150\n(212)5550151 +12125550152;"
                        "2125550160 - 2125550161 2125550100")
    assert got == ["+12125550100", "+12125550101", "+12125550102", "+12125550150",
                   "+12125550151", "+12125550152", "+12125550160", "+12125550161"]


@pytest.mark.parametrize(("text", "named"), [
    ("2125550100, 1125550100", "1125550100"),
    ("2125550100 21255501", "21255501"),
    ("2125550109-2125550100", "2125550109-2125550100"),
    ("2125550100-2135550100", "2125550100-2135550100"),
    ("2125550100-2125559999x", "2125550100-2125559999x"),
])
def test_errors_name_the_number(text, named):
    with pytest.raises(PortNumbersRefused) as refused:
        parse_numbers(text)
    assert named in refused.value.message


def test_empty_and_too_many_are_refused():
    with pytest.raises(PortNumbersRefused, match="Enter the numbers"):
        parse_numbers(" ,\n ")
    with pytest.raises(PortNumbersRefused, match=r"(?i)at most 1000"):
        parse_numbers("2125550000-2125550999 2125551000")
