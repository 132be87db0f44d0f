"""Pages of volunteering: the volunteer's phone home (activities, hours, points, orders), the
activity page and the organiser's roster with its QR code, the catalogue, and the community's
volunteer, ledger and order pages with exports, the leaderboard and printable certificates.

Thin views: parse, authorise (``personal_page`` turns ``NotFound`` into 404 and ``Forbidden``
into 403), call a service, redirect with a message. A refusal the user can act on (no points,
out of stock, full) is shown as a message on the page they came from.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.shortcuts import render as django_render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tongxin.core import clock, tokens
from tongxin.core.actors import ActorRequest
from tongxin.core.csvsafe import safe_cell
from tongxin.core.errors import DomainError, Forbidden, NotFound
from tongxin.ui.decorators import personal_page
from tongxin.ui.paging import paginate

from . import selectors, services
from .api import access_activity
from .models import SKILLS, Honour, Reward, RewardOrder, Volunteer
from .policies import organises, require_manager, require_organiser
from .selectors import access_signup

TABS = {
    "home": "home",
    "register": "home",
    "activities": "activities",
    "activity": "activities",
    "roster": "activities",
    "scan": "activities",
    "rewards": "rewards",
    "volunteers": "manage",
    "ledger": "manage",
    "orders": "manage",
    "leaderboard": "board",
}


def render(request: ActorRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Django's render, with the volunteering tabs: which is current, and whether the
    community management tab is shown."""
    from .policies import managed_communities

    name = template.rsplit("/", 1)[-1].removesuffix(".html")
    context = {
        **context,
        "tab": TABS.get(name, ""),
        "manages": managed_communities(request.user).exists(),
    }
    return django_render(request, template, context)


def _person_id(request: HttpRequest) -> int | None:
    return getattr(request.user, "person_id", None)


def _back(request: HttpRequest, fallback: str) -> str:
    nxt = request.POST.get("next", "")
    return nxt if nxt.startswith("/") and not nxt.startswith("//") else fallback


def _attempt(request: HttpRequest, call: Callable[[], Any], ok: str) -> bool:
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


def _managed_community(request: ActorRequest) -> Any:
    place = selectors.access_community(request.user, None)
    require_manager(request.user, place)
    return place


# ---------------------------------------------------------------------------- the volunteer


@personal_page
def home(request: ActorRequest) -> HttpResponse:
    summary = selectors.my_summary(request.user)
    v = summary.volunteer
    upcoming = list(selectors.activities_for(request.user)[:5]) if v else []
    return render(
        request,
        "volunteering/home.html",
        {
            "s": summary,
            "v": v,
            "hours": summary.served_minutes // 60,
            "hours_rest": summary.served_minutes % 60,
            "upcoming": upcoming,
        },
    )


@personal_page
@require_http_methods(["GET", "POST"])
def register(request: ActorRequest) -> HttpResponse:
    teams = []
    if _person_id(request):
        from tongxin.orgs.models import Organisation

        from .models import community_of_path

        me: Any = getattr(request.user, "person", None)
        community = community_of_path(me.place_path)
        if community is not None:
            teams = list(
                Organisation.objects.filter(
                    kind__in=services.TEAM_KINDS, places=community
                ).order_by("name")
            )
    if request.method == "POST":
        ok = _attempt(
            request,
            lambda: services.volunteer_register(
                actor=request.user,
                skills=request.POST.getlist("skills"),
                availability=request.POST.get("availability", ""),
                team_ids=[int(t) for t in request.POST.getlist("teams") if t.isdigit()],
            ),
            _("已提交志愿者注册，请等待社区审核"),
        )
        if ok:
            return redirect("volunteering:home")
    return render(
        request,
        "volunteering/register.html",
        {"skills": SKILLS, "teams": teams, "has_person": bool(_person_id(request))},
    )


@personal_page
def activities(request: ActorRequest) -> HttpResponse:
    past = request.GET.get("past") == "1"
    page = paginate(request, selectors.activities_for(request.user, upcoming=not past))
    return render(request, "volunteering/activities.html", {"page": page, "past": past})


