"""Trunk facts of a trunking order over the API: the same rules, scope and audit as the
order's trunking page (``orion.provisioning.trunk``). Thin: parse, call, render."""

from __future__ import annotations

from ninja import Field, Path, Router, Schema

from orion.api.auth import ApiRequest
from orion.api.errors import responses
from orion.api.schemas.common import MAX_ID
from orion.core.exceptions import NotFound
from orion.orders.selectors import order_get
from orion.provisioning.models import TrunkFacts
from orion.provisioning.trunk import TrunkFactsInput, trunk_facts_save

router = Router(tags=["orders"])
OrderId = Path(..., ge=1, le=MAX_ID)


class TrunkFactsIn(Schema):
    call_paths: int = Field(description="Simultaneous calls, 1 to 9,999.")
    pbx_addresses: list[str] = Field(description="PBX/SBC IP addresses or host names (1-8).")
    authentication: str = Field(description="registration or ip")
    sip_username: str = Field("", max_length=80, description="Registration only.")
    sip_password: str = Field("", max_length=60, description=(
        "Registration only, 8-60 characters; empty keeps the saved password."))
    failover_number: str = Field(max_length=20, description="10-digit NANP number.")
    transport: str = Field("", description="udp, tcp, tls or empty")


class TrunkFactsOut(Schema):
    order: str
    call_paths: int
    pbx_addresses: list[str]
    authentication: str
    sip_username: str
    password_set: bool = Field(description="The password itself is never returned.")
    failover_number: str = Field(description="E.164")
    transport: str


def _out(facts: TrunkFacts) -> TrunkFactsOut:
    return TrunkFactsOut(order=facts.order.number or "", call_paths=facts.call_paths,
                         pbx_addresses=facts.pbx_addresses, authentication=facts.authentication,
                         sip_username=facts.sip_username, password_set=bool(facts.sip_password),
                         failover_number=facts.failover_number, transport=facts.transport)


@router.get("/orders/{order_id}/trunk", response=responses(TrunkFactsOut),
            operation_id="order_trunk_facts_get")
def trunk_get(request: ApiRequest, order_id: int = OrderId) -> TrunkFactsOut:
    """The trunk facts of a trunking order (404 until they are given)."""
    order = order_get(user=request.auth, order_id=order_id)
    facts = TrunkFacts.objects.filter(order=order).select_related("order").first()
    if facts is None:
        raise NotFound("No trunk details for this order yet.")
    return _out(facts)


@router.put("/orders/{order_id}/trunk", response=responses(TrunkFactsOut),
            operation_id="order_trunk_facts_put")
def trunk_put(request: ApiRequest, payload: TrunkFactsIn,
              order_id: int = OrderId) -> TrunkFactsOut:
    """Give or change the trunk facts of a held trunking order (422 names each wrong field)."""
    order = order_get(user=request.auth, order_id=order_id)
    if not (order.customer and order.customer.is_trunking):
        raise NotFound("No such trunking order.")
    facts = trunk_facts_save(order_id=order.pk, user=request.auth,
                             data=TrunkFactsInput(**payload.dict()))
    return _out(facts)
