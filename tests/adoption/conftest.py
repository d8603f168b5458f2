from __future__ import annotations

import pytest

from orion.broadworks import BroadWorksClient
from tests.adoption.seed import seed_legacy


@pytest.fixture
def legacy(bw_client: BroadWorksClient) -> BroadWorksClient:
    """The emulator holding a BroadWorks that Orion did not create."""
    seed_legacy(bw_client)
    return bw_client