@personal_page
def activity(request: ActorRequest, activity_id: int) -> HttpResponse:
    from .api import activity_out

    act = access_activity(request.user, activity_id)
    data = activity_out(act, request.user)
    return render(
        request,
        "volunteering/activity.html",
        {
            "a": act,
            "d": data,
            "mine": data["my_signup"],
            "organiser": organises(request.user, act),
            "is_volunteer": selectors.my_volunteer(request.user) is not None,
        },
    )


@personal_page
@require_POST
def signup(request: ActorRequest, activity_id: int) -> HttpResponse:
    act = access_activity(request.user, activity_id)
    _attempt(
        request,
        lambda: services.activity_signup(
            actor=request.user, activity=act, bank_time=request.POST.get("bank_time") == "1"
        ),
        _("报名成功"),
    )
    return redirect("volunteering:activity", activity_id=act.pk)


@personal_page
def roster(request: ActorRequest, activity_id: int) -> HttpResponse:
    act = access_activity(request.user, activity_id)
    require_organiser(request.user, act)
    scan_url = request.build_absolute_uri(
        reverse("volunteering:scan", kwargs={"activity_id": act.pk}) + f"?t={act.checkin_token}"
    )
    return render(
        request,
        "volunteering/roster.html",
        {"a": act, "rows": selectors.roster(act), "scan_url": scan_url},
    )


@personal_page
def qr(request: ActorRequest, activity_id: int) -> HttpResponse:
    """The activity's check-in QR code (SVG), for the organiser to show or print."""
    act = access_activity(request.user, activity_id)
    require_organiser(request.user, act)
    url = request.build_absolute_uri(
        reverse("volunteering:scan", kwargs={"activity_id": act.pk}) + f"?t={act.checkin_token}"
    )
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=6, border=2)
    return HttpResponse(buf.getvalue(), content_type="image/svg+xml")


@personal_page
@require_http_methods(["GET", "POST"])
def scan(request: ActorRequest, activity_id: int) -> HttpResponse:
    """What the volunteer's phone opens from the QR code: check in, later check out."""
    act = access_activity(request.user, activity_id)
    if request.method == "POST":

        def coord(name: str) -> float | None:
            try:
                return float(request.POST.get(name, ""))
            except ValueError:
                return None

        ok = _attempt(
            request,
            lambda: services.signup_scan(
                actor=request.user,
                activity=act,
                token=request.POST.get("t", ""),
                lat=coord("lat"),
                lng=coord("lng"),
            ),
            _("签到/签退成功"),
        )
        if ok:
            return redirect("volunteering:activity", activity_id=act.pk)
    return render(request, "volunteering/scan.html", {"a": act, "token": request.GET.get("t", "")})


def _signup_action(action: str) -> Callable[..., HttpResponse]:
    labels = {
        "cancel": _("已取消报名"),
        "check_in": _("已签到"),
        "check_out": _("已签退"),
        "confirm": _("已确认时长并记入积分"),
    }

    @personal_page
    @require_POST
    def view(request: ActorRequest, signup_id: int) -> HttpResponse:
        s = access_signup(request.user, signup_id)
        user = request.user
        if action == "cancel":
            if s.volunteer.person_id != user.person_id:
                require_organiser(user, s.activity)
            call: Callable[[], Any] = lambda: services.signup_cancel(actor=user, signup=s)  # noqa: E731
        else:
            require_organiser(user, s.activity)
            if action == "check_in":
                call = lambda: services.signup_check_in(actor=user, signup=s)  # noqa: E731
            elif action == "check_out":
                call = lambda: services.signup_check_out(actor=user, signup=s)  # noqa: E731
            else:
                raw = request.POST.get("minutes", "").strip()
                minutes = int(raw) if raw.isdigit() else None
                call = lambda: services.signup_confirm(actor=user, signup=s, minutes=minutes)  # noqa: E731
        _attempt(request, call, labels[action])
        fallback = reverse("volunteering:activity", kwargs={"activity_id": s.activity_id})
        return redirect(_back(request, fallback))

    view.__name__ = f"signup_{action}"
    return view


