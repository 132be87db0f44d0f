"""API of the co-building alliance (``/api/v1/alliance``). Thin: parse, authorise, call a
service or a selector, answer. A unit's liaison sees their own unit only; another unit is
404, as if it did not exist."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from tongxin.core import clock
from tongxin.core.api_support import caller, paginate
from tongxin.core.errors import NotFound, ValidationFailed
from tongxin.core.i18n import lazy_str
from tongxin.core.scoping import access

from . import selectors, services
from .models import InServiceMember, MemberScorecard, Membership, Scorecard
from .schemas import (
    MemberCardOut,
    MemberPage,
    ObjectionIn,
    ObjectionOut,
    ScorecardOut,
    UnitPage,
)
from .selectors import member_cards, progress, records

router = Router(tags=["alliance"])


def unit_out(m: Membership) -> dict[str, Any]:
    return {
        "id": m.pk,
        "alliance_id": m.alliance_id,
        "alliance": m.alliance.name,
        "unit_id": m.unit_id,
        "name": m.unit.name,
        "kind": m.unit.kind,
        "kind_label": m.unit.get_kind_display(),
        "party_org": m.party_org.name if m.party_org else None,
        "leaders": m.leaders,
        "joined_on": m.joined_on,
    }


def _year(year: int | None) -> int:
    year = year or clock.today().year
    if not 2000 <= year <= clock.today().year + 1:
        raise ValidationFailed(
            _("年度不正确"), fields=[{"field": "year", "reason": _("年度不正确")}]
        )
    return year


@router.get("/alliance/units", response=UnitPage, summary=lazy_str("联盟成员单位"))
def list_units(request: HttpRequest, page: int = 1) -> Any:
    """The member units the caller may see: a manager of the alliance's place sees every
    unit; a unit's liaison their own."""
    sl = paginate(selectors.memberships_for(caller(request)), page)
    return sl.answer([unit_out(m) for m in sl.items])


@router.get(
    "/alliance/units/{unit_id}/scorecard",
    response=ScorecardOut,
    summary=lazy_str("成员单位成绩单"),
)
def unit_scorecard(request: HttpRequest, unit_id: int, year: int | None = None) -> Any:
    """The unit's scorecard for ``year`` (this year by default): ``total``, ``grade`` and
    every item with its points and evidence. ``unit_id`` is the membership's id (as listed by
    ``/alliance/units``). Published and final cards are answered as published; drafts are
    computed live from the records."""
    m = selectors.membership_for(caller(request), unit_id)
    y = _year(year)
    body = selectors.scorecard_of(m, y)
    return {"unit_id": m.pk, "year": y, **body}


@router.post(
    "/alliance/units/{unit_id}/objections",
    response={201: ObjectionOut},
    summary=lazy_str("对成绩提出异议"),
)
def object_to_scorecard(request: HttpRequest, unit_id: int, payload: ObjectionIn) -> Any:
    """An objection to the unit's published scorecard, within its publication window (409
    ``SCORECARD_NOT_OPEN`` otherwise)."""
    user = caller(request)
    m = selectors.membership_for(user, unit_id)
    card = Scorecard.objects.visible_to(user).filter(membership=m, year=payload.year).first()
    if card is None:
        raise NotFound()
    o = services.objection_raise(actor=user, scorecard=card, reason=payload.reason)
    return Status(201, {"id": o.pk, "reason": o.reason, "answer": o.answer})


def _member(request: HttpRequest, member_id: int) -> InServiceMember:
    return access(
        InServiceMember.objects.visible_to(caller(request)).select_related("person", "unit"),
        member_id,
    )


@router.get("/alliance/members", response=MemberPage, summary=lazy_str("在职党员"))
def list_members(request: HttpRequest, page: int = 1, year: int | None = None) -> Any:
    """The in-service members the caller may see (their employer unit sees its own, the staff
    those living in their area, a member themself) with this year's service hours."""
    y = _year(year)
    qs = (
        InServiceMember.objects.visible_to(caller(request))
        .select_related("person", "unit")
        .order_by("unit_id", "person__name", "id")
    )
    sl = paginate(qs, page)
    start, end = progress.period_of(y)
    hours = records.hours_by_person([m.person_id for m in sl.items], start, end)
    return sl.answer(
        [
            {
                "id": m.pk,
                "person_id": m.person_id,
                "name": m.person.name,
                "unit_id": m.unit_id,
                "unit": m.unit.name,
                "since": m.since,
                "hours": str(hours.get(m.person_id, 0)),
            }
            for m in sl.items
        ]
    )


@router.get(
    "/alliance/members/{member_id}/scorecard",
    response=MemberCardOut,
    summary=lazy_str("在职党员成绩单"),
)
def member_scorecard(request: HttpRequest, member_id: int, year: int | None = None) -> Any:
    """The in-service member's card for ``year``: hours against the target, pledges kept,
    the 报到, each item with its evidence. 404 when the employer is in no alliance."""
    m = _member(request, member_id)
    y = _year(year)
    body = member_cards.card_of(m, y)
    if body is None:
        raise NotFound()
    return {"member_id": m.pk, "year": y, **body}


@router.post(
    "/alliance/members/{member_id}/objections",
    response={201: ObjectionOut},
    summary=lazy_str("对在职党员成绩提出异议"),
)
def object_to_member_card(request: HttpRequest, member_id: int, payload: ObjectionIn) -> Any:
    user = caller(request)
    m = _member(request, member_id)
    card = MemberScorecard.objects.visible_to(user).filter(member=m, year=payload.year).first()
    if card is None:
        raise NotFound()
    o = services.objection_raise(actor=user, scorecard=card, reason=payload.reason)
    return Status(201, {"id": o.pk, "reason": o.reason, "answer": o.answer})
