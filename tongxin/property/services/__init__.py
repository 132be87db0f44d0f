"""Writes of red property: contracts and 三无 compounds, the panel's rotation, inspections,
the month's publication and objections, repair ratings. Credit and rectification are in
``credit.py``, joint meetings in ``joint.py``.

Each write validates everything first, checks the policy, writes inside one transaction and
appends an audit row; rows are reached through ``visible_to`` (out of scope is 404).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tongxin.core import audit, clock
from tongxin.core.actors import Actor, as_account, person_id_of
from tongxin.core.errors import Forbidden, NotFound, ValidationFailed
from tongxin.core.scoping import access
from tongxin.orgs.models import Organisation, OrgKind
from tongxin.people.models import Person
from tongxin.places.models import Place, PlaceKind

from .. import defaults, policies, selectors
from ..errors import AlreadyInspected, AlreadyRated, WindowClosed
from ..models import (
    ChecklistItem,
    Inspection,
    InspectionScore,
    MonthlyScore,
    MonthState,
    Objection,
    PanelMember,
    RepairRating,
    SelfManagedCompound,
    ServiceContract,
)


def _bad(field: str, message: str, reason: str | None = None) -> ValidationFailed:
    return ValidationFailed(message, fields=[{"field": field, "reason": reason or message}])


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, n: int) -> dt.date:
    m = day.month - 1 + n
    return day.replace(year=day.year + m // 12, month=m % 12 + 1, day=1)


# ------------------------------------------------------------------ companies and estates


def _estate(actor: Actor, estate_id: Any) -> Place:
    estate = access(Place.objects.visible_to(actor), estate_id)
    if estate.kind != PlaceKind.ESTATE:
        raise _bad("estate_id", _("请选择一个小区"))
    if not policies.manages_path(actor, estate.path):
        raise Forbidden(_("只有社区或街道工作人员可以管理该小区的物业"))
    return estate


def contract_create(
    *,
    actor: Actor,
    company_id: int,
    estate_id: int,
    starts_on: dt.date,
    ends_on: dt.date,
    fee_standard: Any,
    project_manager_id: int | None = None,
    party_org_id: int | None = None,
    note: str = "",
) -> ServiceContract:
    """Record that a property company serves an estate under a contract."""
    estate = _estate(actor, estate_id)
    company = Organisation.objects.filter(pk=company_id, kind=OrgKind.PROPERTY_COMPANY).first()
    if company is None:
        raise _bad("company_id", _("请选择一家物业服务企业"))
    if ends_on < starts_on:
        raise _bad("ends_on", _("合同结束日期不能早于开始日期"))
    try:
        fee = Decimal(str(fee_standard))
    except (InvalidOperation, ValueError):
        raise _bad("fee_standard", _("收费标准应为数字")) from None
    if not Decimal(0) <= fee < Decimal(1000):
        raise _bad("fee_standard", _("收费标准应为数字"))
    if party_org_id is not None and not Organisation.objects.filter(pk=party_org_id).exists():
        raise _bad("party_org_id", _("找不到该党组织"))
    if (
        project_manager_id is not None
        and not Person.objects.visible_to(actor).filter(pk=project_manager_id).exists()
    ):
        raise _bad("project_manager_id", _("找不到该人员"))
    with transaction.atomic():
        overlapping = ServiceContract.objects.select_for_update().filter(
            estate=estate, starts_on__lte=ends_on, ends_on__gte=starts_on
        )
        if overlapping.exists():
            raise _bad("starts_on", _("该小区在此期间已有物业服务合同"))
        if SelfManagedCompound.objects.filter(estate=estate).exists():
            raise _bad("estate_id", _("该小区为自管小区，请先撤销自管"))
        contract = ServiceContract.objects.create(
            company=company,
            estate=estate,
            starts_on=starts_on,
            ends_on=ends_on,
            fee_standard=fee,
            project_manager_id=project_manager_id,
            party_org_id=party_org_id,
            note=note[:200],
        )
        audit.record(actor=actor, action="property_contract_create", obj=contract)
    return contract


def contract_end(
    *, actor: Actor, contract_id: int, ends_on: dt.date, reason: str
) -> ServiceContract:
    """End a contract early (the company leaves, the owners changed company): its last day
    moves to ``ends_on``, not before it started and never later than it was; the reason is
    kept on the contract and in the audit."""
    reason = (reason or "").strip()
    if not reason:
        raise _bad("reason", _("请写明终止原因"))
    with transaction.atomic():
        pk = access(ServiceContract.objects.visible_to(actor), contract_id).pk
        contract = ServiceContract.objects.select_for_update().select_related("estate").get(pk=pk)
        policies.require_manager(actor, contract)
        if ends_on < contract.starts_on:
            raise _bad("ends_on", _("终止日期不能早于合同开始日期"))
        if ends_on >= contract.ends_on:
            raise _bad("ends_on", _("终止日期应早于原合同结束日期"))
        before = contract.ends_on
        contract.ends_on = ends_on
        contract.note = (_("提前终止：{reason}").format(reason=reason))[:200]
        contract.save(update_fields=["ends_on", "note", "updated_at"])
        audit.record(
            actor=actor,
            action="property_contract_end",
            obj=contract,
            detail={"ends_on": ends_on, "was": before, "reason": reason[:200]},
        )
    return contract


def self_management_set(
    *, actor: Actor, estate_id: int, committee_id: int, since: dt.date, note: str = ""
) -> SelfManagedCompound:
    """Mark an estate as a 三无 compound managed by its 自管委."""
    estate = _estate(actor, estate_id)
    committee = Organisation.objects.filter(pk=committee_id, kind=OrgKind.SELF_MANAGEMENT).first()
    if committee is None:
        raise _bad("committee_id", _("请选择一个自管委"))
    with transaction.atomic():
        if ServiceContract.objects.filter(estate=estate, ends_on__gte=since).exists():
            raise _bad("estate_id", _("该小区有物业服务合同，不是三无小区"))
        row, _created = SelfManagedCompound.objects.update_or_create(
            estate=estate, defaults={"committee": committee, "since": since, "note": note[:200]}
        )
        audit.record(actor=actor, action="property_self_management", obj=row)
    return row


# ------------------------------------------------------------------ the panel


def panel_rotate(
    *, actor: Actor, estate_id: int, person_ids: Sequence[int], term_start: dt.date
) -> list[PanelMember]:
    """Appoint the estate's panel for the term from ``term_start`` (a first of a month) for
    ``PANEL_TERM_MONTHS`` months. The rule: residents of the estate, between ``PANEL_MIN``
    and ``PANEL_MAX`` of them, nobody who served the term just before (rotation)."""
    estate = _estate(actor, estate_id)
    ids = list(dict.fromkeys(int(i) for i in person_ids))
    if not defaults.PANEL_MIN <= len(ids) <= defaults.PANEL_MAX:
        raise _bad(
            "person_ids",
            _("评议小组应有 {lo} 至 {hi} 名居民代表").format(
                lo=defaults.PANEL_MIN, hi=defaults.PANEL_MAX
            ),
        )
    term_start = month_of(term_start)
    term_end = add_months(term_start, defaults.PANEL_TERM_MONTHS) - dt.timedelta(days=1)
    people = {
        p.pk: p
        for p in Person.objects.visible_to(actor).filter(
            pk__in=ids, place_path__startswith=estate.path
        )
    }
    strangers = [i for i in ids if i not in people]
    if strangers:
        raise _bad("person_ids", _("评议小组成员须是本小区居民"))
    previous_start = add_months(term_start, -defaults.PANEL_TERM_MONTHS)
    served = set(
        PanelMember.objects.filter(
            estate=estate,
            person_id__in=ids,
            term_start__gte=previous_start,
            term_start__lt=term_start,
        ).values_list("person_id", flat=True)
    )
    if served:
        names = "、".join(people[i].name for i in ids if i in served)
        raise _bad(
            "person_ids",
            _("以下居民代表上一任期已参加评议，本任期应轮换：{names}").format(names=names),
        )
    with transaction.atomic():
        if PanelMember.objects.filter(
            estate=estate, term_start__lte=term_end, term_end__gte=term_start
        ).exists():
            raise _bad("term_start", _("该任期的评议小组已经确定"))
        rows = [
            PanelMember.objects.create(
                estate=estate, person_id=i, term_start=term_start, term_end=term_end
            )
            for i in ids
        ]
        audit.record(
            actor=actor,
            action="property_panel_rotate",
            obj=estate,
            detail={"term_start": term_start, "persons": ids},
        )
    return rows


# ------------------------------------------------------------------ inspections


def _parse_items(items: Any) -> dict[str, int]:
    if not isinstance(items, Sequence) or isinstance(items, (str, bytes)):
        raise _bad("items", _("请为每个检查项目打分"))
    out: dict[str, int] = {}
    for i, raw in enumerate(items):
        if not isinstance(raw, Mapping) or not isinstance(raw.get("code"), str):
            raise _bad(f"items[{i}].code", _("检查项目不正确"))
        score = raw.get("score")
        if isinstance(score, bool) or not isinstance(score, (int, str)):
            raise _bad(f"items[{i}].score", _("得分应为整数"))
        try:
            value = int(score)
        except ValueError:
            raise _bad(f"items[{i}].score", _("得分应为整数")) from None
        if raw["code"] in out:
            raise _bad(f"items[{i}].code", _("检查项目重复"))
        out[raw["code"]] = value
    return out


def inspection_submit(
    *,
    actor: Actor,
    estate_id: int,
    items: Any,
    note: str = "",
    photos: Mapping[str, Sequence[Any]] | None = None,
) -> Inspection:
    """A panelist's inspection of the estate this month: every active checklist item scored
    from 0 to its maximum. An item below ``LOW_ITEM_SHARE`` of its maximum raises a
    rectification order to the company (one per item and month). ``photos`` (item code →
    uploaded images) go through ``core.uploads`` (size, real type, pixels re-encoded without
    metadata), owned by the item's score row, so only those who see the inspection read
    them; one refused photo refuses the whole inspection."""
    from . import credit

    person_id = person_id_of(actor)
    estate = Place.objects.filter(pk=estate_id, kind=PlaceKind.ESTATE).first()
    if estate is None or person_id is None or not policies.is_panelist(actor, estate.pk):
        raise NotFound(_("找不到该小区，或您不是该小区本期评议小组成员"))
    today = clock.today()
    contract = selectors.contract_on(estate.pk, today)
    if contract is None:
        raise _bad("estate_id", _("该小区目前没有物业服务合同"))
    scores = _parse_items(items)
    checklist = list(ChecklistItem.objects.filter(is_active=True))
    known = {c.code: c for c in checklist}
    problems = [
        {"field": f"items.{code}", "reason": _("未知的检查项目")}
        for code in scores
        if code not in known
    ]
    problems += [
        {"field": f"items.{c.code}", "reason": _("请为“{label}”打分").format(label=c.label)}
        for c in checklist
        if c.code not in scores
    ]
    problems += [
        {
            "field": f"items.{code}",
            "reason": _("“{label}”得分应在 0 至 {max} 之间").format(
                label=known[code].label, max=known[code].max_score
            ),
        }
        for code, value in scores.items()
        if code in known and not 0 <= value <= known[code].max_score
    ]
    photos = {code: list(files) for code, files in (photos or {}).items() if files}
    problems += [
        {"field": f"items.{code}", "reason": _("未知的检查项目")}
        for code in photos
        if code not in known
    ]
    if problems:
        raise ValidationFailed(_("检查评分有误，请核对"), fields=problems)
    _check_photos(photos)
    month = month_of(today)
    try:
        with transaction.atomic():
            inspection = Inspection.objects.create(
                contract=contract, month=month, panelist_id=person_id, note=(note or "")[:500]
            )
            rows = InspectionScore.objects.bulk_create(
                InspectionScore(
                    inspection=inspection,
                    item=c,
                    score=scores[c.code],
                    max_score=c.max_score,
                )
                for c in checklist
            )
            for row in rows:
                if photos.get(row.item.code):
                    _store_photos(actor, row, photos[row.item.code])
            low = Decimal(defaults.LOW_ITEM_SHARE)
            for c in checklist:
                if Decimal(scores[c.code]) < low * c.max_score:
                    credit.rectification_from_inspection(
                        actor=actor, inspection=inspection, item=c, score=scores[c.code]
                    )
            audit.record(actor=actor, action="property_inspect", obj=inspection)
    except IntegrityError:
        raise AlreadyInspected(_("您本月已检查过该小区")) from None
    return inspection


def _check_photos(photos: Mapping[str, Sequence[Any]]) -> None:
    """Every photo checked before anything is written, so a refused photo on one item leaves
    no file of another item behind (``store_uploads`` is all or nothing per call only)."""
    from tongxin.core import uploads

    for code, files in photos.items():
        for f in files:
            try:
                uploads.inspect_file(f, accept=uploads.IMAGE_KINDS)
            except ValidationFailed as exc:
                raise ValidationFailed(
                    exc.message, fields=[{"field": f"items.{code}", "reason": exc.message}]
                ) from None


def _store_photos(actor: Actor, row: InspectionScore, files: Sequence[Any]) -> None:
    from tongxin.core import uploads

    try:
        stored = uploads.store_uploads(
            actor=actor,
            files=files,
            purpose="property_inspection_photo",
            owner=row,
            accept=uploads.IMAGE_KINDS,
        )
    except ValidationFailed as exc:
        raise ValidationFailed(
            exc.message, fields=[{"field": f"items.{row.item.code}", "reason": exc.message}]
        ) from None
    row.photos = [str(u.pk) for u in stored]
    row.save(update_fields=["photos"])


# ------------------------------------------------------------------ the month's score


def month_publish(*, actor: Actor, contract_id: int, month: dt.date) -> MonthlyScore:
    """Compute the month's score of the contract and publish it (objections open for
    ``Scheme.objection_days``); the month must have ended. A published month raises the
    credit records its score calls for (``credit.records_from_month``)."""
    from . import credit

    contract = access(ServiceContract.objects.visible_to(actor), contract_id)
    policies.require_manager(actor, contract)
    month = month_of(month)
    today = clock.today()
    if add_months(month, 1) > today:
        raise _bad("month", _("该月尚未结束，不能公示"))
    scheme = selectors.scheme()
    result = selectors.month_result(contract, month)
    with transaction.atomic():
        row = (
            MonthlyScore.objects.select_for_update().filter(contract=contract, month=month).first()
        )
        if row is not None and row.state == MonthState.PUBLISHED:
            raise WindowClosed(_("该月评分已公示"))
        row = row or MonthlyScore(contract=contract, month=month)
        row.total = result.total
        row.grade = result.grade
        row.result = result.as_dict()
        row.state = MonthState.PUBLISHED
        row.published_on = today
        row.objection_until = today + dt.timedelta(days=scheme.objection_days)
        row.save()
        credit.records_from_month(actor=actor, score=row)
        audit.record(
            actor=actor,
            action="property_month_publish",
            obj=row,
            detail={"total": row.total, "grade": row.grade},
        )
    return row


def objection_raise(*, actor: Actor, score_id: int, reason: str) -> Objection:
    """The company or a panelist objects to a published score within its window."""
    score = access(MonthlyScore.objects.visible_to(actor).select_related("contract"), score_id)
    reason = (reason or "").strip()
    if not reason:
        raise _bad("reason", _("请填写异议理由"))
    if not (
        policies.works_for(actor, score.contract.company_id)
        or policies.is_panelist(actor, score.contract.estate_id)
    ):
        raise Forbidden(_("只有物业企业或评议小组成员可以提出异议"))
    if score.state != MonthState.PUBLISHED or (
        score.objection_until and clock.today() > score.objection_until
    ):
        raise WindowClosed(_("异议期已过"))
    with transaction.atomic():
        row = Objection.objects.create(
            score=score, raised_by=as_account(actor), reason=reason[:500]
        )
        audit.record(actor=actor, action="property_objection", obj=row)
    return row


def objection_answer(*, actor: Actor, objection_id: int, answer: str) -> Objection:
    row = Objection.objects.select_related("score__contract").filter(pk=objection_id).first()
    if (
        row is None
        or not ServiceContract.objects.visible_to(actor).filter(pk=row.score.contract_id).exists()
    ):
        raise NotFound(_("找不到该异议"))
    policies.require_manager(actor, row.score.contract)
    answer = (answer or "").strip()
    if not answer:
        raise _bad("answer", _("请填写答复"))
    with transaction.atomic():
        row.answer = answer[:500]
        row.answered_by = as_account(actor)
        row.answered_at = clock.now()
        row.save(update_fields=["answer", "answered_by", "answered_at", "updated_at"])
        audit.record(actor=actor, action="property_objection_answer", obj=row)
    return row


# ------------------------------------------------------------------ repair ratings


def repair_rate(
    *, actor: Actor, case_id: int, overall: Any, arrival: Any, service: Any
) -> RepairRating:
    """The reporter rates a closed property case at an estate served under a contract:
    overall, speed of arrival, service, each 1–5. Once per case."""
    from tongxin.cases.models import Case
    from tongxin.cases.workflow import State

    case = access(Case.objects.visible_to(actor).select_related("category"), case_id)
    if case.reporter_person_id is None or case.reporter_person_id != person_id_of(actor):
        raise Forbidden(_("只有报修人可以评价"))
    if case.state != State.CLOSED or not case.category.code.startswith("property"):
        raise _bad("case_id", _("只能评价已结案的物业报修"))
    marks: dict[str, int] = {}
    for name, value in (("overall", overall), ("arrival", arrival), ("service", service)):
        try:
            marks[name] = int(value)
        except (TypeError, ValueError):
            marks[name] = 0
        if not 1 <= marks[name] <= 5:
            raise _bad(name, _("评价应为 1 至 5 星"))
    rater = case.reporter_person_id
    day = clock.local_date(case.closed_at) if case.closed_at else clock.today()
    contract = selectors.contract_at_path(case.place_path, day)
    if contract is None:
        raise _bad("case_id", _("该诉求不在有物业服务合同的小区"))
    try:
        with transaction.atomic():
            row = RepairRating.objects.create(
                case=case,
                contract=contract,
                rated_by_id=rater,
                month=month_of(day),
                **marks,
            )
            audit.record(actor=actor, action="property_repair_rate", obj=row)
    except IntegrityError:
        raise AlreadyRated(_("该报修已评价过")) from None
    return row