signup_cancel = _signup_action("cancel")
signup_check_in = _signup_action("check_in")
signup_check_out = _signup_action("check_out")
signup_confirm = _signup_action("confirm")


# ---------------------------------------------------------------------------- rewards


@personal_page
def rewards(request: ActorRequest) -> HttpResponse:
    summary = selectors.my_summary(request.user, entries=0)
    items = list(selectors.rewards_for(request.user))
    # One key per rendered form: a double tap or a resent form creates one order. URL-safe
    # base64 rather than hex: a hex key can hold a run of 11 digits that reads as a mobile
    # number (the test suite's leak scanner flagged one).
    return render(
        request,
        "volunteering/rewards.html",
        {"items": items, "s": summary, "key": tokens.mint(22)},
    )


@personal_page
@require_POST
def redeem(request: ActorRequest, reward_id: int) -> HttpResponse:
    reward = Reward.objects.visible_to(request.user).filter(pk=reward_id).first()
    if reward is None:
        raise NotFound()
    result: dict[str, Any] = {}

    def call() -> None:
        result["order"], result["created"] = services.reward_redeem(
            actor=request.user, reward=reward, idempotency_key=request.POST.get("key", "")
        )

    _attempt(request, call, _("兑换成功：{name}，请到积分超市领取").format(name=reward.name))
    return redirect("volunteering:home" if result else "volunteering:rewards")


def _order_action(action: str) -> Callable[..., HttpResponse]:
    @personal_page
    @require_POST
    def view(request: ActorRequest, order_id: int) -> HttpResponse:
        order = (
            RewardOrder.objects.visible_to(request.user)
            .select_related("reward__community")
            .filter(pk=order_id)
            .first()
        )
        if order is None:
            raise NotFound()
        user = request.user
        if action == "fulfil" or order.person_id != user.person_id:
            require_manager(user, order.reward.community)
        if action == "fulfil":
            _attempt(
                request, lambda: services.order_fulfil(actor=user, order=order), _("已登记领取")
            )
        else:
            reason = request.POST.get("reason", "").strip() or _("本人取消")
            _attempt(
                request,
                lambda: services.order_cancel(actor=user, order=order, reason=reason),
                _("已取消兑换，积分已退回"),
            )
        return redirect(_back(request, reverse("volunteering:home")))

    view.__name__ = f"order_{action}"
    return view


order_cancel = _order_action("cancel")
order_fulfil = _order_action("fulfil")


# ---------------------------------------------------------------------------- the community


def _csv(name: str, header: list[str], rows: Any) -> HttpResponse:
    buf = io.StringIO()
    buf.write("\ufeff")  # Excel opens UTF-8 with a BOM correctly
    w = csv.writer(buf)
    w.writerow(header)
    for row in rows:
        w.writerow([safe_cell(v) for v in row])
    response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    return response


@personal_page
def volunteers(request: ActorRequest) -> HttpResponse:
    place = _managed_community(request)
    qs = selectors.volunteers_of(request.user, place)
    status = request.GET.get("status", "")
    if status:
        qs = qs.filter(status=status)
    return render(
        request,
        "volunteering/volunteers.html",
        {"place": place, "page": paginate(request, qs), "status": status},
    )


@personal_page
def volunteers_export(request: ActorRequest) -> HttpResponse:
    place = _managed_community(request)
    from tongxin.core import audit

    rows = [
        [
            v.person.name,
            v.get_status_display(),
            _("是") if v.is_child else "",
            v.guardian.name if v.guardian else "",
            "、".join(v.skills or []),
            v.availability,
            "、".join(t.name for t in v.teams.all()),
            clock.local(v.created_at).strftime("%Y-%m-%d"),
        ]
        for v in selectors.volunteers_of(request.user, place)
    ]
    audit.record(
        actor=request.user, action="volunteer_export", obj=place, detail={"rows": len(rows)}
    )
    return _csv(
        _("志愿者-{name}.csv").format(name=place.name),
        [
            _("姓名"),
            _("状态"),
            _("小小志愿者"),
            _("监护人"),
            _("技能"),
            _("可服务时间"),
            _("队伍"),
            _("注册日期"),
        ],
        rows,
    )


