"""Writes of 评先评优 (nominations and their publicity): keyword-only, an explicit actor, each
step audited in its transaction.

A branch's officers nominate members (优秀共产党员, 优秀党务工作者), the committee's
branches (先进基层党组织), within the quota (``NominationQuota``), each nominee eligible by
its year's scorecard (the card is the nomination's evidence). The list is submitted to the
superior organisation, which returns it (with the reason) or approves it: an approved list
is published for its publicity window (``publicity``, the scorecards' one mechanism),
objections are raised and answered, and once the window has passed with every objection
answered the list is made final.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core import audit, clock
from tongxin.core.actors import Actor, as_account
from tongxin.core.errors import Code, Forbidden, ValidationFailed
from tongxin.core.scoping import access
from tongxin.orgs.models import Organisation

from . import publicity
from .defaults import NOMINATION_PUBLICITY_DAYS, NOMINATION_PUBLICITY_WORKING
from .errors import NominationLocked, NominationQuotaExceeded, NotEligible
from .models import (
    CardObjection,
    HonourTitle,
    Nomination,
    NominationList,
    NominationState,
    Occasion,
)
from .policies import require_officer
from .selectors import nominations as sel

EDITABLE = (NominationState.DRAFT, NominationState.RETURNED)


def _locked(nl: NominationList) -> None:
    if nl.state not in EDITABLE:
        raise NominationLocked(
            _("名单{state}，不能修改").format(state=nl.get_state_display()),
            context={"state": nl.state},
        )


def list_for(
    *, actor: Actor, organisation: Organisation, year: int, occasion: str
) -> NominationList:
    """The organisation's list of the year and occasion, opened on first use."""
    require_officer(actor, organisation)
    if occasion not in Occasion.values:
        raise ValidationFailed(
            _("请选择评选类别"), fields=[{"field": "occasion", "reason": _("类别不正确")}]
        )
    with transaction.atomic():
        nl, created = NominationList.objects.get_or_create(
            organisation=organisation, year=year, occasion=occasion
        )
        if created:
            audit.record(
                actor=actor,
                action="nomination.open",
                obj=nl,
                detail={"year": year, "occasion": occasion},
            )
    return nl


def nominate(
    *,
    actor: Actor,
    organisation: Organisation,
    year: int,
    occasion: str,
    title: str,
    subject_id: int,
    deeds: str = "",
) -> Nomination:
    """Nominate a member (or, for 先进基层党组织, a branch) of ``organisation``: eligible by its
    card and within the quota of ``title``. 422 ``NOT_ELIGIBLE`` with the reasons, 422
    ``NOMINATION_QUOTA_EXCEEDED``, 409 ``NOMINATION_LOCKED`` once submitted."""
    if title not in HonourTitle.values:
        raise ValidationFailed(
            _("请选择表彰类别"), fields=[{"field": "title", "reason": _("类别不正确")}]
        )
    deeds = (deeds or "").strip()
    if len(deeds) > 500:
        raise ValidationFailed(
            _("主要事迹最多 500 字"), fields=[{"field": "deeds", "reason": _("过长")}]
        )
    nl = list_for(actor=actor, organisation=organisation, year=year, occasion=occasion)
    quota = sel.quota_of(organisation, title)
    if quota == 0:
        raise NominationQuotaExceeded(
            _("本组织没有“{title}”的推荐名额").format(title=HonourTitle(title).label),
            context={"title": title, "quota": 0},
        )
    found = [c for c in sel.candidates(organisation, year, title) if c.subject_id == subject_id]
    if not found:
        raise ValidationFailed(
            _("推荐对象不在本组织的候选范围内"),
            fields=[{"field": "subject_id", "reason": _("不是本组织的候选")}],
        )
    candidate = found[0]
    if not candidate.eligible:
        raise NotEligible(
            _("{subject}不能被推荐：{reasons}").format(
                subject=candidate.subject, reasons="；".join(candidate.reasons)
            ),
            fields=[{"field": "subject_id", "reason": r} for r in candidate.reasons],
        )
    with transaction.atomic():
        nl = NominationList.objects.select_for_update().get(pk=nl.pk)
        _locked(nl)
        if candidate.nominated:
            raise ValidationFailed(
                _("{subject}已在推荐名单中").format(subject=candidate.subject),
                fields=[{"field": "subject_id", "reason": _("已推荐")}],
            )
        taken = nl.nominations.filter(title=title).count()
        if taken >= quota:
            raise NominationQuotaExceeded(
                _("“{title}”名额为 {n} 名，已推荐满").format(
                    title=HonourTitle(title).label, n=quota
                ),
                context={"title": title, "quota": quota},
            )
        assert candidate.card is not None
        subject: dict[str, Any] = (
            {"branch_id": subject_id}
            if title == HonourTitle.ADVANCED_ORG
            else {"person_id": subject_id}
        )
        n = Nomination.objects.create(
            nomination_list=nl, title=title, card=candidate.card, deeds=deeds, **subject
        )
        audit.record(
            actor=actor,
            action="nomination.add",
            obj=n,
            detail={"title": title, "subject": subject_id, "card": candidate.card.pk},
        )
    return n


