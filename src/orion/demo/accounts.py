"""Demo partners, logins and accounts for ``make run`` (only with ORION_DEMO=1)."""

from __future__ import annotations

from django.db import transaction

from orion.accounts.models import Customer, Enterprise, Partner, User
from orion.accounts.services import customer_create, enterprise_create
from orion.numbers.services import numbers_demo_load

DEMO_LOGINS = [
    # username, password, partner name (None: provider operations staff)
    ("agent", "agent-demo-password", "Demo Telecom Partners"),
    ("agent2", "agent2-demo-password", "Second Line Communications"),
    ("ops", "ops-demo-password", None),
]

_ADDRESSES = {
    "New York": ("350 Fifth Avenue", "NY", "10118", "America/New_York", "212"),
    "Denver": ("1700 Lincoln Street", "CO", "80203", "America/Denver", "303"),
    "Austin": ("500 W 2nd Street", "TX", "78701", "America/Chicago", "512"),
    "Chicago": ("233 S Wacker Drive", "IL", "60606", "America/Chicago", "312"),
    "Los Angeles": ("633 W 5th Street", "CA", "90071", "America/Los_Angeles", "213"),
    "Miami": ("200 S Biscayne Blvd", "FL", "33131", "America/New_York", "305"),
    "Seattle": ("1301 2nd Avenue", "WA", "98101", "America/Los_Angeles", "206"),
}

DEMO_ACCOUNTS = {
    "Demo Telecom Partners": [
        ("Acme Corporation", "acmecorp.com", [("Acme Corporation", "New York", "hosted"),
                                              ("Acme Corporation - Denver", "Denver", "hosted")]),
        ("Globex Industries", "globex-industries.com",
         [("Globex Industries", "Chicago", "hosted"),
          ("Globex Industries - Austin", "Austin", "hosted")]),
        ("Initech", "initech.com", [("Initech", "Austin", "hosted")]),
        ("Umbrella Health", "umbrella-health.com", [("Umbrella Health", "Miami", "trunking")]),
    ],
    "Second Line Communications": [
        ("Stark Logistics", "starklogistics.com", [("Stark Logistics", "Los Angeles", "hosted"),
                                                   ("Stark Logistics - Seattle", "Seattle",
                                                    "hosted")]),
        ("Wayne Hospitality", "waynehospitality.com",
         [("Wayne Hospitality", "New York", "hosted")]),
    ],
}


@transaction.atomic
def demo_load() -> dict[str, int]:
    """Create the demo data; running it again changes nothing."""
    created = {"partners": 0, "users": 0, "enterprises": 0, "customers": 0}
    partners: dict[str, Partner] = {}
    for name in DEMO_ACCOUNTS:
        partners[name], was_created = Partner.objects.get_or_create(name=name)
        created["partners"] += was_created
    for username, password, partner_name in DEMO_LOGINS:
        if User.objects.filter(username=username).exists():
            continue
        user = User(username=username, email=f"{username}@example.com",
                    partner=partners.get(partner_name) if partner_name else None,
                    is_staff=partner_name is None, is_superuser=partner_name is None,
                    first_name=username.capitalize())
        user.set_password(password)
        user.save()
        created["users"] += 1
    for partner_name, enterprises in DEMO_ACCOUNTS.items():
        partner = partners[partner_name]
        agent = partner.users.first()
        for enterprise_name, domain, customers in enterprises:
            enterprise = Enterprise.objects.filter(partner=partner, name=enterprise_name).first()
            if enterprise is None:
                enterprise = enterprise_create(partner=partner, name=enterprise_name,
                                               created_by=agent, default_domain=domain)
                created["enterprises"] += 1
            for customer_name, city, service_type in customers:
                if Customer.objects.filter(enterprise=enterprise, name=customer_name).exists():
                    continue
                street, state, zip_code, tz, area = _ADDRESSES[city]
                customer_create(
                    enterprise=enterprise, name=customer_name, service_type=service_type,
                    address_line1=street, city=city, state=state, zip_code=zip_code,
                    contact_name="Pat Example", contact_phone=f"{area}5550100",
                    contact_email=f"it@{domain}", domain=domain, time_zone=tz)
                created["customers"] += 1
    created["numbers"] = numbers_demo_load().added
    return created
