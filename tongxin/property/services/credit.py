"""Credit and rectification: records raised from their evidence by configurable rules, the
company's response window, posting and withdrawal, expiry, the score and grade through the
one scoring engine, the blacklist; rectification orders with deadlines and re-inspection.

Where records come from (each a ``CreditRule`` row by code; points, validity and blacklisting
are data):

- ``monthly_fail`` / ``monthly_excellent``: a published month below 60 / at least 95;
- ``case_overdue``: a property case at the estate that went overdue; ``case_reopened``: one
  reopened after the resident answered 不满意;
- ``resolution_overdue``: a joint meeting's resolution owned by the company's people, past its
  due day and still open;
- ``rectification_overdue``: an order not answered by its deadline;
- ``lawsuit_lost``, ``fees_unpublished``, ``repair_fund_misuse``, ``refuse_to_leave``,
  ``street_commended``: entered by the street or community with the evidence named (案号,
  检查记录).

Each record is unique per rule and evidence, so a sweep run twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from tongxin.core import audit, clock
from tongxin.core.actors import Actor, saved_account
from tongxin.core.errors import NotFound, ValidationFailed
from tongxin.core.scoping import access
from tongxin.core.scoring import Evidence, FactSet, Result, evaluate
from tongxin.orgs.models import Organisation

from .. import defaults, policies, selectors
from ..models import (
    ChecklistItem,
    CreditEvent,
    CreditRule,
    CreditSource,
    CreditState,
    Inspection,
    MonthlyScore,
    Rectification,
    RectState,
    ServiceContract,
)
from ..workflow import CREDIT_MACHINE, RECT_MACHINE, CreditAct, RectAct

MANUAL_SOURCES = (CreditSource.LAWSUIT, CreditSource.STREET)


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields=[{"field": field, "reason": message}])


def record(
    *,
    actor: Actor | None,
    rule_code: str,
    company_id: int,
    contract: ServiceContract | None,
    evidence: Evidence,
    occurred_on: dt.date,
) -> CreditEvent | None:
    """Raise a credit record of a rule on its evidence; None when the rule is switched off or
    the same evidence already raised it. The company has ``Scheme.response_days`` to answer."""
    rule = CreditRule.objects.filter(code=rule_code, is_active=True).first()
    if rule is None:
        return None
    today = clock.today()
    try:
        with transaction.atomic():
            event = CreditEvent.objects.create(
                company_id=company_id,
                contract=contract,
                estate_path=contract.estate_path if contract else "",
                rule=rule,
                points=rule.points,
                occurred_on=occurred_on,
                respond_until=today + dt.timedelta(days=selectors.scheme().response_days),
                expires_on=occurred_on + dt.timedelta(days=rule.validity_days),
                evidence_model=evidence.model,
                evidence_id=str(evidence.id),
                evidence_text=evidence.text[:300],
                evidence_url=evidence.url[:200],
                created_by=saved_account(actor),
            )
            audit.record(actor=actor, action="property_credit_record", obj=event)
    except IntegrityError:
        return None
    return event


def credit_raise(
    *,
    actor: Actor,
    contract_id: int,
    rule_code: str,
    evidence_text: str,
    occurred_on: dt.date,
) -> CreditEvent:
    """A manager records a credit event the system cannot see (a lost lawsuit, the street's
    inspection, unpublished fees): the evidence is named (案号, 检查记录编号)."""
    contract = access(ServiceContract.objects.visible_to(actor), contract_id)
    policies.require_manager(actor, contract)
    rule = CreditRule.objects.filter(code=rule_code, is_active=True).first()
    if rule is None:
        raise _bad("rule", _("未知的信用规则"))
    text = (evidence_text or "").strip()
    if not text:
        raise _bad("evidence_text", _("请写明证据（如判决书案号、检查记录）"))
    if occurred_on > clock.today():
        raise _bad("occurred_on", _("发生日期不能晚于今天"))
    key = f"{contract.pk}:{occurred_on.isoformat()}:{text[:20]}"
    event = record(
        actor=actor,
        rule_code=rule.code,
        company_id=contract.company_id,
        contract=contract,
        evidence=Evidence(f"property.{rule.source}", key, text),
        occurred_on=occurred_on,
    )
    if event is None:
        raise _bad("evidence_text", _("该记录已登记"))
    return event


def _locked(actor: Actor, event_id: Any) -> CreditEvent:
    pk = access(CreditEvent.objects.visible_to(actor), event_id).pk
    return CreditEvent.objects.select_for_update(of=("self",)).select_related("contract").get(pk=pk)


def credit_respond(*, actor: Actor, event_id: int, response: str) -> CreditEvent:
    """The company answers a record within its window."""
    text = (response or "").strip()
    if not text:
        raise _bad("response", _("请填写申辩内容"))
    with transaction.atomic():
        event = _locked(actor, event_id)
        policies.require_company(actor, event.company_id)
        if clock.today() > event.respond_until:
            raise _bad("response", _("申辩期已过"))
        CREDIT_MACHINE.move(event, CreditAct.RESPOND)
        event.response = text[:1000]
        event.responded_at = clock.now()
        event.save(update_fields=["state", "response", "responded_at", "updated_at"])
        audit.record(actor=actor, action="property_credit_respond", obj=event)
    return event


def credit_decide(*, actor: Actor, event_id: int, act: str, note: str = "") -> CreditEvent:
    """A manager posts a record (it counts from today) or withdraws it (the response or a
    review cleared it)."""
    if act not in (CreditAct.POST, CreditAct.WITHDRAW):
        raise _bad("act", _("未知的操作"))
    with transaction.atomic():
        event = _locked(actor, event_id)
        if event.contract is None or not policies.manages(actor, event.contract):
            raise NotFound(_("找不到该信用记录"))
        CREDIT_MACHINE.move(event, act)
        if act == CreditAct.WITHDRAW and not note.strip():
            raise _bad("note", _("撤销请写明理由"))
        event.decision_note = note.strip()[:500]
        if act == CreditAct.POST:
            event.posted_on = clock.today()
        event.save(update_fields=["state", "decision_note", "posted_on", "updated_at"])
        audit.record(actor=actor, action=f"property_credit_{act}", obj=event)
    return event


def post_due(today: dt.date | None = None) -> int:
    """Post every pending record whose response window has ended (the company did not
    answer). Idempotent."""
    today = today or clock.today()
    n = 0
    with transaction.atomic():
        for event in CreditEvent.objects.select_for_update().filter(
            state=CreditState.PENDING, respond_until__lt=today
        ):
            CREDIT_MACHINE.move(event, CreditAct.POST)
            event.posted_on = today
            event.save(update_fields=["state", "posted_on", "updated_at"])
            audit.record(actor=None, action="property_credit_post_due", obj=event)
            n += 1
    return n


# ------------------------------------------------------------------ the score


@dataclass
class Credit:
    company: Organisation
    on: dt.date
    result: Result
    grade: str
    blacklisted: bool
    events: list[CreditEvent]

    @property
    def score(self) -> Decimal:
        return self.result.total


def in_force(events: list[CreditEvent], on: dt.date) -> list[CreditEvent]:
    """The posted records that count on ``on``: occurred by then, not expired."""
    return [
        e for e in events if e.state == CreditState.POSTED and e.occurred_on <= on < e.expires_on
    ]


def credit_of(company: Organisation, on: dt.date | None = None) -> Credit:
    """The company's credit on ``on``: base + good records (capped) − bad records, graded by
    the scheme's bands; any blacklisting record in force overrides the grade."""
    on = on or clock.today()
    events = list(
        CreditEvent.objects.filter(company=company)
        .select_related("rule", "contract__estate")
        .order_by("-occurred_on", "-id")
    )
    counting = in_force(events, on)
    facts = FactSet()
    for e in counting:
        evidence = Evidence(
            e.evidence_model, e.evidence_id, f"{e.rule.label}：{e.evidence_text}", e.evidence_url
        )
        facts.add("good" if e.points > 0 else "bad", evidence, amount=abs(e.points))
    result = evaluate(selectors.credit_formula(), facts)
    blacklisted = any(e.rule.blacklist for e in counting)
    grade = defaults.BLACKLIST_GRADE if blacklisted else result.grade
    return Credit(company, on, result, grade, blacklisted, events)


