"""New users' documents go out several at a time (``provisioning.waves``): never a user's
command apart from its user, never before the group and its numbers, and with the same end
state as one document at a time, through lost answers and refused logins."""

from __future__ import annotations

import pytest
from lxml import etree

from orion.broadworks.config import BroadWorksConfig
from orion.broadworks.emulator.server import EmulatorServer
from orion.broadworks.exceptions import OCIConnectionError
from orion.orders.models import OrderKind
from orion.orders.states import OrderState
from orion.provisioning import plan, services, waves
from orion.provisioning.models import OciExchangeLog
from orion.provisioning.plan import Action
from tests import factories as f
from tests.provisioning.helpers import place_order

XSI = "http://www.w3.org/2001/XMLSchema-instance"
INFRA = [Action(step, (name, {}), step) for step, name in (
    ("domain", "SystemDomainAddRequest"), ("enterprise", "ServiceProviderAddRequest13mp2"),
    ("group", "GroupAddRequest"), ("numbers", "ServiceProviderDnAddListRequest"),
    ("assign_numbers", "GroupDnAssignListRequest"))]


def _user(n: int) -> list[Action]:
    uid = f"u{n}@x.example"
    return [Action("users", ("UserAddRequest17sp4", {"user_id": uid}), uid),
            Action("users", ("UserServiceAssignListRequest", {"user_id": uid}), uid)]


def _uid(action: Action) -> str:
    return action.request[1]["user_id"]


def test_new_users_after_the_group_are_cut_into_whole_users_and_the_first_is_topped_up():
    actions = INFRA + [a for n in range(20) for a in _user(n)]
    docs = waves.documents(actions, limit=15)
    assert docs.ordered == [INFRA + [a for n in range(5) for a in _user(n)]]  # 5 + 10
    assert [len(d) for d in docs.concurrent] == [14, 14, 2]  # 7 + 7 + 1 users
    flat = [a for d in [*docs.ordered, *docs.concurrent] for a in d]
    assert flat == actions  # nothing reordered, nothing lost
    for doc in docs.concurrent:  # a user's two commands are never apart
        adds = [_uid(a) for a in doc if a.request[0] == "UserAddRequest17sp4"]
        assert sorted(adds) == sorted({_uid(a) for a in doc})


def test_anything_after_a_user_that_is_not_a_new_user_keeps_everything_before_it_in_order():
    modify = Action("users", ("UserModifyRequest17sp4", {"user_id": "u1@x.example"}), "m")
    actions = INFRA + _user(0) + [modify] + _user(2) + _user(3)
    docs = waves.documents(actions, limit=15)
    # Only the users after the modification may go at once; here they fit the last document.
    assert docs.ordered == [actions] and docs.concurrent == []
    many = INFRA + _user(0) + [modify] + [a for n in range(2, 12) for a in _user(n)]
    docs = waves.documents(many, limit=15)
    assert docs.ordered[0][:8] == INFRA + _user(0) + [modify]
    assert all(modify not in d for d in docs.concurrent)


def test_a_users_commands_that_are_not_side_by_side_are_never_sent_apart():
    a, b = _user(0), _user(1)
    actions = [*INFRA, a[0], b[0], a[1], b[1]]
    docs = waves.documents(actions, limit=15)
    assert docs.concurrent == [] and docs.ordered == [actions]
    assert waves.documents(actions, limit=3).concurrent == []


def test_one_document_at_a_time_when_at_once_is_one():
    actions = INFRA + [a for n in range(20) for a in _user(n)]
    assert list(waves.bursts([[a] for a in actions[:5]], 1)) == [[[a]] for a in actions[:5]]


def _docs_by_users(order) -> list[tuple[set[str], set[str]]]:
    """Per logged document with users: (user ids added, user ids given a service pack)."""
    rows = []
    for log in OciExchangeLog.objects.filter(order=order).order_by("at", "pk"):
        if "UserAddRequest17sp4" not in log.request_xml:
            continue
        root = etree.fromstring(log.request_xml.encode("ISO-8859-1"))
        adds, assigns = set(), set()
        for command in root.iter("command"):
            kind = command.get(f"{{{XSI}}}type")
            user_id = command.findtext("userId")
            if kind == "UserAddRequest17sp4":
                adds.add(user_id)
            elif kind == "UserServiceAssignListRequest":
                assigns.add(user_id)
        rows.append((adds, assigns))
    return rows


