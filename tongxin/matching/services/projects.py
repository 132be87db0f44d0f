"""Writes of 项目清单: create a project from needs, approve, start, milestones, money in and
out, close with the close-off record, cancel.

Every write goes the same way: find the project through ``visible_to`` (404), lock its row
(``select_for_update``: two writers of one project queue here, so two expenses never both
see the same balance), check ``PROJECT_MACHINE`` (409 ``TRANSITION_NOT_ALLOWED``), check that
the caller manages the community (403 ``NOT_PROJECT_MANAGER``), validate (422, nothing
written), write, an audit row and the inbox messages, in one transaction.

Money: a project's account is a ledger account (kind ``project``, unit fen). Funds raised move
money from the community's fen issuer (the world outside) into it, an expense moves it back
out, so the ledger's check covers every movement and the account's balance is raised − spent.
A ``ProjectMoney`` row beside each ledger transaction names the contributor or the purpose and
the receipt. An expense larger than the balance is refused (409 ``PROJECT_FUNDS_SHORT``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core import audit, clock
from tongxin.core.actors import Actor, as_account
from tongxin.core.errors import Code, Forbidden, NotFound, TransitionRefused, ValidationFailed
from tongxin.core.scoping import access
from tongxin.inbox.services import notify
from tongxin.orgs.models import Organisation, Post
from tongxin.places.models import Place
from tongxin.volunteering import ledger
from tongxin.volunteering.models import Account, TxKind
from tongxin.volunteering.policies import manages_community

from ..errors import MatchingCode, MilestonesOpen, ProjectFundsShort
from ..models import (
    Milestone,
    MoneyKind,
    Need,
    NeedEvent,
    Outcome,
    Project,
    ProjectMoney,
    ProjectNeed,
)
from ..workflow import NEED_MACHINE, PROJECT_MACHINE, PROJECT_STATE_ACTS, NeedAct, ProjectAct
from .needs import _choice, _field_error, _int, _text

MAX_FEN = 10_000_000_000  # one project's budget or one movement: at most 100,000,000 元
MAX_NEEDS = 50
NOTIFY_KIND = "matching"


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def fen_from_yuan(text: Any, field: str) -> int:
    """A sum typed in 元 on a page ("1,234.56", "80", "0.5") as integer fen, exactly (no
    floats); 422 for anything else."""
    raw = str(text or "").strip().replace(",", "").replace("，", "")
    raw = raw.removesuffix("元").strip()  # i18n-data: the unit a sum may be typed with
    whole, _sep, frac = raw.partition(".")
    if not whole.isdigit() and not (whole == "" and frac.isdigit()):
        raise _field_error(field, _("请填写金额（元），最多两位小数"))
    if len(frac) > 2 or (frac and not frac.isdigit()):
        raise _field_error(field, _("请填写金额（元），最多两位小数"))
    fen = int(whole or "0") * 100 + int((frac + "00")[:2])
    if fen > MAX_FEN:
        raise _field_error(field, _("金额过大"))
    return fen


def require_project_manager(actor: Actor, community: Place) -> None:
    if not manages_community(actor, community):
        raise Forbidden(_("只有社区工作人员可以办理项目"), code=MatchingCode.NOT_PROJECT_MANAGER)


def _owner_persons(project: Project) -> list[int]:
    return list(
        Post.objects.active()
        .filter(organisation__in=project.owners.all())
        .values_list("person_id", flat=True)
    )


def _tell(project: Project, subject: str) -> None:
    """The holders of posts in the owner units hear of each step."""
    notify(
        recipients=_owner_persons(project),
        kind=NOTIFY_KIND,
        subject=subject,
        link=f"/matching/projects/{project.pk}/",
        topic=f"project:{project.pk}",
    )


def _locked(actor: Actor, project_id: Any, act: str) -> Project:
    """The project, reached through ``visible_to`` (404), locked, the act allowed by the
    machine (409) and the caller a manager of its community (403)."""
    seen = access(Project.objects.visible_to(actor), project_id)
    project = (
        Project.objects.select_for_update(of=("self",)).select_related("community").get(pk=seen.pk)
    )
    PROJECT_MACHINE.check(act, project.state)
    require_project_manager(actor, project.community)
    return project


def _date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _field_error(field, _("日期格式应为 YYYY-MM-DD")) from None


def _need_event(need: Need, *, actor: Actor, act: str, frm: str, project: Project) -> None:
    NeedEvent.objects.create(
        need=need,
        act=act,
        from_state=frm,
        to_state=need.state,
        actor=as_account(actor),
        note=project.title[:300],
        data={"project": project.pk},
        at=clock.now(),
    )


def _move_needs(project: Project, actor: Actor, act: str) -> list[int]:
    """Move the project's needs that are still in it (``in_project``) by ``act``."""
    moved = []
    for need in (
        Need.objects.select_for_update()
        .filter(pk__in=project.links.values("need_id"), state="in_project")
        .order_by("pk")
    ):
        frm = need.state
        NEED_MACHINE.move(need, act)
        need.save(update_fields=["state", "updated_at"])
        _need_event(need, actor=actor, act=act, frm=frm, project=project)
        moved.append(need.pk)
    return moved


