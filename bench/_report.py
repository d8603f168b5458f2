"""Writes one benchmark's figures into its own section of docs/benchmarks.md.

Each benchmark owns the text between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``,
so benchmarks can be re-run one at a time without clobbering each other's figures.
"""

from __future__ import annotations

import platform
import statistics
from datetime import UTC, datetime
from pathlib import Path

REPORT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = (
    "# Orion benchmarks\n\n"
    "Produced by `make bench` (`python -m bench [name ...]`). Every figure is measured beside a\n"
    "baseline in the same process and run, so the ratios hold on other machines even when the\n"
    "absolute numbers do not. Benchmarks are never assertions in the test suite.\n"
)


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile of ``samples`` (pct in 0..100)."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary_ms(samples: list[float]) -> dict[str, float]:
    """p50/p95/mean in milliseconds of samples given in seconds."""
    return {
        "p50": percentile(samples, 50) * 1000,
        "p95": percentile(samples, 95) * 1000,
        "mean": statistics.fmean(samples) * 1000 if samples else float("nan"),
    }


def write_section(name: str, markdown: str) -> None:
    """Replace (or append) the section ``name`` of docs/benchmarks.md."""
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    text = REPORT.read_text() if REPORT.exists() else HEADER
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    stamp = (
        f"_Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({platform.machine()}, Python {platform.python_version()})._\n\n"
    )
    block = f"{start}\n{stamp}{markdown.strip()}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    REPORT.write_text(text)
