"""One command of the plan, with the step it belongs to and what it creates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Action:
    step: str
    request: tuple[str, dict[str, Any]]
    creates: str  # what a person reads in "already created in BroadWorks"
