"""Provisioning per OCI-P transport (issue 14): Save Order -> completed p50 and round trips
per order over TCP, TLS and SOAP, beside the one-command-per-round-trip baseline (TCP).

The same set-up as ``bench_provisioning`` (its order placer, workers and measurements are
reused) on a database of its own, ``orion_bench_transports``: one in-process emulator serving
all three transports with 20 ms latency per document (a self-signed certificate made by the
openssl command for TLS), and for each transport one real ``orion worker`` with
``ORION_BROADWORKS_TRANSPORT`` set (TLS verified against that certificate). Orders are saved
one at a time (new enterprise, new customer, add services), as in the provisioning benchmark.
Bursts (orders/s) are left to ``bench_provisioning``: the transport changes per-document
cost, which the sequential orders show directly.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from bench import bench_provisioning as prov
from bench._db import use_bench_database
from bench._report import summary_ms, write_section

BENCH_DB = "orion_bench_transports"
KINDS = {"new_enterprise": "new enterprise", "new_customer": "new customer",
         "add_services": "add services"}
#: (label, transport, baseline: one command per document)
MODES = (("TCP", "tcp", False), ("TLS", "tls", False), ("SOAP (HTTP)", "soap", False),
         ("baseline: TCP, one command per document", "tcp", True))


def _run(mode: prov.Mode, placer: prov.Placer, env: dict[str, str], logdir: Path,
         baseline: bool) -> None:
    workers = prov.Workers(env, logdir, baseline=baseline)
    try:
        workers.start(1)
        prov._warm_up(placer, 1)
        t0 = time.monotonic()
        prov._sequential(placer, mode)
        print(f"  {mode.label}: sequential orders in {time.monotonic() - t0:.1f} s", flush=True)
    finally:
        workers.stop()


def _markdown(modes: list[tuple[prov.Mode, str]], elapsed: float) -> str:
    lines = [
        "### Provisioning per OCI-P transport: TCP, TLS, SOAP (issue 14)",
        "",
        f"As the provisioning benchmark above (emulator in the benchmark process, "
        f"{prov.LATENCY_MS} ms latency per document, one real `orion worker`, concurrency "
        f"{prov.CONCURRENCY}, legacy log-in, typical orders of {len(prov.TYPICAL)} packages and "
        f"{prov.DIDS} DIDs saved one at a time), once per transport "
        "(`ORION_BROADWORKS_TRANSPORT`); TLS 1.3 verified against a self-signed certificate, "
        "SOAP as HTTP/1.1 POSTs of `processOCIMessage` on one kept-alive connection per "
        "session. **Baseline**: TCP with one command per OCI-P document.",
        "",
        "| transport | orders | Save Order -> completed p50 / p95 ms | vs baseline p50 "
        "| round trips per order after log-in (min / median / max) | log-in/out documents, "
        "all orders | in OCI-P exchanges, median ms per order |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    base = next(m for m, t in modes if m.label.startswith("baseline"))
    base_p50 = summary_ms([x for k in KINDS for x in base.latency[k]])["p50"]
    for mode, _transport in modes:
        samples = [x for k in KINDS for x in mode.latency[k]]
        trips = [t for k in KINDS for t in mode.trips[k]]
        s = summary_ms(samples)
        lines.append(
            f"| {mode.label} | {len(samples)} | {s['p50']:.0f} / {s['p95']:.0f} | "
            f"{base_p50 / s['p50']:.1f}x | {prov._mmm([t[0] for t in trips])} | "
            f"{sum(t[1] for t in trips)} | {statistics.median(t[3] for t in trips):.0f} |"
        )
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    lines += [
        "",
        "Per order kind, p50 ms (new enterprise / new customer / add services): "
        + "; ".join(
            f"{m.label} " + " / ".join(f"{summary_ms(m.latency[k])['p50']:.0f}" for k in KINDS)
            for m, _ in modes
        ) + ".",
        "",
        "The round trips per order do not depend on the transport (the same documents); what "
        "a transport adds is per document (TLS record encryption, an HTTP request and the "
        "SOAP envelope) and per log-in (the TLS handshake, once per pooled session). "
        f"Whole run {elapsed:.0f} s; load average at the end {load} (2 CPUs shared with "
        "other work: compare the rows with each other, not with other runs).",
    ]
    return "\n".join(lines)


def main() -> None:
    started = time.monotonic()
    use_bench_database(BENCH_DB, "bench_transports")
    from orion.broadworks.emulator import EmulatorServer
    from orion.broadworks.emulator.certs import ensure_dev_certificate

    per_mode = sum(prov.SEQUENTIAL.values()) * prov.DIDS + prov.CONCURRENCY
    user, numbers = prov._load(len(MODES) * per_mode + 100)
    placer = prov.Placer(user, numbers, uuid.uuid4().hex[:8])
    tmp = Path(tempfile.mkdtemp(prefix="bench-transports-"))
    cert = ensure_dev_certificate(tmp / "tls")
    emulator = EmulatorServer(port=0, tls_port=0, soap_port=0, tls_cert=cert.cert_file,
                              tls_key=cert.key_file)
    host, _ = emulator.start_in_thread()
    emulator.set_faults(latency_ms=prov.LATENCY_MS)
    ports = {"tcp": emulator.port, "tls": emulator.tls_port, "soap": emulator.soap_port}
    modes: list[tuple[prov.Mode, str]] = []
    try:
        for label, transport, baseline in MODES:
            env = prov._worker_env(host, ports[transport])
            env.update({"ORION_BROADWORKS_TRANSPORT": transport,
                        "ORION_BROADWORKS_CA_FILE": str(cert.cert_file)})
            mode = prov.Mode(label)
            _run(mode, placer, env, tmp, baseline)
            modes.append((mode, transport))
    finally:
        emulator.stop()
    shutil.rmtree(tmp, ignore_errors=True)
    markdown = _markdown(modes, time.monotonic() - started)
    print(markdown)
    write_section("transports", markdown)


if __name__ == "__main__":
    main()