def withdraw(*, actor: Actor, nomination_id: Any) -> None:
    """Take a nominee off a list still being drafted (or returned)."""
    with transaction.atomic():
        n = access(
            Nomination.objects.visible_to(actor).select_related("nomination_list__organisation"),
            nomination_id,
        )
        nl = n.nomination_list
        require_officer(actor, nl.organisation)
        _locked(nl)
        audit.record(
            actor=actor,
            action="nomination.withdraw",
            obj=nl,
            detail={"title": n.title, "subject": n.person_id or n.branch_id},
        )
        n.delete()


def _get(actor: Actor, list_id: Any) -> NominationList:
    return access(
        NominationList.objects.visible_to(actor)
        .select_related("organisation")
        .select_for_update(of=("self",)),
        list_id,
    )


def submit(*, actor: Actor, list_id: Any) -> NominationList:
    """Submit the list to the superior organisation for approval."""
    with transaction.atomic():
        nl = _get(actor, list_id)
        require_officer(actor, nl.organisation)
        _locked(nl)
        if not nl.nominations.exists():
            raise ValidationFailed(
                _("名单为空，不能报送"), fields=[{"field": "nominations", "reason": _("必填")}]
            )
        nl.state = NominationState.SUBMITTED
        nl.submitted_at = clock.now()
        nl.save(update_fields=["state", "submitted_at", "updated_at"])
        audit.record(actor=actor, action="nomination.submit", obj=nl)
    return nl


def _require_approver(actor: Actor, nl: NominationList) -> None:
    if not sel.may_approve(actor, nl.organisation):
        raise Forbidden(_("只有上级党组织可以审批"), code=Code.ACTION_FORBIDDEN)


def review(*, actor: Actor, list_id: Any, approve: bool, note: str = "") -> NominationList:
    """The superior organisation approves a submitted list — it is published at once for its
    publicity window (5 working days by default) — or returns it with the reason."""
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationFailed(_("退回须说明原因"), fields=[{"field": "note", "reason": _("必填")}])
    with transaction.atomic():
        nl = _get(actor, list_id)
        _require_approver(actor, nl)
        if nl.state != NominationState.SUBMITTED:
            raise NominationLocked(
                _("名单{state}，不能审批").format(state=nl.get_state_display()),
                context={"state": nl.state},
            )
        nl.review_note = note[:300]
        nl.reviewed_by = as_account(actor)
        nl.reviewed_at = clock.now()
        if approve:
            today = clock.today()
            nl.state = NominationState.PUBLISHED
            nl.publish_from = today
            nl.publish_until = publicity.window_end(
                today, NOMINATION_PUBLICITY_DAYS, working=NOMINATION_PUBLICITY_WORKING
            )
        else:
            nl.state = NominationState.RETURNED
        nl.save()
        audit.record(
            actor=actor,
            action="nomination.approve" if approve else "nomination.return",
            obj=nl,
            detail={"note": nl.review_note, "until": nl.publish_until},
        )
    return nl


def object_to(*, actor: Actor, list_id: Any, reason: str) -> CardObjection:
    """An objection to a published list within its window, by anyone who may see it."""
    reason = (reason or "").strip()
    with transaction.atomic():
        nl = _get(actor, list_id)
        publicity.require_open(
            nl.state == NominationState.PUBLISHED,
            nl.publish_until,
            _("名单不在公示期内，不能提出异议"),
        )
        if not reason:
            raise ValidationFailed(
                _("请填写异议理由"), fields=[{"field": "reason", "reason": _("必填")}]
            )
        obj = CardObjection.objects.create(
            nomination_list=nl, reason=reason[:500], raised_by=as_account(actor)
        )
        audit.record(actor=actor, action="nomination.object", obj=obj)
    return obj


def answer(*, actor: Actor, objection_id: Any, text: str) -> CardObjection:
    """The approving organisation's answer to an objection to a list (the scorecards' one
    ``objection_answer``)."""
    from .services import objection_answer

    objection = access(
        CardObjection.objects.visible_to(actor)
        .filter(nomination_list__isnull=False)
        .select_related("nomination_list__organisation"),
        objection_id,
    )
    return objection_answer(actor=actor, objection=objection, answer=text)


def finalize(*, actor: Actor, list_id: Any) -> NominationList:
    """Make a published list final: its window has passed and every objection is answered
    (409 ``PUBLICATION_WINDOW_OPEN`` otherwise)."""
    with transaction.atomic():
        nl = _get(actor, list_id)
        _require_approver(actor, nl)
        if nl.state != NominationState.PUBLISHED:
            raise NominationLocked(
                _("名单{state}，不能确定").format(state=nl.get_state_display()),
                context={"state": nl.state},
            )
        publicity.require_closable(
            window_open=publicity.is_open(True, nl.publish_until),
            unanswered=nl.objections.filter(answered_at__isnull=True).exists(),
        )
        nl.state = NominationState.FINAL
        nl.save(update_fields=["state", "updated_at"])
        audit.record(actor=actor, action="nomination.finalize", obj=nl)
    return nl
