"""When a care tag ends (its end date set, the tag removed, the resident erased), the visits
it alone required go, and when it is put back (the end date cleared or moved later) they come
back: the resident's open visits are re-derived from the tags that remain (one schedule per
person — a visit another tag still calls for stays). Done and missed visits are history and
never touched. A resident whose last tag has ended is no longer knocked on: their pairs end.

When a resident's risk tier changes, the same holds for the tier's rules (``retier``): the
open visits of the tier left are cancelled, the ones of the tier come back to reopen.

Called from the ``CareTag`` signals (``triggers``), the tier change
(``services.schedule_set_tier``) and each night (``end_pairs``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from tongxin.core import audit, clock
from tongxin.people.models import CareKind, CareTag, Person

from . import rules as engine
from .models import CareSchedule, Pair, RiskTier, TaskState, Trigger, VisitTask

# The visits a tag may have required: the periodic ones, the first visit of a new tag, and the
# visit its own event owes (in hospital, on release day). The visits owed for a reported event
# (三必到, a major change, the alarm) do not depend on a tag and stay.
TAG_TRIGGERS = ("", Trigger.NEW_TAG, Trigger.HOSPITAL, Trigger.RELEASE)


def kinds_on(person_id: int, day: dt.date, *, without: int | None = None) -> set[str]:
    """The care kinds ``person_id`` holds on ``day`` (``without``: a tag being deleted)."""
    tags = CareTag.objects.filter(
        Q(start_date__isnull=True) | Q(start_date__lte=day),
        Q(end_date__isnull=True) | Q(end_date__gte=day),
        person_id=person_id,
        person__is_active=True,
    )
    if without is not None:
        tags = tags.exclude(pk=without)
    return set(tags.values_list("kind", flat=True))


def _label(kind: str) -> str:
    return str(dict(CareKind.choices).get(kind, kind))


def _apply(cancelled: list[int], reopened: list[int], *, why: str, now: dt.datetime) -> None:
    """The one write of a re-derivation: ``cancelled`` visits close with ``why`` kept,
    ``reopened`` ones open again with the earlier reason cleared."""
    if cancelled:
        VisitTask.objects.filter(pk__in=cancelled).update(
            state=TaskState.CANCELLED, cancel_reason=why[:200], updated_at=now
        )
    if reopened:
        VisitTask.objects.filter(pk__in=reopened).update(
            state=TaskState.OPEN, cancel_reason="", updated_at=now
        )


def rederive(
    *, person: Person, kind: str, ended: dt.date | None, removed: bool = False, tag_id: int = 0
) -> dict[str, int]:
    """Re-derive ``person``'s open visits after their tag of ``kind`` changed: ``ended`` is its
    end date (None: open-ended again) and ``removed`` says it was deleted. An open visit the
    tag's rules owed, due after the end (any, when removed), that no remaining tag requires is
    cancelled with the reason kept; a visit cancelled that way that a tag requires again (the
    end date cleared or moved later) and is not yet past its grace opens again. Returns how
    many were cancelled and reopened."""
    now = clock.now()
    rules = {r.id: r for r in engine.all_rules()}
    schedule = CareSchedule.objects.filter(person=person).first()
    tier = schedule.risk_tier if schedule else ""
    memo: dict[dt.date, set[str]] = {}

    def required(task: VisitTask) -> bool:
        day = clock.local(task.due_by).date()
        if day not in memo:
            memo[day] = kinds_on(person.pk, day, without=tag_id if removed else None)
        rule = rules[task.rule_id]
        return rule.in_force(task.period_start) and rule.applies_to(memo[day], tier)

    def concerned(task: VisitTask) -> bool:
        rule = rules.get(task.rule_id)
        if rule is None or rule.care_kind not in ("", kind):
            return False
        # The visit a reported admission or release owes stays unless that kind's tag ended.
        return task.trigger not in (Trigger.HOSPITAL, Trigger.RELEASE) or rule.care_kind == kind

    if removed:
        why = _("关爱标签“{kind}”已删除").format(kind=_label(kind))
    else:
        why = _("关爱标签“{kind}”已于 {end} 终止").format(
            kind=_label(kind), end=ended.isoformat() if ended else ""
        )
    cancelled: list[int] = []
    reopened: list[int] = []
    with transaction.atomic():
        tasks = VisitTask.objects.select_for_update().filter(
            person=person,
            trigger__in=TAG_TRIGGERS,
            state__in=[TaskState.OPEN, TaskState.CANCELLED],
        )
        for task in tasks:
            if not concerned(task):
                continue
            if task.state == TaskState.OPEN:
                after_end = removed or (
                    ended is not None and clock.local(task.due_by).date() > ended
                )
                if after_end and not required(task):
                    cancelled.append(task.pk)
            elif task.cancel_reason and task.late_by > now and required(task):
                reopened.append(task.pk)
        _apply(cancelled, reopened, why=why, now=now)
        ended_pairs = end_pairs(
            clock.today(), persons=[person.pk], without=tag_id if removed else None
        )
        if cancelled or reopened or ended_pairs:
            audit.record(
                actor=None,
                action="visit.tag_ended",
                obj=person,
                subject_person_id=person.pk,
                detail={
                    "kind": kind,
                    "end": ended.isoformat() if ended else "",
                    "removed": removed,
                    "cancelled": cancelled,
                    "reopened": reopened,
                    "pairs": ended_pairs,
                },
            )
    return {"cancelled": len(cancelled), "reopened": len(reopened)}


def _tier_label(tier: str) -> str:
    return str(dict(RiskTier.choices).get(tier, tier))


def retier(*, person: Person, before: str, after: str) -> dict[str, list[int]]:
    """Re-derive ``person``'s open periodic visits of the tier rules after their risk tier went
    from ``before`` to ``after`` (the schedule already saved): an open visit of a rule the new
    tier no longer calls for is cancelled with the reason kept; a visit of a rule it calls for
    again, cancelled earlier (by a tier change or a tag end) and not yet past its grace, opens
    again. The visits owed for a reported event (a major change, an admission) stay, as done
    and missed visits do. Returns the visits cancelled and reopened, for the tier change's one
    audit row (``services.schedule_set_tier``); the new tier's missing visits are ``plan``'s."""
    if before == after:
        return {"cancelled": [], "reopened": []}
    now = clock.now()
    rules = {r.id: r for r in engine.all_rules() if r.risk_tier}
    memo: dict[dt.date, set[str]] = {}

    def required(task: VisitTask) -> bool:
        day = clock.local(task.due_by).date()
        if day not in memo:
            memo[day] = kinds_on(person.pk, day)
        rule = rules[task.rule_id]
        return rule.in_force(task.period_start) and rule.applies_to(memo[day], after)

    why = _("风险等级由“{before}”调整为“{after}”，不再需要这项走访").format(
        before=_tier_label(before), after=_tier_label(after)
    )
    cancelled: list[int] = []
    reopened: list[int] = []
    with transaction.atomic():
        tasks = VisitTask.objects.select_for_update().filter(
            person=person,
            trigger="",
            rule_id__in=list(rules),
            state__in=[TaskState.OPEN, TaskState.CANCELLED],
        )
        for task in tasks:
            if task.state == TaskState.OPEN:
                if not required(task):
                    cancelled.append(task.pk)
            elif task.cancel_reason and task.late_by > now and required(task):
                reopened.append(task.pk)
        _apply(cancelled, reopened, why=why, now=now)
    return {"cancelled": cancelled, "reopened": reopened}


def end_pairs(
    on: dt.date, *, persons: Iterable[int] | None = None, without: int | None = None
) -> list[int]:
    """The active pairs of residents who held a care tag and hold none on ``on`` or later (the
    last one ended, or was deleted) end, with the reason kept. Residents paired without any tag
    keep their pairs. Returns the pairs ended."""
    pairs = Pair.objects.filter(active=True)
    if persons is not None:
        pairs = pairs.filter(person_id__in=list(persons))
    tags = CareTag.objects.exclude(pk=without) if without else CareTag.objects.all()
    live = tags.filter(Q(end_date__isnull=True) | Q(end_date__gte=on)).values("person_id")
    had = tags.values("person_id")
    if without is None:
        pairs = pairs.filter(person_id__in=had)
    pairs = pairs.exclude(person_id__in=live)
    ids = list(pairs.values_list("pk", flat=True))
    if ids:
        Pair.objects.filter(pk__in=ids).update(
            active=False,
            ended_reason=_("关爱标签均已终止，天天敲门结束")[:200],
            updated_at=clock.now(),
        )
    return ids


def on_erased(person: Person) -> None:
    """An erased resident is visited no more: every open visit of theirs is cancelled and their
    pairs end (their tags are deleted by the erasure itself)."""
    why = _("居民信息已按请求删除")
    now = clock.now()
    VisitTask.objects.filter(person=person, state=TaskState.OPEN).update(
        state=TaskState.CANCELLED, cancel_reason=why, updated_at=now
    )
    Pair.objects.filter(person=person, active=True).update(
        active=False, ended_reason=why, updated_at=now
    )
