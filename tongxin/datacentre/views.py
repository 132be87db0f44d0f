"""The data centre's pages: the dashboard of a community, street or district (the same
filters throughout: place, period, category), the records behind every number, the exports
of every table and the big screen (大屏). Figures come from the rollups; records through the
viewer's scope."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import csvsafe
from tongxin.core.actors import Actor, ActorRequest
from tongxin.core.errors import DomainError, Forbidden
from tongxin.core.scoping import scope_for
from tongxin.places.models import Place
from tongxin.ui.decorators import personal_page

from . import auditing, charts, module_selectors, rollups, selectors
from .policies import may_view_dashboards
from .sources import SOURCES


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) <= 12 else None


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


class Filters:
    """The filters every panel, link and export of a dashboard carries."""

    def __init__(self, request: ActorRequest) -> None:
        user = request.user
        if not may_view_dashboards(user):
            raise Forbidden(_("数据中心供社区及以上的工作人员使用"))
        g = request.GET
        try:
            self.place = selectors.stats_place(
                user, level=g.get("level") or None, place_id=_int(g.get("place"))
            )
            self.day_from, self.day_to = selectors.period(_date(g.get("from")), _date(g.get("to")))
        except DomainError as exc:
            raise Http404(exc.message) from None
        codes = dict(selectors.categories())
        category = g.get("category", "")[:40]
        self.category = category if category in codes else ""
        self.category_name = codes.get(self.category, "")

    def query(self, **extra: Any) -> str:
        params = {
            "place": self.place.pk,
            "from": self.day_from.isoformat(),
            "to": self.day_to.isoformat(),
        }
        if self.category:
            params["category"] = self.category
        params.update({k: v for k, v in extra.items() if v is not None and v != ""})
        return urlencode(params)


def place_choices(user: Actor) -> list[Place]:
    """The places a viewer may pick: their own (community or above), the street and district
    over them, and the communities under a street or district of theirs."""
    paths = sorted(scope_for(user).dispatch_paths or scope_for(user).case_paths)
    own = list(Place.objects.filter(path__in=paths).order_by("path")[:20])
    found: dict[int, Place] = {}
    for place in own:
        for kind in ("district", "street"):
            above = place.at_or_above(kind)
            if above is not None:
                found[above.pk] = above
        found[place.pk] = place
        if place.kind in ("street", "district"):
            for c in Place.objects.filter(path__prefix=place.path, kind="community")[:60]:
                found[c.pk] = c
    return sorted(found.values(), key=lambda p: p.path)


LINKED = frozenset(rollups.COUNTS)


def _links(f: Filters, rows: list[dict[str, Any]], key: str | None) -> None:
    """Each figure of each row as a cell (label, value, link to its records: counts only;
    rates and averages are not lists of records). The link is ``f.query(<key>=…,
    figure=…)``, its query made once per row (a district's table has 800 rows of 14)."""
    labels = [(name, str(selectors.FIGURE_LABELS[name])) for name in selectors.TABLE_COLUMNS]
    for row in rows:
        value = row.get(key) if key else None
        if key == "day" and value is not None:
            value = value.isoformat()
        outside = key == "grid" and value is None  # cases outside every grid: no row key
        prefix = f.query(**({key: value} if key else {}))
        row["cells"] = [
            (label, row[name], f"{prefix}&figure={name}" if name in LINKED and not outside else "")
            for name, label in labels
        ]


def _shown(v: Any) -> str:
    if v is None:
        return "—"
    return str(v) if isinstance(v, int) else html.escape(str(localize(v)))


def _cells_html(rows: list[dict[str, Any]]) -> None:
    """Each row's cells as the table's HTML (``row["cells_html"]``), made here in one pass
    rather than by the template engine, which spent most of a district's page on its
    800 × 14 cells. Every part is escaped."""
    records_url = html.escape(reverse("datacentre:records"))
    labels: dict[str, str] = {}
    for row in rows:
        out = []
        for label, v, link in row["cells"]:
            attr = labels.get(label) or labels.setdefault(label, html.escape(str(label)))
            if link and v:
                cell = f'<a href="{records_url}?{html.escape(link)}">{_shown(v)}</a>'
            else:
                cell = _shown(v)
            out.append(f'<td class="num" data-label="{attr}">{cell}</td>')
        row["cells_html"] = mark_safe("".join(out))  # noqa: S308 (every part escaped)


@personal_page
def dashboard(request: ActorRequest) -> HttpResponse:
    f = Filters(request)
    code = f.category or None
    grids = selectors.case_stats(f.place, f.day_from, f.day_to, by="grid", category=code)
    cats = selectors.case_stats(f.place, f.day_from, f.day_to, by="category", category=code)
    days = selectors.case_stats(f.place, f.day_from, f.day_to, by="day", category=code)
    total = selectors.total_of(days)  # the days partition the period: one read fewer
    _links(f, grids, "grid")
    _links(f, cats, "category")
    _links(f, days, "day")
    _links(f, [total], None)
    _cells_html([*grids, *cats, *days])
    from .module_views import panels  # it builds on this module's filters

    return render(
        request,
        "datacentre/dashboard.html",
        {
            "f": f,
            "total": total,
            "funnel": total["cells"][: len(rollups.COUNTS)],
            "states": selectors.state_times(f.place, f.day_from, f.day_to, category=code).get(
                None, []
            ),
            "as_of": selectors.as_of(rollups.CASES),
            "panels": panels(f),
            "grids": grids,
            "cats": cats,
            "days": days,
            "trend_svg": charts.trend_svg(days, f.day_from, f.day_to),
            "places": place_choices(request.user),
            "categories": selectors.categories(),
            "q": f.query(),
        },
    )


@personal_page
def records(request: ActorRequest) -> HttpResponse:
    f = Filters(request)
    g = request.GET
    figure = g.get("figure", "received")
    try:
        found = selectors.case_records(
            request.user,
            f.place,
            f.day_from,
            f.day_to,
            figure=figure,
            grid=_int(g.get("grid")),
            category=f.category or None,
            day=_date(g.get("day")),
            page=_int(g.get("page")) or 1,
        )
    except DomainError as exc:
        raise Http404(exc.message) from None
    auditing.records_read(
        request.user, source="cases", figure=figure, place=f.place, found=found, via="page"
    )
    pages = max(1, -(-found.count // found.page_size))
    keep = {k: g.get(k) for k in ("grid", "day", "figure") if g.get(k)}
    return render(
        request,
        "datacentre/records.html",
        {
            "f": f,
            "found": found,
            "figure_label": selectors.FIGURE_LABELS.get(figure, figure),
            "grid": Place.objects.filter(pk=_int(g.get("grid")) or 0).first(),
            "day": _date(g.get("day")),
            "pages": pages,
            "prev": f.query(**keep, page=found.page - 1) if found.page > 1 else "",
            "next": f.query(**keep, page=found.page + 1) if found.page < pages else "",
            "back": f.query(),
        },
    )


def _table(f: Filters, by: str) -> tuple[str, list[str], list[list[Any]]]:
    rows = selectors.case_stats(f.place, f.day_from, f.day_to, by=by, category=f.category or None)
    titles = {"grid": _("按网格"), "category": _("按类别"), "day": _("按日")}
    header = [titles[by], *[str(selectors.FIGURE_LABELS[n]) for n in selectors.TABLE_COLUMNS]]
    body = [[r["label"], *[r[n] for n in selectors.TABLE_COLUMNS]] for r in rows]
    return titles[by], header, body


def _module_table(f: Filters, name: str) -> tuple[str, list[str], list[list[Any]]]:
    """A module's panel table: by its breakdown key (by grid where it has none), its
    figures then its rates, from the rollups."""
    source = SOURCES[name]
    by = "key" if source.key else "grid"
    rows = module_selectors.stats(source, f.place, f.day_from, f.day_to, by=by)
    every = [fig.name for fig in source.figures]
    names = [fig.name for fig in source.figures if not fig.seconds]
    derived = [
        k for k in module_selectors.derived(source, dict.fromkeys(every, 0)) if k not in every
    ]
    labels = {fig.name: str(fig.label) for fig in source.figures}
    labels.update({k: str(v) for k, v in module_selectors.DERIVED_LABELS.items()})
    header = [str(source.label), *[labels[k] for k in (*names, *derived)]]
    body = [[r["label"], *[r[k] for k in (*names, *derived)]] for r in rows]
    return str(source.label), header, body


@personal_page
def export(request: ActorRequest) -> HttpResponse:
    """Every table of the dashboard as CSV (one table: a case grouping or a module's name)
    or Excel (the three case tables and each module's, one sheet each)."""
    f = Filters(request)
    fmt = request.GET.get("format", "csv")
    name = f"datacentre-{f.place.pk}-{f.day_from:%Y%m%d}-{f.day_to:%Y%m%d}"
    if fmt == "xlsx":
        tables = [_table(f, by) for by in selectors.GROUPINGS]
        tables += [_module_table(f, source) for source in SOURCES]
        data = csvsafe.to_xlsx(tables)
        response = HttpResponse(
            data,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    by = request.GET.get("table", "grid")
    if by in SOURCES:
        _title, header, body = _module_table(f, by)
    elif by in selectors.GROUPINGS:
        _title, header, body = _table(f, by)
    else:
        raise Http404(_("没有这张表"))
    response = HttpResponse(csvsafe.to_text([header, *body]), content_type=csvsafe.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}-{by}.csv"'
    return response


# The big screen's second row: one figure of each module over the same period, from the
# rollups (counts and rates; nobody's name).
SCREEN_TILES = (
    ("visits", "done_rate", gettext_lazy("关爱走访完成率")),
    ("alarms", "presses", gettext_lazy("爱心铃呼叫")),
    ("alarms", "ack_minutes", gettext_lazy("平均响应（分钟）")),
    ("volunteering", "hours", gettext_lazy("志愿服务（小时）")),
    ("needs", "match_rate", gettext_lazy("微需求认领率")),
    ("wishes", "fulfilled", gettext_lazy("微心愿已圆梦")),
)


def _screen_tiles(f: Filters) -> list[dict[str, Any]]:
    totals = {
        name: module_selectors.totals(SOURCES[name], f.place, f.day_from, f.day_to)
        for name in dict.fromkeys(name for name, _key, _label in SCREEN_TILES)
    }
    return [
        {
            "label": label,
            "value": totals[name][key],
            "rate": key in module_selectors.RATES,
            "source": name,
        }
        for name, key, label in SCREEN_TILES
    ]


def _screen_context(request: ActorRequest) -> dict[str, Any]:
    f = Filters(request)
    grids = selectors.case_stats(f.place, f.day_from, f.day_to, by="grid")
    cats = selectors.case_stats(f.place, f.day_from, f.day_to, by="category")
    days = selectors.case_stats(f.place, f.day_from, f.day_to, by="day")
    total = selectors.total_of(days)
    worst = sorted(
        (g for g in grids if g["grid"] and g["resolved"]),
        key=lambda g: (g["on_time_rate"] or 0, -g["received"]),
    )[:5]
    return {
        "f": f,
        "total": total,
        "busiest": sorted(cats, key=lambda c: -c["received"])[:6],
        "worst": worst,
        "grid_count": len([g for g in grids if g["grid"]]),
        "tiles": _screen_tiles(f),
        "trend_svg": charts.trend_svg(days, f.day_from, f.day_to, big=True),
        "q": f.query(),
    }


@personal_page
def screen(request: ActorRequest) -> HttpResponse:
    """The big screen (大屏): 1920×1080, figures only (no names of people, no records), the
    figures refreshed every minute."""
    return render(request, "datacentre/screen.html", _screen_context(request))


@personal_page
def screen_figures(request: ActorRequest) -> HttpResponse:
    return render(request, "datacentre/_screen_figures.html", _screen_context(request))
