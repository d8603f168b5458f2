"""Request names current clients send, beside the deprecated ones Orion still uses."""

from __future__ import annotations

import pytest

from orion.broadworks import BroadWorksClient, OCIAlreadyExists, OCIError
from orion.broadworks.emulator import EmulatorServer
from tests.broadworks.helpers import DOMAIN, GROUP, SP, add_enterprise


@pytest.fixture
def acme(bw_client: BroadWorksClient) -> BroadWorksClient:
    add_enterprise(bw_client)
    bw_client.batch_or_raise(
        [
            (
                "ServiceProviderServiceModifyAuthorizationListRequest",
                {
                    "service_provider_id": SP,
                    "group_service_authorization": [
                        {"service_name": "Hunt Group", "authorized_quantity": {"unlimited": True}}
                    ],
                    "user_service_authorization": [
                        {"service_name": "Call Waiting", "authorized_quantity": {"unlimited": True}}
                    ],
                },
            ),
            (
                "ServiceProviderDnAddListRequest",
                {
                    "service_provider_id": SP,
                    "dn_range": [
                        {"min_phone_number": "2125550100", "max_phone_number": "2125550104"}
                    ],
                },
            ),
        ]
    )
    return bw_client


def _consolidated(**extra: object) -> dict[str, object]:
    return {
        "service_provider_id": SP,
        "group_id": GROUP,
        "default_domain": DOMAIN,
        "user_limit": 10,
        "group_name": "Acme HQ",
        "group_service_authorization_and_assignment": [
            {"service_name": "Hunt Group", "authorized_quantity": {"quantity": 2}, "assign": True}
        ],
        "user_service_authorization": [
            {"service_name": "Call Waiting", "authorized_quantity": {"quantity": 5}}
        ],
        "activatable_dn_range": [
            {
                "min_phone_number": "+1-2125550100",
                "max_phone_number": "+1-2125550103",
                "activate": True,
            }
        ],
        **extra,
    }


def test_group_consolidated_add(acme: BroadWorksClient, emulator: EmulatorServer) -> None:
    acme.request("GroupConsolidatedAddRequest", **_consolidated())
    group = emulator.dump()["service_providers"][SP]["groups"][GROUP]
    assert group["dns"] == [f"+1-21255501{n:02d}" for n in range(4)]
    assert group["group_services"] == {"Hunt Group": 2}
    assert group["assigned_services"] == ["Hunt Group"]
    assert group["user_services"] == {"Call Waiting": 5}


def test_group_consolidated_add_is_all_or_nothing(
    acme: BroadWorksClient, emulator: EmulatorServer
) -> None:
    before = emulator.dump()
    bad = _consolidated(activatable_phone_number=[{"dn": "+1-9995550100", "activate": True}])
    [result] = acme.batch([("GroupConsolidatedAddRequest", bad)])
    assert isinstance(result.error, OCIError) and result.error.code == 4155
    assert emulator.dump() == before
    acme.request("GroupConsolidatedAddRequest", **_consolidated())
    [again] = acme.batch([("GroupConsolidatedAddRequest", _consolidated())])
    assert isinstance(again.error, OCIAlreadyExists)


def test_current_list_and_version_requests(acme: BroadWorksClient) -> None:
    domains = acme.request("SystemDomainGetListRequest22V2")
    assert domains.system_default_domain == "voip.orion.test"
    assert [row.domain_name for row in domains.domain_table] == [
        d for d in acme.request("SystemDomainGetListRequest").domain
    ]
    assigned = acme.request("ServiceProviderDomainGetAssignedListRequest22", service_provider_id=SP)
    assert assigned.service_provider_default_domain == DOMAIN
    version = acme.request("SystemSoftwareVersionGetRequest").version
    assert "R25" in version
