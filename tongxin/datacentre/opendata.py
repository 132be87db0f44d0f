"""The open data (开放数据): what the data centre publishes to anyone, without signing in.

Aggregates only: counts of cases per street or community, per whole month, per top-level
category and in all, from the rollups (the selectors). No person, no address, no case, no
text anyone wrote; no grid (the smallest published area is the community); no rate or
average (they would reveal the counts they are made of); no month that has not ended.

Small counts are suppressed: a count of 1 to 4 (``THRESHOLD``) is published empty, and so
is a second count of the same row or column whenever one alone would let it be worked out
from the total (secondary suppression, repeated until no line has a single hidden cell).
A street is one table (the street, its communities, × the categories and the total); a
community's file is that table's rows, so the two files never give away each other's
hidden cells. Every file says so (the ``suppressed`` column, the JSON's ``suppression``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tongxin.cases.models import CaseCategory
from tongxin.core import csvsafe, ratelimit
from tongxin.core.errors import DomainError, ValidationFailed
from tongxin.places.models import Place

from . import report as reports
from . import rollups, selectors

THRESHOLD = 5
# The rollups' counts that are published: no rates, and neither "accepted" nor "open" (a
# snapshot, not a month's flow). Taken from ``rollups.COUNTS`` by name, so that a count
# renamed there fails here at import rather than publishing zeros.
_PUBLISHED = frozenset(
    {"received", "resolved", "on_time", "reopened", "overdue", "followed_up", "satisfied"}
)
FIGURES = tuple(name for name in rollups.COUNTS if name in _PUBLISHED)
if len(FIGURES) != len(_PUBLISHED):
    raise ImportError(f"open data figures missing from rollups.COUNTS: {_PUBLISHED - set(FIGURES)}")
DEFAULT_MONTHS = 12
MAX_MONTHS = 24
ALL = "all"  # the category key of the row over every category


def roots() -> dict[str, tuple[str, str]]:
    """Each category's code → its top-level category (code, name)."""
    rows = {
        code: (name, parent)
        for code, name, parent in CaseCategory.objects.values_list("code", "name", "parent__code")
    }
    out = {}
    for code in rows:
        top = code
        for _depth in range(10):
            parent = rows[top][1]
            if parent is None or parent not in rows:
                break
            top = parent
        out[code] = (top, rows[top][0])
    return out


def _figures(row: dict[str, Any]) -> dict[str, int]:
    return {k: int(row[k] or 0) for k in FIGURES}


def _place_rows(
    place: Place, month: dt.date, top: dict[str, tuple[str, str]]
) -> dict[str, dict[str, int]]:
    """One place's month: category key → figures, with ``ALL``."""
    end = reports.month_end(month)
    out: dict[str, dict[str, int]] = {ALL: _figures(selectors.case_totals(place, month, end))}
    for row in selectors.case_stats(place, month, end, by="category"):
        key = top.get(row["category"], (row["category"], row["label"]))[0]
        cell = out.setdefault(key, dict.fromkeys(FIGURES, 0))
        for k in FIGURES:
            cell[k] += int(row[k] or 0)
    return out


def suppress(grid: dict[tuple[int, str], int], rows: list[int], cols: list[str]) -> set[Any]:
    """The cells of one figure's table to hide: 1 … THRESHOLD-1, then, in every row and every
    column holding exactly one hidden cell, the smallest other (a non-zero one first), until
    none is left alone. ``rows[-1]`` is the total row, ``cols[-1]`` the total column."""
    hidden = {key for key, v in grid.items() if 0 < v < THRESHOLD}
    lines = [[(r, c) for c in cols] for r in rows] + [[(r, c) for r in rows] for c in cols]
    changed = True
    while changed:
        changed = False
        for line in lines:
            cells = [k for k in line if k in grid]
            if sum(k in hidden for k in cells) != 1:
                continue
            others = [k for k in cells if k not in hidden]
            if not others:
                continue
            pick = min(others, key=lambda k: (grid[k] == 0, grid[k]))
            hidden.add(pick)
            changed = True
    return hidden


