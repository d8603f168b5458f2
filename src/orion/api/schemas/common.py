"""Shared pieces: bounded ids, NUL-free text, pagination."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from django.db.models import Model, QuerySet
from ninja import Field, Schema

MAX_ID = 9_223_372_036_854_775_807  # PostgreSQL bigint: larger ids are simply not found
MAX_PAGE_SIZE = 100
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL

Id = Annotated[int, Field(ge=1, le=MAX_ID)]

M = TypeVar("M", bound=Model)

# An answer's body as a handler returns it, before ninja checks it against the response schema.
Json = dict[str, Any]


def text(max_length: int, **kwargs: Any) -> Any:
    """A string field of at most ``max_length`` characters without NUL bytes."""
    return Field(max_length=max_length, pattern=NO_NUL, **kwargs)


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE, description="Page size (at most 100).")
    offset: int = Field(0, ge=0, le=1_000_000)


def page(queryset: QuerySet[M], params: PageParams, convert: Callable[[M], object] | None = None,
         prepare: Callable[[list[M]], list[M]] | None = None) -> Json:
    """One page of ``queryset``: items, total count, limit and offset.

    ``prepare`` receives the page's rows at once (to fetch what they need in one query).
    """
    rows = list(queryset[params.offset:params.offset + params.limit])
    if prepare is not None:
        rows = prepare(rows)
    return {"items": [convert(r) for r in rows] if convert else rows,
            "count": queryset.count(), "limit": params.limit, "offset": params.offset}


class PageMeta(Schema):
    count: int
    limit: int
    offset: int
