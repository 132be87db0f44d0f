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

from .. import changes, policies, sla
from ..changes import Change
from ..models import (
    Case,
    CaseSupport,
    DepartmentCall,
    Feedback,
    Level,
)
from ..routing import Route, superior_for
from ..workflow import MACHINE, OPEN_STATES, Act, State
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
from .intake import _attach_uploads, _check_choice


@dataclass
class Outcome:
    """What an act handler did: the planned change (``cases.changes``) and the side effects
    to run once the change is written."""

    change: Change
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


def _accept(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    change = changes.accept(case, by=actor.person_id, at=now, note=_text(data, "note"))
    outcome = Outcome(change)
    outcome.after.append(lambda: _notify_reporter(case, subject=_("您反映的问题已受理")))
    return outcome


def _reject(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    reason = _text(data, "reason", required=True, label=_("不予受理的理由"))
    outcome = Outcome(changes.reject(case, reason=reason, at=now))
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
    change = changes.dispatch(
        case,
        route=route,
        at=now,
        by=as_account(actor),
        by_label=_actor_label(actor),
        reason=reason,
        note=note,
    )
    outcome = Outcome(change)
    outcome.after.append(
        lambda: _notify_assignee(
            case, subject=_("新派单：{name}（{ref}）").format(name=case.category.name, ref=case.ref)
        )
    )
    return outcome


def _start(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    on_site = bool(data.get("on_site", True))
    return Outcome(changes.start(case, at=now, on_site=on_site, note=_text(data, "note")))


def _resolve(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    result = _text(data, "result", required=True, label=_("处置结果"))
    photos = _attach_uploads(actor, data.get("photos") or [], case)
    outcome = Outcome(changes.resolve(case, result=result, at=now, photos=photos))
    outcome.after.append(
        lambda: _notify_reporter(case, subject=_("您反映的问题已办结，请对处理结果进行评价"))
    )
    return outcome


def _return(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    reason = _text(data, "reason", required=True, label=_("退回理由"))
    up = superior_for(case, 1, on=clock.local_date(now)) if case.state == State.REPORTED else None
    change = changes.give_back(
        case, reason=reason, at=now, by=as_account(actor), by_person=actor.person_id, up=up
    )
    outcome = Outcome(change)
    outcome.after.append(
        lambda: _notify_assignee(
            case, subject=_("诉求被退回：{ref}").format(ref=case.ref), body=reason
        )
    )
    return outcome


def _suspend(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    reason = _text(data, "reason", required=True, label=_("挂起理由"))
    return Outcome(changes.suspend(case, reason=reason, at=now))


def _resume(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    outcome = Outcome(changes.resume(case, at=now, note=_text(data, "note")))
    outcome.after.append(lambda: sla.schedule(case))
    return outcome


def _supervise(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    note = _text(data, "note", required=True, label=_("督办意见"))
    outcome = Outcome(changes.supervise(case, note=note))
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
    change = changes.escalate(
        case, organisations=orgs, request=request, due=due, by=as_account(actor), at=now
    )
    outcome = Outcome(change)
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
    note = _text(data, "note")
    result = _text(data, "result")
    done = bool(data.get("done"))
    if done and not result:
        raise _fail("result", _("完成本部门处置时请填写处置情况"))
    call = DepartmentCall.objects.select_for_update().get(pk=calls[0].pk)
    change = changes.report_in(
        case, call, by=as_account(actor), at=now, done=done, result=result, note=note
    )
    call.save()
    return Outcome(change)


def _feedback(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    rating = data.get("rating", "")
    _check_choice("rating", rating, Feedback)
    comment = _text(data, "comment")
    by_reporter = policies.is_reporter(actor, case)
    change = changes.feedback(case, rating=rating, comment=comment, by_reporter=by_reporter, at=now)
    outcome = Outcome(change)
    if rating == Feedback.UNSATISFIED:
        outcome.after.append(lambda: sla.schedule(case))
        outcome.after.append(
            lambda: _notify_assignee(
                case, subject=_("群众不满意，请重新处置：{ref}").format(ref=case.ref), body=comment
            )
        )
    return outcome


def _close(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    note = _text(data, "note", required=not case.feedback, label=_("结案说明（未回访时必填）"))
    return Outcome(changes.close(case, note=note, at=now))


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
    change = changes.merge(case, into=target, at=now, note=_text(data, "note"))
    # The reporter of the merged case becomes a supporter of the target.
    if change.supporter_id is not None:
        _support, made = CaseSupport.objects.get_or_create(case=target, user_id=change.supporter_id)
        if made:
            Case.objects.filter(pk=target.pk).update(support_count=F("support_count") + 1)
    return Outcome(change)


def _support(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    _support, made = CaseSupport.objects.get_or_create(case=case, user=actor)
    if not made:
        raise ValidationFailed(_("您已经附议过该问题"), code=CaseCode.ALREADY_SUPPORTED)
    return Outcome(changes.support(case))


def _note(case: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Outcome:
    text = _text(data, "note", required=True, label=_("备注内容"))
    return Outcome(changes.note(case, text=text, public=bool(data.get("public", False))))


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
        outcome = handler(case, actor, data, now)  # validates, plans and moves the state
        case.save()
        _append(case, outcome.change, actor=actor, at=now)
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
    change = changes.parts_done(case, list(case.calls.all()), at=now)
    if change is None:
        return
    case.save()
    _append(case, change, actor=None, at=now)
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
