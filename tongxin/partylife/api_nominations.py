"""API of 评先评优 (``/api/v1/party/nominations``): the lists the caller may see, one list,
the candidates of a title ranked by their cards with the reasons that bar some, a
nomination, the list's acts (submit, approve, return, finalize), objections in its publicity
window and their answers. Thin: parse, authorise, call a service or a selector, answer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from tongxin.core.api_support import caller
from tongxin.core.errors import ValidationFailed
from tongxin.core.i18n import lazy_str
from tongxin.core.scoping import access

from . import nominations
from .api import officer_org, year_of
from .models import HonourTitle, NominationList
from .schemas import (
    AnswerIn,
    CandidateOut,
    NominateIn,
    NominationActIn,
    NominationListOut,
    ObjectionIn,
    ObjectionOut,
)
from .selectors import nominations as sel

router = Router(tags=["party"])


@router.get(
    "/party/nominations", response=list[NominationListOut], summary=lazy_str("评先评优推荐名单")
)
def list_nominations(request: HttpRequest, year: int | None = None) -> Any:
    """The nomination lists the caller may see in ``year``: a branch's officers their
    branch's (every state), the committee's all under it, a party member only the published
    (and final) lists of their organisation and those above it."""
    user = caller(request)
    return [sel.list_body(nl, user) for nl in sel.visible_lists(user, year_of(year))]


@router.get(
    "/party/nominations/candidates",
    response=list[CandidateOut],
    summary=lazy_str("评先评优候选"),
)
def nomination_candidates(
    request: HttpRequest, organisation_id: int, title: str, year: int | None = None
) -> Any:
    """The candidates of ``title`` the organisation may nominate, best card first, each with
    ``eligible`` and the ``reasons`` that bar it. Officers over the organisation only."""
    org = officer_org(request, organisation_id)
    if title not in HonourTitle.values:
        raise ValidationFailed(
            _("请选择表彰类别"), fields=[{"field": "title", "reason": _("类别不正确")}]
        )
    return [c.as_dict() for c in sel.candidates(org, year_of(year), title)]


@router.get(
    "/party/nominations/{list_id}", response=NominationListOut, summary=lazy_str("推荐名单")
)
def get_nomination_list(request: HttpRequest, list_id: int) -> Any:
    user = caller(request)
    return sel.list_body(access(NominationList.objects.visible_to(user), list_id), user)


@router.post(
    "/party/nominations/organisations/{organisation_id}",
    response={201: NominationListOut},
    summary=lazy_str("推荐评先评优对象"),
)
def create_nomination(request: HttpRequest, organisation_id: int, payload: NominateIn) -> Any:
    """Nominate a member (or, by the committee, a branch) onto the organisation's list of the
    year and occasion: 422 ``NOT_ELIGIBLE`` with the reasons, 422
    ``NOMINATION_QUOTA_EXCEEDED``, 409 ``NOMINATION_LOCKED``."""
    user = caller(request)
    org = officer_org(request, organisation_id)
    n = nominations.nominate(
        actor=user,
        organisation=org,
        year=year_of(payload.year),
        occasion=payload.occasion,
        title=payload.title,
        subject_id=payload.subject_id,
        deeds=payload.deeds,
    )
    return Status(201, sel.list_body(n.nomination_list, user))


@router.post(
    "/party/nominations/{list_id}/act",
    response=NominationListOut,
    summary=lazy_str("推荐名单办理"),
)
def act_on_nominations(request: HttpRequest, list_id: int, payload: NominationActIn) -> Any:
    """``submit`` (the list's officers), ``approve`` or ``return`` with a ``note`` (the
    superior organisation: approval publishes it for its window), ``finalize`` (the
    superior, once the window has passed and every objection is answered)."""
    user = caller(request)
    act = payload.act
    if act == "submit":
        nl = nominations.submit(actor=user, list_id=list_id)
    elif act in ("approve", "return"):
        nl = nominations.review(
            actor=user, list_id=list_id, approve=act == "approve", note=payload.note
        )
    elif act == "finalize":
        nl = nominations.finalize(actor=user, list_id=list_id)
    else:
        raise ValidationFailed(
            _("未知的操作"),
            fields=[{"field": "act", "reason": _("应为 submit、approve、return 或 finalize")}],
        )
    return sel.list_body(nl, user)


@router.post(
    "/party/nominations/{list_id}/objections",
    response={201: ObjectionOut},
    summary=lazy_str("对推荐名单提出异议"),
)
def object_to_nominations(request: HttpRequest, list_id: int, payload: ObjectionIn) -> Any:
    """An objection within the publicity window (409 ``SCORECARD_NOT_OPEN`` outside it)."""
    o = nominations.object_to(actor=caller(request), list_id=list_id, reason=payload.reason)
    return Status(201, {"id": o.pk, "reason": o.reason, "answer": o.answer, "answered": False})


@router.post(
    "/party/nominations/objections/{objection_id}/answer",
    response=ObjectionOut,
    summary=lazy_str("答复推荐名单异议"),
)
def answer_nomination_objection(request: HttpRequest, objection_id: int, payload: AnswerIn) -> Any:
    o = nominations.answer(actor=caller(request), objection_id=objection_id, text=payload.answer)
    return {"id": o.pk, "reason": o.reason, "answer": o.answer, "answered": True}
