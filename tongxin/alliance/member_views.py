"""Pages of an in-service member (在职党员): their hours against the yearly target, their
pledges (made by the member, evaluated by the member or a manager), and their scorecard with
its evidence and objections. Seen by the member, their employer unit's people and the staff
of the area they live in (``InServiceMember.objects.visible_to``)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxin.core import audit, clock
from tongxin.core.actors import ActorRequest
from tongxin.core.errors import DomainError, Forbidden, NotFound
from tongxin.core.scoping import access
from tongxin.ui.decorators import personal_page

from . import services
from .models import CardState, InServiceMember, MemberScorecard, Objection, Pledge, PledgeState
from .policies import manages, may_object_member
from .selectors import member_cards, progress, records
from .views import _year


def _member(request: ActorRequest, member_id: int) -> InServiceMember:
    return access(
        InServiceMember.objects.visible_to(request.user).select_related("person", "unit"),
        member_id,
    )


def _back(member: InServiceMember, year: int) -> HttpResponse:
    return redirect(f"{reverse('alliance:member', args=[member.pk])}?year={year}")


def _refused(request: ActorRequest, exc: DomainError) -> None:
    if isinstance(exc, NotFound | Forbidden):
        raise exc
    messages.error(request, exc.message)


@personal_page
def member(request: ActorRequest, member_id: int) -> HttpResponse:
    user = request.user
    m = _member(request, member_id)
    year = _year(request)
    start, end = progress.period_of(year)
    hours = records.hours_by_person([m.person_id], start, end).get(m.person_id, Decimal(0))
    card = member_cards.card_of(m, year)
    stored = MemberScorecard.objects.visible_to(user).filter(member=m, year=year).first()
    alliance = member_cards.alliances_of([m]).get(m.pk)
    target = Decimal(alliance.hours_target if alliance else 50)
    is_self = getattr(user, "person_id", None) == m.person_id
    is_manager = bool(alliance and manages(user, alliance))
    open_ = bool(
        stored
        and stored.state == CardState.PUBLISHED
        and stored.publish_until
        and clock.today() <= stored.publish_until
    )
    audit.record(actor=user, action="in_service.view", obj=m, subject_person_id=m.person_id)
    return render(
        request,
        "alliance/member.html",
        {
            "m": m,
            "year": year,
            "hours": hours,
            "target": target,
            "percent": min(100, int(hours * 100 / target)) if target else 0,
            "pledges": list(
                Pledge.objects.visible_to(user).filter(member=m, year=year).order_by("id")
            ),
            "card": card,
            "stored": stored,
            "objections": list(stored.objections.order_by("created_at")) if stored else [],
            "may_object": open_ and bool(alliance and may_object_member(user, m, alliance)),
            "object_url": f"{reverse('alliance:member_object', args=[m.pk])}?year={year}",
            "may_pledge": is_self or is_manager,
            "manager": is_manager,
            "formula_note": _("总分 = 服务时长 + 承诺践诺 + 报到加分 − 未兑现扣分"),
        },
    )


@personal_page
@require_POST
def pledges(request: ActorRequest, member_id: int) -> HttpResponse:
    """The member's pledges for the year, one per line (2 to 5)."""
    m = _member(request, member_id)
    year = _year(request)
    texts = request.POST.get("texts", "").splitlines()
    try:
        services.pledges_make(actor=request.user, member=m, year=year, texts=texts)
        messages.success(request, _("承诺已保存"))
    except DomainError as exc:
        _refused(request, exc)
    return _back(m, year)


@personal_page
@require_POST
def pledge_evaluate(request: ActorRequest, member_id: int, pledge_id: int) -> HttpResponse:
    m = _member(request, member_id)
    p = access(Pledge.objects.visible_to(request.user).filter(member=m), pledge_id)
    delivered = request.POST.get("outcome") == PledgeState.DELIVERED
    try:
        services.pledge_evaluate(
            actor=request.user,
            pledge=p,
            delivered=delivered,
            explanation=request.POST.get("explanation", ""),
        )
        messages.success(request, _("已记录"))
    except DomainError as exc:
        _refused(request, exc)
    return _back(m, p.year)


@personal_page
@require_POST
def object_to(request: ActorRequest, member_id: int) -> HttpResponse:
    m = _member(request, member_id)
    year = _year(request)
    if str(request.POST.get("year", "")).isdigit():
        year = int(request.POST["year"])
    card = MemberScorecard.objects.visible_to(request.user).filter(member=m, year=year).first()
    if card is None:
        raise NotFound()
    try:
        services.objection_raise(
            actor=request.user, scorecard=card, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("异议已提交，等待答复"))
    except DomainError as exc:
        _refused(request, exc)
    return _back(m, year)


@personal_page
@require_POST
def answer(request: ActorRequest, objection_id: int) -> HttpResponse:
    """A manager answers an objection to a unit's or a member's card."""
    o = access(
        Objection.objects.visible_to(request.user).select_related(
            "scorecard__membership__alliance", "member_card__alliance"
        ),
        objection_id,
    )
    try:
        services.objection_answer(
            actor=request.user, objection=o, answer=request.POST.get("answer", "")
        )
        messages.success(request, _("答复已保存"))
    except DomainError as exc:
        _refused(request, exc)
    if o.member_card_id and o.member_card:
        return _back(o.member_card.member, o.member_card.year)
    card = o.scorecard
    assert card is not None
    return redirect(f"{reverse('alliance:scorecard', args=[card.membership_id])}?year={card.year}")
