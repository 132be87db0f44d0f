"""API of party life (``/api/v1/party``) and of the scorecards of every kind
(``/api/v1/scorecards``). Thin: parse, authorise, call a service or a selector, answer.
Out of sight is 404."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from tongxin.core import clock
from tongxin.core.api_support import caller
from tongxin.core.errors import NotFound, ValidationFailed
from tongxin.core.i18n import lazy_str
from tongxin.core.scoping import access
from tongxin.orgs.models import Organisation

from . import services
from .policies import oversees
from .schemas import CardOut, CardPage, LifeOut, ReviewIn, ReviewOut
from .selectors import life
from .selectors import scorecards as registry

router = Router(tags=["party"])


def year_of(year: int | None) -> int:
    year = year or clock.today().year
    if not 2000 <= year <= clock.today().year + 1:
        raise ValidationFailed(
            _("年度不正确"), fields=[{"field": "year", "reason": _("年度不正确")}]
        )
    return year


def officer_org(request: HttpRequest, organisation_id: int) -> Organisation:
    """A party organisation the caller is an officer over (404 otherwise)."""
    user = caller(request)
    org = access(Organisation.objects.visible_to(user), organisation_id)
    if not oversees(user, org):
        raise NotFound()
    return org


@router.get(
    "/party/organisations/{organisation_id}/life",
    response=LifeOut,
    summary=lazy_str("组织生活落实情况"),
)
def organisation_life(request: HttpRequest, organisation_id: int, year: int | None = None) -> Any:
    """Each kind of meeting the organisation's level requires in ``year`` (this year by
    default): ``required`` (meetings the year requires), ``held``, the ``missing`` periods
    (ended without enough) and the ``due`` one (running now). Officers of the organisation
    or above only."""
    org = officer_org(request, organisation_id)
    y = year_of(year)
    return {
        "organisation_id": org.pk,
        "name": org.name,
        "year": y,
        "kinds": [k.as_dict() for k in life.life_of(org, y)],
    }


@router.post(
    "/party/meetings/{meeting_id}/review", response=ReviewOut, summary=lazy_str("审核组织生活记录")
)
def review_meeting(request: HttpRequest, meeting_id: int, payload: ReviewIn) -> Any:
    """The superior organisation accepts a held meeting's record, or returns it for
    correction with a ``note`` (403 ``ACTION_FORBIDDEN`` for anyone else)."""
    record = services.life_review(
        actor=caller(request), meeting_id=meeting_id, accept=payload.accept, note=payload.note
    )
    return {
        "meeting_id": record.meeting_id,
        "review_state": record.review_state,
        "review_note": record.review_note,
    }


@router.get("/scorecards", response=CardPage, summary=lazy_str("成绩单列表"))
def list_scorecards(request: HttpRequest, kind: str, year: int | None = None, page: int = 1) -> Any:
    """The caller's scorecards of ``kind`` (``branch``, ``member``, ``unit``…; 400
    ``UNKNOWN_SCORECARD_KIND`` otherwise) for ``year``: a branch's officers see their
    branches and members, a party member only their own card, a unit's liaison their unit."""
    p = registry.provider(kind)
    y = year_of(year)
    if page < 1:
        raise ValidationFailed(
            _("页码不正确"), fields=[{"field": "page", "reason": _("页码不正确")}]
        )
    bodies, n = p.list(caller(request), y, page)
    return {"kind": p.code, "kind_label": p.label, "year": y, "count": n, "items": bodies}


@router.get("/scorecards/{card_id}", response=CardOut, summary=lazy_str("成绩单"))
def get_scorecard(request: HttpRequest, card_id: str) -> Any:
    """One card (``<kind>-<subject id>-<year>``, as listed): ``total``, ``stars`` and every
    item with its ``rule``, ``points`` and ``evidence`` (each a record and its link)."""
    p, subject, year = registry.parse_id(card_id)
    if not 2000 <= year <= 2100:
        raise NotFound()
    return p.get(caller(request), subject, year)
