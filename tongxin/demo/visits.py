"""Visits in the demo community: every cared-for resident's merged schedule, last month's visits
(most on time, some late, some missed) and this period's (some done, most open, some overdue and
escalated), a few 三必到 visits due today in the first grid (grid1's phone list), and 天天敲门
pairs for the residents living alone — grid workers, in-service and 下沉 party members, neighbours
and the building head — with a week of daily knocks, one unanswered yesterday and escalated.

Dated from the clock's today; deterministic from the seed (a random generator of its own).
Rows are written as the services leave them, in bulk, without notifications."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db.models import Q

from tongxin.accounts.models import User
from tongxin.core import clock
from tongxin.orgs.models import Post
from tongxin.orgs.roles import Duty, Role
from tongxin.orgs.selectors import responsible_for
from tongxin.people.models import CareKind, CareTag, PartyMembership, Person
from tongxin.places.models import Place
from tongxin.visits import rules as engine
from tongxin.visits.models import (
    CadenceRule,
    CareSchedule,
    HelperKind,
    Knock,
    KnockAlert,
    Method,
    Pair,
    PairHelper,
    RiskTier,
    TaskState,
    Trigger,
    VisitEscalation,
    VisitRecord,
    VisitTask,
)
from tongxin.visits.services import Assigner, chain_above, plan

NOTES = (
    "老人身体尚可，按时服药，家中整洁",
    "反映楼道灯不亮，已记录",
    "情绪稳定，子女每周来电",
    "冬季取暖正常，已提醒用电安全",
    "需要帮助代购生活用品",
)
PAIRS = 56  # 文化路's 天天敲门 groups paired 56 vulnerable residents


def build(gen: Any, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed * 1009 + 17)
    today = clock.today()
    now = clock.now()
    _tiers(rng)
    last_month_day = today.replace(day=1) - dt.timedelta(days=1)
    added = plan(on=last_month_day)
    added += plan(on=today)
    records = _history(rng, today, now)
    due_today = _grid1_today(today, now)
    pairs, knocks = _pairs(rng, today, now)
    return {
        "tasks": VisitTask.objects.count(),
        "planned": added,
        "records": records,
        "due_today": due_today,
        "pairs": pairs,
        "knocks": knocks,
    }


def _tiers(rng: random.Random) -> None:
    """Risk tiers for some of the cared-for (the province's high / key / general)."""
    tagged = list(
        CareTag.objects.filter(person__is_active=True)
        .values_list("person_id", flat=True)
        .distinct()
        .order_by("person_id")
    )
    persons = {p.pk: p for p in Person.objects.filter(pk__in=tagged)}
    rows = []
    for pid in tagged:
        p = persons[pid]
        if p.place_id is None:
            continue
        r = rng.random()
        tier = (
            RiskTier.HIGH
            if r < 0.03
            else RiskTier.KEY
            if r < 0.15
            else RiskTier.GENERAL
            if r < 0.5
            else ""
        )
        rows.append(CareSchedule(person=p, risk_tier=tier, place_path=p.place_path, grid=p.grid))
    CareSchedule.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)


def _escalate(tasks: list[VisitTask], today: dt.date) -> None:
    """Overdue visits as ``escalate_overdue`` leaves them after its first step: the next one up
    the chain told a quarter of an hour after the due time, a ``VisitEscalation`` row each
    (the chain asked once per post and rule)."""
    chains: dict[tuple[Any, ...], list[tuple[Any, str]]] = {}
    rows: list[VisitEscalation] = []
    for t in tasks:
        key = (t.assignee_post_id, t.rule_id, t.assignee_id, t.person.place_path[:16])
        if key not in chains:
            chains[key] = chain_above(t, today)
        t.escalated_at = t.due_by + dt.timedelta(minutes=15)
        if chains[key]:
            boss, reason = chains[key][0]
            t.escalated_to = boss
            t.escalation_steps = 1
            rows.append(
                VisitEscalation(task=t, step=0, person=boss, reason=reason[:100], at=t.escalated_at)
            )
    VisitTask.objects.bulk_update(
        tasks, ["escalated_at", "escalated_to", "escalation_steps"], batch_size=2000
    )
    VisitEscalation.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)


