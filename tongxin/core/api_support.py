"""What every app's API router uses: the caller of a request, and pagination.

Kept apart from ``tongxin.core.api`` (which imports every app router) so that routers and
their schemas can import it without an import cycle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Schema

from .errors import ValidationFailed


def caller(request: HttpRequest) -> Any:
    """The authenticated user of an API request (bearer token or session)."""
    return request.auth  # type: ignore[attr-defined]


class PageMeta(Schema):
    """The figures every paginated answer carries beside its ``items``."""

    count: int
    page: int
    page_size: int


@dataclass(frozen=True)
class PageSlice:
    """One page of a list: the rows on it and the figures the answer carries."""

    items: list[Any]
    count: int
    page: int
    page_size: int

    def answer(self, items: list[Any] | None = None) -> dict[str, Any]:
        """The JSON answer ``{"items", "count", "page", "page_size"}``."""
        return {
            "items": self.items if items is None else items,
            "count": self.count,
            "page": self.page,
            "page_size": self.page_size,
        }


def page_size() -> int:
    return int(getattr(settings, "TONGXIN_PAGE_SIZE", 20))


def paginate(queryset: QuerySet[Any], page: int) -> PageSlice:
    """Page ``page`` (1-based) of ``queryset``: one COUNT and one bounded SELECT.

    Page 1 always exists (possibly empty); a page below 1, or past the last page, is refused
    with 422 ``VALIDATION_FAILED`` so that a client never mistakes a bad page number for an
    empty result.
    """
    size = page_size()
    if page < 1:
        raise _bad_page("页码应为从 1 开始的整数")
    count = queryset.count()
    pages = max(1, math.ceil(count / size))
    if page > pages:
        raise _bad_page(f"页码超出范围：共 {pages} 页")
    start = (page - 1) * size
    return PageSlice(list(queryset[start : start + size]), count, page, size)


def _bad_page(reason: str) -> ValidationFailed:
    return ValidationFailed(reason, fields=[{"field": "query.page", "reason": reason}])
