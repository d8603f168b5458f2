"""Reads for the order page: provisioning progress and the OCI-P log."""

from __future__ import annotations

from dataclasses import dataclass

from orion.orders.models import Order
from orion.orders.states import OrderState
from orion.provisioning.models import ProvisioningStep, StepStatus

ACTIVE_STATES = (OrderState.ACKNOWLEDGED, OrderState.IN_PROGRESS)


@dataclass(frozen=True)
class Progress:
    """What the progress bar shows: "step 4 of 9: assigning numbers"."""

    state: str
    state_label: str
    steps: list[ProvisioningStep]
    finished: int
    total: int
    current: ProvisioningStep | None
    failed: ProvisioningStep | None

    @property
    def percent(self) -> int:
        if self.state in (OrderState.COMPLETED, OrderState.PARTIAL):
            return 100
        return round(100 * self.finished / self.total) if self.total else 0

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def headline(self) -> str:
        if self.failed is not None:
            return f"step {self.failed.position} of {self.total} failed: {self.failed.label}"
        if self.state == OrderState.ACKNOWLEDGED:
            return "waiting for a provisioning worker"
        if self.current is not None and self.active:
            return f"step {self.current.position} of {self.total}: {self.current.label}"
        return self.state_label


def order_progress(*, order: Order) -> Progress:
    steps = list(order.provisioning_steps.all())
    finished = sum(1 for s in steps if s.is_finished)
    current = next((s for s in steps if s.status == StepStatus.RUNNING), None) or next(
        (s for s in steps if s.status == StepStatus.PENDING), None)
    failed = next((s for s in steps if s.status == StepStatus.FAILED), None)
    return Progress(state=order.state, state_label=order.get_state_display(), steps=steps,
                    finished=finished, total=len(steps), current=current, failed=failed)


def order_trunking_numbers(*, order: Order) -> list[str]:
    from orion.numbers.models import DID

    return [d.display for d in DID.objects.filter(order=order, is_for_trunking=True)]
