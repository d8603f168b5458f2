"""Emulator state file: seeding N customers, saving after every write against coalesced saves.

Mimics ``demo_broadworks_seed`` (``orion demo load`` in ``orion setup``): an in-process
emulator with a state file, one client, and per customer one read document (does the
enterprise exist?) and one write document (domain, enterprise, group). **Baseline**:
``save_interval=0``, the old behaviour (the whole JSON file rewritten after every changing
document). **Orion**: the default ``save_interval`` (1 s), one save per second of writes,
and one at the stop. The time includes the final save at ``stop()``.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench._report import write_section
from orion.broadworks import BroadWorksClient, BroadWorksConfig, ocip_request
from orion.broadworks.emulator import EmulatorServer
from orion.broadworks.emulator.server import DEFAULT_SAVE_INTERVAL_SECONDS
from orion.broadworks.emulator.state import EmulatorState

BASELINE_CUSTOMERS = 300
CUSTOMERS = (300, 3000)


def _seed(n: int, save_interval: float) -> tuple[float, int, int]:
    """Seconds to seed ``n`` customers and stop; the saves made; the file's size in bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "emulator.json"
        server = EmulatorServer(port=0, state_file=path, save_interval=save_interval)
        host, port = server.start_in_thread()
        start = time.perf_counter()
        try:
            with BroadWorksClient(BroadWorksConfig(host=host, port=port)) as bw:
                for i in range(n):
                    sp, domain = f"SEED{i:05d}", f"seed{i:05d}.example.com"
                    bw.batch([ocip_request("ServiceProviderGetRequest22V4",
                                           service_provider_id=sp)])
                    bw.batch_or_raise([
                        ocip_request("SystemDomainAddRequest", domain=domain),
                        ocip_request("ServiceProviderAddRequest13mp2", service_provider_id=sp,
                                     default_domain=domain, is_enterprise=True,
                                     service_provider_name=f"Seed {i}"),
                        ocip_request("GroupAddRequest", service_provider_id=sp, group_id="G1",
                                     default_domain=domain, user_limit=25, group_name="HQ"),
                    ])  # fmt: skip
        finally:
            server.stop()
        elapsed = time.perf_counter() - start
        assert len(EmulatorState.load(path).service_providers) == n  # every write in the file
        return elapsed, server.stats.saves, path.stat().st_size


def main() -> None:
    rows = []
    seconds, saves, size = _seed(BASELINE_CUSTOMERS, 0)
    rows.append(("baseline: save after every write (`save_interval=0`)", BASELINE_CUSTOMERS,
                 seconds, saves, size))
    for n in CUSTOMERS:
        seconds, saves, size = _seed(n, DEFAULT_SAVE_INTERVAL_SECONDS)
        rows.append((f"coalesced saves (`save_interval={DEFAULT_SAVE_INTERVAL_SECONDS:g}`)", n,
                     seconds, saves, size))
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    table = "\n".join(
        f"| {name} | {n:,} | {s:.1f} | {n / s:,.0f} | {saves:,} | {size / 1e6:.1f} |"
        for name, n, s, saves, size in rows
    )
    markdown = f"""
### Emulator state file (issue 20, item 6)

One client seeds N customers into an in-process emulator with a state file, as
`demo_broadworks_seed` does in `orion setup`: per customer one read document and one
write document (domain, enterprise, group); the time includes the save at `stop()`, and
the file is checked to hold every customer. Load average before the run: {load}.

| Saving | Customers | Seconds | Customers/s | File saves | File MB |
|---|---|---|---|---|---|
{table}
"""
    write_section("emulator_state", markdown)
    print(markdown)
