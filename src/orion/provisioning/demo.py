"""Demo accounts in the demo BroadWorks (the emulator), so `make run` is coherent.

The demo enterprises and customers are created directly in Orion (not through orders); in
production such accounts would already exist in BroadWorks. This puts them into the
emulator's saved state the same way provisioning would, reusing the provisioning plan.
"""

from __future__ import annotations

from django.conf import settings

from orion.accounts.models import Customer
from orion.broadworks.client import BroadWorksClient
from orion.broadworks.config import BroadWorksConfig
from orion.provisioning import plan


def demo_broadworks_seed() -> int:
    """Create the demo enterprises and groups in the emulator's state file. Idempotent."""
    from orion.broadworks.emulator.server import EmulatorServer

    server = EmulatorServer(port=0, control_port=None,
                            state_file=settings.VAR_DIR / "broadworks-emulator.json")
    host, port = server.start_in_thread()
    created = 0
    try:
        with BroadWorksClient(BroadWorksConfig(host=host, port=port)) as client:
            customers = (Customer.objects.select_related("enterprise")
                         .filter(service_type="hosted").order_by("enterprise_id", "id"))
            for customer in customers:
                desired = _desired(customer)
                seen = plan.parse_reads(client.batch(plan.read_requests(desired)))
                actions = plan.plan_actions(desired, seen)
                if actions:
                    client.batch_or_raise([a.request for a in actions])
                    created += 1
    finally:
        server.stop()
    return created


def _desired(customer: Customer) -> plan.Desired:
    return plan.Desired(**plan.customer_profile(customer, customer.enterprise), user_limit=25,
                        creates_enterprise=True, creates_group=True)
