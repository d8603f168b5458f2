"""The catalog of the source document, as plain Python data: Order Types, Packages, BroadWorks map.

Why it is shaped this way:

- It is pure data with no Django import, so the catalog loader (``services.catalog_load``), the
  OCI-P emulator, the provisioning planner's tests and the benchmarks can all read the same
  catalog without a database or settings. The database is the live catalog; this module is its
  seed. Prices here are example list prices in USD: once a package exists, staff own its price
  and the loader never overwrites it.
- Order type and package names are copied verbatim from the source document, typos included
  ("Toll FRee Number", "Traditional User\\User Management Fee"): partners know the products by
  those names and search for them, and an exact copy can be checked line by line.
- Each package carries its BroadWorks mapping next to its price, so the provisioning plan is a
  function of the order lines alone: a seat package becomes a service pack (and counts toward
  the group's ``userLimit``), a feature becomes a group or user service authorisation, and a fee
  maps to nothing (billing only). BroadWorks names are the exact OCI-P enumeration strings
  (``UserService`` / ``GroupService``) because the server rejects anything else.
- ``PACKAGES`` is in document order, grouped by order type, and ``sort_order`` restarts at 10 in
  each order type, which is how the order form's check-box list shows them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from decimal import Decimal
from types import ModuleType

MRC = "MRC"  # monthly recurring charge
NRC = "NRC"  # non-recurring (one-time) charge
CHARGE_TYPES: tuple[str, ...] = (MRC, NRC)

SERVICE_PACK = "service_pack"
GROUP_SERVICE = "group_service"
USER_SERVICE = "user_service"
NONE = "none"
BW_KINDS: tuple[str, ...] = (SERVICE_PACK, GROUP_SERVICE, USER_SERVICE, NONE)

ALACARTE = "AlaCarte Services"
HOSTED_PBX = "Hosted PBX Services"
FAX = "Fax Service"
CALL_RECORDING = "Call Recording"
TOLL_FREE = "Toll Free"
ORDER_TYPES: tuple[str, ...] = (ALACARTE, HOSTED_PBX, FAX, CALL_RECORDING, TOLL_FREE)

# Service packs are named after the package with this prefix, so they are easy to tell apart
# from packs that already exist on a shared BroadWorks system.
SERVICE_PACK_PREFIX = "Orion "


# dataclasses resolves string annotations (PEP 563) through sys.modules[cls.__module__]. When this
# file is executed by path without being registered (spec_from_file_location + exec_module, as
# stand-alone checks do), give it an empty module to look in while the classes are built.
_UNREGISTERED = __name__ not in sys.modules
if _UNREGISTERED:
    sys.modules[__name__] = ModuleType(__name__)


@dataclass(frozen=True)
class PackageSpec:
    """One orderable package and how it reaches BroadWorks (if at all)."""

    order_type: str
    name: str
    charge_type: str
    price: Decimal
    included_dids: int
    bw_kind: str
    bw_name: str
    bw_services: tuple[str, ...]
    is_seat: bool
    sort_order: int
    description: str


@dataclass(frozen=True)
class _Row:
    """A package before it knows its order type and position (both come from where it is listed)."""

    name: str
    charge_type: str
    price: str
    description: str
    included_dids: int = 0
    bw_kind: str = NONE
    bw_name: str = ""
    bw_services: tuple[str, ...] = ()
    is_seat: bool = False


if _UNREGISTERED:
    del sys.modules[__name__]


def _bundle(*parts: tuple[str, ...]) -> tuple[str, ...]:
    """Concatenate service lists, keeping the first occurrence of each service."""
    return tuple(dict.fromkeys(service for part in parts for service in part))


def _fee(name: str, charge_type: str, price: str, description: str) -> _Row:
    """A billing-only item: nothing is provisioned in BroadWorks for it."""
    return _Row(name, charge_type, price, description)


def _user_service(
    name: str, price: str, service: str, description: str, *, charge_type: str = MRC,
    dids: int = 0,
) -> _Row:
    return _Row(name, charge_type, price, description, dids, USER_SERVICE, service)


def _group_service(name: str, price: str, service: str, description: str, *, dids: int = 0) -> _Row:
    return _Row(name, MRC, price, description, dids, GROUP_SERVICE, service)


def _seat(
    name: str, price: str, services: tuple[str, ...], description: str, *, dids: int = 1
) -> _Row:
    """A package whose every unit is one BroadWorks user, provisioned as a service pack."""
    return _Row(name, MRC, price, description, dids, SERVICE_PACK, SERVICE_PACK_PREFIX + name,
                services, is_seat=True)


def _add_on_pack(
    name: str, price: str, pack: str, services: tuple[str, ...], description: str
) -> _Row:
    """A bundle of user services added to an existing user: a service pack that is not a seat."""
    return _Row(name, MRC, price, description, 0, SERVICE_PACK, pack, services)


def _build(order_type: str, rows: tuple[_Row, ...]) -> tuple[PackageSpec, ...]:
    return tuple(
        PackageSpec(
            order_type=order_type,
            name=row.name,
            charge_type=row.charge_type,
            price=Decimal(row.price),
            included_dids=row.included_dids,
            bw_kind=row.bw_kind,
            bw_name=row.bw_name,
            bw_services=row.bw_services,
            is_seat=row.is_seat,
            sort_order=(index + 1) * 10,
            description=row.description,
        )
        for index, row in enumerate(rows)
    )


# --- BroadWorks user-service bundles for the service packs -------------------------------------
# Tiers follow the a-la-carte list: what AlaCarte sells separately (call forwarding, voice mail,
# BroadWorks Anywhere, ...) is left out of the lower tiers so that ordering it means something.

_COMMON_AREA = (
    "Authentication",
    "Call Transfer",
    "Call Waiting",
    "Calling Line ID Delivery Blocking",
    "Calling Name Delivery",
    "Calling Number Delivery",
    "Directed Call Pickup",
    "Intercept User",
    "Last Number Redial",
    "Three-Way Call",
)
_BASIC = _bundle(
    _COMMON_AREA,
    (
        "Basic Call Logs",
        "Call Return",
        "Do Not Disturb",
        "External Calling Line ID Delivery",
        "Internal Calling Line ID Delivery",
    ),
)
_STANDARD = _bundle(
    _BASIC,
    (
        "Call Forwarding Always",
        "Call Forwarding Busy",
        "Call Forwarding No Answer",
        "Call Forwarding Not Reachable",
        "N-Way Call",
        "Shared Call Appearance",
        "Speed Dial 8",
        "Voice Messaging User",
    ),
)
_PREMIUM = _bundle(
    _STANDARD,
    (
        "Anonymous Call Rejection",
        "BroadWorks Anywhere",
        "Call Forwarding Selective",
        "Call Notify",
        "Priority Alert",
        "Remote Office",
        "Selective Call Acceptance",
        "Selective Call Rejection",
        "Sequential Ring",
        "Simultaneous Ring Personal",
        "Speed Dial 100",
    ),
)
_POWER_USER = _bundle(
    _PREMIUM,
    (
        "BroadTouch Business Communicator Desktop",
        "BroadTouch Business Communicator Mobile",
        "Integrated IMP",
    ),
)
_RESIDENTIAL = _bundle(
    _BASIC,
    ("Anonymous Call Rejection", "Call Forwarding Always", "Speed Dial 8", "Voice Messaging User"),
)
# A virtual user has no device (no "Authentication"): a number that forwards or takes messages.
_VIRTUAL_USER = (
    "Call Forwarding Always",
    "Call Forwarding Busy",
    "Call Forwarding No Answer",
    "Calling Name Delivery",
    "Calling Number Delivery",
    "Intercept User",
    "Voice Messaging User",
)
_VIRTUAL_USER_POWER_PACK = (
    "BroadWorks Anywhere",
    "Call Forwarding Selective",
    "Call Notify",
    "Remote Office",
    "Sequential Ring",
    "Simultaneous Ring Personal",
)
# Call center agents need Call Transfer and Three-Way/N-Way Call (in _STANDARD) plus a
# Call Center licence of their level; supervisors add the Supervisor client and monitoring.
_SUPERVISOR_CLIENT = (
    "BroadWorks Supervisor",
    "Call Center Monitoring",
    "Directed Call Pickup with Barge-in",
)
_BASIC_AGENT = _bundle(_STANDARD, ("Call Center - Basic",))
_STANDARD_AGENT = _bundle(_STANDARD, ("Call Center - Standard", "Directory Number Hunting"))
_PREMIUM_AGENT = _bundle(_STANDARD, ("Call Center - Premium", "Directory Number Hunting"))
_RECEPTIONIST = _bundle(_STANDARD, ("BroadWorks Receptionist - Office", "Busy Lamp Field"))
# An analogue fax machine behind an ATA is an ordinary BroadWorks user with a device.
_FAX_ATA_LINE = (
    "Authentication",
    "Call Forwarding Not Reachable",
    "Calling Line ID Delivery Blocking",
    "Calling Number Delivery",
    "Intercept User",
)


# --- Charge type decisions ---------------------------------------------------------------------
# Names ending in "NRC" (and "Call Control Tool Bar - NRC Option") are one-time charges. The
# others are monthly, except these, which are one-off by their nature: "Broadsoft Provisioning
# Fee" (set-up), the two "CLI Spoofing Penalty" items (charged per incident), "Early Termination
# Fee" (once, when the contract ends early), "ECRC 911 Call - Billable" (per emergency call the
# Emergency Call Relay Center handles), "Expense Reimbursement", "Late Fee", "Professional
# Services (per hour)" (quantity = hours), "Shipping", "SnapBack (LNP)" (a port reversed once)
# and "Toll FRee NASCing" (a one-time RespOrg change of a toll-free number in the SMS/800 NASC
# database). Usage-like items that recur every month ("E911 Surcharge", the fax overage
# blocks) stay MRC.

_ALACARTE_ROWS: tuple[_Row, ...] = (
    _user_service("Agent Web Based Client Software License", "9.95", "BroadWorks Agent",
                  "Browser-based call center agent client for a user who is already an agent."),
    _user_service("Alternate Numbers", "2.00", "Alternate Numbers",
                  "Up to 10 extra numbers ringing one user; each number is a DID ordered apart."),
    _user_service("Anonymous Call Rejection", "1.00", "Anonymous Call Rejection",
                  "Rejects callers who block their caller ID."),
    _group_service("Auto Attendant", "14.95", "Auto Attendant",
                   "Basic auto attendant (single-level menu) with its own number.", dids=1),
    _group_service("Auto Attendant Enhanced", "24.95", "Auto Attendant - Standard",
                   "Multi-level auto attendant with submenus and holiday schedules.", dids=1),
    _fee("Broadsoft Provisioning Fee", NRC, "25.00",
         "One-time charge for building the customer (group) in BroadWorks."),
    _user_service("Broadsoft Receptionist Console - Enterprise", "19.95", "Client License 4",
                  "Receptionist Enterprise console for large, multi-site switchboards."),
    _user_service("Broadworks Anywhere", "3.00", "BroadWorks Anywhere",
                  "Makes and takes business calls on a mobile or home phone as the desk number."),
    _user_service("Call Control Tool Bar - MRC Option", "3.00", "Client Call Control",
                  "Desktop/Outlook call control toolbar, rented monthly."),
    _user_service("Call Control Tool Bar - NRC Option", "49.00", "Client Call Control",
                  "Desktop/Outlook call control toolbar, bought once (no monthly charge).",
                  charge_type=NRC),
    _user_service("Call Forwarding Always", "1.00", "Call Forwarding Always",
                  "Forwards every call to another number."),
    _user_service("Call Forwarding Busy", "1.00", "Call Forwarding Busy",
                  "Forwards calls when the line is busy."),
    _user_service("Call Forwarding No Answer", "1.00", "Call Forwarding No Answer",
                  "Forwards calls not answered after a set number of rings."),
    _user_service("Call Forwarding Not Reachable", "1.00", "Call Forwarding Not Reachable",
                  "Forwards calls when the phone is offline (power or internet outage)."),
    _user_service("Call Forwarding Selective", "2.00", "Call Forwarding Selective",
                  "Forwards calls by caller, time of day or holiday schedule."),
    _user_service("Call Me Now", "2.00", "Call Me Now",
                  "Click-to-call: the system calls the user, then connects the other party."),
    _fee("CLI Spoofing Penalty 1st Instance", NRC, "250.00",
         "Penalty for the first instance of sending a caller ID the customer does not own."),
    _fee("CLI Spoofing Penalty 2nd Instance or Greater", NRC, "500.00",
         "Penalty for each repeated caller ID spoofing instance."),
    _fee("DID Reservation Fee NRC", NRC, "5.00",
         "One-time fee per DID held in reservation for a future order."),
    _fee("E911 Surcharge", MRC, "1.50",
         "Monthly E911 service surcharge per line with a registered service address."),
    _fee("Early Termination Fee", NRC, "200.00",
         "Per seat cancelled before the contract term ends; staff adjust to the months left."),
    _fee("ECRC 911 Call - Billable", NRC, "75.00",
         "Per 911 call routed to the Emergency Call Relay Center (no valid address on file)."),
    _user_service("Enterprise Call Reporting", "4.95", "Enhanced Call Logs",
                  "Per-user call reporting and searchable call history for managers."),
    _fee("Enterprise Call Reporting NRC", NRC, "99.00",
         "One-time set-up of call reporting for the customer."),
    _fee("Expense Reimbursement", NRC, "1.00",
         "Pass-through expenses (travel, third-party charges): quantity = dollars billed."),
    _group_service("Hunt Group", "9.95", "Hunt Group",
                   "Rings a group of users in turn or all at once, with its own number.", dids=1),
    _group_service("Instant Group Call", "4.95", "Instant Group Call",
                   "One number or extension that calls a group of phones at once (push to talk)."),
    _fee("Late Fee", NRC, "25.00", "Charged once per invoice paid after its due date."),
    # Lync Online (Office 365) integration runs on the Microsoft side and a third-party
    # connector; BroadWorks' own "Lync CTI" served on-premises Lync, so nothing is provisioned.
    _fee("Lync Online Integration MRC", MRC, "5.00",
         "Presence and click-to-call between Lync/Skype for Business Online and the phone."),
    _fee("Lync Online Integration NRC", NRC, "50.00",
         "One-time set-up of the Lync Online integration."),
    _group_service("Music On Hold", "9.95", "Music On Hold",
                   "Custom music or messages for callers on hold, per customer (group)."),
    _user_service("Priority Alert", "1.00", "Priority Alert",
                  "Distinctive ring for calls matching chosen numbers or times."),
    _fee("Professional Services (per hour)", NRC, "125.00",
         "Engineering or training time; quantity = hours."),
    _user_service("Selective Call Acceptance", "1.00", "Selective Call Acceptance",
                  "Accepts only calls matching chosen numbers or times."),
    _user_service("Selective Call Rejection", "1.00", "Selective Call Rejection",
                  "Rejects calls from chosen numbers or at chosen times."),
    _fee("Shipping", NRC, "15.00", "Per shipment of phones or equipment."),
    _fee("SnapBack (LNP)", NRC, "150.00",
         "Emergency reversal of a port (number ported in error is snapped back)."),
    # Unity is a third-party (Kakapo) client licensed outside BroadWorks; the BroadWorks side
    # (Call Center licences) comes with the agent and supervisor seats.
    _fee("Unity Call Center Agent - NRC", NRC, "25.00",
         "One-time set-up of a Unity Agent client licence."),
    _fee("Unity Call Center Agent MRC", MRC, "9.95",
         "Unity Agent desktop client for call center agents."),
    _fee("Unity Call Center Supervisor - MRC", MRC, "14.95",
         "Unity Supervisor desktop client with wallboards for call center supervisors."),
    _fee("Unity Call Center Supervisor - NRC", NRC, "25.00",
         "One-time set-up of a Unity Supervisor client licence."),
    _fee("Unity Client", MRC, "4.95",
         "Unity Desktop client: presence, call control and contacts on the PC."),
    _fee("Unity Client NRC", NRC, "15.00", "One-time set-up of a Unity Desktop client licence."),
    _add_on_pack("Virtual User Power Pack Bundle", "4.95", "Orion Virtual User Power Pack",
                 _VIRTUAL_USER_POWER_PACK,
                 "Adds Anywhere, selective forwarding and simultaneous/sequential ring to a "
                 "Virtual User."),
    _user_service("Voice Mail Add On", "2.95", "Voice Messaging User",
                  "Voice mailbox with voice mail to e-mail for a seat without voice mail."),
)

_HOSTED_PBX_ROWS: tuple[_Row, ...] = (
    _seat("Basic Call Center Agent", "34.95", _BASIC_AGENT,
          "Agent seat for Basic call centers: phone line, voice mail, Call Center - Basic."),
    _seat("Basic Metered", "14.95", _BASIC,
          "Basic business line, outbound calls billed per minute."),
    _seat("Basic Residential", "19.95", _RESIDENTIAL,
          "Home line with voice mail, call forwarding and anonymous call rejection."),
    _seat("Breakroom/Conference Room Phone User", "14.95", _COMMON_AREA,
          "Common-area phone (lobby, breakroom, conference room) with core calling only."),
    _add_on_pack("Call Center Supervisor - Client Only - (NO SEAT)", "24.95",
                 "Orion Call Center Supervisor Client", _SUPERVISOR_CLIENT,
                 "Supervisor client and monitoring for an existing user; adds no seat or DID."),
    _seat("Enterprise Basic", "19.95", _BASIC,
          "Business seat with unlimited US calling and core features."),
    _seat("Enterprise Premium", "29.95", _PREMIUM,
          "Business seat with unlimited US calling and every personal feature."),
    _seat("Enterprise Standard", "24.95", _STANDARD,
          "Business seat with unlimited US calling, voice mail and call forwarding."),
    _seat("Power User", "34.95", _POWER_USER,
          "Premium seat plus desktop and mobile softphone clients with presence and chat."),
    _seat("Premium Call Center Agent", "49.95", _PREMIUM_AGENT,
          "Agent seat for Premium call centers (any call center level)."),
    _seat("Premium Call Center Supervisor - Includes Dashboard Software", "64.95",
          _bundle(_PREMIUM_AGENT, _SUPERVISOR_CLIENT),
          "Premium agent seat with the supervisor dashboard client."),
    _seat("Premium Call Center Supervisor Bundle", "74.95",
          _bundle(_PREMIUM_AGENT, _SUPERVISOR_CLIENT, ("BroadWorks Agent",)),
          "Premium supervisor seat with both the supervisor dashboard and the agent client."),
    _seat("Premium Metered", "22.95", _PREMIUM,
          "Premium feature seat, outbound calls billed per minute."),
    _seat("Receptionist User", "39.95", _RECEPTIONIST,
          "Seat with the Receptionist console and busy lamp field for a front desk."),
    _seat("Standard Call Center Agent", "42.95", _STANDARD_AGENT,
          "Agent seat for Standard call centers (Basic and Standard queues)."),
    _seat("Standard Call Center Supervisor - Includes Dashboard Software", "54.95",
          _bundle(_STANDARD_AGENT, _SUPERVISOR_CLIENT),
          "Standard agent seat with the supervisor dashboard client."),
    _seat("Standard Call Center Supervisor Bundle", "64.95",
          _bundle(_STANDARD_AGENT, _SUPERVISOR_CLIENT, ("BroadWorks Agent",)),
          "Standard supervisor seat with both the supervisor dashboard and the agent client."),
    _seat("Standard Metered", "18.95", _STANDARD,
          "Standard feature seat, outbound calls billed per minute."),
    _seat("Standard Select Extensions", "12.95", _STANDARD,
          "Extension-only Standard seat: dials out on the main number, no DID of its own.",
          dids=0),
    _seat("Standard Select Voice Lines", "21.95", _STANDARD,
          "Standard seat with its own DID."),
    # A management fee for users on traditional (trunk or premises) service: billing only; the
    # users are not BroadWorks users of a hosted group, so it is not a seat.
    _fee("Traditional User\\User Management Fee", MRC, "4.95",
         "Monthly management fee per user on traditional (non-hosted) service."),
    _seat("Virtual User", "7.95", _VIRTUAL_USER,
          "A number without a phone: forwards calls or takes voice mail (e.g. remote staff)."),
)

# Fax: "Virtual Fax Desktop" is fax to e-mail, which BroadWorks delivers with the "Fax Messaging"
# user service on a user's own fax DID. An ATA fax line is a BroadWorks user (the ATA is its
# device), so it is a seat and counts toward the group's user limit. Overage blocks and set-up
# charges are billing only.
_FAX_ROWS: tuple[_Row, ...] = (
    _fee("Fax Overage Service", MRC, "9.95",
         "Block of 500 extra fax pages a month beyond a plan's allowance."),
    _seat("Virtual Fax ATA Basic", "12.95", _FAX_ATA_LINE,
          "Fax machine on an ATA with its own fax number; 250 pages a month included."),
    _fee("Virtual Fax ATA NRC", NRC, "69.00", "One-time charge for the fax ATA and its set-up."),
    _seat("Virtual Fax ATA Unlimited", "24.95", _FAX_ATA_LINE,
          "Fax machine on an ATA with its own fax number; unlimited pages."),
    _fee("Virtual Fax Basic Overage", MRC, "4.95",
         "Block of 250 extra pages a month for Virtual Fax ATA Basic."),
    _user_service("Virtual Fax Desktop Unlimited", "19.95", "Fax Messaging",
                  "Fax to e-mail and PDF on its own fax number; unlimited pages.", dids=1),
    _fee("Virtual Fax NRC", NRC, "25.00", "One-time set-up of a virtual fax number."),
)

# Call recording: Smart Record and its options run on a third-party recording platform that is
# set up by number (the order Notes list the numbers), so nothing is provisioned in BroadWorks.
# If recording is ever moved to BroadWorks' own recording interface, the user service to
# authorise is "Call Recording".
_CALL_RECORDING_ROWS: tuple[_Row, ...] = (
    _fee("Audio Mining", MRC, "14.95",
         "Speech analytics: search recorded calls for words and phrases."),
    _fee("Call Recording Storage Extension Standard", MRC, "4.95",
         "Keeps Standard call recordings longer than the included retention."),
    _fee("Smart Capture", MRC, "9.95", "Records the agent's screen along with the call."),
    _fee("Smart Capture NRC", NRC, "25.00", "One-time set-up of Smart Capture."),
    _fee("Smart Evaluation Tabs", MRC, "7.95", "Quality scorecards for reviewing recorded calls."),
    _fee("Smart Evaluation Tabs NRC", NRC, "25.00", "One-time set-up of Smart Evaluation Tabs."),
    _fee("Smart Listen Unlimited", MRC, "4.95", "Live listening to calls, unlimited listeners."),
    _fee("Smart Listen Unlimited NRC", NRC, "15.00", "One-time set-up of Smart Listen."),
    _fee("Smart Record", MRC, "11.95",
         "Records all calls of one number; list the numbers in the order Notes."),
    _fee("Smart Record Extended Storage", MRC, "4.95",
         "Extends Smart Record retention (per recorded number)."),
    _fee("Smart Record Extended Storage NRC", NRC, "10.00",
         "One-time set-up of extended recording storage."),
    _fee("Smart Record NRC", NRC, "25.00", "One-time set-up of Smart Record per number."),
    _fee("Smart Record Pro", MRC, "19.95",
         "Smart Record with on-demand recording, tagging and export."),
    _fee("Smart Record Pro NRC", NRC, "35.00", "One-time set-up of Smart Record Pro per number."),
)

# Toll-free numbers are routed by the toll-free carrier to one of the customer's DIDs, so they
# are billing only here and include no DID.
_TOLL_FREE_ROWS: tuple[_Row, ...] = (
    _fee("Toll Free NRC", NRC, "10.00", "One-time set-up of a toll-free number."),
    _fee("Toll FRee Number", MRC, "2.95",
         "A toll-free (8XX) number pointed at a DID; minutes billed separately."),
    _fee("Toll FRee NASCing", NRC, "25.00",
         "One-time RespOrg change (NASC) to bring an existing toll-free number over."),
)

PACKAGES: tuple[PackageSpec, ...] = (
    *_build(ALACARTE, _ALACARTE_ROWS),
    *_build(HOSTED_PBX, _HOSTED_PBX_ROWS),
    *_build(FAX, _FAX_ROWS),
    *_build(CALL_RECORDING, _CALL_RECORDING_ROWS),
    *_build(TOLL_FREE, _TOLL_FREE_ROWS),
)

# Orion's own package (the source document does not list it): the order form charges it for
# each DID selected or backordered beyond what the ordered packages include.
EXTRA_DID_PACKAGE = PackageSpec(
    order_type=ALACARTE,
    name="Additional DID",
    charge_type=MRC,
    price=Decimal("1.50"),
    included_dids=0,
    bw_kind=NONE,
    bw_name="",
    bw_services=(),
    is_seat=False,
    sort_order=(len(_ALACARTE_ROWS) + 1) * 10,
    description="Each DID beyond the packages' included allowance.",
)


def _self_check() -> None:
    """Cheap import-time checks; raises (rather than asserts) so ``python -O`` keeps them."""
    expected = {ALACARTE: 45, HOSTED_PBX: 22, FAX: 7, CALL_RECORDING: 14, TOLL_FREE: 3}
    problems: list[str] = []
    if len(PACKAGES) != 91:
        problems.append(f"expected 91 packages, found {len(PACKAGES)}")
    counts = {name: sum(p.order_type == name for p in PACKAGES) for name in ORDER_TYPES}
    if counts != expected:
        problems.append(f"per-order-type counts {counts} != {expected}")
    keys = [(p.order_type, p.name) for p in (*PACKAGES, EXTRA_DID_PACKAGE)]
    if len(set(keys)) != len(keys):
        problems.append("duplicate (order_type, name)")
    # One package per service pack, so a pack's authorised quantity is that package's quantity.
    packs = [p.bw_name for p in PACKAGES if p.bw_kind == SERVICE_PACK]
    if len(set(packs)) != len(packs):
        problems.append("two packages share a service pack")
    for p in (*PACKAGES, EXTRA_DID_PACKAGE):
        if p.name.endswith("NRC") and p.charge_type != NRC:
            problems.append(f"{p.name!r} is named NRC but charged {p.charge_type}")
        if p.charge_type not in CHARGE_TYPES or p.bw_kind not in BW_KINDS:
            problems.append(f"{p.name!r}: bad charge type or BroadWorks kind")
        if (p.bw_kind == NONE) != (p.bw_name == "") or len(p.bw_name) > 80:
            problems.append(f"{p.name!r}: BroadWorks name does not fit its kind")
        if (p.bw_kind == SERVICE_PACK) != bool(p.bw_services):
            problems.append(f"{p.name!r}: only service packs list services")
        if p.is_seat and p.bw_kind != SERVICE_PACK:
            problems.append(f"{p.name!r}: a seat must be a service pack")
        if p.price < 0 or p.price.as_tuple().exponent != -2 or p.included_dids < 0:
            problems.append(f"{p.name!r}: bad price or included DIDs")
        if not p.description or len(p.description) > 200 or len(p.name) > 120:
            problems.append(f"{p.name!r}: name or description length")
    if problems:
        raise AssertionError("orion.catalog.data: " + "; ".join(problems))


_self_check()