def _adopt(project: Project, needs: Iterable[Need], actor: Actor) -> list[int]:
    """Take needs into the project: each of the project's community, in a state the need
    machine lets a project adopt (verified, listed, expired; 409 otherwise)."""
    added = []
    for seen in needs:
        need = Need.objects.select_for_update().get(pk=seen.pk)
        if need.community_id != project.community_id:
            raise _field_error("needs", _("需求 #{pk} 不属于本社区").format(pk=need.pk))
        frm = need.state
        NEED_MACHINE.check(NeedAct.ADOPT, frm)
        NEED_MACHINE.move(need, NeedAct.ADOPT)
        need.save(update_fields=["state", "updated_at"])
        ProjectNeed.objects.create(
            project=project, need=need, added_by=as_account(actor), added_at=clock.now()
        )
        _need_event(need, actor=actor, act=NeedAct.ADOPT, frm=frm, project=project)
        added.append(need.pk)
    return added


def _owners(owners: Iterable[Organisation]) -> list[Organisation]:
    rows = list({o.pk: o for o in owners}.values())
    if not rows:
        raise _field_error("owners", _("请至少选择一个牵头单位"))
    return rows


# ---------------------------------------------------------------------------- create


def project_create(
    *,
    actor: Actor,
    community: Place,
    title: str,
    owners: Iterable[Organisation],
    description: str = "",
    budget: int = 0,
    starts_on: Any = None,
    ends_on: Any = None,
    needs: Iterable[Need] = (),
) -> Project:
    """A project (state ``proposed``) of the community the caller manages, with its owner
    units (reached by the caller through ``visible_to``) and the needs it takes in (reached
    the same way; they leave the claiming list)."""
    require_project_manager(actor, community)
    title = _text(title, "title", limit=80, required=True)
    description = _text(description, "description", limit=1000)
    budget = _int(budget, "budget", low=0, high=MAX_FEN)
    start, end = _date(starts_on, "starts_on"), _date(ends_on, "ends_on")
    if start and end and end < start:
        raise _field_error("ends_on", _("完成日期不能早于开始日期"))
    units = _owners(owners)
    needs = list(needs)
    if len(needs) > MAX_NEEDS:
        raise _field_error("needs", _("一个项目最多纳入 {n} 条需求").format(n=MAX_NEEDS))
    with transaction.atomic():
        project = Project.objects.create(
            community=community,
            title=title,
            description=description,
            budget=budget,
            starts_on=start,
            ends_on=end,
            account=ledger.new_project_account(community),
            proposed_by=as_account(actor),
        )
        project.owners.set(units)
        added = _adopt(project, needs, actor)
        audit.record(
            actor=actor,
            action="project_create",
            obj=project,
            detail={"budget": budget, "owners": [u.pk for u in units], "needs": added},
        )
        _tell(project, _("新项目已立项：{title}").format(title=project.title))
    return project


def project_add_needs(*, actor: Actor, project_id: Any, needs: Iterable[Need]) -> Project:
    with transaction.atomic():
        project = _locked(actor, project_id, ProjectAct.ADD_NEED)
        needs = list(needs)
        if not needs:
            raise _field_error("needs", _("请选择需求"))
        if project.links.count() + len(needs) > MAX_NEEDS:
            raise _field_error("needs", _("一个项目最多纳入 {n} 条需求").format(n=MAX_NEEDS))
        added = _adopt(project, needs, actor)
        audit.record(actor=actor, action="project_add_needs", obj=project, detail={"needs": added})
    return project


# ---------------------------------------------------------------------------- state acts


