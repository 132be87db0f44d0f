"""Pages of the co-building alliance: the board, a unit's own page for its liaison, the
scorecards with their evidence, the printable agreement, the export. Thin: parse, authorise,
call, render."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxin.core import audit, clock, csvsafe
from tongxin.core.actors import ActorRequest
from tongxin.core.errors import DomainError, Forbidden, NotFound
from tongxin.core.scoping import access
from tongxin.ui.decorators import personal_page
from tongxin.ui.paging import paginate

from . import printing, selectors, services
from .models import (
    Agreement,
    Alliance,
    InServiceMember,
    Membership,
    Pledge,
    Scorecard,
    Suggestion,
)
from .policies import manages, may_object
from .selectors import member_cards, progress, records


def _year(request: ActorRequest) -> int:
    today = clock.today()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        return today.year
    return year if 2000 <= year <= today.year + 1 else today.year


@personal_page
def board(request: ActorRequest) -> HttpResponse:
    """The alliance board: its units with their agreements, this year's 六个一 and projects
    (managers); a unit's people see their own unit."""
    user = request.user
    alliances = list(Alliance.objects.visible_to(user))
    year = _year(request)
    if not alliances:
        return render(request, "alliance/board.html", {"alliance": None, "year": year})
    chosen = alliances[0]
    wanted = request.GET.get("alliance")
    if wanted:
        chosen = next((a for a in alliances if str(a.pk) == wanted), None) or alliances[0]
    is_manager = manages(user, chosen)
    units = list(selectors.memberships_for(user).filter(alliance=chosen))
    if not is_manager and len(units) == 1:
        return redirect("alliance:unit", units[0].pk)
    agreements = {
        p.agreement.membership_id: p
        for p in progress.of_agreements(
            Agreement.objects.visible_to(user)
            .filter(membership__in=units, year=year)
            .select_related("membership__unit")
        )
    }
    rows = [(m, agreements.get(m.pk)) for m in units]
    context: dict[str, Any] = {
        "alliance": chosen,
        "alliances": alliances,
        "year": year,
        "rows": rows,
        "manager": is_manager,
        "signed": sum(1 for _m, p in rows if p and p.agreement.signed_on),
    }
    if is_manager:
        from .selectors import six

        start, end = progress.period_of(year)
        ids = [m.unit_id for m in units]
        context["six"] = six.compute(chosen, year)
        done = records.projects(ids, start, end)
        names = {m.unit_id: m.unit.name for m in units}
        context["projects"] = sorted(
            ((names[uid], r) for uid, rs in done.items() for r in rs),
            key=lambda x: x[1].day,
            reverse=True,
        )[:20]
    return render(request, "alliance/board.html", context)


@personal_page
def unit(request: ActorRequest, membership_id: int) -> HttpResponse:
    """A unit's own page: its commitments and what is still due, its in-service members with
    their hours against the yearly target, and their pledges."""
    user = request.user
    m = selectors.membership_for(user, membership_id)
    year = _year(request)
    agreement = Agreement.objects.visible_to(user).filter(membership=m, year=year).first()
    prog = progress.of_agreement(agreement) if agreement else None
    members = list(
        InServiceMember.objects.visible_to(user)
        .filter(unit_id=m.unit_id)
        .select_related("person")
        .order_by("person__name", "id")
    )
    start, end = progress.period_of(year)
    got = records.hours_by_person([x.person_id for x in members], start, end)
    target = Decimal(m.alliance.hours_target)
    pledges: dict[int, list[Pledge]] = {}
    for p in Pledge.objects.visible_to(user).filter(member__in=members, year=year):
        pledges.setdefault(p.member_id, []).append(p)
    member_rows = [
        {
            "member": x,
            "hours": got.get(x.person_id, Decimal(0)),
            "percent": min(100, int(got.get(x.person_id, Decimal(0)) * 100 / target))
            if target
            else 0,
            "pledges": pledges.get(x.pk, []),
        }
        for x in members
    ]
    return render(
        request,
        "alliance/unit.html",
        {
            "m": m,
            "year": year,
            "agreement": agreement,
            "progress": prog,
            "members": paginate(request, member_rows),
            "target": target,
            "manager": manages(user, m.alliance),
            "may_suggest": may_object(user, m),
            "suggestions": list(
                Suggestion.objects.visible_to(user)
                .filter(membership=m)
                .order_by("-made_on", "-id")[:30]
            ),
            "today": clock.today(),
        },
    )


@personal_page
def scorecard(request: ActorRequest, membership_id: int) -> HttpResponse:
    """A unit's scorecard with every item's evidence, its objections, and (in the
    publication window) the form to object."""
    user = request.user
    m = selectors.membership_for(user, membership_id)
    year = _year(request)
    body = selectors.scorecard_of(m, year)
    stored = Scorecard.objects.visible_to(user).filter(membership=m, year=year).first()
    objections = list(stored.objections.order_by("created_at")) if stored else []
    open_ = bool(
        stored
        and stored.state == "published"
        and stored.publish_until
        and clock.today() <= stored.publish_until
    )
    return render(
        request,
        "alliance/scorecard.html",
        {
            "m": m,
            "year": year,
            "card": body,
            "stored": stored,
            "objections": objections,
            "may_object": open_ and may_object(user, m),
            "object_url": f"{reverse('alliance:object', args=[m.pk])}?year={year}",
            "manager": manages(user, m.alliance),
            "formula_note": _("总分 = 平时 × 50% + 年度 × 50% + 加分 − 扣分"),
        },
    )


