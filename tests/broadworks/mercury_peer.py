"""Run by a Python >= 3.12 interpreter with mercury-ocip-fast installed (never imported by
the suite): provisions a domain, an enterprise and a group on the emulator, unmodified
library over TCP or TLS, and prints what it reads back as JSON."""

import asyncio
import json
import sys

from mercury_ocip_fast import Client
from mercury_ocip_fast.commands.commands import (
    GroupAddRequest,
    GroupGetRequest22V5,
    ServiceProviderAddRequest13mp2,
    SystemDomainAddRequest,
)
from mercury_ocip_fast.pool.session_pool import SessionPoolSettings
from mercury_ocip_fast.session.session import TCPSessionSettings
from mercury_ocip_fast.session.tcp_session import TCPSessionAtom


async def main(host: str, port: int, tls: bool, tag: str) -> None:
    domain, sp, group = f"{tag}.example", f"Mercury_{tag}", f"Mercury_{tag}_G"
    async with Client(host=host, port=port, username="admin",
                      password="ocip-demo-password", atom_type=TCPSessionAtom,
                      session_config=TCPSessionSettings(connect_timeout=5, read_timeout=10),
                      pool_config=SessionPoolSettings(max_size=2), tls=tls) as client:
        answers = await client.command([
            SystemDomainAddRequest(domain=domain),
            ServiceProviderAddRequest13mp2(service_provider_id=sp, default_domain=domain,
                                           is_enterprise=True,
                                           service_provider_name="Mercury Co"),
            GroupAddRequest(service_provider_id=sp, group_id=group, default_domain=domain,
                            user_limit=25, group_name="Mercury Group"),
        ])
        got = await client.command(GroupGetRequest22V5(service_provider_id=sp,
                                                        group_id=group))
        duplicate = await client.command(SystemDomainAddRequest(domain=domain))
    print(json.dumps({
        "answers": [type(a).__name__ for a in answers],
        "group": {"group_name": got.group_name, "user_limit": got.user_limit,
                  "default_domain": got.default_domain},
        "duplicate": [type(duplicate).__name__, getattr(duplicate, "summary", "")],
    }))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3] == "tls", sys.argv[4]))
