"""Number ranges: BroadWorks lists consecutive numbers as one row; readers expand them."""

from __future__ import annotations

import pytest

from orion.broadworks import BroadWorksClient
from orion.broadworks.ranges import coalesce, dn_summary_numbers, expand_dn_cell
from tests.broadworks.helpers import GROUP, SP, add_enterprise, add_group

TEN = [f"+1-21255501{n:02d}" for n in range(10)]


def test_expand_a_range_cell() -> None:
    assert expand_dn_cell("+1-2125550100 - +1-2125550109") == TEN
    assert expand_dn_cell("+1-2125550100") == ["+1-2125550100"]
    assert expand_dn_cell("2125550100-2125550101") == ["2125550100", "2125550101"]
    assert expand_dn_cell("") == []
    for bad in (
        "+1-2125550109 - +1-2125550100",
        "+1-2125550100 - +44-2125550109",
        "+1-2125550100 - junk",
    ):
        with pytest.raises(ValueError):
            expand_dn_cell(bad)


def test_coalesce_merges_only_consecutive_numbers_with_equal_columns() -> None:
    rows = [(dn, GROUP, "false") for dn in reversed(TEN[:5])] + [
        (TEN[6], GROUP, "false"),
        (TEN[7], "", "true"),
        (TEN[8], "", "true"),
    ]
    assert coalesce(rows) == [
        (f"{TEN[0]} - {TEN[4]}", GROUP, "false"),
        (TEN[6], GROUP, "false"),
        (f"{TEN[7]} - {TEN[8]}", "", "true"),
    ]


def test_emulator_lists_consecutive_numbers_as_a_range(bw_client: BroadWorksClient) -> None:
    add_enterprise(bw_client)
    add_group(bw_client)
    bw_client.request(
        "ServiceProviderDnAddListRequest",
        service_provider_id=SP,
        dn_range=[{"min_phone_number": TEN[0], "max_phone_number": TEN[-1]}],
        phone_number=["+1-3125550000"],
    )
    bw_client.request(
        "GroupDnAssignListRequest", service_provider_id=SP, group_id=GROUP, phone_number=TEN
    )
    table = bw_client.request(
        "ServiceProviderDnGetSummaryListRequest", service_provider_id=SP
    ).dn_summary_table
    cells = [(row.phone_numbers, row.group_id) for row in table]
    assert cells == [(f"{TEN[0]} - {TEN[-1]}", GROUP), ("+1-3125550000", None)]
    numbers = dn_summary_numbers(table)
    assert numbers == {**dict.fromkeys(TEN, GROUP), "+1-3125550000": ""}
    # the group's own list is of DNs (the DN type holds at most 23 characters): no ranges
    group_list = bw_client.request(
        "GroupDnGetListRequest", service_provider_id=SP, group_id=GROUP
    ).phone_number
    assert group_list == TEN
