"""Drafts of the order form: autosave of the details, discard, and the clean-up of old empty
drafts. Kept apart from ``orders.services`` (Save Order and the placed order's life) because a
draft's rules are about not losing work, not about placing an order.

The draft row carries a ``version``: every saved edit of its details adds one, and an edit that
names an older version is refused (``StaleDraft``) rather than merged, so a second tab or device
never silently overwrites what another one saved.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from orion.accounts.models import User
from orion.audit.services import audit_record
from orion.core.exceptions import NotFound
from orion.numbers.services import order_draft_numbers_release
from orion.orders.exceptions import OrderNotEditable, StaleDraft
from orion.orders.models import ACCOUNT_FIELDS, Order, OrderKind
from orion.orders.states import OrderState

logger = logging.getLogger(__name__)

# The details the order form autosaves: everything but the packages and DIDs, which are saved
# by their own buttons already.
DRAFT_DETAIL_FIELDS: tuple[str, ...] = ("billing_start_date", "enterprise_name", *ACCOUNT_FIELDS,
                                        "notes", "effective_date")
# A draft nobody typed in (version 1), with no package, number or backorder, older than this is
# removed by the periodic clean-up: it holds nothing anyone could lose.
EMPTY_DRAFT_MAX_AGE = timedelta(days=1)

STALE_MESSAGE = ("This draft was changed in another tab or on another device since this page "
                 "was loaded; your last change here was not saved. Reload the form to see the "
                 "current draft.")
SAVED_MESSAGE = "This order has been saved."


def _locked_draft(*, user: User, order_id: int) -> Order:
    order = (Order.objects.visible_to(user).select_for_update(of=("self",), no_key=True)
             .filter(pk=order_id).first())
    if order is None:
        raise NotFound("No such order.")
    if order.state != OrderState.DRAFT:
        raise OrderNotEditable(SAVED_MESSAGE)
    return order


def order_draft_check_version(*, order: Order, version: int | None) -> None:
    """Refuse a write (autosave or Save Order) from a page that has not seen the latest edit."""
    if version is not None and version != order.version:
        raise StaleDraft(STALE_MESSAGE)


def order_draft_details_save(*, user: User, order_id: int, version: int,
                             **fields: str | date | None) -> int:
    """Autosave: store the details the partner typed, already cleaned by the order form's own
    fields (``OrderDetailsForm``), on the draft. Returns the draft's new version.

    Only the fields given are written; an order that adds services to an existing customer
    keeps the customer's information and takes only the Billing Start Date and the Notes; a
    change order takes its effective date (which is its billing start) and the Notes, so a
    refresh or a second tab shows the date chosen, under the same version check.
    """
    unknown = set(fields) - set(DRAFT_DETAIL_FIELDS)
    if unknown:
        raise ValueError(f"not draft details: {sorted(unknown)}")
    with transaction.atomic():
        order = _locked_draft(user=user, order_id=order_id)
        order_draft_check_version(order=order, version=version)
        if order.kind == OrderKind.CHANGE:
            fields = {k: v for k, v in fields.items() if k in ("effective_date", "notes")}
            if fields.get("effective_date") is not None:
                fields["billing_start_date"] = fields["effective_date"]
        elif not order.creates_account:
            fields = {k: v for k, v in fields.items() if k in ("billing_start_date", "notes")}
        else:
            fields.pop("effective_date", None)
        changed = [name for name, value in fields.items() if getattr(order, name) != value]
        if not changed:
            return order.version
        for name in changed:
            setattr(order, name, fields[name])
        order.version += 1
        order.save(update_fields=[*changed, "version", "updated_at"])
    return order.version


def order_draft_discard(*, user: User, order_id: int) -> None:
    """Discard a draft: its reserved numbers go back to the inventory at once, its backorders
    and lines go with it, and the draft is deleted (a draft was never an order: it has no
    number, no state history and no job). Audited, since someone may look for it later."""
    with transaction.atomic():
        order = _locked_draft(user=user, order_id=order_id)
        released = order_draft_numbers_release(order=order, by=user)
        audit_record(actor=user, action="order.draft_discard", obj=order,
                     changes={"kind": order.kind, "account": order.account_name,
                              "numbers_released": released})
        order.delete()  # lines and backorders go with it (CASCADE)
    logger.info("draft %s: discarded by %s (%s numbers released)", order_id, user.username,
                released)


def order_drafts_cleanup(*, now: object = None) -> int:
    """Delete old empty drafts (nothing typed, no package, no number, no backorder).

    Periodic (``orders.tasks``). Every "Add Package Forms" click used to leave such a draft
    behind; they only clutter the partner's list of open drafts.
    """
    cutoff = (now or timezone.now()) - EMPTY_DRAFT_MAX_AGE  # type: ignore[operator]
    empty = (Order.objects.filter(state=OrderState.DRAFT, version=1, updated_at__lt=cutoff,
                                  lines__isnull=True, dids__isnull=True,
                                  did_backorders__isnull=True,
                                  port_requests__isnull=True)  # a port started from it
             .values_list("pk", flat=True))
    with transaction.atomic():
        ids = list(Order.objects.select_for_update(skip_locked=True)
                   .filter(pk__in=list(empty)).values_list("pk", flat=True))
        deleted = Order.objects.filter(pk__in=ids).delete()[1].get("orders.Order", 0)
    if deleted:
        logger.info("drafts: %s old empty drafts removed", deleted)
    return deleted