# ------------------------------------------------------------------ sources


def _month_url(score: MonthlyScore) -> str:
    return (
        reverse("property:estate", args=[score.contract.estate_id]) + f"?month={score.month:%Y-%m}"
    )


def records_from_month(*, actor: Actor | None, score: MonthlyScore) -> list[CreditEvent]:
    """A published month below 60 is a bad record, at least 95 a good one."""
    evidence = Evidence(
        "property.monthlyscore",
        score.pk,
        _("{month} 月度评分 {total}（{grade}）").format(
            month=f"{score.month:%Y-%m}", total=score.total, grade=score.grade
        ),
        _month_url(score),
    )
    code = "monthly_fail" if score.total < 60 else "monthly_excellent" if score.total >= 95 else ""
    if not code:
        return []
    event = record(
        actor=actor,
        rule_code=code,
        company_id=score.contract.company_id,
        contract=score.contract,
        evidence=evidence,
        occurred_on=score.published_on or clock.today(),
    )
    return [event] if event else []


def records_from_cases(since: dt.date) -> int:
    """Property cases at estates under contract that went overdue, or were reopened after
    不满意, since ``since``."""
    from tongxin.cases.models import Case

    n = 0
    contracts = list(ServiceContract.objects.filter(ends_on__gte=since))
    cases = Case.objects.filter(
        category__code__startswith="property", created_at__date__gte=since
    ).filter(overdue=True) | Case.objects.filter(
        category__code__startswith="property", created_at__date__gte=since, reopen_count__gt=0
    )
    for case in cases.distinct().order_by("id"):
        day = clock.local_date(case.created_at)
        contract = next(
            (
                c
                for c in contracts
                if case.place_path.startswith(c.estate_path) and c.starts_on <= day <= c.ends_on
            ),
            None,
        )
        if contract is None:
            continue
        url = reverse("cases:detail", args=[case.pk])
        for code, hit in (("case_overdue", case.overdue), ("case_reopened", case.reopen_count > 0)):
            if hit and record(
                actor=None,
                rule_code=code,
                company_id=contract.company_id,
                contract=contract,
                evidence=Evidence(
                    "cases.case", case.pk, f"{case.ref} {case.description[:60]}", url
                ),
                occurred_on=day,
            ):
                n += 1
    return n


