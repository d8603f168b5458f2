"""Seeding the emulator by raw OCI-P with a BroadWorks that Orion did not create: what a
provider typed in by hand through CommPilot before it used Orion."""

from __future__ import annotations

from orion.broadworks import BroadWorksClient, ocip_request

SP, HQ, BRANCH = "LEGACY1", "LEG-HQ", "LEG-BR"
RESELLER = "RESELL1"
STANDARD = "Orion Enterprise Standard"
HQ_NUMBERS = ["+1-3125550100", "+1-3125550101", "+1-3125550102"]  # one range in the summary
BRANCH_NUMBERS = ["+1-3125550150", "+1-3125550152"]
LOOSE_NUMBERS = ["+1-3125550200", "+1-3125550201"]  # in the enterprise, in no group


def _group(sp: str, group: str, name: str, tz: str, city: str) -> object:
    return ocip_request(
        "GroupAddRequest", service_provider_id=sp, group_id=group, default_domain="legacy.example",
        user_limit=25, group_name=name, calling_line_id_name=name[:30], time_zone=tz,
        contact={"contact_name": "Pat Doe", "contact_number": "3125550000",
                 "contact_email": "pat@legacy.example"},
        address={"address_line1": "1 Main St", "city": city, "state_or_province": "IL",
                 "zip_or_postal_code": "60601", "country": "US"})


def seed_legacy(bw: BroadWorksClient) -> None:
    """One enterprise with two groups, numbers (one range), service packs (one the catalog
    does not know), authorizations, a group service and users; and a plain service provider."""
    sp = {"service_provider_id": SP}
    bw.batch_or_raise([
        ocip_request("SystemDomainAddRequest", domain="legacy.example"),
        ocip_request("ServiceProviderAddRequest13mp2", **sp, is_enterprise=True,
                     default_domain="legacy.example", service_provider_name="Legacy Corp"),
        ocip_request("ServiceProviderAddRequest13mp2", service_provider_id=RESELLER,
                     is_enterprise=False, default_domain="voip.orion.test",
                     service_provider_name="Some Reseller"),
        _group(SP, HQ, "Legacy HQ", "America/Chicago", "Chicago"),
        _group(SP, BRANCH, "Legacy Branch", "America/Denver", "Denver"),
        ocip_request("ServiceProviderDnAddListRequest", **sp,
                     phone_number=[*HQ_NUMBERS, *BRANCH_NUMBERS, *LOOSE_NUMBERS]),
        ocip_request("GroupDnAssignListRequest", **sp, group_id=HQ, phone_number=HQ_NUMBERS),
        ocip_request("GroupDnAssignListRequest", **sp, group_id=BRANCH,
                     phone_number=BRANCH_NUMBERS),
        ocip_request("ServiceProviderServiceModifyAuthorizationListRequest", **sp,
                     user_service_authorization=[
                         {"service_name": s, "authorized_quantity": {"unlimited": True}}
                         for s in ("Call Forwarding Always", "Voice Messaging User")],
                     group_service_authorization=[
                         {"service_name": "Hunt Group",
                          "authorized_quantity": {"unlimited": True}}]),
        ocip_request("ServiceProviderServicePackAddRequest", **sp, service_pack_name=STANDARD,
                     is_available_for_use=True, service_pack_quantity={"unlimited": True},
                     service_name=["Voice Messaging User"]),
        ocip_request("ServiceProviderServicePackAddRequest", **sp,
                     service_pack_name="Legacy Gold", is_available_for_use=True,
                     service_pack_quantity={"unlimited": True},
                     service_name=["Call Forwarding Always"]),
        ocip_request("GroupServiceModifyAuthorizationListRequest", **sp, group_id=HQ,
                     service_pack_authorization=[
                         {"service_pack_name": STANDARD, "authorized_quantity": {"quantity": 5}},
                         {"service_pack_name": "Legacy Gold",
                          "authorized_quantity": {"quantity": 2}}],
                     user_service_authorization=[
                         {"service_name": "Call Forwarding Always",
                          "authorized_quantity": {"quantity": 3}}],
                     group_service_authorization=[
                         {"service_name": "Hunt Group", "authorized_quantity": {"quantity": 1}}]),
        ocip_request("GroupServiceAssignListRequest", **sp, group_id=HQ,
                     service_name=["Hunt Group"]),
        ocip_request("UserAddRequest17sp4", **sp, group_id=HQ, user_id="pat@legacy.example",
                     last_name="Doe", first_name="Pat", calling_line_id_last_name="Doe",
                     calling_line_id_first_name="Pat", password="S3cret-by-hand!",
                     extension="100", phone_number=HQ_NUMBERS[0]),
    ])
