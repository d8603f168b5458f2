"""BroadWorks: emulator throughput, and batched OCI-P against one command per round trip.

The emulator runs in its own process (as in ``make run``) so the client threads do not
share its interpreter lock. The provisioning comparison injects 20 ms of latency per
document, about what a partner portal sees to a hosted application server, and sends the
same 21 commands with Orion's client (15 per document) and with broadworks-ocip's
``BroadworksAPI.command`` (one per document). Both send the same list commands (all ten
numbers in one ``ServiceProviderDnAddListRequest`` and one ``GroupDnAssignListRequest``, as
Orion's plan does), so the baseline is a careful one-command-per-round-trip client.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from typing import Any

from broadworks_ocip import BroadworksAPI

from bench._report import summary_ms, write_section
from orion.broadworks import BroadWorksClient, BroadWorksConfig, ocip_request
from orion.broadworks.emulator import EmulatorServer, emulator_reset, emulator_set_faults

THROUGHPUT_SECONDS = 2.0
ROUNDS = 5
LATENCY_MS = 20


def _serve(conn: Any) -> None:
    server = EmulatorServer(port=0, control_port=0)
    server.start_in_thread()
    conn.send((server.port, server.control_port))
    conn.recv()  # blocks until the parent says stop
    server.stop()


def _seed(config: BroadWorksConfig) -> None:
    with BroadWorksClient(config) as bw:
        bw.batch_or_raise(_sequence(999))


def _throughput(config: BroadWorksConfig, sessions: int) -> tuple[float, list[float]]:
    """Requests/s of one-command documents (GroupGetRequest22V5) over ``sessions`` sockets."""
    clients = [BroadWorksClient(config) for _ in range(sessions)]
    for client in clients:
        client.connect()
    samples: list[list[float]] = [[] for _ in clients]
    deadline = time.monotonic() + THROUGHPUT_SECONDS

    def run(client: BroadWorksClient, out: list[float]) -> None:
        while time.monotonic() < deadline:
            start = time.perf_counter()
            client.request("GroupGetRequest22V5", service_provider_id="BENCH999", group_id="G1")
            out.append(time.perf_counter() - start)

    threads = [threading.Thread(target=run, args=(c, s)) for c, s in zip(clients, samples)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    for client in clients:
        client.close()
    flat = [x for s in samples for x in s]
    return len(flat) / elapsed, flat


def _sequence(n: int) -> list[Any]:
    """21 commands that set up one enterprise and its first customer, in dependency order
    (the numbers added and assigned with one list command each, as Orion's plan does)."""
    sp, group, domain = f"BENCH{n}", "G1", f"bench{n}.example.com"
    dns = [f"{200 + n % 700:03d}55501{d:02d}"[-10:] for d in range(10)]
    ids = {"service_provider_id": sp}
    gids = {**ids, "group_id": group}
    quantity = {"authorized_quantity": {"quantity": 50}}
    return [
        ocip_request("SystemDomainAddRequest", domain=domain),
        ocip_request(
            "ServiceProviderAddRequest13mp2",
            **ids,
            default_domain=domain,
            is_enterprise=True,
            service_provider_name=f"Bench Enterprise {n}",
        ),
        ocip_request(
            "ServiceProviderServiceModifyAuthorizationListRequest",
            **ids,
            user_service_authorization=[
                {"service_name": s, **quantity}
                for s in ("Voice Messaging User", "Call Waiting", "Three-Way Call")
            ],
            group_service_authorization=[
                {"service_name": s, **quantity} for s in ("Auto Attendant", "Hunt Group")
            ],
        ),
        ocip_request(
            "ServiceProviderServicePackAddRequest",
            **ids,
            service_pack_name="Seat Basic",
            is_available_for_use=True,
            service_pack_quantity={"quantity": 50},
            service_name=["Call Waiting", "Three-Way Call"],
        ),
        ocip_request(
            "ServiceProviderServicePackAddRequest",
            **ids,
            service_pack_name="Seat Premium",
            is_available_for_use=True,
            service_pack_quantity={"quantity": 50},
            service_name=["Voice Messaging User", "Call Waiting", "Three-Way Call"],
        ),
        ocip_request("ServiceProviderDnAddListRequest", **ids, phone_number=dns),
        ocip_request(
            "GroupAddRequest",
            **gids,
            default_domain=domain,
            user_limit=100,
            group_name="Head Office",
            time_zone="America/New_York",
        ),
        ocip_request(
            "GroupServiceModifyAuthorizationListRequest",
            **gids,
            service_pack_authorization=[
                {"service_pack_name": p, "authorized_quantity": {"quantity": 10}}
                for p in ("Seat Basic", "Seat Premium")
            ],
        ),
        ocip_request(
            "GroupServiceModifyAuthorizationListRequest",
            **gids,
            group_service_authorization=[
                {"service_name": "Auto Attendant", "authorized_quantity": {"quantity": 1}}
            ],
        ),
        ocip_request("GroupServiceAssignListRequest", **gids, service_name=["Auto Attendant"]),
        ocip_request("GroupDnAssignListRequest", **gids, phone_number=dns),
        ocip_request("GroupDomainGetAssignedListRequest", **gids),
        ocip_request("ServiceProviderGetRequest22V4", **ids),
        ocip_request("GroupGetRequest22V5", **gids),
        ocip_request("GroupDnGetListRequest", **gids),
        ocip_request("GroupServiceGetAuthorizationListRequest", **gids),
        ocip_request("ServiceProviderServiceGetAuthorizationListRequest", **ids),
        ocip_request("ServiceProviderServicePackGetListRequest", **ids),
        ocip_request("ServiceProviderDnGetAvailableListRequest", **ids),
        ocip_request("GroupGetListInServiceProviderRequest", **ids),
        ocip_request("ServiceProviderDomainGetAssignedListRequest", **ids),
    ]


def _fields(request: Any) -> dict[str, Any]:
    """The library's own keyword arguments for a request object."""
    return {
        e.name: getattr(request, e.name)
        for e in request._elements()
        if getattr(request, e.name) is not None
    }


def _batched(config: BroadWorksConfig, first: int) -> list[float]:
    samples = []
    with BroadWorksClient(config) as bw:
        bw.connect()
        for n in range(first, first + ROUNDS):
            sequence = _sequence(n)
            start = time.perf_counter()
            bw.batch_or_raise(sequence)
            samples.append(time.perf_counter() - start)
    return samples


def _one_by_one(config: BroadWorksConfig, first: int) -> list[float]:
    samples = []
    api = BroadworksAPI(
        host=config.host, port=config.port, username=config.username, password=config.password
    )
    api.connect()
    api.authenticate()
    for n in range(first, first + ROUNDS):
        sequence = _sequence(n)
        start = time.perf_counter()
        for request in sequence:
            api.command(request.type_, **_fields(request))
        samples.append(time.perf_counter() - start)
    api.close()
    return samples


def main() -> None:
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_serve, args=(child,), daemon=True)
    proc.start()
    port, control = parent.recv()
    config = BroadWorksConfig(host="127.0.0.1", port=port, command_timeout=30)
    try:
        _seed(config)
        rps1, lat1 = _throughput(config, 1)
        rps8, lat8 = _throughput(config, 8)
        emulator_set_faults("127.0.0.1", control, latency_ms=LATENCY_MS)
        batched = _batched(config, 1)
        single = _one_by_one(config, 100)
        emulator_set_faults("127.0.0.1", control, latency_ms=0)
        emulator_reset("127.0.0.1", control)
    finally:
        parent.send("stop")
        proc.join(10)

    s1, s8 = summary_ms(lat1), summary_ms(lat8)
    b, o = summary_ms(batched), summary_ms(single)
    ratio = o["mean"] / b["mean"]
    commands = len(_sequence(1))
    documents = -(-commands // 15)
    b_p50, b_mean, o_p50, o_mean = (f"{v:.1f}" for v in (b["p50"], b["mean"], o["p50"],
                                                         o["mean"]))
    markdown = f"""
### OCI-P emulator and batched client

Emulator in its own process; clients are Orion's `BroadWorksClient` threads, one socket each,
one `GroupGetRequest22V5` per document, for {THROUGHPUT_SECONDS:g} s.

| Concurrent sessions | Requests/s | p50 ms | p95 ms |
|---|---|---|---|
| 1 | {rps1:,.0f} | {s1["p50"]:.2f} | {s1["p95"]:.2f} |
| 8 | {rps8:,.0f} | {s8["p50"]:.2f} | {s8["p95"]:.2f} |

The same {commands}-command provisioning sequence (domain, enterprise, authorizations, 2
service packs, 10 DNs in one list command, customer, group authorizations and assignment, the
DNs assigned in one list command, read-backs) with {LATENCY_MS} ms injected latency per
document, {ROUNDS} rounds each, logins excluded. Both clients send the same list commands
(issue 20: the earlier sequence assigned the 10 DNs one command each, which no careful
one-command-per-round-trip client would do):

| Client | Documents | p50 ms | mean ms |
|---|---|---|---|
| Orion `BroadWorksClient.batch` (15 per document) | {documents} | {b_p50} | {b_mean} |
| broadworks-ocip `BroadworksAPI.command` (1 per document) | {commands} | {o_p50} | {o_mean} |

**Batched is {ratio:.1f}x faster** (target: at least 5x).
"""
    write_section("broadworks", markdown)
    print(markdown)
