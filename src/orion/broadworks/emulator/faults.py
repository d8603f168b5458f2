"""Fault injection: how the emulator misbehaves on purpose.

Rates make soak tests and the benchmark realistic; the ``*_next`` counters make one
fault happen exactly once, so a test of "re-login after a dropped socket" does not depend
on luck. Login documents are never dropped, hung or refused, so a client can always get a
session and the fault hits the provisioning traffic it is meant to test.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

Fault = Literal["drop", "hang", "transient", "lose_answer"]


@dataclass
class FaultSettings:
    latency_ms: float = 0.0
    drop_rate: float = 0.0
    hang_rate: float = 0.0
    transient_error_rate: float = 0.0
    # Apply the document, then drop the connection without answering: the client cannot
    # know whether BroadWorks did it (the case that makes idempotent retries necessary).
    lose_answer_rate: float = 0.0
    drop_next: int = 0
    hang_next: int = 0
    transient_next: int = 0
    lose_answer_next: int = 0

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if self.latency_ms < 0:
            raise ValueError("latency_ms must be >= 0")
        for name in ("drop_rate", "hang_rate", "transient_error_rate", "lose_answer_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        for name in ("drop_next", "hang_next", "transient_next", "lose_answer_next"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a partial change (from the control interface), all or nothing."""
        known = {f.name: f.type for f in fields(self)}
        unknown = set(changes) - set(known)
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        candidate = FaultSettings(**{**self.to_dict(), **changes})
        for name in known:
            setattr(self, name, getattr(candidate, name))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def pick(self, rng: random.Random) -> Fault | None:
        """The fault for the next provisioning document, if any (counters first)."""
        for counter, fault in (
            ("drop_next", "drop"),
            ("hang_next", "hang"),
            ("transient_next", "transient"),
            ("lose_answer_next", "lose_answer"),
        ):
            if getattr(self, counter) > 0:
                setattr(self, counter, getattr(self, counter) - 1)
                return fault  # type: ignore[return-value]
        if self.drop_rate and rng.random() < self.drop_rate:
            return "drop"
        if self.hang_rate and rng.random() < self.hang_rate:
            return "hang"
        if self.transient_error_rate and rng.random() < self.transient_error_rate:
            return "transient"
        if self.lose_answer_rate and rng.random() < self.lose_answer_rate:
            return "lose_answer"
        return None
