"""Reads on the DID inventory: the NPA/NXX search, an order's numbers, the staff pages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from orion.accounts.models import User
from orion.catalog.models import E911_SURCHARGE_PACKAGE as E911_SURCHARGE_PACKAGE
from orion.catalog.models import Package
from orion.core.compiled import by_order, fetch_constant
from orion.core.exceptions import NotFound
from orion.core.permissions import require_provider_staff
from orion.core.prepared import prepared_cursor, prepared_execute
from orion.numbers import conf
from orion.numbers.models import DID, Backorder, DIDEvent, E911Location
from orion.numbers.nanp import TOLL_FREE_PACKAGE, clean_npa, clean_nxx, display, is_toll_free
from orion.numbers.states import NumberState
from orion.orders.models import Order


@dataclass(frozen=True)
class AvailableNumber:
    """A free number as the search lists it: the columns it shows, not a model instance
    (building 26 DID instances cost more than the query itself)."""

    id: int
    e164: str
    npa: str
    nxx: str
    rate_center: str
    region: str

    @property
    def pk(self) -> int:
        return self.id

    @property
    def display(self) -> str:
        return display(self.e164)


@dataclass(frozen=True)
class NumberPage:
    npa: str
    nxx: str
    numbers: list[AvailableNumber]
    page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def prefix(self) -> str:
        return f"{self.npa}-{self.nxx}" if self.nxx else self.npa


def numbers_available(*, npa: str, nxx: str = "", page: int = 1,
                      page_size: int | None = None) -> NumberPage:
    """Free numbers of an NPA (and NXX), in number order, one page at a time.

    Served by the partial index on available rows (npa, nxx, e164); within one NPA, ordering by
    (nxx, e164) is number order. One row more than a page tells whether a next page exists
    without counting.

    One prepared statement (planned once per connection) read into small dataclasses: the
    query runs in about 0.06 ms, and the ORM's compiling and model building around it cost
    ten times that.
    """
    npa = clean_npa(npa)
    nxx = clean_nxx(nxx) if nxx else ""
    size = page_size or conf.search_page_size()
    page = max(1, min(int(page), 10_000))
    cursor = prepared_cursor()
    prepared_execute(cursor, _AVAILABLE_SQL[bool(nxx)], {
        "npa": npa, "nxx": nxx, "limit": size + 1, "offset": (page - 1) * size})
    found = [AvailableNumber(*row) for row in cursor.fetchall()]
    return NumberPage(npa=npa, nxx=nxx, numbers=found[:size], page=page,
                      has_next=len(found) > size)


# By NPA only, and by NPA and NXX: the partial index did_available_npa_nxx in its order. The
# state is written out, not a parameter: a generic plan may use a partial index only when its
# condition is visibly implied.
_AVAILABLE_SQL = {
    False: "SELECT id, e164, npa, nxx, rate_center, region FROM numbers_did"
           " WHERE state = 'available' AND npa = %(npa)s::text"
           " ORDER BY npa, nxx, e164 LIMIT %(limit)s::int OFFSET %(offset)s::int",
    True: "SELECT id, e164, npa, nxx, rate_center, region FROM numbers_did"
          " WHERE state = 'available' AND npa = %(npa)s::text AND nxx = %(nxx)s::text"
          " ORDER BY npa, nxx, e164 LIMIT %(limit)s::int OFFSET %(offset)s::int",
}


@dataclass(frozen=True)
class OrderNumbers:
    """An order's DIDs for the form and the order page."""

    dids: list[DID]
    backorders: list[Backorder]
    included: int
    extra_did_price: Decimal

    @property
    def backordered(self) -> int:
        return sum(b.quantity for b in self.backorders)

    @property
    def toll_free(self) -> list[DID]:
        """Toll-free numbers: sold with the toll-free package, not counted as DIDs."""
        return [d for d in self.dids if is_toll_free(d.npa)]

    @property
    def selected(self) -> int:
        return len(self.dids) - len(self.toll_free) + self.backordered

    @property
    def extra(self) -> int:
        return max(0, self.selected - self.included)

    # E911 (``services.e911``): whether the order's numbers must have a location (a hosted
    # customer's), and the monthly surcharge per located number.
    hosted: bool = True
    e911_price: Decimal = Decimal("0.00")
    # Every number whose order this is, in any state, by E.164 (``dids`` are the reserved and
    # assigned ones): the order page's other sections read them from here, not again.
    on_order: list[DID] = field(default_factory=list)

    @property
    def e911_count(self) -> int:
        """Numbers that bill the E911 Surcharge: those with a location, and the hosted ones
        still without (they take the customer's address or hold the order until given one),
        never toll-free numbers (they receive calls only)."""
        return sum(1 for d in self.dids if bills_e911(
            npa=d.npa, located=did_location(d) is not None, is_for_trunking=d.is_for_trunking,
            hosted=self.hosted))

    @property
    def e911_amount(self) -> Decimal:
        return self.e911_price * self.e911_count