@pytest.mark.django_db
def test_thirty_seats_go_out_several_documents_at_a_time_and_end_exact(tenant_a, emulator,
                                                                       bw_config):
    emulator.set_faults(latency_ms=40)  # the documents' answers overlap only if sent at once
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Enterprise Standard": 30}, name="Many Seats",
                        domain="many.example")
    users = list(order.users.live())
    assert services.order_provision(order_id=order.pk, config=bw_config) == OrderState.COMPLETED

    assert emulator.stats.answering_max >= 2
    group = emulator.dump()["service_providers"][order.enterprise.bw_service_provider_id][
        "groups"][order.customer.bw_group_id]
    pack = f.package("Enterprise Standard").bw_name
    assert sorted(group["users"]) == sorted(u.user_id for u in users)
    assert all(u["service_packs"] == [pack] for u in group["users"].values())
    docs = _docs_by_users(order)
    assert all(adds == assigns for adds, assigns in docs)  # each user whole in one document
    assert sum(len(adds) for adds, _ in docs) == 30  # every user once, in the log too
    step = order.provisioning_steps.get(key="users")
    assert step.status == "done" and step.label == "creating users (30 of 30)"
    desired = plan.desired_for(order)
    with services.broadworks_pool(bw_config).connection() as client:
        seen = plan.parse_reads(client.batch(plan.read_requests(desired)))
        plan.parse_user_reads(desired, seen, client.batch(plan.user_reads(desired, seen)))
    assert plan.plan_actions(desired, seen) == []


@pytest.mark.django_db
def test_spare_sessions_the_server_refuses_leave_the_documents_to_the_runs_own(tenant_a):
    """BroadWorks allows one session for this login: the spare sessions cannot log in, so
    nothing goes at once, and the order completes all the same."""
    server = EmulatorServer(host="127.0.0.1", port=0, control_port=0, seed=1,
                            max_sessions_per_user=1)
    host, port = server.start_in_thread()
    try:
        config = BroadWorksConfig(host=host, port=port, connect_timeout=2.0,
                                  command_timeout=5.0)
        order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                            packages={"Enterprise Standard": 20}, name="One Session",
                            domain="one.example")
        assert services.order_provision(order_id=order.pk, config=config) == \
            OrderState.COMPLETED
        assert sum(len(adds) for adds, _ in _docs_by_users(order)) == 20
        group = server.dump()["service_providers"][order.enterprise.bw_service_provider_id][
            "groups"][order.customer.bw_group_id]
        assert sorted(group["users"]) == sorted(u.user_id for u in order.users.live())
    finally:
        server.stop()


@pytest.mark.django_db
def test_an_answer_lost_in_a_burst_converges_on_the_retry_without_a_second_user(
        tenant_a, emulator, bw_config, monkeypatch):
    order = place_order(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE,
                        packages={"Enterprise Standard": 30}, name="Lost In Burst",
                        domain="burst.example")
    real = waves.send_burst
    armed: list[bool] = []

    def lose_one(clients, burst, **kwargs):
        if not armed:
            armed.append(True)
            emulator.set_faults(lose_answer_next=1)  # applied, answer dropped
        return real(clients, burst, **kwargs)

    monkeypatch.setattr(waves, "send_burst", lose_one)
    with pytest.raises(OCIConnectionError):
        services.order_provision(order_id=order.pk, config=bw_config)
    assert armed
    assert services.order_provision(order_id=order.pk, config=bw_config) == OrderState.COMPLETED
    group = emulator.dump()["service_providers"][order.enterprise.bw_service_provider_id][
        "groups"][order.customer.bw_group_id]
    assert sorted(group["users"]) == sorted(u.user_id for u in order.users.live())
    pack = f.package("Enterprise Standard").bw_name
    assert all(u["service_packs"] == [pack] for u in group["users"].values())
