"""More pages of party life: the organisation's fixed day of 主题党日, its record book
(会议记录本, printed and exported), its 党员中心户 with their 1+10+N links, and the 评先评优
list behind the 1 July commendations. Thin: parse, authorise, call, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxin.core import audit, csvsafe, pdf
from tongxin.core.actors import ActorRequest
from tongxin.core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from tongxin.ui.decorators import personal_page
from tongxin.ui.paging import paginate

from . import centres, services
from .printing import STYLESHEET
from .selectors import board as board_selectors
from .selectors import books
from .views import _int, _officer_org, _year

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _soft(request: ActorRequest, exc: DomainError) -> None:
    """A refusal the user can correct is a message on the page; out of sight stays 404/403."""
    if isinstance(exc, NotFound | Forbidden):
        raise exc
    messages.error(request, exc.message)


@personal_page
@require_POST
def fixed_day(request: ActorRequest, organisation_id: int) -> HttpResponse:
    """The branch fixes the day of the month of its 主题党日 (empty: its level's default)."""
    org = _officer_org(request, organisation_id)
    raw = request.POST.get("day", "").strip()
    day = _int(raw)
    try:
        if raw and day is None:
            raise ValidationFailed(_("固定日应为 1 至 31 日"))
        services.fixed_day_set(
            actor=request.user,
            organisation=org,
            kind=request.POST.get("kind", "theme_day"),
            day=day,
        )
        messages.success(request, _("固定日已更新"))
    except DomainError as exc:
        _soft(request, exc)
    return redirect("partylife:board", org.pk)


# ------------------------------------------------------------------------ 会议记录本


@personal_page
def book_pdf(request: ActorRequest, organisation_id: int) -> HttpResponse:
    """The year's record book, printed to file (PDF through ``core.pdf``)."""
    return _book(request, organisation_id, "pdf")


@personal_page
def book_xlsx(request: ActorRequest, organisation_id: int) -> HttpResponse:
    """The year's record book as a workbook (``core.csvsafe``), with the cadence sheet."""
    return _book(request, organisation_id, "xlsx")


def _book(request: ActorRequest, organisation_id: int, fmt: str) -> HttpResponse:
    org = _officer_org(request, organisation_id)
    year = _year(request)
    entries = books.record_book(org, year)
    audit.record(
        actor=request.user,
        action=f"partylife.book.{fmt}",
        obj=org,
        detail={"year": year, "rows": len(entries)},
    )
    if fmt == "xlsx":
        body = csvsafe.to_xlsx(
            [
                (_("会议记录本"), books.book_header(), books.book_rows(entries)),
                (
                    _("落实情况"),
                    [_("类型"), _("应开"), _("已开"), _("缺期")],
                    books.cadence_rows(org, year),
                ),
            ]
        )
        response = HttpResponse(body, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="book-{org.pk}-{year}.xlsx"'
        return response
    html = render_to_string(
        "partylife/book_print.html",
        {"org": org, "year": year, "entries": entries, "lives": books.cadence_rows(org, year)},
    )
    response = HttpResponse(
        pdf.render(html, stylesheets=[STYLESHEET]), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="book-{org.pk}-{year}.pdf"'
    return response


# ------------------------------------------------------------------------ 党员中心户


@personal_page
def centre_list(request: ActorRequest, organisation_id: int) -> HttpResponse:
    """The organisation's centre households, each with the members it links and the
    households it serves; officers add and end links (phone-first)."""
    org = _officer_org(request, organisation_id)
    if request.method == "POST":
        try:
            if request.POST.get("act") == "unlink":
                centres.centre_unlink(actor=request.user, link_id=request.POST.get("link"))
                messages.success(request, _("已结束联系"))
            else:
                centres.centre_link(
                    actor=request.user,
                    centre_id=request.POST.get("centre"),
                    person_id=_int(request.POST.get("person")),
                    household_code=request.POST.get("household", ""),
                )
                messages.success(request, _("已加入联系名单"))
        except DomainError as exc:
            _soft(request, exc)
        return redirect("partylife:centres", org.pk)
    return render(
        request,
        "partylife/centres.html",
        {
            "org": org,
            "centres": paginate(request, centres.centres_of(request.user, org)),
            "members": services.members_of(org),
            "about": centres.MEMBERS_ABOUT,
        },
    )


# ------------------------------------------------------------------------ 评先评优


@personal_page
def honours(request: ActorRequest) -> HttpResponse:
    """The 评先评优 candidates of a year among the cards the officer may see (the 1 July
    commendations); ``?format=xlsx`` exports them."""
    if not board_selectors.my_party_orgs(request.user):
        raise NotFound()
    year = _year(request)
    rows = books.honours(request.user, year)
    if request.GET.get("format") == "xlsx":
        audit.record(
            actor=request.user,
            action="partylife.honours.export",
            detail={"year": year, "rows": len(rows)},
        )
        body = csvsafe.to_xlsx(
            [
                (
                    str(year),
                    [_("表彰类别"), _("对象"), _("总分"), _("星级"), _("依据")],
                    [[h.title, h.subject, h.total, h.stars, h.basis] for h in rows],
                )
            ]
        )
        response = HttpResponse(body, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="honours-{year}.xlsx"'
        return response
    return render(request, "partylife/honours.html", {"year": year, "rows": rows})