def project_act(
    *, actor: Actor, project_id: Any, act: str, data: dict[str, Any] | None = None
) -> Project:
    """``approve``, ``start``, ``close`` (with the close-off record) or ``cancel`` (with a
    reason); see the module docstring."""
    data = data or {}
    if act not in PROJECT_STATE_ACTS:
        raise ValidationFailed(
            _("未知的操作：{act}").format(act=act),
            code=Code.UNKNOWN_ACTION,
            fields=[{"field": "act", "reason": _("取值应为：") + "、".join(PROJECT_STATE_ACTS)}],
        )
    with transaction.atomic():
        project = _locked(actor, project_id, act)
        frm = project.state
        detail: dict[str, Any] = {}
        if act == ProjectAct.APPROVE:
            project.approved_by, project.approved_at = as_account(actor), clock.now()
        elif act == ProjectAct.START:
            if project.starts_on is None:
                project.starts_on = clock.today()
        elif act == ProjectAct.CLOSE:
            detail = _close_off(project, actor, data)
        elif act == ProjectAct.CANCEL:
            project.cancel_reason = _text(data.get("reason"), "reason", limit=300, required=True)
            detail = {"needs_returned": _move_needs(project, actor, NeedAct.UNADOPT)}
        PROJECT_MACHINE.move(project, act)
        project.save()
        audit.record(
            actor=actor,
            action=f"project_{act}",
            obj=project,
            detail={"from": frm, "to": project.state, **detail},
        )
        _tell(
            project,
            _("项目“{title}”：{state}").format(
                title=project.title, state=project.get_state_display()
            ),
        )
    return project


