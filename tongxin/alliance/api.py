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

from . import selectors, services
from .models import Membership, Scorecard
from .schemas import ObjectionIn, ObjectionOut, ScorecardOut, UnitPage

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
