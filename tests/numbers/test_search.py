"""Number search like a carrier's: blocks in stock, place search, runs in a row, toll-free,
and the words for what is not stocked."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orion.numbers.exceptions import InvalidNumber, TollFreeNeedsPackage
from orion.numbers.models import DID, NumberBlock
from orion.numbers.search import (
    blocks_in_stock,
    number_query_clean,
    numbers_search,
)
from orion.numbers.selectors import numbers_available
from orion.numbers.services import numbers_import

pytestmark = pytest.mark.django_db

CSV = """number,rate center,state,city,zip
2125550100,NWYRCYZN01,NY,New York,10001
2125550101,NWYRCYZN01,NY,New York,10018
2125550102,NWYRCYZN01,NY,New York,
2125550104,NWYRCYZN01,NY,New York,
2125550105,NWYRCYZN01,NY,New York,
2125550106,NWYRCYZN01,NY,New York,
2126460100,NWYRCYZN01,NY,New York,10010
2126460101,,,,
3035550100,DENVER,CO,Denver,80202
8885550100,,,,
8885550101,,,,
"""


@pytest.fixture
def stock() -> None:
    result = numbers_import(lines=CSV.splitlines())
    assert result.added == 11 and not result.rejected


def _search(toll_free_allowed: bool = False, **fields: object):
    return numbers_search(query=number_query_clean(**fields),
                          toll_free_allowed=toll_free_allowed, page_size=50)


def test_import_fills_the_block_table_merging_zip_codes(stock):
    block = NumberBlock.objects.get(npa="212", nxx="555")
    assert (block.rate_center, block.locality, block.region) == ("NWYRCYZN01", "New York", "NY")
    assert block.zip_codes == ["10001", "10018"]
    numbers_import(lines=["2125550199,,,,10036", "2126460102,,NY,,"])
    block.refresh_from_db()
    assert block.zip_codes == ["10001", "10018", "10036"]
    assert block.rate_center == "NWYRCYZN01"  # an empty cell never erases a known fact
    assert not NumberBlock.objects.filter(npa="888").exists()


def test_blocks_in_stock_is_one_grouped_query_local_and_toll_free_apart(stock):
    DID.objects.filter(e164="+12125550100").update(state="quarantined",
                                                   quarantined_until="2099-01-01T00:00Z")
    with CaptureQueriesContext(connection) as queries:
        local = blocks_in_stock()
    assert len(queries) == 1
    assert [(b.prefix, b.available, b.rate_center, b.place) for b in local] == [
        ("212-555", 5, "NWYRCYZN01", "New York, NY"),
        ("212-646", 2, "NWYRCYZN01", "New York, NY"),
        ("303-555", 1, "DENVER", "Denver, CO")]
    assert [(b.prefix, b.available) for b in blocks_in_stock(toll_free=True)] == [
        ("888-555", 2)]


def test_search_by_npa_nxx_rate_center_city_state_and_zip(stock):
    assert len(_search(npa="212").numbers) == 8
    assert [d.e164 for d in _search(npa="212", nxx="646").numbers] == [
        "+12126460100", "+12126460101"]
    by_rc = _search(rate_center="nwyrcyzn01")
    assert {d.npa for d in by_rc.numbers} == {"212"} and len(by_rc.numbers) == 8
    assert len(_search(city="new york", state="NY").numbers) == 8
    assert [d.e164 for d in _search(state="CO").numbers] == ["+13035550100"]
    by_zip = _search(zip_code="10010")
    assert [d.e164 for d in by_zip.numbers] == ["+12126460100", "+12126460101"]
    assert by_zip.blocks[("212", "646")].locality == "New York"
    # Local searches never offer toll-free numbers.
    assert not any(d.npa == "888" for d in _search(state="NY").numbers)


def test_consecutive_runs_stay_inside_one_block(stock):
    runs = _search(npa="212", consecutive="3").runs
    assert [[d.e164[-4:] for d in run] for run in runs] == [["0100", "0101", "0102"],
                                                            ["0104", "0105", "0106"]]
    two = _search(npa="212", consecutive="2").runs
    assert [run[0].e164 for run in two] == ["+12125550100", "+12125550104", "+12126460100"]
    none = _search(npa="212", nxx="555", consecutive="4")
    assert not none.numbers
    assert "No 4 numbers in a row in 212-555; the longest run there is 3" in none.message


def test_not_stocked_names_the_blocks_that_have_stock(stock):
    result = _search(npa="212", nxx="556")
    assert result.numbers == []
    assert result.message == ("No numbers in stock in 212-556; 212-555 has 6; "
                              "212-646 has 2.")
    zip_miss = _search(zip_code="99999")
    assert zip_miss.message.startswith("No numbers in stock in ZIP 99999; 212-555 has 6")
    state_miss = _search(state="TX")
    assert "No numbers in stock in TX;" in state_miss.message


def test_toll_free_only_with_the_package(stock):
    with pytest.raises(TollFreeNeedsPackage, match="Toll FRee Number package"):
        _search(npa="888")
    with pytest.raises(TollFreeNeedsPackage):
        _search(toll_free=True)
    found = _search(toll_free=True, toll_free_allowed=True)
    assert [d.e164 for d in found.numbers] == ["+18885550100", "+18885550101"]
    empty = _search(npa="800", toll_free_allowed=True)
    assert empty.message == "No toll-free numbers in stock in 800; 888-555 has 2."
    with pytest.raises(InvalidNumber, match="no rate center"):
        number_query_clean(toll_free=True, zip_code="10001")


@pytest.mark.parametrize(("fields", "field"), [
    ({}, "npa"),
    ({"nxx": "555"}, "npa"),
    ({"npa": "112"}, "npa"),
    ({"rate_center": "<script>"}, "rate_center"),
    ({"city": "=cmd|' /C calc'!A0", "state": "NY"}, "city"),
    ({"city": "Denver"}, "state"),
    ({"zip_code": "1000"}, "zip"),
    ({"state": "ZZ"}, "state"),
    ({"npa": "212", "consecutive": "1"}, "consecutive"),
    ({"npa": "212", "consecutive": "٣"}, "consecutive"),
])
def test_each_bad_field_is_refused_by_name(fields, field):
    with pytest.raises(InvalidNumber) as exc:
        number_query_clean(**fields)
    assert exc.value.field == field


def test_numbers_available_still_serves_the_api_and_the_benchmark(stock):
    page = numbers_available(npa="212", nxx="555", page_size=2)
    assert [d.e164 for d in page.numbers] == ["+12125550100", "+12125550101"]
    assert page.has_next


def test_import_rejects_markup_and_formulas_in_place_columns():
    result = numbers_import(lines=["2125550100,<script>alert(1)</script>,NY",
                                   "2125550101,=cmd,NY", "2125550102,,NY,=HYPERLINK(1),",
                                   "2125550103,,,,ABCDE", "2125550104,,,,"])
    assert result.added == 1
    reasons = {line: reason for line, _text, reason in result.rejected}
    assert "rate center" in reasons[1] and "rate center" in reasons[2]
    assert "city" in reasons[3] and "ZIP" in reasons[4]


def test_toll_free_numbers_are_reserved_only_with_the_package_and_not_billed_as_dids(
        stock, tenant_a):
    from orion.numbers.selectors import order_numbers
    from orion.numbers.services import backorder_create, numbers_reserve
    from orion.orders import services as order_services
    from tests import factories as f

    local = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    with pytest.raises(TollFreeNeedsPackage, match="Toll FRee Number package"):
        numbers_reserve(user=tenant_a.user, order_id=local.pk, numbers=["8885550100"])
    with pytest.raises(TollFreeNeedsPackage):
        backorder_create(user=tenant_a.user, order_id=local.pk, npa="888", quantity=1)
    assert DID.objects.get(e164="+18885550100").state == "available"

    draft = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise,
                                  packages=("Enterprise Standard", "Toll FRee Number"))
    result = numbers_reserve(user=tenant_a.user, order_id=draft.pk,
                             numbers=["8885550100", "2125550100"])
    assert result.reserved == ["+12125550100", "+18885550100"]
    # One package, one toll-free number: a second is refused by the package's quantity.
    with pytest.raises(TollFreeNeedsPackage, match="select at most 0 more"):
        numbers_reserve(user=tenant_a.user, order_id=draft.pk, numbers=["8885550101"])
    line = draft.lines.get(package__name="Toll FRee Number")
    order_services.order_line_set_quantity(user=tenant_a.user, order_id=draft.pk,
                                           line_id=line.pk, quantity=2)
    numbers_reserve(user=tenant_a.user, order_id=draft.pk, numbers=["8885550101"])
    numbers = order_numbers(order=draft)
    assert len(numbers.dids) == 3 and len(numbers.toll_free) == 2
    assert numbers.selected == 1  # toll-free numbers are not DIDs of the allowance
