"""Writes on the DID inventory, one module per job: ``moves`` (the one state-changing
function), ``drafts`` (numbers on drafts and Save Order), ``inventory`` (staff, backorders),
``loading`` (import, ranges, demo), ``imports`` (staff uploads, run by a job). Import from
here; the modules are the map."""

from __future__ import annotations

from orion.numbers.services.drafts import (
    DidsOrdered,
    PlacedNumbers,
    ReserveResult,
    backorder_create,
    backorder_remove,
    change_numbers_give_back,
    customer_numbers_quarantine,
    included_dids,
    number_unreserve,
    numbers_expire_reservations,
    numbers_renew_reservations,
    numbers_reserve,
    numbers_reserve_quantity,
    order_dids_order,
    order_draft_numbers_release,
    order_numbers_place,
    order_numbers_quarantine,
    order_numbers_released,
    order_numbers_return,
)
from orion.numbers.services.imports import (
    ImportRefused,
    number_import_get,
    number_import_run,
    number_import_start,
)
from orion.numbers.services.inventory import (
    backorder_fill,
    number_quarantine,
    number_release,
    number_unquarantine,
    numbers_end_quarantine,
)
from orion.numbers.services.loading import (
    DEMO_BLOCKS,
    MAX_RANGE,
    ImportResult,
    numbers_add_range,
    numbers_demo_load,
    numbers_import,
    parse_range,
)
from orion.numbers.services.moves import NUMBER_ORDER, Moved

# dids_move and dids_pick (the one place a DID's columns change) are not re-exported: other
# apps call the named services above; an import-linter contract keeps them out of moves.

__all__ = [
    "DEMO_BLOCKS",
    "MAX_RANGE",
    "NUMBER_ORDER",
    "DidsOrdered",
    "ImportRefused",
    "ImportResult",
    "Moved",
    "PlacedNumbers",
    "ReserveResult",
    "backorder_create",
    "backorder_fill",
    "backorder_remove",
    "change_numbers_give_back",
    "customer_numbers_quarantine",
    "included_dids",
    "number_import_get",
    "number_import_run",
    "number_import_start",
    "number_quarantine",
    "number_release",
    "number_unquarantine",
    "number_unreserve",
    "numbers_add_range",
    "numbers_demo_load",
    "numbers_end_quarantine",
    "numbers_expire_reservations",
    "numbers_import",
    "numbers_renew_reservations",
    "numbers_reserve",
    "numbers_reserve_quantity",
    "order_dids_order",
    "order_draft_numbers_release",
    "order_numbers_place",
    "order_numbers_quarantine",
    "order_numbers_released",
    "order_numbers_return",
    "parse_range",
]