@dataclass
class Row:
    month: dt.date
    place: Place
    category: str
    category_name: str
    figures: dict[str, int | None]
    suppressed: list[str]


def street_table(street: Place, month: dt.date, top: dict[str, tuple[str, str]]) -> list[Row]:
    """A street's (or a lone community's) month, suppressed as one table."""
    parts = list(Place.objects.filter(path__prefix=street.path, kind="community").order_by("path"))
    if street.kind == "community":
        parts = []
    places = [*parts, street]
    data = {p.pk: _place_rows(p, month, top) for p in places}
    names = {code: name for code, name in top.values()}
    cols = [*sorted({c for d in data.values() for c in d if c != ALL}), ALL]
    hidden: dict[str, set[Any]] = {}
    for figure in FIGURES:
        grid = {(p.pk, c): data[p.pk][c][figure] for p in places for c in cols if c in data[p.pk]}
        hidden[figure] = suppress(grid, [p.pk for p in places], cols)
    out = []
    for p in places:
        for c in cols:
            if c not in data[p.pk]:
                continue
            gone = [f for f in FIGURES if (p.pk, c) in hidden[f]]
            out.append(
                Row(
                    month,
                    p,
                    c,
                    _("全部类别") if c == ALL else names.get(c, c),
                    {f: None if f in gone else data[p.pk][c][f] for f in FIGURES},
                    gone,
                )
            )
    return out


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    out: list[dt.date] = []
    month = first
    while month <= last:
        out.append(month)
        month = reports.add_months(month, 1)
    return out


def _months(request: HttpRequest) -> list[dt.date]:
    g = request.GET
    last = reports.parse_month(g.get("to"))
    first = (
        reports.parse_month(g.get("from"))
        if g.get("from")
        else reports.add_months(last, 1 - DEFAULT_MONTHS)
    )
    if first > last:
        raise ValidationFailed(
            _("开始月份不能晚于结束月份"), fields=[{"field": "from", "reason": _("晚于结束月份")}]
        )
    months = months_between(first, last)
    if len(months) > MAX_MONTHS:
        raise ValidationFailed(
            _("一次最多 {n} 个月").format(n=MAX_MONTHS),
            fields=[{"field": "from", "reason": _("月份太多")}],
        )
    return months


def published_places() -> list[Place]:
    return list(Place.objects.filter(kind__in=("street", "community")).order_by("path"))


def place_of(code: str | None) -> Place:
    found = Place.objects.filter(code=(code or "")[:40], kind__in=("street", "community")).first()
    if found is None:
        raise Http404(_("没有这个街道或社区"))
    return found


def rows_for(place: Place, months: Iterable[dt.date]) -> list[Row]:
    """The published rows of ``place``: a street's whole table, or a community's rows of its
    street's table."""
    top = roots()
    table = place.at_or_above("street") or place
    out: list[Row] = []
    for month in months:
        rows = street_table(table, month, top)
        out.extend(r for r in rows if place.kind == "street" or r.place.pk == place.pk)
    return out


def dictionary() -> list[dict[str, str]]:
    """The data dictionary: every column of the CSV (and key of the JSON rows)."""
    labels = reports.labels()
    fields = [
        ("month", "YYYY-MM", _("月份（当地日历的整月）：统计这个月受理的诉求")),
        ("place_code", "text", _("街道或社区的编码")),
        ("place_name", "text", _("街道或社区的名称")),
        ("place_level", "street|community", _("层级：street 街道，community 社区")),
        ("category_code", "text", _("一级类别的编码；all 表示全部类别")),
        ("category_name", "text", _("一级类别的名称")),
    ]
    explain = {
        "received": _("当月受理的诉求件数（合并的重复诉求不计）"),
        "resolved": _("其中已办结的件数"),
        "on_time": _("其中按时办结的件数"),
        "reopened": _("其中被重新办理（重办）过的件数"),
        "overdue": _("其中超过办理时限的件数"),
        "followed_up": _("其中已回访的件数"),
        "satisfied": _("其中回访结果为满意或基本满意的件数"),
    }
    for figure in FIGURES:
        fields.append((figure, "integer|empty", f"{labels[figure]}：{explain[figure]}"))
    fields.append(
        (
            "suppressed",
            "text",
            _(
                "本行因数量过少而隐藏（留空）的字段，以空格分隔：1 至 {n} 件的数字不公布；"
                "为防止从合计反推，同行或同列再隐藏一个"
            ).format(n=THRESHOLD - 1),
        )
    )
    return [{"field": f, "type": t, "description": str(d)} for f, t, d in fields]


