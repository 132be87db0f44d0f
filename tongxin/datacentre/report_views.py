"""The monthly report's pages: choose a community or street and a month, read the report,
download it as PDF or Excel. For the dashboards' viewers (``may_view_dashboards``), for the
places the dashboards offer them (``stats_place``: their own and those above them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from tongxin.core.actors import ActorRequest
from tongxin.core.errors import DomainError, Forbidden
from tongxin.places.models import Place
from tongxin.ui.decorators import personal_page

from . import auditing, report_files, selectors
from . import report as reports
from .policies import may_view_dashboards
from .views import place_choices


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) <= 12 else None


class Choice:
    """The place and month asked for, or the error to show instead."""

    def __init__(self, request: ActorRequest) -> None:
        user = request.user
        if not may_view_dashboards(user):
            raise Forbidden(_("数据中心供社区及以上的工作人员使用"))
        g = request.GET
        self.places = [p for p in place_choices(user) if p.kind in reports.LEVELS]
        self.months = reports.recent_months()
        self.error = ""
        self.place: Place | None = None
        self.month: dt.date | None = None
        level = g.get("level") or None
        try:
            if level is not None and level not in reports.LEVELS:
                raise selectors.problem("level", _("应为 community 或 street"))
            place = selectors.stats_place(user, level=level, place_id=_int(g.get("place")))
            if place.kind not in reports.LEVELS:
                if _int(g.get("place")) is not None or not self.places:
                    raise selectors.problem("place", _("月度报告按社区或街道生成"))
                place = self.places[0]  # a district's viewer: the first street they may pick
            self.place = place
            self.month = reports.parse_month(g.get("month"))
        except DomainError as exc:
            self.error = exc.message

    def query(self) -> str:
        from urllib.parse import urlencode

        assert self.place is not None and self.month is not None
        return urlencode({"place": self.place.pk, "month": f"{self.month:%Y-%m}"})


def _page(request: ActorRequest, c: Choice, status: int = 200, **extra: Any) -> HttpResponse:
    return render(
        request,
        "datacentre/report.html",
        {"c": c, "q": c.query() if c.place and c.month else "", **extra},
        status=status,
    )


@personal_page
def report_page(request: ActorRequest) -> HttpResponse:
    c = Choice(request)
    if c.error:
        return _page(request, c, status=400)
    assert c.place is not None and c.month is not None
    built = reports.build(c.place, c.month, with_charts=False)
    if not built.empty:
        built.charts = reports.draw_charts(built, ink="currentColor")
    return _page(request, c, **report_files.context(built))


def _file(request: ActorRequest, fmt: str) -> HttpResponse:
    c = Choice(request)
    if c.error:
        return _page(request, c, status=400)
    assert c.place is not None and c.month is not None
    built = reports.build(c.place, c.month)
    if built.empty:
        # Nothing to print: the page says so (the link was an old one, or typed).
        return _page(request, c, status=404, **report_files.context(built))
    if fmt == "pdf":
        response = HttpResponse(report_files.pdf_bytes(built), content_type="application/pdf")
    else:
        response = HttpResponse(report_files.xlsx_bytes(built), content_type=report_files.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{report_files.filename(built, fmt)}"'
    auditing.report_downloaded(request.user, place=c.place, month=c.month, fmt=fmt)
    return response


@personal_page
def report_pdf(request: ActorRequest) -> HttpResponse:
    return _file(request, "pdf")


@personal_page
def report_xlsx(request: ActorRequest) -> HttpResponse:
    return _file(request, "xlsx")
