from __future__ import annotations

from orion.core.exceptions import OrionError


class ProvisioningError(OrionError):
    code = "provisioning_error"


class ProvisioningConflict(ProvisioningError):
    """BroadWorks already holds something different from what the order wants.

    Never overwritten silently: the order stops in failed with this message, staff repair.
    ``drift`` names the difference as the drift audit would (kind, name, Orion's value,
    BroadWorks' value), so the run can record it and staff can accept it from the order.
    """

    code = "provisioning_conflict"

    def __init__(self, message: str, *, step: str,
                 drift: tuple[str, str, str, str] | None = None):
        super().__init__(message)
        self.step = step
        self.drift = drift


class ProvisioningStepFailed(ProvisioningError):
    """BroadWorks refused a command for a reason that retrying will not fix."""

    code = "provisioning_failed"

    def __init__(self, message: str, *, step: str, oci_code: int | None = None):
        super().__init__(message)
        self.step = step
        self.oci_code = oci_code


class ProvisioningBusy(ProvisioningError):
    """Another worker is provisioning this customer right now; try again shortly."""

    code = "provisioning_busy"


class ProvisioningFenced(ProvisioningError):
    """This run lost its job or its enterprise lock: it must send BroadWorks nothing more."""

    code = "provisioning_fenced"