def bills_e911(*, npa: str, located: bool, is_for_trunking: bool, hosted: bool) -> bool:
    """The rule of ``OrderNumbers.e911_count`` for one number (shared with
    ``order_e911_count``, which reads only these columns)."""
    return not is_toll_free(npa) and (located or (hosted and not is_for_trunking))


def order_e911_count(*, order: Order) -> int:
    """``order_numbers(order=order).e911_count`` in one query of three columns: the E911
    Surcharge line is kept true at Save Order and by provisioning, which need only the count,
    not the numbers, their backorders and the catalog's prices."""
    hosted = order_is_hosted(order)
    rows = (order.dids.filter(state__in=[NumberState.RESERVED, NumberState.ASSIGNED])
            .values_list("npa", "is_for_trunking", "e911__id"))
    return sum(1 for npa, trunking, location in rows if bills_e911(
        npa=npa, located=location is not None, is_for_trunking=trunking, hosted=hosted))


def did_location(did: DID) -> E911Location | None:
    """The number's E911 location, or None (read through ``select_related("e911")``)."""
    try:
        return did.e911
    except E911Location.DoesNotExist:
        return None


def order_is_hosted(order: Order) -> bool:
    """Whether the order's numbers need an E911 location: a hosted customer's (a draft that
    creates its customer says so by its service type)."""
    if order.customer is not None:
        return not order.customer.is_trunking
    return order.service_type != "trunking"


def order_toll_free_allowance(*, order: Order) -> int:
    """How many toll-free numbers the order may hold: the quantity of its toll-free package
    lines (0 without one: toll-free numbers are then not offered)."""
    return sum(order.lines.filter(package__name=TOLL_FREE_PACKAGE)
               .values_list("quantity", flat=True))


def extra_did_package() -> Package | None:
    return Package.objects.filter(is_extra_did=True).first()


def order_numbers(*, order: Order, included: int = 0) -> OrderNumbers:
    """The numbers on the order (reserved on a draft, assigned once saved) and its backorders.

    The caller has already checked the user may see ``order``.
    """
    return orders_numbers(orders=[order], included={order.pk: included})[order.pk]


def orders_numbers(*, orders: Sequence[Order],
                   included: Mapping[int, int]) -> dict[int, OrderNumbers]:
    """``order_numbers`` of several orders (by id) in three queries, not three per order: the
    dashboard's open drafts show up to 20 quotes. ``included``: each order's DIDs included
    with its packages. The caller has already checked the user may see the orders."""
    by_id = {order.pk: order for order in orders}
    on_order: dict[int, list[DID]] = {pk: [] for pk in by_id}
    for did in by_order(DID, list(by_id), "order_numbers", related=("e911",)):
        assert did.order_id is not None  # filtered on it
        did.order = by_id[did.order_id]  # as ``order.dids`` would: no query to reach it
        on_order[did.order_id].append(did)  # in E.164 order (DID's ordering)
    backorders: dict[int, list[Backorder]] = {pk: [] for pk in by_id}
    for backorder in by_order(Backorder, list(by_id), "order_backorders"):
        backorder.order = by_id[backorder.order_id]
        backorders[backorder.order_id].append(backorder)
    extra_price, e911_price = _charged_number_prices()
    return {pk: OrderNumbers(
        dids=[d for d in on_order[pk] if d.state in (NumberState.RESERVED, NumberState.ASSIGNED)],
        backorders=backorders[pk], included=included.get(pk, 0), extra_did_price=extra_price,
        hosted=order_is_hosted(order), e911_price=e911_price, on_order=on_order[pk])
        for pk, order in by_id.items()}


