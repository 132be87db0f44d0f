"""Writes of the alliance: keyword-only, an explicit actor, audited in the act's transaction.

Nothing here records what a unit *did*: that lives in matching, volunteering, cases and
meetings, and the alliance reads it (``selectors``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from tongxin.core import audit, clock
from tongxin.core.actors import Actor, as_account
from tongxin.core.errors import Code, Forbidden, Problems, ValidationFailed
from tongxin.core.scoring import Formula, FormulaError
from tongxin.orgs.models import Organisation
from tongxin.people.models import Person
from tongxin.places.models import Place

from .defaults import PUBLICATION_DAYS
from .errors import BadFormula, PublicationWindowOpen, ScorecardNotOpen, UnitKindNotAllowed
from .models import (
    UNIT_KINDS,
    Agreement,
    Alliance,
    AllianceLevel,
    CardState,
    Commitment,
    CommitmentKind,
    InServiceMember,
    MemberScorecard,
    Membership,
    Objection,
    Pledge,
    PledgeState,
    Scorecard,
    Suggestion,
)
from .policies import may_object, may_object_member, require_manager

PLEDGES_MIN, PLEDGES_MAX = 2, 5


def alliance_create(
    *,
    actor: Actor,
    name: str,
    place: Place,
    organisation: Organisation,
    leaders: str = "",
    formula: Mapping[str, Any] | None = None,
) -> Alliance:
    """A new alliance at a street or a community, led by ``organisation`` (its 大党委)."""
    if place.kind not in (AllianceLevel.STREET, AllianceLevel.COMMUNITY):
        raise ValidationFailed(
            _("联盟设在街道或社区"), fields=[{"field": "place", "reason": _("请选择街道或社区")}]
        )
    alliance = Alliance(
        name=name,
        level=place.kind,
        place=place,
        place_path=place.path,
        organisation=organisation,
        leaders=leaders,
    )
    require_manager(actor, alliance)
    if formula is not None:
        alliance.formula = check_formula(formula)
    with transaction.atomic():
        alliance.save()
        audit.record(actor=actor, action="alliance.create", obj=alliance)
    return alliance


def check_formula(formula: Mapping[str, Any]) -> dict[str, Any]:
    """The formula if the engine can evaluate it, else 422 ``BAD_FORMULA`` naming the place."""
    try:
        Formula.parse(formula)
    except FormulaError as exc:
        raise BadFormula(
            _("评分办法有误：{place}").format(place=exc.path),
            fields=[{"field": f"formula.{exc.path}", "reason": exc.reason}],
        ) from None
    return dict(formula)


def alliance_set_formula(*, actor: Actor, alliance: Alliance, formula: Mapping[str, Any]) -> None:
    require_manager(actor, alliance)
    alliance.formula = check_formula(formula)
    with transaction.atomic():
        alliance.save(update_fields=["formula", "updated_at"])
        audit.record(actor=actor, action="alliance.formula", obj=alliance)


def alliance_set_member_formula(
    *, actor: Actor, alliance: Alliance, formula: Mapping[str, Any]
) -> None:
    """The in-service member formula (``defaults.DEFAULT_MEMBER_FORMULA`` until set)."""
    require_manager(actor, alliance)
    alliance.member_formula = check_formula(formula)
    with transaction.atomic():
        alliance.save(update_fields=["member_formula", "updated_at"])
        audit.record(actor=actor, action="alliance.member_formula", obj=alliance)


def unit_join(
    *,
    actor: Actor,
    alliance: Alliance,
    unit: Organisation,
    party_org: Organisation | None = None,
    leaders: str = "",
    joined_on: dt.date | None = None,
) -> Membership:
    require_manager(actor, alliance)
    if unit.kind not in UNIT_KINDS:
        raise UnitKindNotAllowed(
            _("“{name}”不是可加入联盟的单位类型").format(name=unit.name),
            fields=[{"field": "unit", "reason": _("单位类型不符")}],
        )
    with transaction.atomic():
        membership, _created = Membership.objects.get_or_create(
            alliance=alliance,
            unit=unit,
            defaults={
                "party_org": party_org,
                "leaders": leaders,
                "joined_on": joined_on or clock.today(),
            },
        )
        audit.record(actor=actor, action="alliance.unit_join", obj=membership)
    return membership


def _target(value: Any, field: str, problems: Problems) -> Decimal:
    try:
        target = Decimal(str(value))
    except (InvalidOperation, ValueError):
        problems.add(field, _("请填写数字"))
        return Decimal(0)
    if not target.is_finite() or target <= 0 or target >= Decimal("100000000"):
        problems.add(field, _("目标须大于 0"))
    return target


def agreement_save(
    *,
    actor: Actor,
    membership: Membership,
    year: int,
    items: Iterable[Mapping[str, Any]],
    note: str = "",
) -> Agreement:
    """The unit's agreement for ``year`` with its commitment items (replacing the items of an
    unsigned one). A signed agreement is not changed."""
    require_manager(actor, membership.alliance)
    problems = Problems()
    rows = []
    for i, item in enumerate(items):
        kind = str(item.get("kind", ""))
        if kind not in CommitmentKind.values:
            problems.add(f"items[{i}].kind", _("承诺类别不正确"))
        text = str(item.get("text", "")).strip()
        if not text:
            problems.add(f"items[{i}].text", _("请填写承诺内容"))
        target = _target(item.get("target", 1), f"items[{i}].target", problems)
        rows.append(Commitment(kind=kind, text=text[:200], target=target))
    if not rows:
        problems.add("items", _("至少一项承诺"))
    if not 2000 <= year <= 2100:
        problems.add("year", _("年度不正确"))
    problems.raise_if_any()
    with transaction.atomic():
        agreement, _created = Agreement.objects.select_for_update().get_or_create(
            membership=membership,
            year=year,
            defaults={"created_by": as_account(actor), "note": note},
        )
        if agreement.signed_on:
            raise Forbidden(_("协议已签订，不能修改"), code=Code.ACTION_FORBIDDEN)
        agreement.note = note
        agreement.save(update_fields=["note", "updated_at"])
        agreement.commitments.all().delete()
        for row in rows:
            row.agreement = agreement
        Commitment.objects.bulk_create(rows)
        audit.record(
            actor=actor, action="agreement.save", obj=agreement, detail={"items": len(rows)}
        )
    return agreement


def agreement_sign(*, actor: Actor, agreement: Agreement, signed_on: dt.date) -> Agreement:
    require_manager(actor, agreement.membership.alliance)
    if signed_on > clock.today():
        raise ValidationFailed(
            _("签订日期不能晚于今天"), fields=[{"field": "signed_on", "reason": _("日期不正确")}]
        )
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        agreement.signed_on = signed_on
        agreement.save(update_fields=["signed_on", "updated_at"])
        audit.record(actor=actor, action="agreement.sign", obj=agreement)
    return agreement


def suggestion_make(
    *, actor: Actor, membership: Membership, text: str, made_on: dt.date | None = None
) -> Suggestion:
    if not may_object(actor, membership):
        raise Forbidden(_("您不能代表该单位提出建议"), code=Code.ACTION_FORBIDDEN)
    text = text.strip()
    if not text:
        raise ValidationFailed(_("请填写建议"), fields=[{"field": "text", "reason": _("必填")}])
    with transaction.atomic():
        s = Suggestion.objects.create(
            membership=membership, text=text[:300], made_on=made_on or clock.today()
        )
        audit.record(actor=actor, action="suggestion.make", obj=s)
    return s


def suggestion_adopt(*, actor: Actor, suggestion: Suggestion, on: dt.date | None = None) -> None:
    require_manager(actor, suggestion.membership.alliance)
    with transaction.atomic():
        suggestion.adopted_on = on or clock.today()
        suggestion.save(update_fields=["adopted_on", "updated_at"])
        audit.record(actor=actor, action="suggestion.adopt", obj=suggestion)


# ------------------------------------------------------------------- in-service members


def in_service_link(
    *, actor: Actor, membership: Membership, person: Person, since: dt.date | None = None
) -> InServiceMember:
    """Link an in-service party member to the member unit that employs them."""
    require_manager(actor, membership.alliance)
    with transaction.atomic():
        member, _created = InServiceMember.objects.get_or_create(
            unit=membership.unit, person=person, defaults={"since": since}
        )
        audit.record(actor=actor, action="in_service.link", obj=member, subject_person_id=person.pk)
    return member


def pledges_make(
    *, actor: Actor, member: InServiceMember, year: int, texts: list[str]
) -> list[Pledge]:
    """The member's pledges for the year (公开承诺): 2 to 5 items, made by the member or by a
    manager of the community they registered at."""
    if getattr(actor, "person_id", None) != member.person_id and not _manages_member(actor, member):
        raise Forbidden(_("只能填写本人的承诺"), code=Code.ACTION_FORBIDDEN)
    texts = [t.strip()[:200] for t in texts if t.strip()]
    if not PLEDGES_MIN <= len(texts) <= PLEDGES_MAX:
        raise ValidationFailed(
            _("每年承诺 {lo} 至 {hi} 项").format(lo=PLEDGES_MIN, hi=PLEDGES_MAX),
            fields=[{"field": "texts", "reason": _("数量不符")}],
        )
    with transaction.atomic():
        Pledge.objects.filter(member=member, year=year, state=PledgeState.PLEDGED).delete()
        rows = Pledge.objects.bulk_create([Pledge(member=member, year=year, text=t) for t in texts])
        audit.record(
            actor=actor, action="pledge.make", obj=member, subject_person_id=member.person_id
        )
    return rows


def _manages_member(actor: Actor, member: InServiceMember) -> bool:
    from tongxin.core.scoping import scope_for

    path = member.person.place_path
    return any(path.startswith(p) for p in scope_for(actor).manager_paths)


def pledge_evaluate(
    *, actor: Actor, pledge: Pledge, delivered: bool, explanation: str = ""
) -> Pledge:
    """Delivered (践诺) or, at year end, unmet with its explanation."""
    if getattr(actor, "person_id", None) != pledge.member.person_id and not _manages_member(
        actor, pledge.member
    ):
        raise Forbidden(_("不能评定该承诺"), code=Code.ACTION_FORBIDDEN)
    if not delivered and not explanation.strip():
        raise ValidationFailed(
            _("未兑现的承诺须说明原因"), fields=[{"field": "explanation", "reason": _("必填")}]
        )
    with transaction.atomic():
        pledge.state = PledgeState.DELIVERED if delivered else PledgeState.UNMET
        pledge.delivered_on = clock.today() if delivered else None
        pledge.explanation = "" if delivered else explanation.strip()[:300]
        pledge.save(update_fields=["state", "delivered_on", "explanation", "updated_at"])
        audit.record(actor=actor, action="pledge.evaluate", obj=pledge)
    return pledge


# ------------------------------------------------------------------------- scorecards


def scorecards_compute(*, actor: Actor, alliance: Alliance, year: int) -> list[Scorecard]:
    """Compute and store the drafts of every unit's card for ``year``; published and final
    cards are left as they are."""
    require_manager(actor, alliance)
    memberships = list(Membership.objects.filter(alliance=alliance).select_related("unit"))
    fixed = set(
        Scorecard.objects.filter(membership__alliance=alliance, year=year)
        .exclude(state=CardState.DRAFT)
        .values_list("membership_id", flat=True)
    )
    todo = [m for m in memberships if m.pk not in fixed]
    from .selectors import cards

    now = clock.now()
    out = []
    with transaction.atomic():
        for card in cards.compute(alliance, todo, year):
            result = card.result
            sc, _created = Scorecard.objects.update_or_create(
                membership=card.membership,
                year=year,
                defaults={
                    "total": result.total,
                    "grade": result.grade,
                    "result": result.as_dict(),
                    "computed_at": now,
                    "state": CardState.DRAFT,
                },
            )
            out.append(sc)
        _member_cards_compute(alliance, year, now)
        audit.record(actor=actor, action="scorecard.compute", obj=alliance, detail={"year": year})
    return out


def _member_cards_compute(alliance: Alliance, year: int, now: dt.datetime) -> None:
    """The drafts of the in-service members' cards the alliance scores (published and final
    ones stay)."""
    from .selectors import member_cards

    fixed = set(
        MemberScorecard.objects.filter(alliance=alliance, year=year)
        .exclude(state=CardState.DRAFT)
        .values_list("member_id", flat=True)
    )
    todo = [m for m in member_cards.members_of_alliance(alliance) if m.pk not in fixed]
    for card in member_cards.compute(alliance, todo, year):
        MemberScorecard.objects.update_or_create(
            member=card.member,
            year=year,
            defaults={
                "alliance": alliance,
                "total": card.result.total,
                "grade": card.result.grade,
                "result": card.result.as_dict(),
                "computed_at": now,
                "state": CardState.DRAFT,
            },
        )


def scorecards_publish(*, actor: Actor, alliance: Alliance, year: int) -> int:
    """Compute the drafts afresh and publish them for ``PUBLICATION_DAYS`` of objections."""
    scorecards_compute(actor=actor, alliance=alliance, year=year)
    until = clock.today() + dt.timedelta(days=PUBLICATION_DAYS)
    with transaction.atomic():
        n = Scorecard.objects.filter(
            membership__alliance=alliance, year=year, state=CardState.DRAFT
        ).update(state=CardState.PUBLISHED, publish_until=until)
        members = MemberScorecard.objects.filter(
            alliance=alliance, year=year, state=CardState.DRAFT
        ).update(state=CardState.PUBLISHED, publish_until=until)
        audit.record(
            actor=actor,
            action="scorecard.publish",
            obj=alliance,
            detail={"year": year, "until": until, "cards": n, "member_cards": members},
        )
    return n


def objection_raise(
    *, actor: Actor, scorecard: Scorecard | MemberScorecard, reason: str
) -> Objection:
    """An objection to a published card, in its window: a unit's card by the unit's people
    (or a manager), an in-service member's card by the member (or their unit, or a
    manager)."""
    if isinstance(scorecard, MemberScorecard):
        allowed = may_object_member(actor, scorecard.member, scorecard.alliance)
    else:
        allowed = may_object(actor, scorecard.membership)
    if not allowed:
        raise Forbidden(_("只有本单位或本人可以对成绩提出异议"), code=Code.ACTION_FORBIDDEN)
    if scorecard.state != CardState.PUBLISHED or (
        scorecard.publish_until and clock.today() > scorecard.publish_until
    ):
        raise ScorecardNotOpen(_("成绩不在公示期内，不能提出异议"))
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            _("请填写异议理由"), fields=[{"field": "reason", "reason": _("必填")}]
        )
    target: dict[str, Any] = (
        {"member_card": scorecard}
        if isinstance(scorecard, MemberScorecard)
        else {"scorecard": scorecard}
    )
    with transaction.atomic():
        obj = Objection.objects.create(**target, reason=reason[:500], raised_by=as_account(actor))
        audit.record(actor=actor, action="scorecard.object", obj=obj)
    return obj


def objection_answer(*, actor: Actor, objection: Objection, answer: str) -> Objection:
    require_manager(
        actor,
        objection.member_card.alliance
        if objection.member_card_id and objection.member_card
        else objection.scorecard.membership.alliance,  # type: ignore[union-attr]
    )
    answer = answer.strip()
    if not answer:
        raise ValidationFailed(_("请填写答复"), fields=[{"field": "answer", "reason": _("必填")}])
    with transaction.atomic():
        objection.answer = answer[:500]
        objection.answered_by = as_account(actor)
        objection.answered_at = clock.now()
        objection.save(update_fields=["answer", "answered_by", "answered_at", "updated_at"])
        audit.record(actor=actor, action="scorecard.answer", obj=objection)
    return objection


def scorecards_finalize(*, actor: Actor, alliance: Alliance, year: int) -> int:
    """Make the year's published cards final once their window has ended and every objection
    has its answer."""
    require_manager(actor, alliance)
    published = Scorecard.objects.filter(
        membership__alliance=alliance, year=year, state=CardState.PUBLISHED
    )
    members = MemberScorecard.objects.filter(
        alliance=alliance, year=year, state=CardState.PUBLISHED
    )
    today = clock.today()
    if (
        published.filter(publish_until__gte=today).exists()
        or members.filter(publish_until__gte=today).exists()
    ):
        raise PublicationWindowOpen(_("公示期尚未结束"))
    if Objection.objects.filter(
        Q(scorecard__in=published) | Q(member_card__in=members), answered_at__isnull=True
    ).exists():
        raise PublicationWindowOpen(_("还有异议未答复"))
    with transaction.atomic():
        n = published.update(state=CardState.FINAL)
        members.update(state=CardState.FINAL)
        audit.record(actor=actor, action="scorecard.finalize", obj=alliance, detail={"year": year})
    return n