@personal_page
@require_POST
def object_to(request: ActorRequest, membership_id: int) -> HttpResponse:
    user = request.user
    m = selectors.membership_for(user, membership_id)
    year = _year(request)
    card = Scorecard.objects.visible_to(user).filter(membership=m, year=year).first()
    if card is None:
        raise NotFound()
    try:
        services.objection_raise(actor=user, scorecard=card, reason=request.POST.get("reason", ""))
        messages.success(request, _("异议已提交，等待答复"))
    except DomainError as exc:
        if isinstance(exc, NotFound | Forbidden):
            raise
        messages.error(request, exc.message)
    return redirect(f"{reverse('alliance:scorecard', args=[m.pk])}?year={year}")


@personal_page
@require_POST
def cards_act(request: ActorRequest, alliance_id: int, card_act: str) -> HttpResponse:
    """A manager computes, publishes or finalises the year's scorecards."""
    user = request.user
    alliance = access(Alliance.objects.visible_to(user), alliance_id)
    year = _year(request)
    acts = {
        "compute": services.scorecards_compute,
        "publish": services.scorecards_publish,
        "finalize": services.scorecards_finalize,
    }
    if card_act not in acts:
        raise NotFound()
    try:
        acts[card_act](actor=user, alliance=alliance, year=year)
        messages.success(request, _("成绩单已更新"))
    except DomainError as exc:
        if isinstance(exc, NotFound | Forbidden):
            raise
        messages.error(request, exc.message)
    return redirect(f"{reverse('alliance:cards', args=[alliance.pk])}?year={year}")


@personal_page
def cards(request: ActorRequest, alliance_id: int) -> HttpResponse:
    """The alliance's scorecards for a year, best first, each opening its evidence."""
    user = request.user
    alliance = access(Alliance.objects.visible_to(user), alliance_id)
    year = _year(request)
    units = list(selectors.memberships_for(user).filter(alliance=alliance))
    rows = _card_rows(alliance, units, year)
    return render(
        request,
        "alliance/cards.html",
        {
            "alliance": alliance,
            "year": year,
            "rows": paginate(request, rows),
            "members": member_cards.rows_of(alliance, year) if manages(user, alliance) else [],
            "manager": manages(user, alliance),
        },
    )


def _card_rows(alliance: Alliance, units: list[Membership], year: int) -> list[dict[str, Any]]:
    """Each unit's card (stored when published, else live), best first."""
    from .selectors import cards as card_selectors

    stored = {
        s.membership_id: s
        for s in Scorecard.objects.filter(membership__in=units, year=year).exclude(state="draft")
    }
    live = {
        c.membership.pk: c.result
        for c in card_selectors.compute(alliance, [m for m in units if m.pk not in stored], year)
    }
    rows = []
    for m in units:
        if m.pk in stored:
            s = stored[m.pk]
            rows.append(
                {"m": m, "total": s.total, "grade": s.grade, "state": s.get_state_display()}
            )
        else:
            r = live[m.pk]
            rows.append({"m": m, "total": r.total, "grade": r.grade, "state": _("草稿")})
    rows.sort(key=lambda r: (-r["total"], r["m"].unit.name))
    return rows


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@personal_page
def cards_export(request: ActorRequest, alliance_id: int) -> HttpResponse:
    """The year's scorecards as an Excel workbook (the units, and the in-service members the
    alliance scores), for the alliance's managers."""
    user = request.user
    alliance = access(Alliance.objects.visible_to(user), alliance_id)
    if not manages(user, alliance):
        raise Forbidden(_("只有联盟所在地的管理人员可以导出"))
    year = _year(request)
    units = list(selectors.memberships_for(user).filter(alliance=alliance))
    rows = [
        [r["m"].unit.name, r["m"].unit.get_kind_display(), year, r["total"], r["grade"], r["state"]]
        for r in _card_rows(alliance, units, year)
    ]
    members = [
        [r["member"].person.name, r["member"].unit.name, year, r["total"], r["grade"], r["state"]]
        for r in member_cards.rows_of(alliance, year)
    ]
    audit.record(
        actor=user,
        action="scorecard.export",
        obj=alliance,
        detail={"year": year, "rows": len(rows), "members": len(members)},
    )
    body = csvsafe.to_xlsx(
        [
            (
                _("成员单位成绩单"),
                [_("单位"), _("类型"), _("年度"), _("总分"), _("等次"), _("状态")],
                rows,
            ),
            (
                _("在职党员成绩单"),
                [_("姓名"), _("工作单位"), _("年度"), _("总分"), _("等次"), _("状态")],
                members,
            ),
        ]
    )
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="scorecards-{year}.xlsx"'
    return response


@personal_page
def agreement(request: ActorRequest, agreement_id: int) -> HttpResponse:
    """The agreement as a printable page (the browser's print), with a PDF link."""
    a = access(
        Agreement.objects.visible_to(request.user).select_related(
            "membership__unit", "membership__alliance", "membership__party_org"
        ),
        agreement_id,
    )
    return render(request, "alliance/agreement.html", printing.context(a))


@personal_page
def agreement_pdf(request: ActorRequest, agreement_id: int) -> HttpResponse:
    a = access(
        Agreement.objects.visible_to(request.user).select_related(
            "membership__unit", "membership__alliance", "membership__party_org"
        ),
        agreement_id,
    )
    pdf = printing.agreement_pdf(a)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="agreement-{a.pk}.pdf"'
    return response
