"""One way to paginate every list of the web UI (``settings.TONGXIN_PAGE_SIZE`` rows a page)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import HttpRequest

MAX_QUERY_LENGTH = 50


def paginate(request: HttpRequest, items: Any, *, param: str = "page") -> Page:
    """The requested page of ``items``; a bad or too large number gives the nearest page."""
    paginator = Paginator(items, settings.TONGXIN_PAGE_SIZE)
    return paginator.get_page(request.GET.get(param))


def search_text(request: HttpRequest, name: str = "q") -> str:
    """The search box's text, trimmed and bounded."""
    return request.GET.get(name, "").strip()[:MAX_QUERY_LENGTH]