def _close_off(project: Project, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """The close-off record; refused (409 ``MILESTONES_OPEN``) while a milestone is open,
    unless ``waiver`` says why the project closes without it."""
    summary = _text(data.get("summary"), "summary", limit=1000, required=True)
    outcome = _choice(data.get("outcome"), "outcome", Outcome)
    beneficiaries = data.get("beneficiaries")
    if beneficiaries is not None:
        beneficiaries = _int(beneficiaries, "beneficiaries", low=0, high=10_000_000)
    waiver = _text(data.get("waiver"), "waiver", limit=300)
    open_ones = list(
        project.milestones.filter(done_at__isnull=True).values_list("title", flat=True)
    )
    if open_ones and not waiver:
        raise MilestonesOpen(
            _("还有 {n} 个节点未完成：{titles}。请先完成，或填写未完成说明后结项").format(
                n=len(open_ones), titles="、".join(open_ones)
            ),
            context={"open": open_ones},
            fields=[{"field": "waiver", "reason": _("有未完成的节点时必填")}],
        )
    project.summary, project.outcome, project.beneficiaries = summary, outcome, beneficiaries
    project.waiver = waiver if open_ones else ""
    project.closed_by, project.closed_at = as_account(actor), clock.now()
    return {
        "outcome": outcome,
        "beneficiaries": beneficiaries,
        "open_milestones": len(open_ones),
        "needs_closed": _move_needs(project, actor, NeedAct.SETTLE),
        "balance": project.balance,
    }


# ---------------------------------------------------------------------------- milestones


def milestone_add(*, actor: Actor, project_id: Any, title: str, due_on: Any) -> Milestone:
    with transaction.atomic():
        project = _locked(actor, project_id, ProjectAct.ADD_MILESTONE)
        title = _text(title, "title", limit=80, required=True)
        due = _date(due_on, "due_on")
        if due is None:
            raise _field_error("due_on", _("必填"))
        if project.milestones.count() >= 100:
            raise _field_error("title", _("一个项目最多 100 个节点"))
        m = Milestone.objects.create(project=project, title=title, due_on=due)
        audit.record(
            actor=actor,
            action="project_milestone_add",
            obj=project,
            detail={"milestone": m.pk, "due_on": due.isoformat()},
        )
    return m


def milestone_complete(
    *, actor: Actor, project_id: Any, milestone_id: Any, evidence: str = ""
) -> Milestone:
    """Mark a milestone done, with a note of the evidence; done once (409 the second time)."""
    with transaction.atomic():
        project = _locked(actor, project_id, ProjectAct.COMPLETE_MILESTONE)
        m = Milestone.objects.select_for_update().filter(project=project, pk=milestone_id).first()
        if m is None:
            raise NotFound(_("未找到该节点"))
        if m.done_at is not None:
            raise TransitionRefused(
                _("该节点已于 {at:%Y-%m-%d} 完成").format(at=clock.local(m.done_at)),
                context={"milestone": m.pk},
            )
        m.evidence = _text(evidence, "evidence", limit=300, required=True)
        m.done_at, m.done_by = clock.now(), as_account(actor)
        m.save()
        audit.record(
            actor=actor,
            action="project_milestone_done",
            obj=project,
            detail={"milestone": m.pk, "late": m.due_on < clock.today()},
        )
        _tell(project, _("项目“{title}”节点完成：{m}").format(title=project.title, m=m.title))
    return m


# ---------------------------------------------------------------------------- money


def _pair(project: Project) -> tuple[Account, Account]:
    """The project's account and the community's fen issuer, locked in key order."""
    issuer = ledger.issuer_account(project.community, project.account.unit)
    rows = {
        a.pk: a
        for a in Account.objects.select_for_update()
        .filter(pk__in=[project.account_id, issuer.pk])
        .order_by("pk")
    }
    return rows[project.account_id], rows[issuer.pk]


def _move(
    *, actor: Actor, project: Project, kind: str, amount: int, reason: str, **record: Any
) -> ProjectMoney:
    """Move ``amount`` fen into the project (raise) or out of it (spend) under the project's
    row lock and the accounts' locks; its ``ProjectMoney`` row, the figures and the audit row
    in the same transaction."""
    account, issuer = _pair(project)
    into = kind == MoneyKind.RAISE
    if not into and account.balance < amount:
        raise ProjectFundsShort(
            _("项目资金不足：尚有 {yuan} 元，本次支出 {want} 元").format(
                yuan=yuan(account.balance), want=yuan(amount)
            ),
            context={"balance": account.balance, "amount": amount},
            fields=[{"field": "amount", "reason": _("超过项目结余")}],
        )
    sign = 1 if into else -1
    tx = ledger.post(
        kind=TxKind.PROJECT_RAISE if into else TxKind.PROJECT_SPEND,
        legs=[ledger.Leg(issuer, -sign * amount), ledger.Leg(account, sign * amount)],
        reason=reason,
        actor=actor,
        community=project.community,
        locked=[account, issuer],
    )
    row = ProjectMoney.objects.create(
        project=project,
        kind=kind,
        amount=amount,
        tx=tx,
        recorded_by=as_account(actor),
        at=clock.now(),
        **record,
    )
    if into:
        project.raised += amount
    else:
        project.spent += amount
    project.save(update_fields=["raised", "spent", "updated_at"])
    audit.record(
        actor=actor,
        action=f"project_{kind}",
        obj=project,
        detail={"amount": amount, "money": row.pk, "balance": account.balance},
    )
    return row


def project_raise(
    *,
    actor: Actor,
    project_id: Any,
    amount: int,
    contributor: str = "",
    organisation: Organisation | None = None,
    note: str = "",
) -> ProjectMoney:
    """Funds raised: ``amount`` fen from a unit (``organisation``, reached through
    ``visible_to``) or a named contributor (a person, a shop)."""
    with transaction.atomic():
        project = _locked(actor, project_id, ProjectAct.RAISE)
        amount = _int(amount, "amount", low=1, high=MAX_FEN)
        contributor = _text(contributor, "contributor", limit=60)
        if organisation is not None and not contributor:
            contributor = organisation.name[:60]
        if not contributor:
            raise _field_error("contributor", _("请填写出资方"))
        note = _text(note, "note", limit=200)
        return _move(
            actor=actor,
            project=project,
            kind=MoneyKind.RAISE,
            amount=amount,
            reason=note or _("{who} 出资：{title}").format(who=contributor, title=project.title),
            contributor=contributor,
            organisation=organisation,
            purpose=note,
        )


def project_spend(
    *, actor: Actor, project_id: Any, amount: int, purpose: str, receipt_no: str
) -> ProjectMoney:
    """An expense of ``amount`` fen with its purpose and receipt number; 409
    ``PROJECT_FUNDS_SHORT`` beyond the balance."""
    with transaction.atomic():
        project = _locked(actor, project_id, ProjectAct.SPEND)
        amount = _int(amount, "amount", low=1, high=MAX_FEN)
        purpose = _text(purpose, "purpose", limit=200, required=True)
        receipt_no = _text(receipt_no, "receipt_no", limit=60, required=True)
        return _move(
            actor=actor,
            project=project,
            kind=MoneyKind.SPEND,
            amount=amount,
            reason=_("项目支出：{purpose}（票据 {no}）").format(purpose=purpose, no=receipt_no),
            purpose=purpose,
            receipt_no=receipt_no,
        )
