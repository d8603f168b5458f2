"""Fixtures shared by every test: the catalog, two partners with their users, and the
BroadWorks emulator (the one emulator fixture of the suite) with a config and a client for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from orion.accounts.models import Customer, Enterprise, Partner, User
from orion.broadworks import BroadWorksClient, BroadWorksConfig
from orion.broadworks.emulator import EmulatorServer
from orion.catalog.services import catalog_load
from orion.provisioning.services import broadworks_pools_close
from tests import factories as f


@pytest.fixture
def catalog(db) -> None:
    catalog_load()


@dataclass
class Tenant:
    partner: Partner
    user: User
    enterprise: Enterprise
    customer: Customer
    second_customer: Customer


def _tenant(name: str, enterprise_name: str, domain: str) -> Tenant:
    partner = f.make_partner(name)
    user = f.make_user(partner=partner)
    enterprise = f.make_enterprise(partner=partner, name=enterprise_name, default_domain=domain)
    customer = f.make_customer(enterprise=enterprise, name=enterprise_name, domain=domain)
    second = f.make_customer(enterprise=enterprise, name=f"{enterprise_name} - Denver",
                             domain=domain, city="Denver")
    return Tenant(partner, user, enterprise, customer, second)


@pytest.fixture
def tenant_a(db, catalog) -> Tenant:
    return _tenant("Partner A", "Acme Corporation", "acme.example")


@pytest.fixture
def tenant_b(db, catalog) -> Tenant:
    return _tenant("Partner B", "Bravo Holdings", "bravo.example")


@pytest.fixture
def staff(db) -> User:
    return f.make_user(partner=None, username="opsuser")


@pytest.fixture
def client_a(client, tenant_a):
    client.force_login(tenant_a.user)
    return client


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """PBKDF2 is deliberately slow; tests check behaviour, not hash strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- BroadWorks ------------------------------------------------------------------------------

@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """The OCI-P emulator, in this process, on a free port; empty (only its system domain).
    Seeded, so nonces and generated ids repeat from run to run. No database needed."""
    server = EmulatorServer(host="127.0.0.1", port=0, control_port=0, seed=1)
    server.host, server.port = server.start_in_thread()
    try:
        yield server
    finally:
        broadworks_pools_close()  # log out while it still answers
        server.stop()


@pytest.fixture
def bw_config(emulator: EmulatorServer) -> BroadWorksConfig:
    return BroadWorksConfig(host=emulator.host, port=emulator.port, connect_timeout=2.0,
                            command_timeout=5.0)


@pytest.fixture(autouse=True)
def _broadworks_pools_closed() -> Iterator[None]:
    """Each test's pooled OCI-P sessions end with it: the next test's emulator may get the
    same port, and a stale session there fails the first document (and uses up the one
    resend a fault test counts on)."""
    yield
    broadworks_pools_close()


@pytest.fixture
def bw_client(bw_config: BroadWorksConfig) -> Iterator[BroadWorksClient]:
    """A connected-on-demand OCI-P client of the emulator (named apart from pytest-django's
    ``client``, the Django test client)."""
    with BroadWorksClient(bw_config) as bw:
        yield bw
