"""A group's extension length range: what its users' extensions must fit.

BroadWorks keeps a minimum, a maximum and a default (the length of an extension it derives
from a number). ``GroupConsolidatedAddRequest`` may set them when the group is made;
``GroupExtensionLengthModifyRequest17`` changes them later, refused when a user's
extension would no longer fit, so the group never holds an extension it would refuse.
"""

from __future__ import annotations

from typing import Any

from broadworks_ocip.base import OCIResponse

from orion.broadworks.emulator import formats
from orion.broadworks.emulator.errors import EmulatorError, Err
from orion.broadworks.emulator.handlers.base import Context, handles, respond, success
from orion.broadworks.emulator.state import Group


def set_extension_lengths(
    group: Group, low: int | None, high: int | None, default: int | None, *, sp_id: str
) -> None:
    """Apply the given lengths (None keeps the current one), all checks first."""
    low = group.min_extension_length if low is None else low
    high = group.max_extension_length if high is None else high
    default = group.default_extension_length if default is None else default
    if not low <= default <= high:
        raise formats.invalid(
            f"extension lengths must be minimum <= default <= maximum: {low}, {default}, {high}"
        )
    for user in group.users.values():
        if user.extension is not None and not low <= len(user.extension) <= high:
            raise EmulatorError(
                Err.EXTENSION_LENGTH,
                low=low,
                high=high,
                extension=user.extension,
                sp=sp_id,
                group=group.group_id,
            )
    group.min_extension_length = low
    group.max_extension_length = high
    group.default_extension_length = default


@handles("GroupExtensionLengthGetRequest17")
def extension_length_get(ctx: Context, req: Any) -> OCIResponse:
    group = ctx.state.group(req.service_provider_id, req.group_id)
    return respond(
        "GroupExtensionLengthGetResponse17",
        min_extension_length=group.min_extension_length,
        max_extension_length=group.max_extension_length,
        default_extension_length=group.default_extension_length,
    )


@handles("GroupExtensionLengthModifyRequest17", mutates=True)
def extension_length_modify(ctx: Context, req: Any) -> OCIResponse:
    group = ctx.state.group(req.service_provider_id, req.group_id)
    set_extension_lengths(
        group,
        req.min_extension_length,
        req.max_extension_length,
        req.default_extension_length,
        sp_id=req.service_provider_id,
    )
    return success()
