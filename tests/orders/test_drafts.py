"""orion.orders.drafts: autosave with a version, discard releasing numbers, clean-up of old
empty drafts (issue 15, items 2 and 3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from orion.numbers import services as number_services
from orion.numbers.models import DID
from orion.orders import drafts
from orion.orders.exceptions import OrderNotEditable, StaleDraft
from orion.orders.models import Order, OrderKind
from orion.orders.selectors import drafts_open
from orion.orders.services import order_lines_add, order_start
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(tenant_a) -> Order:
    return order_start(user=tenant_a.user, kind=OrderKind.NEW_CUSTOMER,
                       enterprise=tenant_a.enterprise)


def test_autosave_stores_fields_and_counts_versions(tenant_a, draft):
    version = drafts.order_draft_details_save(user=tenant_a.user, order_id=draft.pk, version=1,
                                              company_name="Acme Tampa", notes="Port 1")
    assert version == 2
    draft.refresh_from_db()
    assert (draft.company_name, draft.notes, draft.version) == ("Acme Tampa", "Port 1", 2)
    # The same values again change nothing, not even the version.
    assert drafts.order_draft_details_save(user=tenant_a.user, order_id=draft.pk, version=2,
                                           company_name="Acme Tampa") == 2


def test_a_stale_version_is_refused_and_nothing_written(tenant_a, draft):
    drafts.order_draft_details_save(user=tenant_a.user, order_id=draft.pk, version=1,
                                    city="Tampa")
    with pytest.raises(StaleDraft):
        drafts.order_draft_details_save(user=tenant_a.user, order_id=draft.pk, version=1,
                                        city="Orlando")
    draft.refresh_from_db()
    assert draft.city == "Tampa"


def test_autosave_of_a_saved_order_is_refused(tenant_a):
    from orion.orders.services import order_save

    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    order_save(user=tenant_a.user, order_id=order.pk, details=f.new_customer_details())
    with pytest.raises(OrderNotEditable, match=r"This order has been saved\."):
        drafts.order_draft_details_save(user=tenant_a.user, order_id=order.pk, version=1,
                                        notes="x")


def test_autosave_takes_only_draft_details(tenant_a, draft):
    with pytest.raises(ValueError):
        drafts.order_draft_details_save(user=tenant_a.user, order_id=draft.pk, version=1,
                                        state="completed")


def test_add_services_keeps_the_customer_information(tenant_a):
    order = order_start(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                        customer=tenant_a.customer)
    drafts.order_draft_details_save(user=tenant_a.user, order_id=order.pk, version=1,
                                    company_name="Renamed", notes="Smart Record on 100")
    order.refresh_from_db()
    assert order.company_name == tenant_a.customer.name
    assert order.notes == "Smart Record on 100"


def test_another_partner_cannot_autosave(tenant_a, tenant_b, draft):
    from orion.core.exceptions import NotFound

    with pytest.raises(NotFound):
        drafts.order_draft_details_save(user=tenant_b.user, order_id=draft.pk, version=1,
                                        notes="x")


def test_discard_releases_the_reserved_numbers(tenant_a):
    order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    number_services.numbers_add_range(spec="2125550100-2125550102")
    number_services.numbers_reserve(user=tenant_a.user, order_id=order.pk,
                                    numbers=["2125550100", "2125550101"])
    drafts.order_draft_discard(user=tenant_a.user, order_id=order.pk)
    assert not Order.objects.filter(pk=order.pk).exists()
    assert DID.objects.filter(state="available", order__isnull=True).count() == 3


def test_open_drafts_list_only_drafts_with_something_on_them(tenant_a, draft):
    assert drafts_open(user=tenant_a.user) == []
    drafts.order_draft_details_save(user=tenant_a.user, order_id=draft.pk, version=1,
                                    company_name="Acme Tampa")
    with_lines = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    rows = drafts_open(user=tenant_a.user)
    assert {r.order.pk for r in rows} == {draft.pk, with_lines.pk}
    assert next(r for r in rows if r.order.pk == with_lines.pk).mrc_total > 0


def test_open_drafts_are_quoted_together_and_as_each_alone(tenant_a, draft):
    """The open drafts' totals are read for all of them at once (the dashboard lists up to
    20; each quote was four queries): the same totals as each draft's own quote, and as many
    queries for five drafts as for one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orion.orders.selectors import order_quote
    from tests.provisioning.helpers import stock_numbers

    numbers = stock_numbers(2125550700, 12)

    def a_draft(packages, dids=(), backorder=0):
        order = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise,
                                      packages=packages)
        if dids:
            number_services.order_dids_order(user=tenant_a.user, order_id=order.pk,
                                             numbers=list(dids))
        if backorder:
            number_services.backorder_create(user=tenant_a.user, order_id=order.pk,
                                            npa="303", nxx="555", quantity=backorder)
        return order

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            drafts_open(user=tenant_a.user)
        return len(captured)

    a_draft(("Enterprise Standard",), numbers[:3])
    one = queries()
    a_draft(("Enterprise Standard", "Auto Attendant"), numbers[3:10], backorder=2)
    a_draft(("Power User",))
    a_draft(("Enterprise Standard", "Hunt Group"), numbers[10:12])
    a_draft(("Auto Attendant",), backorder=1)
    rows = drafts_open(user=tenant_a.user)
    assert len(rows) == 5 and queries() == one
    for row in rows:
        alone = order_quote(order=Order.objects.get(pk=row.order.pk))
        assert (row.mrc_total, row.nrc_total) == (alone.mrc_total, alone.nrc_total)
    assert len({r.mrc_total for r in rows}) > 1  # the drafts differ, so the check means something


def test_cleanup_removes_only_old_empty_drafts(tenant_a, draft):
    typed = order_start(user=tenant_a.user, kind=OrderKind.NEW_ENTERPRISE)
    drafts.order_draft_details_save(user=tenant_a.user, order_id=typed.pk, version=1,
                                    notes="keep me")
    with_lines = order_start(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                             customer=tenant_a.second_customer)
    power = f.package("Power User")
    order_lines_add(user=tenant_a.user, order_id=with_lines.pk,
                    order_type_id=power.order_type_id, package_ids=[power.pk])
    old = timezone.now() - timedelta(days=2)
    Order.objects.filter(pk__in=[draft.pk, typed.pk, with_lines.pk]).update(updated_at=old)
    fresh = order_start(user=tenant_a.user, kind=OrderKind.ADD_SERVICES,
                        customer=tenant_a.customer)

    assert drafts.order_drafts_cleanup() == 1
    assert set(Order.objects.values_list("pk", flat=True)) == {typed.pk, with_lines.pk, fresh.pk}


def test_the_periodic_task_runs_the_cleanup(tenant_a, draft):
    from orion.orders.tasks import cleanup_empty_drafts

    Order.objects.filter(pk=draft.pk).update(updated_at=timezone.now() - timedelta(days=2))
    assert cleanup_empty_drafts(timestamp=0) == 1