def records_from_resolutions(today: dt.date) -> int:
    """Joint meetings' resolutions owned by a company's people, overdue and still open."""
    from tongxin.meetings.models import ActionItem, ActionState
    from tongxin.orgs.models import Post

    from .joint import JOINT_KIND

    n = 0
    items = ActionItem.objects.filter(
        meeting__kind__code=JOINT_KIND, state=ActionState.OPEN, due__lt=today
    ).select_related("meeting")
    for item in items:
        company_ids = list(
            Post.objects.active(today)
            .filter(person_id=item.owner_id, organisation__kind="property_company")
            .values_list("organisation_id", flat=True)
        )
        for company_id in company_ids:
            contract = (
                ServiceContract.objects.filter(company_id=company_id, ends_on__gte=today)
                .order_by("starts_on")
                .first()
            )
            if record(
                actor=None,
                rule_code="resolution_overdue",
                company_id=company_id,
                contract=contract,
                evidence=Evidence(
                    "meetings.actionitem",
                    item.pk,
                    f"{item.meeting.title}：{item.text[:80]}",
                    reverse("meetings:meeting", args=[item.meeting_id]),
                ),
                occurred_on=item.due or today,
            ):
                n += 1
    return n


def records_from_rectifications(today: dt.date) -> int:
    n = 0
    for r in Rectification.objects.filter(state=RectState.OPEN, deadline__lt=today).select_related(
        "contract"
    ):
        if record(
            actor=None,
            rule_code="rectification_overdue",
            company_id=r.contract.company_id,
            contract=r.contract,
            evidence=Evidence(
                "property.rectification",
                r.pk,
                r.text[:200],
                reverse("property:rectification", args=[r.pk]),
            ),
            occurred_on=r.deadline,
        ):
            n += 1
    return n


# ------------------------------------------------------------------ rectification


def rectification_from_inspection(
    *, actor: Actor, inspection: Inspection, item: ChecklistItem, score: int
) -> Rectification | None:
    """A low item of an inspection raises one order per contract, item and month."""
    exists = Rectification.objects.filter(
        contract=inspection.contract,
        item=item,
        inspection__month=inspection.month,
    ).exists()
    if exists:
        return None
    row = Rectification.objects.create(
        contract=inspection.contract,
        inspection=inspection,
        item=item,
        text=_("{item}检查得分 {score}/{max}，请限期整改").format(
            item=item.label, score=score, max=item.max_score
        ),
        deadline=clock.today() + dt.timedelta(days=defaults.RECTIFY_DAYS),
    )
    audit.record(actor=actor, action="property_rectification_raise", obj=row)
    return row


def rectification_issue(
    *, actor: Actor, contract_id: int, text: str, deadline: dt.date
) -> Rectification:
    contract = access(ServiceContract.objects.visible_to(actor), contract_id)
    policies.require_manager(actor, contract)
    text = (text or "").strip()
    if not text:
        raise _bad("text", _("请填写整改要求"))
    if deadline < clock.today():
        raise _bad("deadline", _("整改期限不能早于今天"))
    with transaction.atomic():
        row = Rectification.objects.create(contract=contract, text=text[:500], deadline=deadline)
        audit.record(actor=actor, action="property_rectification_issue", obj=row)
    return row


def rectification_act(*, actor: Actor, rect_id: int, act: str, text: str = "") -> Rectification:
    """The company reports (``respond``); a manager re-inspects (``pass`` closes it, ``fail``
    sends it back open)."""
    text = (text or "").strip()
    if not text:
        raise _bad("text", _("请填写说明"))
    with transaction.atomic():
        pk = access(Rectification.objects.visible_to(actor), rect_id).pk
        row = Rectification.objects.select_for_update().select_related("contract").get(pk=pk)
        if act == RectAct.RESPOND:
            policies.require_company(actor, row.contract.company_id)
        else:
            policies.require_manager(actor, row.contract)
        RECT_MACHINE.move(row, act)
        fields = ["state", "updated_at"]
        if act == RectAct.RESPOND:
            row.response, row.responded_at = text[:1000], clock.now()
            fields += ["response", "responded_at"]
        else:
            row.reinspection_note = text[:500]
            fields.append("reinspection_note")
            if act == RectAct.PASS:
                row.closed_at = clock.now()
                fields.append("closed_at")
        row.save(update_fields=fields)
        audit.record(actor=actor, action=f"property_rectification_{act}", obj=row)
    return row