def suppression_note() -> str:
    return _(
        "少于 {n} 件的数字不公布（留空，见 suppressed 列）；"
        "为防止从合计反推，同行或同列另有一个数字一并隐藏。"
        "只含数量，不含任何个人信息、地址或诉求内容。"
    ).format(n=THRESHOLD)


def _record(r: Row) -> dict[str, Any]:
    return {
        "month": f"{r.month:%Y-%m}",
        "place_code": r.place.code,
        "place_name": r.place.name,
        "place_level": r.place.kind,
        "category_code": r.category,
        "category_name": r.category_name,
        **r.figures,
        "suppressed": " ".join(r.suppressed),
    }


HEADER = (
    "month",
    "place_code",
    "place_name",
    "place_level",
    "category_code",
    "category_name",
    *FIGURES,
    "suppressed",
)


def _answer(request: HttpRequest) -> tuple[Place, list[dt.date], list[Row]] | HttpResponse:
    limited = ratelimit.hit("open_data", request, key="ip")
    if not limited.allowed:
        return limited.response(request)
    place = place_of(request.GET.get("place"))
    try:
        months = _months(request)
    except DomainError as exc:
        return HttpResponse(
            json.dumps(exc.body(), ensure_ascii=False),
            status=exc.status,
            content_type="application/json; charset=utf-8",
        )
    return place, months, rows_for(place, months)


def _name(place: Place, months: list[dt.date], ext: str) -> str:
    return f"opendata-{place.code}-{months[0]:%Y%m}-{months[-1]:%Y%m}.{ext}"


ratelimit.DEFAULT_RATE_LIMITS.setdefault("open_data", "60/m")


@require_GET
def data_csv(request: HttpRequest) -> HttpResponse:
    answer = _answer(request)
    if isinstance(answer, HttpResponse):
        return answer
    place, months, rows = answer
    records = [_record(r) for r in rows]
    body = [list(HEADER), *[[rec[h] for h in HEADER] for rec in records]]
    response = HttpResponse(csvsafe.to_text(body), content_type=csvsafe.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_name(place, months, "csv")}"'
    return response


@require_GET
def data_json(request: HttpRequest) -> HttpResponse:
    answer = _answer(request)
    if isinstance(answer, HttpResponse):
        return answer
    place, months, rows = answer
    body = {
        "title": _("{place} 诉求办理开放数据").format(place=place.name),
        "place": {"code": place.code, "name": place.name, "level": place.kind},
        "months": [f"{m:%Y-%m}" for m in months],
        "suppression": {"threshold": THRESHOLD, "note": suppression_note()},
        "dictionary": dictionary(),
        "rows": [_record(r) for r in rows],
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )


@require_GET
def dictionary_csv(request: HttpRequest) -> HttpResponse:
    body = [
        ["field", "type", "description"],
        *[[d["field"], d["type"], d["description"]] for d in dictionary()],
    ]
    body.append(["", "", suppression_note()])
    response = HttpResponse(csvsafe.to_text(body), content_type=csvsafe.CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="opendata-dictionary.csv"'
    return response


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The open data's page: what it holds, the dictionary, a link per street and
    community."""
    return render(
        request,
        "datacentre/open.html",
        {
            "places": published_places(),
            "dictionary": dictionary(),
            "note": suppression_note(),
            "last": reports.last_month(),
            "first": reports.add_months(reports.last_month(), 1 - DEFAULT_MONTHS),
        },
    )