def _history(rng: random.Random, today: dt.date, now: dt.datetime) -> int:
    """Visits made: last period's mostly on time, some late, the rest missed; this period's
    some done already; overdue ones escalated."""
    rules = {r.id: r for r in engine.all_rules()}
    tasks = list(
        VisitTask.objects.filter(state=TaskState.OPEN, assignee__isnull=False)
        .select_related("assignee_post__place", "person__place", "rule")
        .order_by("pk")
    )
    records: list[VisitRecord] = []
    done: list[tuple[VisitTask, int]] = []
    missed: list[VisitTask] = []
    escalated: list[VisitTask] = []
    for t in tasks:
        rule = rules[t.rule_id]
        start = clock.start_of_day(t.period_start)
        if t.due_by < now:  # a period that has ended
            r = rng.random()
            if r < 0.8:
                at = start + (t.due_by - start) * rng.uniform(0.2, 0.95)
            elif r < 0.9 and t.late_by > t.due_by:
                at = t.due_by + (min(t.late_by, now) - t.due_by) * rng.uniform(0.1, 0.9)
            else:
                if t.late_by < now:
                    missed.append(t)
                else:
                    escalated.append(t)
                continue
        else:
            if rng.random() > 0.35 or now <= start:
                continue
            at = start + (now - start) * rng.uniform(0.1, 0.9)
        method = Method.HOME if Method.HOME in rule.methods else rule.methods[0]
        rec = VisitRecord(
            person_id=t.person_id,
            visitor_id=t.assignee_id,
            visited_at=at,
            method=method,
            met="本人",
            checklist={"health": "ok", "safety": "ok", "mood": "ok", "living": "ok"},
            notes=rng.choice(NOTES),
            place_path=t.place_path,
            grid_id=t.grid_id,
        )
        records.append(rec)
        done.append((t, len(records) - 1))
    VisitRecord.objects.bulk_create(records, batch_size=2000)
    for t, i in done:
        t.done_at, t.record = records[i].visited_at, records[i]
    VisitTask.objects.bulk_update([t for t, _i in done], ["done_at", "record"], batch_size=2000)
    # States as the services leave them: done with its record, missed after the grace.
    _set_state([t.pk for t, _i in done], TaskState.DONE)
    _set_state([t.pk for t in missed], TaskState.MISSED)
    _escalate(escalated, today)
    last: dict[int, dt.datetime] = {}
    for rec in records:
        if rec.visited_at > last.get(rec.person_id, rec.visited_at - dt.timedelta(1)):
            last[rec.person_id] = rec.visited_at
    schedules = list(CareSchedule.objects.filter(person_id__in=list(last)))
    for s in schedules:
        s.last_contact_at = last[s.person_id]
    CareSchedule.objects.bulk_update(schedules, ["last_contact_at"], batch_size=2000)
    return len(records)


def _set_state(pks: list[int], state: str) -> None:
    for start in range(0, len(pks), 2000):
        VisitTask.objects.filter(pk__in=pks[start : start + 2000]).update(state=state)