def _charged_number_prices() -> tuple[Decimal, Decimal]:
    """The prices of the "Additional DID" and "E911 Surcharge" packages in one query (the
    order form and page show both on every request); 0 for a package the catalog lacks. The
    same packages as ``extra_did_package`` (only one exists) and ``e911_surcharge_package``
    (the first by id)."""
    extra: Decimal | None = None
    e911: Decimal | None = None
    for is_extra, name, price in fetch_constant("charged_number_prices", lambda: (
            Package.objects.filter(Q(is_extra_did=True) | Q(name=E911_SURCHARGE_PACKAGE))
            .order_by("pk").values_list("is_extra_did", "name", "price"))):
        if is_extra and extra is None:
            extra = price
        if name == E911_SURCHARGE_PACKAGE and e911 is None:
            e911 = price
    return extra if extra is not None else Decimal(0), e911 if e911 is not None else Decimal(0)


def e911_surcharge_package() -> Package | None:
    return Package.objects.filter(name=E911_SURCHARGE_PACKAGE).order_by("pk").first()


# --- staff -------------------------------------------------------------------------------------

def require_staff(user: User) -> None:
    """The staff pages and actions: anyone else gets a 404, as if they did not exist."""
    require_provider_staff(user)


@dataclass(frozen=True)
class InventorySummary:
    by_state: dict[str, int]
    by_prefix: list[dict[str, object]]  # npa, nxx, available, reserved, assigned, quarantined
    total: int


def inventory_summary(*, user: User, npa: str = "") -> InventorySummary:
    require_staff(user)
    by_state = {s: 0 for s in NumberState.values}
    for row in DID.objects.values("state").annotate(n=Count("id")).order_by():
        by_state[row["state"]] = row["n"]
    rows = DID.objects.all()
    if npa:
        rows = rows.filter(npa=npa)
    prefixes: dict[tuple[str, str], dict[str, object]] = {}
    for row in (rows.values("npa", "nxx", "state").annotate(n=Count("id"))
                .order_by("npa", "nxx")):
        entry = prefixes.setdefault((row["npa"], row["nxx"]), {
            "npa": row["npa"], "nxx": row["nxx"], **{s: 0 for s in NumberState.values}})
        entry[row["state"]] = row["n"]
    return InventorySummary(by_state=by_state, by_prefix=list(prefixes.values())[:500],
                            total=sum(by_state.values()))


def inventory_find(*, user: User, q: str, limit: int = 100) -> QuerySet[DID]:
    """Staff search by whole number or by prefix (digits, any separators, optional +1)."""
    require_staff(user)
    digits = "".join(ch for ch in q if "0" <= ch <= "9")  # ASCII digits only
    if q.strip().startswith("+1") or (len(digits) == 11 and digits.startswith("1")):
        digits = digits[1:]
    if not digits:
        return DID.objects.none()
    return (DID.objects.filter(e164__startswith=f"+1{digits[:10]}")
            .select_related("order", "customer").order_by("e164")[:limit])


def number_detail(*, user: User, did_id: int) -> tuple[DID, list[DIDEvent]]:
    require_staff(user)
    did = DID.objects.select_related("order", "customer").filter(pk=did_id).first()
    if did is None:
        raise NotFound("No such number.")
    events = list(did.events.select_related("order", "changed_by"))
    return did, events


def backorder_queue(*, user: User, include_complete: bool = False) -> QuerySet[Backorder]:
    """Staff: open backorders of placed orders, oldest first, with what is free to fill them."""
    require_staff(user)
    rows = Backorder.objects.select_related("order__customer", "order__partner")
    rows = rows.exclude(order__state="draft") if include_complete else rows.open()
    return rows.order_by("created_at", "id")




def backorders_free_now(*, backorders: Iterable[Backorder]) -> list[Backorder]:
    """Set ``free_now`` (the free numbers matching it) on each backorder, in one query for
    the whole queue rather than one per row."""
    rows = list(backorders)
    by_prefix: dict[tuple[str, str], int] = {}
    by_npa: dict[str, int] = {}
    for row in (DID.objects.filter(state=NumberState.AVAILABLE, npa__in={b.npa for b in rows})
                .values("npa", "nxx").annotate(n=Count("id")).order_by()):
        by_prefix[row["npa"], row["nxx"]] = row["n"]
        by_npa[row["npa"]] = by_npa.get(row["npa"], 0) + row["n"]
    for bo in rows:
        bo.free_now = by_prefix.get((bo.npa, bo.nxx), 0) if bo.nxx else by_npa.get(bo.npa, 0)
    return rows

