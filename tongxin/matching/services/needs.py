"""Writes of service matching: needs and their acts, resources, wish campaigns and wishes.

Every act on a need goes through ``need_act``: find the need through ``visible_to`` (404
otherwise), lock it, check the machine (409 ``TRANSITION_NOT_ALLOWED``), check the policy (403),
apply the act's handler, append a ``NeedEvent`` and an audit row, and notify through the inbox,
all in one transaction. Points for done work go through the volunteering ledger (its one
writer), by the community's default points rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core import audit, clock
from tongxin.core.actors import Actor, as_account, person_of
from tongxin.core.errors import Code, Forbidden, ValidationFailed
from tongxin.core.scoping import access
from tongxin.inbox.services import notify
from tongxin.orgs.models import Organisation, Post
from tongxin.orgs.selectors import responsible_for
from tongxin.people.models import Household, Person, Relation
from tongxin.places.models import Place
from tongxin.volunteering import ledger
from tongxin.volunteering.models import Difficulty, TxKind, community_of_path
from tongxin.volunteering.policies import require_manager
from tongxin.volunteering.services import default_rule

from ..errors import MatchingCode
from ..models import (
    Need,
    NeedEvent,
    NeedKind,
    NeedState,
    Resource,
    ResourceKind,
    Urgency,
    VerifyMethod,
)
from ..policies import require_act
from ..workflow import NEED_MACHINE, PUBLIC_ACTS, NeedAct

CONTACT_DAYS = 7  # a claimer contacts the resident within a week (认领承诺)
ROUND_DAYS = 30  # one listing round: the monthly joint meeting's cycle
NOTIFY_KIND = "matching"


def _field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields=[{"field": field, "reason": message}])


def _text(value: Any, field: str, *, limit: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _field_error(field, _("应为文字"))
    value = value.strip()
    if required and not value:
        raise _field_error(field, _("必填"))
    if len(value) > limit:
        raise _field_error(field, _("不能超过 {n} 个字").format(n=limit))
    return value


def _int(value: Any, field: str, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _field_error(field, _("应为整数"))
    if not low <= value <= high:
        raise _field_error(field, _("应在 {low} 到 {high} 之间").format(low=low, high=high))
    return value


def _choice(value: Any, field: str, choices: Any) -> str:
    if value not in choices.values:
        raise _field_error(
            field, _("应为以下之一：{values}").format(values="、".join(choices.values))
        )
    return str(value)


def _responsible(place: Place) -> Person | None:
    return responsible_for(place).person


# ---------------------------------------------------------------------------- needs


def need_post(
    *,
    actor: Actor,
    kind: str,
    description: str,
    urgency: str = Urgency.NORMAL,
    household: Household | None = None,
    wanted_on: dt.date | None = None,
    estimated_value: int | None = None,
    from_log_entry: Any = None,
) -> Need:
    """Post a need for the actor themself or for a household the caller reached through
    ``visible_to`` (a building head, a grid worker on a visit). The place is the household's
    dwelling, or the actor's own. ``from_log_entry``: the daily-log entry it was raised from
    (``log_raising``)."""
    me = person_of(actor)
    if me is None and household is None:
        raise Forbidden(_("只有登记在册的居民可以提交需求"))
    kind = _choice(kind, "kind", NeedKind)
    description = _text(description, "description", limit=500, required=True)
    urgency = _choice(urgency, "urgency", Urgency)
    if estimated_value is not None:
        estimated_value = _int(estimated_value, "estimated_value", low=0, high=1_000_000)
    if wanted_on is not None and wanted_on < clock.today():
        raise _field_error("wanted_on", _("期望日期不能早于今天"))
    if household is not None:
        place = household.dwelling
        if me is not None and me.household_id == household.pk:
            person = me
        else:
            person = (
                Person.objects.filter(household=household, is_active=True)
                .filter(relation=Relation.HEAD)
                .order_by("id")
                .first()
            )
    else:
        if me is None or me.place_id is None:
            raise _field_error("household_id", _("请指明需求所属的户"))
        person, place = me, me.place
    community = community_of_path(place.path)
    if community is None:
        raise _field_error("household_id", _("该地址不属于任何社区"))
    with transaction.atomic():
        need = Need.objects.create(
            community=community,
            place=place,
            place_path=place.path,
            person=person,
            household=household if household is not None else getattr(person, "household", None),
            posted_by=as_account(actor),
            kind=kind,
            description=description,
            urgency=urgency,
            wanted_on=wanted_on,
            estimated_value=estimated_value,
            from_log_entry=from_log_entry,
        )
        _event(need, actor=actor, act="post", frm="", note="")
        audit.record(
            actor=actor,
            action="need_post",
            obj=need,
            subject_person_id=need.person_id,
            detail={"kind": kind},
        )
        staff = _responsible(place)
        notify(
            recipients=[staff],
            kind=NOTIFY_KIND,
            subject=_("新的居民需求待核实：{kind}").format(kind=need.get_kind_display()),
            link=f"/api/v1/needs/{need.pk}",
            topic=f"need:{need.pk}",
        )
    return need


def _event(
    need: Need,
    *,
    actor: Actor | None,
    act: str,
    frm: str,
    note: str,
    data: Mapping[str, Any] | None = None,
) -> NeedEvent:
    return NeedEvent.objects.create(
        need=need,
        act=act,
        from_state=frm,
        to_state=need.state,
        actor=as_account(actor) if actor is not None and actor.is_authenticated else None,
        note=note[:300],
        data=dict(data or {}),
        at=clock.now(),
    )


Handler = Callable[[Need, Actor, Mapping[str, Any]], tuple[str, dict[str, Any]]]


def _verify(need: Need, actor: Actor, data: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    need.verify_method = _choice(data.get("method"), "method", VerifyMethod)
    need.verified_by = as_account(actor)
    return _text(data.get("note"), "note", limit=300), {"method": need.verify_method}


def _publish(need: Need, actor: Actor, data: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    if need.state == NeedState.EXPIRED:  # carried into the next round, ahead of the new ones
        need.round += 1
        need.priority = True
    need.listed_until = clock.today() + dt.timedelta(days=ROUND_DAYS)
    return "", {"round": need.round, "listed_until": need.listed_until.isoformat()}


def _take(need: Need, *, person: Person | None, org: Organisation | None) -> None:
    need.claimed_by_person, need.claimed_by_org = person, org
    need.claimed_at = clock.now()
    need.contact_by = clock.today() + dt.timedelta(days=CONTACT_DAYS)


def _dispatch(need: Need, actor: Actor, data: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    resource_id = data.get("resource")
    if resource_id is None:
        raise _field_error("resource", _("请选择派单对象"))
    resource = access(
        Resource.objects.visible_to(actor)
        .filter(is_active=True)
        .select_related("person", "organisation"),
        resource_id,
    )
    _take(need, person=resource.person, org=resource.organisation)
    return _text(data.get("note"), "note", limit=300), {"resource": resource.pk}


def _claim(need: Need, actor: Actor, data: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    me = person_of(actor)
    org = None
    if data.get("organisation") is not None:
        org = Organisation.objects.filter(
            pk__in=Post.objects.active()
            .filter(person_id=me.pk, organisation_id=data.get("organisation"))
            .values("organisation_id")
        ).first()
        if org is None:
            raise _field_error("organisation", _("只能以您任职的单位认领"))
    _take(need, person=None if org else me, org=org)
    return "", {"organisation": org.pk if org else None}


def _start(need: Need, actor: Actor, data: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    return _text(data.get("note"), "note", limit=300), {}


def _complete(need: Need, actor: Actor, data: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    need.minutes = _int(data.get("minutes"), "minutes", low=1, high=24 * 60)
    need.proof = _text(data.get("proof"), "proof", limit=300)
    rule = default_rule(need.community)
    points = rule.points_for(need.minutes, Difficulty.EASY)
    need.points = points
    if points > 0:
        if need.claimed_by_org_id:
            target = ledger.organisation_account(need.claimed_by_org, community=need.community)
        else:
            target = ledger.person_account(need.claimed_by_person, community=need.community)
        need.award_tx = ledger.transfer(
            source=ledger.issuer_account(need.community),
            target=target,
            amount=points,
            kind=TxKind.AWARD,
            reason=_("需求服务：{kind} #{pk}（{minutes} 分钟）").format(
                kind=need.get_kind_display(), pk=need.pk, minutes=need.minutes
            ),
            actor=actor,
            community=need.community,
            expires_on=(
                clock.today() + dt.timedelta(days=rule.expiry_days) if rule.expiry_days else None
            ),
            idempotency_key=f"need-award:{need.pk}",
        )
    return need.proof, {"minutes": need.minutes, "points": points}


def _rate(need: Need, actor: Actor, data: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    need.rating = _int(data.get("rating"), "rating", low=1, high=5)
    need.rating_comment = _text(data.get("comment"), "comment", limit=300)
    return need.rating_comment, {"rating": need.rating}


def _plain(need: Need, actor: Actor, data: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    return _text(data.get("note") or data.get("reason"), "note", limit=300), {}


HANDLERS: dict[str, Handler] = {
    NeedAct.VERIFY: _verify,
    NeedAct.PUBLISH: _publish,
    NeedAct.DISPATCH: _dispatch,
    NeedAct.CLAIM: _claim,
    NeedAct.START: _start,
    NeedAct.COMPLETE: _complete,
    NeedAct.RATE: _rate,
    NeedAct.CLOSE: _plain,
    NeedAct.WITHDRAW: _plain,
}


def need_act(
    *, actor: Actor, need_id: Any, act: str, data: Mapping[str, Any] | None = None
) -> Need:
    """Do one act on a need; see the module docstring."""
    if act not in PUBLIC_ACTS:
        if NEED_MACHINE.knows(act):
            raise Forbidden(_("该操作由系统自动执行"), code=MatchingCode.NOT_NEED_PARTY)
        raise ValidationFailed(
            _("未知的操作：{act}").format(act=act),
            code=Code.UNKNOWN_ACTION,
            fields=[{"field": "act", "reason": _("取值应为：") + "、".join(PUBLIC_ACTS)}],
        )
    data = data or {}
    with transaction.atomic():
        seen = access(Need.objects.visible_to(actor), need_id)
        need = (
            Need.objects.select_for_update(of=("self",))
            .select_related("community", "claimed_by_person", "claimed_by_org")
            .get(pk=seen.pk)
        )
        frm = need.state
        NEED_MACHINE.check(act, frm)
        require_act(actor, need, act)
        note, extra = HANDLERS[act](need, actor, data)
        NEED_MACHINE.move(need, act)
        need.save()
        _event(need, actor=actor, act=act, frm=frm, note=note, data=extra)
        audit.record(
            actor=actor,
            action=f"need_{act}",
            obj=need,
            subject_person_id=need.person_id,
            detail={"from": frm, "to": need.state, **extra},
        )
        _tell(need, act)
    return need


def _tell(need: Need, act: str) -> None:
    """Who hears of an act, through the inbox."""
    label = need.get_kind_display()
    resident = need.person
    claimer = need.claimed_by_person
    messages: dict[str, tuple[list[Any], str]] = {
        NeedAct.VERIFY: ([resident], _("您的需求已核实：{kind}")),
        NeedAct.PUBLISH: ([resident], _("您的需求已发布待认领：{kind}")),
        NeedAct.DISPATCH: ([resident, claimer], _("需求已派单：{kind}")),
        NeedAct.CLAIM: ([resident], _("您的需求已有人认领：{kind}")),
        NeedAct.START: ([resident], _("服务已开始：{kind}")),
        NeedAct.COMPLETE: ([resident], _("服务已完成，请评价：{kind}")),
        NeedAct.RATE: ([claimer], _("居民已评价您的服务：{kind}")),
        NeedAct.CLOSE: ([resident, claimer], _("需求已销号：{kind}")),
        NeedAct.WITHDRAW: ([claimer], _("需求已撤回：{kind}")),
    }
    recipients, subject = messages[act]
    notify(
        recipients=recipients,
        kind=NOTIFY_KIND,
        subject=subject.format(kind=label),
        link=f"/api/v1/needs/{need.pk}",
        topic=f"need:{need.pk}",
    )


def needs_sweep(*, on: dt.date | None = None, actor: Actor | None = None) -> int:
    """The periodic job: a claim not started by its contact-by date goes back to the list
    (the community is told), a listing past its round expires. Idempotent. Returns how many
    needs moved."""
    today = on or clock.today()
    moved = 0
    stale = Need.objects.filter(state=NeedState.CLAIMED, contact_by__lt=today)
    for pk in stale.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            need = (
                Need.objects.select_for_update(of=("self",)).select_related("community").get(pk=pk)
            )
            if need.state != NeedState.CLAIMED or not need.contact_by or need.contact_by >= today:
                continue
            frm, former = need.state, need.claimed_by_person
            claimer = need.claimer_label
            NEED_MACHINE.move(need, NeedAct.RELEASE)
            need.claimed_by_person = need.claimed_by_org = None
            need.claimed_at = need.contact_by = None
            need.save()
            _event(
                need,
                actor=actor,
                act=NeedAct.RELEASE,
                frm=frm,
                note=_("认领人 {claimer} 未按期联系，退回待认领").format(claimer=claimer),
            )
            audit.record(actor=actor, action="need_release", obj=need, detail={"from": frm})
            notify(
                recipients=[_responsible(need.community), former],
                kind=NOTIFY_KIND,
                subject=_("认领超期未联系，需求已退回待认领：{kind} #{pk}").format(
                    kind=need.get_kind_display(), pk=need.pk
                ),
                link=f"/api/v1/needs/{need.pk}",
                topic=f"need:{need.pk}",
            )
            moved += 1
    ended = Need.objects.filter(state=NeedState.LISTED, listed_until__lt=today)
    for pk in ended.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            need = Need.objects.select_for_update().get(pk=pk)
            if need.state != NeedState.LISTED or not need.listed_until:
                continue
            if need.listed_until >= today:
                continue
            NEED_MACHINE.move(need, NeedAct.EXPIRE)
            need.save(update_fields=["state", "updated_at"])
            _event(need, actor=actor, act=NeedAct.EXPIRE, frm=NeedState.LISTED, note="")
            audit.record(actor=actor, action="need_expire", obj=need)
            moved += 1
    return moved


# ---------------------------------------------------------------------------- resources


def resource_register(
    *,
    actor: Actor,
    kind: str,
    community: Place,
    person: Person | None = None,
    organisation: Organisation | None = None,
    need_kinds: list[str] | None = None,
    skills: list[str] | None = None,
    hours_per_month: int = 4,
    employer: str = "",
) -> Resource:
    """Offer a resource: a person offers themself; the community's managers register units,
    teams and studios (and persons on their behalf)."""
    kind = _choice(kind, "kind", ResourceKind)
    me = person_of(actor)
    if person is None and organisation is None:
        person = me
    if person is None and organisation is None:
        raise _field_error("person", _("请指明提供资源的人或单位"))
    if organisation is not None or person != me:
        require_manager(actor, community)
    kinds = list(need_kinds or [])
    for k in kinds:
        _choice(k, "need_kinds", NeedKind)
    words = [_text(s, "skills", limit=20, required=True) for s in skills or []]
    hours = _int(hours_per_month, "hours_per_month", low=1, high=400)
    with transaction.atomic():
        resource = Resource.objects.create(
            community=community,
            kind=kind,
            person=person if organisation is None else None,
            person_path=person.place_path if person is not None and organisation is None else "",
            organisation=organisation,
            employer=_text(employer, "employer", limit=100),
            need_kinds=kinds,
            skills=words,
            hours_per_month=hours,
        )
        audit.record(actor=actor, action="resource_register", obj=resource)
    return resource


def need_reveal_phone(*, actor: Actor, need_id: int, reason: str) -> str:
    """The phone of the resident a need is for, through people's one audited reveal
    (``people.services.person_reveal``: a stated reason, an audit row for every attempt,
    refused ones too). Allowed to whoever may reveal it there: the staff over the resident,
    the resident, and (``policies.claimer_may_reveal``) the need's current claimer while
    it is claimed or in progress. 404 when the need is out of sight or names no resident."""
    from tongxin.core.errors import NotFound
    from tongxin.people.services import person_reveal

    need = access(Need.objects.visible_to(actor).select_related("person"), need_id)
    if need.person_id is None or need.person is None:
        raise NotFound(_("该需求没有登记需求人"))
    return person_reveal(actor=actor, person=need.person, field="phone", reason=reason)
