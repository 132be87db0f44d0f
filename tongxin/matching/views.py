"""Pages of service matching, phone first: the needs (a resident's own and the community's
listed cards; the staff's board with state and overdue filters), posting a need, a need's page
with the acts the caller may do (verify, publish, dispatch with the suggestions, claim, start,
complete with time and proof, rate, close, withdraw), the wish wall with its claim button, and
a station's stock.

Thin views: parse, authorise (``personal_page`` turns ``NotFound`` into 404 and ``Forbidden``
into 403), call a service, redirect with a message; a refusal the user can act on (409, 422)
is shown as a message on the page they came from.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tongxin.core import audit, clock
from tongxin.core.actors import ActorRequest, person_of
from tongxin.core.csvsafe import safe_cell
from tongxin.core.errors import DomainError, Forbidden, NotFound
from tongxin.ui.decorators import personal_page
from tongxin.ui.paging import paginate
from tongxin.volunteering.policies import managed_communities, manages_community

from . import selectors, services
from .models import NeedKind, NeedState, Urgency, VerifyMethod
from .policies import staff_over
from .workflow import NeedAct


def _attempt(request: ActorRequest, call: Callable[[], Any], ok: str) -> bool:
    """Run a service; a refusal other than 403/404 becomes a message on the page."""
    try:
        call()
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, ok)
    return True


def _int_or_none(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        return -1  # a number nobody may use: the service refuses it with a clear message


@personal_page
def needs(request: ActorRequest) -> HttpResponse:
    """The needs the caller may see; ``state`` and ``overdue`` (claims past their contact-by
    date) filter the staff's board, ``mine`` a resident's own."""
    state = request.GET.get("state", "")
    if state not in NeedState.values:
        state = ""
    mine = request.GET.get("mine") == "1"
    qs = selectors.needs_for(request.user, state=state or None, mine=mine)
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        qs = qs.filter(state=NeedState.CLAIMED, contact_by__lt=clock.today())
    page = paginate(request, qs)
    needs = list(page.object_list)
    cards = list(zip(needs, selectors.need_cards(needs, request.user), strict=True))
    return render(
        request,
        "matching/needs.html",
        {
            "page": page,
            "cards": cards,
            "states": NeedState.choices,
            "state": state,
            "mine": mine,
            "overdue": overdue,
            "tab": "needs",
            "manages": managed_communities(request.user).exists(),
        },
    )


@personal_page
def needs_export(request: ActorRequest) -> HttpResponse:
    """The community's needs list as CSV, for its managers: the needs and how they went,
    without the residents' names or addresses (a list that leaves the system carries only
    what the meeting needs to match and close them off)."""
    community = managed_communities(request.user).order_by("path").first()
    if community is None:
        raise Forbidden(_("只有社区工作人员可以导出"))
    qs = selectors.needs_for(request.user).filter(community=community)
    rows = [
        [
            n.pk,
            n.get_kind_display(),
            n.description,
            n.get_urgency_display(),
            n.get_state_display(),
            n.round,
            _("是") if n.priority else "",
            clock.local(n.created_at).strftime("%Y-%m-%d"),
            n.claimer_label,
            n.contact_by.isoformat() if n.contact_by else "",
            n.minutes or "",
            n.rating or "",
        ]
        for n in qs
    ]
    audit.record(
        actor=request.user, action="need_export", obj=community, detail={"rows": len(rows)}
    )
    buf = io.StringIO()
    buf.write("\ufeff")  # Excel opens UTF-8 with a BOM correctly
    writer = csv.writer(buf)
    writer.writerow(
        [
            _("编号"),
            _("类别"),
            _("需求内容"),
            _("紧急程度"),
            _("状态"),
            _("轮次"),
            _("优先"),
            _("提交日期"),
            _("认领人"),
            _("联系期限"),
            _("服务时长(分钟)"),
            _("评分"),
        ]
    )
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    name = _("需求清单-{name}.csv").format(name=community.name)
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    return response


@personal_page
@require_http_methods(["GET", "POST"])
def need_new(request: ActorRequest) -> HttpResponse:
    if person_of(request.user) is None:
        raise Forbidden(_("只有登记在册的居民可以提交需求"))
    if request.method == "POST":
        try:
            need = services.need_post(
                actor=request.user,
                kind=request.POST.get("kind", ""),
                description=request.POST.get("description", ""),
                urgency=request.POST.get("urgency", Urgency.NORMAL),
            )
        except (NotFound, Forbidden):
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("需求已提交，社区核实后会发布"))
            return redirect("matching:need", need_id=need.pk)
    return render(
        request,
        "matching/need_new.html",
        {
            "kinds": NeedKind.choices,
            "urgencies": Urgency.choices,
            "form": request.POST,
            "tab": "new",
        },
    )


@personal_page
def need(request: ActorRequest, need_id: int) -> HttpResponse:
    user = request.user
    n = selectors.access_need(user, need_id)
    card = selectors.need_card(n, user, detail=True)
    suggestions = []
    if NeedAct.DISPATCH in card["acts"] and (
        staff_over(user, n.place_path) or manages_community(user, n.community)
    ):
        suggestions = selectors.suggestions(user, n)
    return render(
        request,
        "matching/need.html",
        {
            "n": n,
            "card": card,
            "suggestions": suggestions,
            "methods": VerifyMethod.choices,
            "acts": [(a, NeedAct(a).label) for a in card["acts"]],
            "tab": "needs",
        },
    )


@personal_page
@require_POST
def need_act(request: ActorRequest, need_id: int, need_act: str) -> HttpResponse:
    post = request.POST
    data: dict[str, Any] = {
        key: post[key]
        for key in ("method", "note", "reason", "proof", "comment")
        if post.get(key) not in (None, "")
    }
    for key in ("resource", "minutes", "rating", "organisation"):
        if post.get(key) not in (None, ""):
            data[key] = _int_or_none(post.get(key))
    _attempt(
        request,
        lambda: services.need_act(actor=request.user, need_id=need_id, act=need_act, data=data),
        _("已办理"),
    )
    return redirect("matching:need", need_id=need_id)


@personal_page
def wishes(request: ActorRequest) -> HttpResponse:
    campaign = _int_or_none(request.GET.get("campaign"))
    page = paginate(request, selectors.wishes_for(request.user, campaign=campaign))
    cards = [selectors.wish_card(w, request.user) for w in page.object_list]
    return render(
        request,
        "matching/wishes.html",
        {
            "page": page,
            "cards": cards,
            "campaigns": selectors.campaigns_for(request.user),
            "tab": "wishes",
        },
    )


@personal_page
@require_POST
def wish_claim(request: ActorRequest, wish_id: int) -> HttpResponse:
    _attempt(
        request,
        lambda: services.wish_claim(actor=request.user, wish_id=wish_id),
        _("认领成功，请在 7 天内联系心愿人的网格员"),
    )
    return redirect(reverse("matching:wishes"))


@personal_page
def station(request: ActorRequest, station_id: int) -> HttpResponse:
    from tongxin.core.scoping import access

    s = access(selectors.stations_for(request.user), station_id)
    return render(request, "matching/station.html", {"s": selectors.station_out(s, stock=True)})
