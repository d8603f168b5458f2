"""Demo accounts in the demo BroadWorks (the emulator), so `make run` is coherent.

The demo enterprises and customers are created directly in Orion (not through orders); in
production such accounts would already exist in BroadWorks. This puts them into the
emulator's saved state the same way provisioning would, reusing the provisioning plan.
"""

from __future__ import annotations

import logging

from django.conf import settings

from orion.accounts.models import Customer
from orion.broadworks.client import BroadWorksClient
from orion.broadworks.config import BroadWorksConfig
from orion.broadworks.exceptions import OCIError
from orion.core.exceptions import OrionError
from orion.provisioning import plan

logger = logging.getLogger(__name__)


def demo_broadworks_seed() -> int:
    """Create the demo enterprises and groups in the emulator's state file. Idempotent.

    Only the accounts the demo loader made directly (customers without any order) are
    seeded: customers that came through orders are BroadWorks' business of provisioning,
    and a failed or cancelled one must not be replayed (it would fail, or resurrect it).
    A customer the emulator refuses is reported and skipped, so ``make run`` always starts.
    """
    from orion.broadworks.emulator.server import EmulatorServer

    server = EmulatorServer(port=0, control_port=None,
                            state_file=settings.VAR_DIR / "broadworks-emulator.json")
    host, port = server.start_in_thread()
    created = 0
    try:
        with BroadWorksClient(BroadWorksConfig(host=host, port=port)) as client:
            customers = (Customer.objects.select_related("enterprise")
                         .filter(service_type="hosted", orders__isnull=True,
                                 cancelled_at__isnull=True)
                         .order_by("enterprise_id", "id"))
            for customer in customers:
                desired = _desired(customer)
                try:
                    seen = plan.parse_reads(client.batch(plan.read_requests(desired)))
                    actions = plan.plan_actions(desired, seen)
                    if actions:
                        client.batch_or_raise([a.request for a in actions])
                        created += 1
                except (OCIError, OrionError) as exc:
                    logger.warning("demo seed: %s skipped: %s", customer, exc)
    finally:
        server.stop()  # saves coalesce (one a second); the stop writes the last of them
    return created


def _desired(customer: Customer) -> plan.Desired:
    return plan.Desired(**plan.customer_profile(customer, customer.enterprise), user_limit=25,
                        creates_enterprise=True, creates_group=True)
