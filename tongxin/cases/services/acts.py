"""Every act after the report (``case_act``): lock the case, check that the user may see it and
may do the act, check the state machine, apply the act's handler, append the event, then queue
the side effects (notifications, clock checks) for after the commit. Also the audited reveal of
the reporter's phone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from tongxin.cases.errors import CaseCode
from tongxin.core import audit, clock, vault
from tongxin.core.actors import Actor, as_account
from tongxin.core.errors import Code, Forbidden, NotFound, ValidationFailed
from tongxin.inbox.services import notify
from tongxin.orgs.models import Organisation, OrgKind, Post
from tongxin.people.models import Person
from tongxin.people.services import PHONE_CONTEXT

from .. import policies, sla
from ..models import (
    Case,
    CaseSupport,
    DepartmentCall,
    Feedback,
    Level,
)
from ..routing import Route, superior_for
from ..workflow import MACHINE, OPEN_STATES, Act, State, next_state
from .common import (
    MAX_DESCRIPTION,
    _actor_label,
    _append,
    _fail,
    _notify_assignee,
    _notify_reporter,
    _org_people,
    case_link,
)
from .intake import _apply_route, _attach_uploads, _check_choice


@dataclass
class Outcome:
    """What an act handler says happened, for the timeline and the side effects."""

    note: str = ""
    public: bool = True
    data: dict[str, Any] = field(default_factory=dict)
    after: list[Callable[[], Any]] = field(default_factory=list)


def _text(data: dict[str, Any], key: str, *, required: bool = False, label: str = "") -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _fail(key, _("应为文本"))
    value = value.strip()
    if required and not value:
        raise _fail(key, _("请填写{field}").format(field=label or _("说明")))
    if len(value) > MAX_DESCRIPTION:
        raise _fail(key, _("不能超过 {max_chars} 个字").format(max_chars=MAX_DESCRIPTION))
    return value


def _int(data: dict[str, Any], key: str) -> int | None:
    value: Any = data.get(key)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _fail(key, _("应为整数")) from None


def _take_ownership(case: Case, actor: Actor, outcome: Outcome) -> None:
    person_id = actor.person_id
    if person_id and case.owner_id != person_id:
        outcome.data["owner_from"] = case.owner_id
        case.owner_id = person_id
        outcome.data["owner_to"] = person_id


def _accept(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    outcome = Outcome(note=_text(data, "note"))
    case.accepted_at = now
    sla.stop_clock(case, "accept")
    _take_ownership(case, actor, outcome)
    if not case.assignee_person_id and not case.assignee_org_id:
        case.assignee_person_id = actor.person_id
    outcome.after.append(lambda: _notify_reporter(case, subject=_("您反映的问题已受理")))
    return outcome


def _reject(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    reason = _text(data, "reason", required=True, label=_("不予受理的理由"))
    case.closed_at = now
    case.public_note = reason[:500]
    for name in sla.CLOCKS:
        sla.stop_clock(case, name)
    outcome = Outcome(note=reason)
    outcome.after.append(
        lambda: _notify_reporter(
            case, subject=_("您反映的问题不予受理：{reason}").format(reason=reason[:40])
        )
    )
    return outcome


def _dispatch_target(data: dict[str, Any]) -> tuple[Person | None, Organisation | None]:
    person_id, org_id = _int(data, "person_id"), _int(data, "org_id")
    if (person_id is None) == (org_id is None):
        raise _fail("person_id", _("请指定派单对象：人员（person_id）或单位（org_id）二选一"))
    if person_id is not None:
        person = Person.objects.filter(
            pk=person_id, pk__in=Post.objects.active().values("person_id")
        ).first()
        if person is None:
            raise _fail("person_id", _("派单对象须为在岗的工作人员"))
        return person, None
    org = Organisation.objects.filter(pk=org_id, is_active=True).first()
    if org is None:
        raise _fail("org_id", _("找不到该单位"))
    return None, org


def _dispatch(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    person, org = _dispatch_target(data)
    note = _text(data, "note")
    reason = _text(data, "reason") or note or _("调度员改派")
    level = Level.DEPARTMENT if org is not None and org.kind == OrgKind.DEPARTMENT else case.level
    route = Route(level=level or Level.COMMUNITY, person=person, organisation=org)
    _apply_route(
        case,
        route,
        actor=actor,
        override=True,
        note=_("{actor}改派：{reason}").format(actor=_actor_label(actor), reason=reason),
    )
    if case.state != State.REPORTED and not case.accepted_at:
        case.accepted_at = now
    target = person.name if person else org.name  # type: ignore[union-attr]
    outcome = Outcome(
        note=note or _("派单至{target}").format(target=target),
        data={"to": target, "reason": reason},
    )
    outcome.after.append(
        lambda: _notify_assignee(
            case, subject=_("新派单：{name}（{ref}）").format(name=case.category.name, ref=case.ref)
        )
    )
    return outcome


def _start(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    outcome = Outcome(note=_text(data, "note"))
    if data.get("on_site", True) and case.arrived_at is None:
        case.arrived_at = now
        outcome.data["late"] = sla.is_late(case, "arrive", now)
        sla.stop_clock(case, "arrive")
    if case.accepted_at is None:
        case.accepted_at = now
        sla.stop_clock(case, "accept")
    return outcome


def _resolve(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    result = _text(data, "result", required=True, label=_("处置结果"))
    photos = _attach_uploads(actor, data.get("photos") or [], case)
    case.result = result
    case.public_note = result[:500]
    case.resolved_at = now
    case.resolved_on_time = not sla.is_late(case, "resolve", now)
    for name in sla.CLOCKS:
        sla.stop_clock(case, name)
    outcome = Outcome(note=result, data={"photos": photos, "on_time": case.resolved_on_time})
    outcome.after.append(
        lambda: _notify_reporter(case, subject=_("您反映的问题已办结，请对处理结果进行评价"))
    )
    return outcome


def _return(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    reason = _text(data, "reason", required=True, label=_("退回理由"))
    outcome = Outcome(note=reason, public=False)
    if case.state == State.REPORTED:
        # "Not mine": send it one level up for the dispatcher to re-route.
        up = superior_for(case, 1, on=clock.local_date(now))
        route = Route(level=Level.COMMUNITY, person=up)
        _apply_route(
            case, route, actor=actor, override=True, note=_("退回：{reason}").format(reason=reason)
        )
        if case.owner_id == actor.person_id:
            case.owner = up
    else:
        case.assignee_person_id = case.owner_id
        case.assignee_org = None
    outcome.after.append(
        lambda: _notify_assignee(
            case, subject=_("诉求被退回：{ref}").format(ref=case.ref), body=reason
        )
    )
    return outcome


def _suspend(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    reason = _text(data, "reason", required=True, label=_("挂起理由"))
    case.suspended_from = case.state
    case.suspended_at = now
    return Outcome(note=reason, data={"from": case.suspended_from})


def _resume(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    since = case.suspended_at or now
    paused = now - since
    sla.shift_clocks(case, paused, paused=(since, now))
    outcome = Outcome(
        note=_text(data, "note"), data={"paused_minutes": int(paused.total_seconds() // 60)}
    )
    outcome.after.append(lambda: sla.schedule(case))
    return outcome


def _supervise(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    note = _text(data, "note", required=True, label=_("督办意见"))
    case.supervised = True
    outcome = Outcome(note=note, public=False)
    outcome.after.append(
        lambda: _notify_assignee(case, subject=_("督办：{ref}").format(ref=case.ref), body=note)
    )
    return outcome


def _escalate(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    raw = data.get("org_ids") or []
    if not isinstance(raw, list) or not raw:
        raise _fail("org_ids", _("请选择至少一个职能部门"))
    try:
        ids = sorted({int(x) for x in raw})
    except (TypeError, ValueError):
        raise _fail("org_ids", _("部门编号应为整数")) from None
    orgs = list(Organisation.objects.filter(pk__in=ids, kind=OrgKind.DEPARTMENT, is_active=True))
    if len(orgs) != len(ids):
        raise _fail("org_ids", _("只能向有效的职能部门吹哨"))
    already = set(case.calls.values_list("organisation_id", flat=True))
    if already & set(ids):
        raise _fail("org_ids", _("已经向其中的部门吹过哨"))
    request = _text(data, "note", required=True, label=_("需要部门协助的事项"))
    minutes = _int(data, "minutes") or settings.TONGXIN_CASE_REPORT_IN_MINUTES[case.priority]
    due = now + dt.timedelta(minutes=minutes)
    for org in orgs:
        DepartmentCall.objects.create(
            case=case,
            organisation=org,
            request=request,
            called_by=as_account(actor),
            report_due=due,
        )
    names = "、".join(o.name for o in orgs)
    outcome = Outcome(note=request, data={"departments": names, "report_due": due.isoformat()})
    for org in orgs:
        outcome.after.append(
            partial(
                notify,
                recipients=_org_people(org),
                kind="case_called",
                subject=_("社区吹哨，请于{due:%m-%d %H:%M}前报到：{ref}").format(
                    due=clock.local(due), ref=case.ref
                ),
                body=request[:200],
                link=case_link(case),
                topic=f"case:{case.pk}",
            )
        )
    return outcome


def _report_in(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    calls = policies.pending_calls(actor, case)
    org_id = _int(data, "org_id")
    if org_id is not None:
        calls = [c for c in calls if c.organisation_id == org_id]
    if not calls:
        raise _fail("org_id", _("没有待本部门报到的吹哨事项"))
    call = calls[0]
    note = _text(data, "note")
    result = _text(data, "result")
    done = bool(data.get("done"))
    if done and not result:
        raise _fail("result", _("完成本部门处置时请填写处置情况"))
    call = DepartmentCall.objects.select_for_update().get(pk=call.pk)
    fields = ["status", "updated_at"]
    if call.reported_at is None:
        call.reported_at = now
        call.reported_by = actor
        call.late = now > call.report_due
        fields += ["reported_at", "reported_by", "late"]
    call.status = DepartmentCall.Status.REPORTED_IN
    if done:
        call.status = DepartmentCall.Status.DONE
        call.done_at = now
        call.result = result
        fields += ["done_at", "result"]
    call.save(update_fields=fields)
    outcome = Outcome(
        note=result or note or _("{name}已报到").format(name=call.organisation.name),
        data={"department": call.organisation.name, "done": done, "late": call.late},
    )
    return outcome


def _feedback(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    rating = data.get("rating", "")
    _check_choice("rating", rating, Feedback)
    comment = _text(data, "comment")
    case.feedback = rating
    case.feedback_at = now
    outcome = Outcome(
        note=comment,
        data={"rating": rating, "by_reporter": policies.is_reporter(actor, case)},
    )
    if rating == Feedback.UNSATISFIED:
        # 不满意 reopens: back to whoever resolved it, with a fresh resolve clock.
        outcome.data["reopened"] = True
        case.reopen_count += 1
        case.resolved_at = None
        case.resolved_on_time = None
        case.feedback = Feedback.UNSATISFIED
        policy = sla.plan_clocks(case, now).get("resolve")
        if policy:
            case.clocks["resolve"] = policy
            sla.apply_clocks(case, case.clocks)
        outcome.after.append(lambda: sla.schedule(case))
        outcome.after.append(
            lambda: _notify_assignee(
                case, subject=_("群众不满意，请重新处置：{ref}").format(ref=case.ref), body=comment
            )
        )
    else:
        case.closed_at = now
    return outcome


def _close(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    note = _text(data, "note", required=not case.feedback, label=_("结案说明（未回访时必填）"))
    case.closed_at = now
    return Outcome(note=note)


def _merge(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    target_id = _int(data, "into")
    if target_id is None:
        raise _fail("into", _("请指定合并到的案件"))
    if target_id == case.pk:
        raise _fail("into", _("不能合并到自身"))
    target = Case.objects.visible_to(actor).filter(pk=target_id).first()
    if target is None:
        raise _fail("into", _("找不到要合并到的案件"))
    if target.state not in OPEN_STATES:
        raise _fail("into", _("只能合并到尚未办结的案件"))
    case.merged_into = target
    case.closed_at = now
    for name in sla.CLOCKS:
        sla.stop_clock(case, name)
    # The reporters of the merged case become supporters of the target.
    if case.reporter_user_id and case.reporter_user_id != target.reporter_user_id:
        _support, made = CaseSupport.objects.get_or_create(
            case=target, user_id=case.reporter_user_id
        )
        if made:
            Case.objects.filter(pk=target.pk).update(support_count=F("support_count") + 1)
    note = _text(data, "note")
    return Outcome(
        note=note or _("与{ref}为同一问题，已合并").format(ref=target.ref),
        data={"into": target.ref},
    )


def _support(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    _support, made = CaseSupport.objects.get_or_create(case=case, user=actor)
    if not made:
        raise ValidationFailed(_("您已经附议过该问题"), code=CaseCode.ALREADY_SUPPORTED)
    case.support_count += 1
    return Outcome(public=True, data={"supporters": case.support_count})


def _note(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    note = _text(data, "note", required=True, label=_("备注内容"))
    public = bool(data.get("public", False))
    if public:
        case.public_note = note[:500]
    return Outcome(note=note, public=public)


HANDLERS: dict[str, Callable[[Case, Any, dict[str, Any], dt.datetime], Outcome]] = {
    Act.ACCEPT: _accept,
    Act.REJECT: _reject,
    Act.DISPATCH: _dispatch,
    Act.START: _start,
    Act.RESOLVE: _resolve,
    Act.RETURN: _return,
    Act.SUSPEND: _suspend,
    Act.RESUME: _resume,
    Act.SUPERVISE: _supervise,
    Act.ESCALATE: _escalate,
    Act.REPORT_IN: _report_in,
    Act.FEEDBACK: _feedback,
    Act.CLOSE: _close,
    Act.MERGE: _merge,
    Act.SUPPORT: _support,
    Act.NOTE: _note,
}


def _find_for_act(actor: Actor, case_id: Any, act: str) -> Case:
    qs = Case.objects.select_for_update()
    if act == Act.SUPPORT:
        from ..selectors import supportable_cases

        case = supportable_cases(actor).select_for_update().filter(pk=case_id).first()
        if case is not None:
            return case
    try:
        return qs.visible_to(actor).get(pk=case_id)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def case_act(
    *,
    actor: Actor,
    case_id: Any,
    act: str,
    data: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Do one act of the workflow on a case, as ``actor``.

    404 when the case is out of the actor's sight, 409 ``TRANSITION_NOT_ALLOWED`` when the
    state does not allow the act, 403 ``ACTION_FORBIDDEN`` when the actor may not do it,
    422 for bad fields. On success the case, its event and the audit row are written in one
    transaction and notifications follow the commit.
    """
    data = dict(data or {})
    now = now or clock.now()
    handler = HANDLERS.get(act)
    if handler is None:
        raise ValidationFailed(
            _("未知的操作：{act}").format(act=act),
            code=Code.UNKNOWN_ACTION,
            fields=[{"field": "action", "reason": _("取值应为：") + "、".join(HANDLERS)}],
        )
    with transaction.atomic():
        case = _find_for_act(actor, case_id, act)
        before = case.state
        MACHINE.ensure(act, before)  # the state first (409), then the policy (403)
        if not policies.may(actor, case, act):
            raise Forbidden(
                _("您不能对该案件执行“{label}”").format(label=Act(act).label),
                code=Code.ACTION_FORBIDDEN,
            )
        outcome = handler(case, actor, data, now)
        # Where the act allows several targets the case picks one; the machine checks it.
        pick: str | None = None
        if act == Act.RESUME:
            pick = case.suspended_from or State.ACCEPTED
            case.suspended_from = ""
            case.suspended_at = None
        elif act == Act.FEEDBACK:
            pick = State.IN_PROGRESS if case.feedback == Feedback.UNSATISFIED else State.CLOSED
        case.state = MACHINE.check(act, before, pick)
        case.save()
        _append(
            case,
            actor=actor,
            act=act,
            from_state=before,
            note=outcome.note,
            public=outcome.public,
            data=outcome.data,
            at=now,
        )
        if act == Act.REPORT_IN:
            _maybe_parts_done(case, now)
        audit.record(
            actor=actor,
            action=f"case_{act}",
            obj=case,
            detail={"from": before, "to": case.state},
        )
        if act in (Act.CLOSE, Act.MERGE):
            outcome.after.append(
                lambda: _notify_reporter(
                    case, subject=_("您反映的问题{state}").format(state=case.get_state_display())
                )
            )
        for effect in outcome.after:
            effect()
    return case


