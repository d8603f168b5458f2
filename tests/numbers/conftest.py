from __future__ import annotations

import pytest

from orion.numbers.services import numbers_add_range
from tests import factories as f


@pytest.fixture
def inventory(db) -> None:
    """212-555-0100..0119 (20 numbers) and 206-432-7000..7002 (3 numbers)."""
    numbers_add_range(spec="2125550100-2125550119", rate_center="NWYRCYZN01", region="NY")
    numbers_add_range(spec="2064327000-2064327002", rate_center="SEATTLE", region="WA")


@pytest.fixture
def draft_a(tenant_a):
    # Enterprise Standard includes DIDs; the tests read the allowance from the quote.
    return f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
