"""R25 schema validation: the emulator refuses what a real server refuses, facet by facet.

Requests go over a raw socket, because Orion's own client would refuse to send them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from lxml import etree

from orion.broadworks import codec, schema
from orion.broadworks.emulator import EmulatorServer
from orion.broadworks.emulator.handlers import HANDLERS
from tests.broadworks.helpers import DOMAIN, GROUP, SP, RawPeer, command, document

LOGIN = command("LoginRequest22V5", userId="admin", password="ocip-demo-password")
GROUP_IDS = f"<serviceProviderId>{SP}</serviceProviderId><groupId>{GROUP}</groupId>"


def group_add(**overrides: str | None) -> str:
    """A valid GroupAddRequest body; ``overrides`` replace (or, with None, drop) elements."""
    fields: dict[str, str | None] = {
        "serviceProviderId": SP,
        "groupId": GROUP,
        "defaultDomain": DOMAIN,
        "userLimit": "25",
        "groupName": "Acme Head Office",
    }
    fields.update(overrides)
    body = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items() if v is not None)
    return f'<command xmlns="" xsi:type="GroupAddRequest">{body}</command>'


@pytest.fixture
def peer(emulator: EmulatorServer) -> Iterator[RawPeer]:
    raw = RawPeer(emulator.host, emulator.port)
    raw.send(document(LOGIN))
    assert b"LoginResponse22V5" in raw.read_documents()[0]
    yield raw
    raw.close()


def answer(peer: RawPeer, *commands: str) -> list[etree._Element]:
    peer.send(document(*commands))
    return [c.element for c in codec.parse_document(peer.read_documents()[0]).commands]


def refusal(peer: RawPeer, body: str) -> str:
    """Send one command; assert it was refused with 6004 and return the detail."""
    (element,) = answer(peer, body)
    assert element.get(codec.XSI_TYPE).endswith("ErrorResponse"), etree.tostring(element)
    assert element.findtext("summary") == "[Error 6004] OCI XML Request validation error"
    return element.findtext("detail") or ""


def test_every_supported_request_is_in_the_table() -> None:
    assert set(HANDLERS) <= schema.table().requests


def test_valid_request_passes(peer: RawPeer) -> None:
    (element,) = answer(peer, group_add())
    # the enterprise does not exist: the request got past validation to the model
    assert "[Error 4011]" in (element.findtext("summary") or "")


@pytest.mark.parametrize(
    ("body", "path", "reason"),
    [
        # minLength: empty strings are not values
        (group_add(groupName=""), "GroupAddRequest/groupName", "minLength 1"),
        # maxLength: BroadWorks e-mail addresses are 1-80 characters
        (
            group_add(
                groupName=None,
                contact=f"<contactEmail>{'a' * 78}@example.com</contactEmail>",
            ),
            "GroupAddRequest/contact/contactEmail",
            "maxLength 80",
        ),
        (group_add(groupId="G" * 31), "GroupAddRequest/groupId", "maxLength 30"),
        # minInclusive / maxInclusive: userLimit 1-999999
        (group_add(userLimit="0"), "GroupAddRequest/userLimit", "minInclusive 1"),
        (group_add(userLimit="1000000"), "GroupAddRequest/userLimit", "maxInclusive 999999"),
        # the int datatype itself
        (group_add(userLimit="ten"), "GroupAddRequest/userLimit", "not a valid value for 'int'"),
        # enumeration: service names
        (
            command(
                "GroupServiceAssignListRequest",
                serviceProviderId=SP,
                groupId=GROUP,
                serviceName="Free Beer",
            ),
            "GroupServiceAssignListRequest/serviceName",
            "cvc-enumeration-valid",
        ),
        # boolean: "yes" is not a boolean (it used to be read as false)
        (
            command(
                "ServiceProviderAddRequest13mp2",
                isEnterprise="yes",
                serviceProviderId=SP,
                defaultDomain=DOMAIN,
            ),
            "ServiceProviderAddRequest13mp2/isEnterprise",
            "is not a boolean",
        ),
        # a required element is missing
        (
            group_add(userLimit=None, groupName=None),
            "GroupAddRequest",
            "incomplete; expected userLimit",
        ),
        (group_add(userLimit=None), "GroupAddRequest/groupName", "expected userLimit"),
        # elements out of order
        (
            command(
                "GroupAddRequest",
                serviceProviderId=SP,
                groupId=GROUP,
                userLimit="5",
                defaultDomain=DOMAIN,
            ),
            "GroupAddRequest/userLimit",
            "expected defaultDomain",
        ),
        # an element the schema does not know
        (group_add(favouriteColour="blue"), "GroupAddRequest/favouriteColour", "2.4.a"),
        # a required choice (authorizedQuantity | unauthorized) left out
        (
            command(
                "GroupServiceModifyAuthorizationListRequest",
                serviceProviderId=SP,
                groupId=GROUP,
                servicePackAuthorization="<servicePackName>Seat</servicePackName>",
            ),
            "GroupServiceModifyAuthorizationListRequest/servicePackAuthorization",
            "expected authorizedQuantity, unauthorized",
        ),
        # a nil where the schema does not allow one
        (
            group_add().replace(
                "<groupName>Acme Head Office</groupName>", '<groupName xsi:nil="true"/>'
            ),
            "GroupAddRequest/groupName",
            "not nillable",
        ),
        # text inside a complex element
        (group_add(contact="Jane"), "GroupAddRequest/contact", "text is not allowed"),
        # unknown service provider id in a DN range: DN is 1-23 characters
        (
            command(
                "ServiceProviderDnAddListRequest",
                serviceProviderId=SP,
                dnRange=f"<minPhoneNumber>{'1' * 24}</minPhoneNumber>"
                "<maxPhoneNumber>2125550109</maxPhoneNumber>",
            ),
            "ServiceProviderDnAddListRequest/dnRange/minPhoneNumber",
            "maxLength 23",
        ),
    ],
)
def test_schema_violations_are_refused_naming_the_element(
    peer: RawPeer, body: str, path: str, reason: str
) -> None:
    detail = refusal(peer, body)
    assert detail.startswith(f"{path}: "), detail
    assert reason in detail, detail


def test_empty_elements_are_never_stored(peer: RawPeer, emulator: EmulatorServer) -> None:
    """An enterprise "None" with a group "None" was created from empty elements once."""
    refusal(peer, command("SystemDomainAddRequest", domain=""))
    refusal(
        peer,
        command(
            "ServiceProviderAddRequest13mp2",
            isEnterprise="true",
            serviceProviderId="",
            defaultDomain=DOMAIN,
        ),
    )
    state = emulator.dump()
    assert state["service_providers"] == {}
    assert "None" not in str(state)


def test_a_valid_command_still_runs_after_an_invalid_one(peer: RawPeer) -> None:
    """Validation is per command: the document's other commands run, as on a real server."""
    bad, good = answer(
        peer,
        command("SystemDomainAddRequest", domain=""),
        command("SystemDomainAddRequest", domain=DOMAIN),
    )
    assert bad.get(codec.XSI_TYPE).endswith("ErrorResponse")
    assert good.get(codec.XSI_TYPE).endswith("SuccessResponse")