def _grid1_today(today: dt.date, now: dt.datetime) -> int:
    """Three 三必到 visits due by tonight and two overdue since yesterday, for grid1."""
    grid1 = Place.objects.filter(kind="grid").order_by("path").first()
    worker = User.objects.filter(username="grid1").first()
    rule = CadenceRule.objects.filter(code="must-attend").first()
    if grid1 is None or worker is None or rule is None:
        return 0
    tagged = CareTag.objects.filter(person__grid=grid1).values("person_id")
    persons = list(
        Person.objects.filter(pk__in=tagged, is_active=True, place__isnull=False).order_by("pk")[:5]
    )
    post = Post.objects.active().filter(person_id=worker.person_id, role=Role.GRID_WORKER).first()
    rows = []
    for i, p in enumerate(persons):
        day = today if i < 3 else today - dt.timedelta(days=1)
        due = engine.end_of_day(day)
        rows.append(
            VisitTask(
                person=p,
                rule=rule,
                trigger=Trigger.MUST_ATTEND,
                period_start=day,
                due_by=due,
                late_by=due + dt.timedelta(days=rule.grace_days),
                assignee=worker.person,
                assignee_post=post,
                assign_reason="由第1网格网格员负责",  # i18n-data: a stored trail
                escalated_at=(due + dt.timedelta(minutes=15)) if day < today else None,
                place_path=p.place_path,
                grid=grid1,
            )
        )
    VisitTask.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _pairs(rng: random.Random, today: dt.date, now: dt.datetime) -> tuple[int, int]:
    """天天敲门 groups for residents living alone (the building head's building first)."""
    alone = CareTag.objects.filter(
        Q(kind=CareKind.WIDOWED_ALONE) | Q(kind=CareKind.LIVING_ALONE), person__is_active=True
    ).values("person_id")
    head_user = User.objects.filter(username="building").first()
    head_post = (
        Post.objects.active().filter(person_id=head_user.person_id, role=Role.BUILDING_HEAD).first()
        if head_user
        else None
    )
    persons = list(
        Person.objects.filter(pk__in=alone, place__isnull=False)
        .select_related("place")
        .order_by("place_path", "pk")
    )
    if head_post is not None and head_post.place is not None:
        path = head_post.place.path
        persons.sort(key=lambda p: (not p.place_path.startswith(path), p.place_path, p.pk))
    persons = persons[:PAIRS]
    members = list(
        PartyMembership.objects.filter(in_service=True).select_related("person").order_by("pk")
    )
    sinking = [m.person for m in members if m.registered_community_id]
    in_service = [m.person for m in members if not m.registered_community_id]
    assign = Assigner(today)
    building_rule = engine.Rule(
        id=0,
        code="",
        name="",
        care_kind="",
        risk_tier="",
        role=Role.BUILDING_HEAD,
        duty=Duty.GENERAL,
        interval="daily",
        grace_days=0,
        methods=(),
        triggers=(),
        trigger_hours=0,
        any_visitor=True,
        start_date=None,
        end_date=None,
    )
    assign.prepare(persons, [building_rule])
    grid_workers: dict[int, Any] = {}
    pairs: list[Pair] = []
    helpers: list[list[tuple[Any, str]]] = []
    for p in persons:
        chain: list[tuple[Any, str]] = []
        if p.grid_id not in grid_workers:
            grid = Place.objects.get(pk=p.grid_id) if p.grid_id else None
            grid_workers[p.grid_id] = (
                responsible_for(grid, duty=Duty.CARE, on=today).person if grid else None
            )
        head = assign(p, building_rule)
        if head.post is not None and head.post.role == Role.BUILDING_HEAD:
            chain.append((head.post.person, HelperKind.BUILDING_HEAD))
        if sinking:
            chain.append((rng.choice(sinking), HelperKind.SINKING))
        if in_service:
            chain.append((rng.choice(in_service), HelperKind.IN_SERVICE))
        if grid_workers[p.grid_id] is not None:
            chain.append((grid_workers[p.grid_id], HelperKind.GRID_WORKER))
        seen: set[int] = {p.pk}
        unique = []
        for person, kind in chain:
            if person.pk not in seen:
                seen.add(person.pk)
                unique.append((person, kind))
        if not unique:
            continue
        pairs.append(
            Pair(
                person=p,
                knock_by=dt.time(10, 0),
                place_path=p.place_path,
                grid_id=p.grid_id,
            )
        )
        helpers.append(unique)
    Pair.objects.bulk_create(pairs)
    PairHelper.objects.bulk_create(
        PairHelper(pair=pair, person=person, kind=kind, order=i)
        for pair, chain in zip(pairs, helpers, strict=True)
        for i, (person, kind) in enumerate(chain)
    )
    knocks: list[Knock] = []
    alerts: list[KnockAlert] = []
    for n, (pair, chain) in enumerate(zip(pairs, helpers, strict=True)):
        for back in range(7, 0, -1):
            day = today - dt.timedelta(days=back)
            at = clock.start_of_day(day) + dt.timedelta(hours=8, minutes=rng.randint(0, 90))
            unanswered = back == 1 and n % 9 == 0
            knocks.append(
                Knock(pair=pair, day=day, helper=chain[0][0], at=at, answered=not unanswered)
            )
            if unanswered and len(chain) > 1:
                alerts.append(
                    KnockAlert(
                        pair=pair,
                        day=day,
                        step=0,
                        person=chain[1][0],
                        reason=str(chain[1][1]),
                        at=clock.start_of_day(day) + dt.timedelta(hours=10, minutes=15),
                    )
                )
        if n % 3 == 0 and now > clock.start_of_day(today) + dt.timedelta(hours=8):
            knocks.append(
                Knock(
                    pair=pair,
                    day=today,
                    helper=chain[0][0],
                    at=clock.start_of_day(today) + dt.timedelta(hours=8),
                    answered=True,
                )
            )
    Knock.objects.bulk_create(knocks, batch_size=2000)
    KnockAlert.objects.bulk_create(alerts)
    return len(pairs), len(knocks)