@personal_page
@require_POST
def review(request: ActorRequest, volunteer_id: int) -> HttpResponse:
    v = (
        Volunteer.objects.visible_to(request.user)
        .select_related("community")
        .filter(pk=volunteer_id)
        .first()
    )
    if v is None:
        raise NotFound()
    require_manager(request.user, v.community)
    approve = request.POST.get("approve") == "1"
    _attempt(
        request,
        lambda: services.volunteer_review(
            actor=request.user, volunteer=v, approve=approve, note=request.POST.get("note", "")
        ),
        _("已通过审核") if approve else _("已记录审核结果"),
    )
    return redirect(_back(request, reverse("volunteering:volunteers")))


@personal_page
def ledger_page(request: ActorRequest) -> HttpResponse:
    place = _managed_community(request)
    from .ledger import issuer_account, store_account

    return render(
        request,
        "volunteering/ledger.html",
        {
            "place": place,
            "page": paginate(request, selectors.transactions_for(place)),
            "issuer": issuer_account(place),
            "store": store_account(place),
        },
    )


@personal_page
def ledger_export(request: ActorRequest) -> HttpResponse:
    place = _managed_community(request)
    from tongxin.core import audit

    def rows() -> Any:
        for tx in selectors.transactions_for(place).iterator(chunk_size=500):
            for e in tx.entries.all():
                yield [
                    tx.pk,
                    clock.local(tx.created_at).strftime("%Y-%m-%d %H:%M"),
                    tx.get_kind_display(),
                    tx.reason,
                    e.account.get_kind_display(),
                    e.account.label,
                    e.account.get_unit_display(),
                    e.amount,
                    tx.corrects_id or "",
                    tx.approved_by.username if tx.approved_by else "",
                ]

    audit.record(actor=request.user, action="ledger_export", obj=place)
    return _csv(
        _("积分账本-{name}.csv").format(name=place.name),
        [
            _("记账号"),
            _("时间"),
            _("类型"),
            _("事由"),
            _("账户类型"),
            _("账户"),
            _("单位"),
            _("金额"),
            _("更正记账"),
            _("审批人"),
        ],
        rows(),
    )


@personal_page
def orders(request: ActorRequest) -> HttpResponse:
    place = _managed_community(request)
    qs = selectors.community_orders(request.user, place)
    return render(
        request, "volunteering/orders.html", {"place": place, "page": paginate(request, qs)}
    )


@personal_page
def leaderboard(request: ActorRequest) -> HttpResponse:
    place = selectors.access_community(request.user, None)
    today = clock.today()
    period = request.GET.get("period") or today.strftime("%Y-%m")
    import re

    if not re.fullmatch(r"\d{4}(-(0[1-9]|1[0-2]))?", period):
        period = today.strftime("%Y-%m")
    team = request.GET.get("team", "")
    from tongxin.orgs.models import Organisation

    teams = list(Organisation.objects.filter(kind__in=services.TEAM_KINDS, places=place))
    board = selectors.leaderboard(
        place, period=period, team_id=int(team) if team.isdigit() else None
    )
    honours = selectors.recent_honours(place)
    return render(
        request,
        "volunteering/leaderboard.html",
        {
            "place": place,
            "period": period,
            "month": today.strftime("%Y-%m"),
            "year": str(today.year),
            "board": board,
            "teams": teams,
            "team": team,
            "honours": honours,
        },
    )


@personal_page
def certificate(request: ActorRequest, honour_id: int) -> HttpResponse:
    h = (
        Honour.objects.visible_to(request.user)
        .select_related("community", "person", "organisation")
        .filter(pk=honour_id)
        .first()
    )
    if h is None:
        raise NotFound()
    return render(request, "volunteering/certificate.html", {"h": h})