def test_logout_reason_outside_the_enumeration_is_tolerated(peer: RawPeer) -> None:
    """broadworks-ocip 3.0.0 sends one; real servers log it out anyway (documented)."""
    (element,) = answer(peer, command("LogoutRequest", userId="admin", reason="Client Logout"))
    assert element.get(codec.XSI_TYPE).endswith("SuccessResponse")


def test_pattern_and_length_facets_of_the_checker() -> None:
    """The R25 types Orion uses carry no pattern; the checker still honours one."""
    table = schema.Table(
        requests=frozenset({"X"}),
        simple={"Code": {"base": "token", "patterns": [["[A-Z]{2}\\d"]], "length": 3}},
        complex={"X": {"content": [{"sequence": [{"element": "code", "type": "Code", "max": 2}]}]}},
    )

    def check(xml: str) -> None:
        schema.validate_command("X", etree.fromstring(xml), facts=table)

    check("<command><code>AB1</code><code>CD2</code></command>")
    with pytest.raises(schema.SchemaViolation, match="cvc-pattern-valid"):
        check("<command><code>ab1</code></command>")
    with pytest.raises(schema.SchemaViolation, match="cvc-length-valid"):
        check("<command><code>AB12</code></command>")
    with pytest.raises(schema.SchemaViolation, match=r"X/code: cvc-complex-type\.2\.4\.a"):
        check("<command><code>AB1</code><code>AB1</code><code>AB1</code></command>")


def test_orion_group_fixture_is_valid() -> None:
    """What the tests' helpers send is valid too (they double as examples)."""
    request = codec.build_request(
        "GroupAddRequest",
        service_provider_id=SP,
        group_id=GROUP,
        default_domain=DOMAIN,
        user_limit=25,
        contact={"contact_name": "Jane Doe", "contact_email": "jane@example.com"},
    )
    raw = codec.parse_document(codec.encode_document("s", [(request, None)]))
    schema.validate_command("GroupAddRequest", raw.commands[0].element)
