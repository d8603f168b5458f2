"""DIDs: the search (NPA, NPA-NXX, rate center, city/state, ZIP, runs in a row, toll-free) and
the blocks in stock; for provider staff, numbers, CSV imports and the backorder queue."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, File, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile

from orion.accounts.models import User
from orion.api.auth import ApiRequest
from orion.api.errors import responses
from orion.api.schemas.common import MAX_ID, Json, PageMeta, PageParams, page, text
from orion.numbers import search, selectors, services
from orion.numbers.models import Backorder, NumberImport
from orion.numbers.services.imports import MAX_IMPORT_BYTES
from orion.orders.selectors import order_get

router = Router(tags=["numbers"])


class AvailableNumberOut(Schema):
    id: int
    number: str
    display: str
    npa: str
    nxx: str
    rate_center: str
    region: str


class AvailableOut(Schema):
    npa: str
    nxx: str
    page: int
    has_next: bool
    items: list[AvailableNumberOut]


class BlockOut(Schema):
    npa: str
    nxx: str
    available: int
    rate_center: str
    city: str
    state: str
    toll_free: bool


class BlocksOut(Schema):
    items: list[BlockOut]


class SearchNumberOut(AvailableNumberOut):
    city: str


class NumberSearchOut(Schema):
    page: int
    has_next: bool
    items: list[SearchNumberOut]
    runs: list[list[str]] = Field(description="Consecutive search: each run's numbers "
                                  "(E.164), in order.")
    message: str = Field(description="Why nothing was found, and which blocks have stock.")
    suggestions: list[BlockOut]


class NumberSearchParams(Schema):
    npa: str = text(10, default="")
    nxx: str = text(10, default="")
    rate_center: str = text(60, default="")
    city: str = text(60, default="")
    state: str = text(10, default="")
    zip: str = text(12, default="")
    consecutive: int | None = Field(None, ge=2, le=search.MAX_CONSECUTIVE)
    toll_free: bool = False
    order_id: int | None = Field(None, ge=1, le=MAX_ID, description=(
        "The draft the numbers are for: toll-free numbers are offered only when it has the "
        "toll-free package."))
    page: int = Field(1, ge=1, le=10_000)


class ImportOut(Schema):
    id: int
    filename: str
    status: str
    total: int
    done: int
    percent: int
    added: int
    already_present: int
    rejected_count: int
    rejected: list[list[int | str]] = Field(description="[line, text, reason] of refused lines "
                                            "(the first 1,000).")
    open_backorders: int
    summary: str
    error: str
    created_at: datetime
    finished_at: datetime | None


class NumberEventOut(Schema):
    from_state: str
    to_state: str
    order_id: int | None
    changed_by: str | None
    changed_at: datetime
    note: str


class NumberOut(Schema):
    id: int
    number: str
    display: str
    npa: str
    nxx: str
    state: str
    order_id: int | None
    customer_id: int | None
    is_for_trunking: bool
    reserved_until: datetime | None
    quarantined_until: datetime | None
    events: list[NumberEventOut]


class QuarantineIn(Schema):
    days: int | None = Field(None, ge=1, le=3650)
    note: str = text(200, default="")


class BackorderQueueItemOut(Schema):
    id: int
    order_id: int
    order_number: str | None
    order_state: str
    partner_name: str
    customer_name: str | None
    npa: str
    nxx: str
    quantity: int
    filled: int
    pending: int
    status: str
    is_for_trunking: bool
    created_at: datetime
    free_now: int = Field(description="Free numbers matching it right now.")


class BackorderPage(PageMeta):
    items: list[BackorderQueueItemOut]


class BackorderFillOut(Schema):
    filled: int
    backorder: BackorderQueueItemOut


class BackorderQueueParams(PageParams):
    include_complete: bool = False


@router.get("/numbers/available", response=responses(AvailableOut),
            operation_id="numbers_available")
def available(request: ApiRequest, npa: str = Query(..., min_length=1, max_length=10),
              nxx: str = Query("", max_length=10),
              page_number: int = Query(1, ge=1, le=10_000, alias="page")) -> Json:
    """Free numbers of an NPA (and NXX), in number order, a page at a time."""
    result = selectors.numbers_available(npa=npa, nxx=nxx, page=page_number)
    return {"npa": result.npa, "nxx": result.nxx, "page": result.page,
            "has_next": result.has_next,
            "items": [{"id": d.pk, "number": d.e164, "display": d.display, "npa": d.npa,
                       "nxx": d.nxx, "rate_center": d.rate_center, "region": d.region}
                      for d in result.numbers]}


def _block_out(b: search.BlockInStock) -> Json:
    return {"npa": b.npa, "nxx": b.nxx, "available": b.available, "rate_center": b.rate_center,
            "city": b.locality, "state": b.region, "toll_free": b.is_toll_free}


@router.get("/numbers/blocks", response=responses(BlocksOut), operation_id="number_blocks")
def blocks(request: ApiRequest, toll_free: bool = False) -> Json:
    """The NPA-NXX blocks with free numbers, with their counts (local, or toll-free)."""
    return {"items": [_block_out(b) for b in search.blocks_in_stock(toll_free=toll_free)]}


@router.get("/numbers/search", response=responses(NumberSearchOut), operation_id="numbers_search")
def numbers_search(request: ApiRequest, params: Query[NumberSearchParams]) -> Json:
    """Free numbers by NPA, NPA-NXX, rate center, city/state or ZIP, or runs of N in a row.
    Searching reserves nothing (order them with ``order_dids_order``)."""
    allowed = False
    if params.order_id is not None:
        order = order_get(user=request.auth, order_id=params.order_id)
        allowed = selectors.order_toll_free_allowance(order=order) > 0
    query = search.number_query_clean(
        npa=params.npa, nxx=params.nxx, rate_center=params.rate_center, city=params.city,
        state=params.state, zip_code=params.zip, consecutive=params.consecutive or "",
        toll_free=params.toll_free)
    result = search.numbers_search(query=query, toll_free_allowed=allowed, page=params.page)
    return {"page": result.page, "has_next": result.has_next,
            "items": [{"id": d.pk, "number": d.e164, "display": d.display, "npa": d.npa,
                       "nxx": d.nxx, "rate_center": block.rate_center if block else
                       d.rate_center, "region": block.region if block else d.region,
                       "city": block.locality if block else ""}
                      for d, block in result.rows],
            "runs": [[d.e164 for d in run] for run in result.runs],
            "message": result.message,
            "suggestions": [_block_out(b) for b in result.suggestions]}


def _import_out(job: NumberImport) -> Json:
    return {"id": job.pk, "filename": job.filename, "status": job.status, "total": job.total,
            "done": job.done, "percent": job.percent, "added": job.added,
            "already_present": job.already_present, "rejected_count": job.rejected_count,
            "rejected": job.rejected, "open_backorders": job.open_backorders,
            "summary": job.summary(), "error": job.error, "created_at": job.created_at,
            "finished_at": job.finished_at}


@router.post("/numbers/imports", response=responses({202: ImportOut}),
             operation_id="number_import_start")
def number_import_start(request: ApiRequest,
                        file: UploadedFile | None = File(None)) -> Status:  # noqa: B008
    """Staff: upload a CSV (multipart field ``file``) to import; a job imports it in chunks.
    Poll ``number_import_get`` for the progress and the report (the same as
    ``orion numbers import``)."""
    selectors.require_staff(request.auth)
    if file is None:
        raise services.ImportRefused("Send the CSV as the multipart field 'file'.",
                                     field="file")
    job = services.number_import_start(user=request.auth, filename=file.name or "",
                                       content=file.read(MAX_IMPORT_BYTES + 1), via="api")
    return Status(202, _import_out(services.number_import_get(user=request.auth,
                                                              import_id=job.pk)))


@router.get("/numbers/imports/{import_id}", response=responses(ImportOut),
            operation_id="number_import_get")
def number_import_get(request: ApiRequest,
                      import_id: int = Path(..., ge=1, le=MAX_ID)) -> Json:
    """Staff: an import's progress (lines done of total) and, when done, its report."""
    return _import_out(services.number_import_get(user=request.auth, import_id=import_id))


