from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.webhooks.receiver import Receiver, start_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found, server = start_receiver()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def production_mode(settings) -> None:
    """The production rules: https:// to public addresses only."""
    settings.ORION_WEBHOOKS_ALLOW_PRIVATE = False
