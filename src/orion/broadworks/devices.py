"""The phones Orion offers, by the device type names BroadWorks knows them under.

A BroadWorks device type (``deviceType`` of ``GroupAccessDeviceAddRequest14``) is an
identity/device profile type the system administrator configures; the names below follow
the ``Vendor_Model`` identifiers of the vendors' BroadWorks partner configuration guides,
which most deployments keep. Orion's order form shows the display names and sends the
identifiers; the emulator accepts exactly these types (and refuses others as a real
server refuses a type it was not configured with).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeviceType:
    #: The BroadWorks identity/device profile type name (1-40 characters).
    device_type: str
    #: Line ports one device carries (``numberOfPorts``); None: unlimited.
    ports: int | None


#: Display name -> BroadWorks device type, in the order the form lists them.
DEVICE_TYPES: dict[str, str] = {
    "Polycom VVX 450": "Polycom_VVX450",
    "Yealink T54W": "Yealink_T54W",
    "Cisco 8851": "Cisco_8851",
    "Generic SIP phone": "Generic SIP Phone",
}

#: Every device type the emulator's system is configured with, by identifier.
KNOWN_DEVICE_TYPES: dict[str, DeviceType] = {
    t.device_type: t
    for t in (
        DeviceType("Polycom_VVX450", 12),
        DeviceType("Polycom_VVX350", 6),
        DeviceType("Yealink_T54W", 16),
        DeviceType("Yealink_T46U", 16),
        DeviceType("Cisco_8851", 10),
        DeviceType("Cisco_8865", 10),
        DeviceType("Generic SIP Phone", None),
    )
}