def _maybe_parts_done(case: Case, now: dt.datetime) -> None:
    """When every department called in has done its part, the case is resolved."""
    calls = list(case.calls.all())
    if not calls or any(c.status != DepartmentCall.Status.DONE for c in calls):
        return
    before = case.state
    case.state = next_state(Act.PARTS_DONE, before)
    case.result = "\n".join(f"{c.organisation.name}：{c.result}" for c in calls)
    case.public_note = case.result[:500]
    case.resolved_at = now
    case.resolved_on_time = not sla.is_late(case, "resolve", now)
    for name in sla.CLOCKS:
        sla.stop_clock(case, name)
    case.save()
    _append(
        case,
        actor=None,
        act=Act.PARTS_DONE,
        from_state=before,
        note=_("各部门均已完成处置，案件办结"),
        at=now,
    )
    _notify_reporter(case, subject=_("您反映的问题已办结，请对处理结果进行评价"))
    notify(
        recipients=[case.owner],
        kind="case_status",
        subject=_("吹哨事项各部门已处置完毕：{ref}").format(ref=case.ref),
        link=case_link(case),
        topic=f"case:{case.pk}",
    )


def case_reveal_phone(*, actor: Actor, case_id: Any, reason: str) -> str:
    """The reporter's full phone number, for staff who must call back (回访); audited."""
    case = Case.objects.visible_to(actor).filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    if not (policies.is_staff_over(actor, case) or policies.is_owner(actor, case)):
        raise Forbidden(_("只有负责该案件的工作人员可以查看完整电话"), code=Code.ACTION_FORBIDDEN)
    reason = (reason or "").strip()
    if not reason:
        raise _fail("reason", _("请填写查看理由"))
    phone = case.reporter_phone()
    if not phone and case.reporter_person and case.reporter_person.phone_cipher:
        phone = vault.decrypt(case.reporter_person.phone_cipher, context=PHONE_CONTEXT)
    audit.record(
        actor=actor,
        action="pii_reveal",
        obj=case,
        subject_person_id=case.reporter_person_id,
        detail={"field": "reporter_phone", "reason": reason[:200]},
    )
    return phone or ""