def _number_out(user: User, did_id: int) -> Json:
    did, events = selectors.number_detail(user=user, did_id=did_id)
    return {"id": did.pk, "number": did.e164, "display": did.display, "npa": did.npa,
            "nxx": did.nxx, "state": did.state, "order_id": did.order_id,
            "customer_id": did.customer_id, "is_for_trunking": did.is_for_trunking,
            "reserved_until": did.reserved_until, "quarantined_until": did.quarantined_until,
            "events": [{"from_state": e.from_state, "to_state": e.to_state,
                        "order_id": e.order_id,
                        "changed_by": e.changed_by.username if e.changed_by else None,
                        "changed_at": e.changed_at, "note": e.note} for e in events]}


DidId = Path(..., ge=1, le=MAX_ID)


@router.get("/numbers/{did_id}", response=responses(NumberOut), operation_id="number_get")
def number_get(request: ApiRequest, did_id: int = DidId) -> Json:
    """Staff: one number with its history."""
    return _number_out(request.auth, did_id)


@router.post("/numbers/{did_id}/release", response=responses(NumberOut),
             operation_id="number_release")
def number_release(request: ApiRequest, did_id: int = DidId) -> Json:
    """Staff: take a number back from its customer; it ages in quarantine."""
    services.number_release(user=request.auth, did_id=did_id)
    return _number_out(request.auth, did_id)


@router.post("/numbers/{did_id}/quarantine", response=responses(NumberOut),
             operation_id="number_quarantine")
def number_quarantine(request: ApiRequest, payload: QuarantineIn, did_id: int = DidId) -> Json:
    services.number_quarantine(user=request.auth, did_id=did_id, days=payload.days,
                               note=payload.note)
    return _number_out(request.auth, did_id)


@router.post("/numbers/{did_id}/unquarantine", response=responses(NumberOut),
             operation_id="number_unquarantine")
def number_unquarantine(request: ApiRequest, did_id: int = DidId) -> Json:
    services.number_unquarantine(user=request.auth, did_id=did_id)
    return _number_out(request.auth, did_id)


def _backorder_out(bo: Backorder) -> Json:
    order = bo.order
    return {"id": bo.pk, "order_id": order.pk, "order_number": order.number,
            "order_state": order.state, "partner_name": order.partner.name,
            "customer_name": order.customer.name if order.customer else None,
            "npa": bo.npa, "nxx": bo.nxx, "quantity": bo.quantity, "filled": bo.filled,
            "pending": bo.pending, "status": str(bo.status),
            "is_for_trunking": bo.is_for_trunking, "created_at": bo.created_at,
            "free_now": bo.free_now}


@router.get("/backorders", response=responses(BackorderPage), operation_id="backorder_queue")
def backorder_queue(request: ApiRequest, params: Query[BackorderQueueParams]) -> Json:
    """Staff: open backorders of placed orders, oldest first."""
    rows = selectors.backorder_queue(user=request.auth,
                                     include_complete=params.include_complete)
    return page(rows, params, _backorder_out,
                prepare=lambda page_rows: selectors.backorders_free_now(backorders=page_rows))


@router.post("/backorders/{backorder_id}/fill", response=responses(BackorderFillOut),
             operation_id="backorder_fill")
def backorder_fill(request: ApiRequest, backorder_id: int = Path(..., ge=1, le=MAX_ID)) -> Json:
    """Staff: assign free matching numbers to the backorder (partially or fully)."""
    filled = services.backorder_fill(user=request.auth, backorder_id=backorder_id)
    bo = selectors.backorder_queue(user=request.auth, include_complete=True).get(
        pk=backorder_id)
    (bo,) = selectors.backorders_free_now(backorders=[bo])
    return {"filled": filled, "backorder": _backorder_out(bo)}
