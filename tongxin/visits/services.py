"""Writes of visits: planning the tasks each period and trigger owes, assigning them along the
responsibility chain (and moving them when a post ends or a holder is away), recording a visit
(which may raise a case or a need in the same step), and escalating overdue visits."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from tongxin.core import audit, clock
from tongxin.core.actors import Actor, person_id_of
from tongxin.core.errors import Forbidden, ValidationFailed
from tongxin.core.scoping import access, scope_for
from tongxin.inbox.services import notify
from tongxin.orgs.models import Absence, Post
from tongxin.orgs.selectors import (
    Responsibility,
    holder_up_the_chain,
    holders_up_the_chain,
    responsible_for,
)
from tongxin.people.models import CareTag, Person
from tongxin.places.models import Place

from . import rules as engine
from .ending import retier
from .models import (
    CHECKLIST_ITEMS,
    CareSchedule,
    Knock,
    KnockAlert,
    Level,
    Method,
    Pair,
    PairHelper,
    TaskState,
    Trigger,
    VisitEscalation,
    VisitRecord,
    VisitTask,
)
from .selectors import escalation_chain

MESSAGE_KIND = "visit"


# ---------------------------------------------------------------------------------- assignment
class Assigner:
    """Who owes a rule's visits for a resident on a day. Visits are owed from the resident's
    building (or the nearest place above it: no visiting role is held at a dwelling or a unit),
    so planning a whole grid asks the chain once per building and role, in a few queries."""

    SKIPPED = ("dwelling", "unit")

    def __init__(self, on: dt.date) -> None:
        self.on = on
        self.anchor_of: dict[str, Place] = {}
        self.memo: dict[tuple[int, str, str], Responsibility] = {}

    def prepare(self, persons: Iterable[Person], rules: Iterable[engine.Rule]) -> None:
        paths = {p.place_path for p in persons if p.place_path} - set(self.anchor_of)
        if paths:
            prefixes = {a for path in paths for a in _prefixes(path)}
            places = {
                pl.path: pl
                for pl in Place.objects.filter(path__in=prefixes).exclude(kind__in=self.SKIPPED)
            }
            for path in paths:
                anchor = next((places[a] for a in reversed(_prefixes(path)) if a in places), None)
                if anchor is not None:
                    self.anchor_of[path] = anchor
        anchors = {a.pk: a for a in self.anchor_of.values()}
        for role, duty in {(r.role, r.duty) for r in rules}:
            todo = [a for pk, a in anchors.items() if (pk, role, duty) not in self.memo]
            if todo:
                found = holders_up_the_chain(todo, role=role, duty=duty, on=self.on)
                for pk, who in found.items():
                    self.memo[(pk, role, duty)] = who

    def __call__(self, person: Person, rule: engine.Rule) -> Responsibility:
        if person.place_path not in self.anchor_of:
            self.prepare([person], [rule])
        anchor = self.anchor_of.get(person.place_path) or person.place
        if anchor is None:
            raise ValueError("a resident without a place owes no visit")
        key = (anchor.pk, rule.role, rule.duty)
        if key not in self.memo:
            self.memo[key] = holder_up_the_chain(anchor, role=rule.role, duty=rule.duty, on=self.on)
        return self.memo[key]


def _prefixes(path: str) -> list[str]:
    step = Place.steplen
    return [path[:n] for n in range(step, len(path) + 1, step)]


def _assign(task: VisitTask, who: Responsibility) -> None:
    task.assignee_post = who.post
    task.assignee = who.post.person if who.post else None
    task.assign_reason = who.reason[:300]


def _tagged(persons: Iterable[Person] | None, on: dt.date) -> dict[int, set[str]]:
    tags = CareTag.objects.filter(
        Q(start_date__isnull=True) | Q(start_date__lte=on),
        Q(end_date__isnull=True) | Q(end_date__gte=on),
        person__is_active=True,
    )
    if persons is not None:
        tags = tags.filter(person__in=list(persons))
    kinds: dict[int, set[str]] = defaultdict(set)
    for pid, kind in tags.values_list("person_id", "kind"):
        kinds[pid].add(kind)
    return kinds


PLAN_CHUNK = 2000  # residents a step: bounded memory and SQL parameters, whatever the area


def plan(*, on: dt.date | None = None, persons: Iterable[Person] | None = None) -> int:
    """Make sure every cared-for resident has their merged schedule and a task for the current
    period of each rule they fall under (idempotent: a task per person, rule and period). Returns
    how many tasks were added. Residents are taken ``PLAN_CHUNK`` at a time; the chain is asked
    once per building and role for the whole run."""
    on = on or clock.today()
    kinds = _tagged(persons, on)
    all_rules = engine.all_rules()
    assign = Assigner(on)
    ids = sorted(kinds)
    made = 0
    for start in range(0, len(ids), PLAN_CHUNK):
        made += _plan_chunk(ids[start : start + PLAN_CHUNK], kinds, on, assign, all_rules)
    return made


def _plan_chunk(
    ids: list[int],
    kinds: dict[int, set[str]],
    on: dt.date,
    assign: Assigner,
    all_rules: tuple[engine.Rule, ...],
) -> int:
    people = {
        p.pk: p
        for p in Person.objects.filter(pk__in=ids).select_related("place", "grid")
        if p.place_id is not None
    }
    schedules = {s.person_id: s for s in CareSchedule.objects.filter(person_id__in=list(people))}
    missing = [
        CareSchedule(person=p, place_path=p.place_path, grid=p.grid)
        for pid, p in people.items()
        if pid not in schedules
    ]
    CareSchedule.objects.bulk_create(missing, ignore_conflicts=True)
    for s in missing:
        schedules[s.person_id] = s
    existing = set(
        VisitTask.objects.filter(
            person_id__in=list(people), trigger="", late_by__gte=clock.now()
        ).values_list("person_id", "rule_id", "period_start")
    )
    assign.prepare(people.values(), [r for r in all_rules if r.periodic and r.in_force(on)])
    rows: list[VisitTask] = []
    for pid, p in people.items():
        tier = schedules[pid].risk_tier
        for rule in engine.rules_for(kinds[pid], tier, on, all_rules):
            if not rule.periodic:
                continue
            due = engine.due_in_period(rule, engine.period(rule.interval, on))
            if (pid, rule.id, due.period_start) in existing:
                continue
            task = _new_task(p, rule, due)
            _assign(task, assign(p, rule))
            rows.append(task)
    VisitTask.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(rows)


def _new_task(person: Person, rule: engine.Rule, due: engine.Due, trigger: str = "") -> VisitTask:
    return VisitTask(
        person=person,
        rule_id=rule.id,
        trigger=trigger,
        period_start=due.period_start,
        due_by=due.due_by,
        late_by=due.late_by,
        place_path=person.place_path,
        grid_id=person.grid_id,
    )


def visit_trigger(
    *,
    person: Person,
    trigger: str,
    at: dt.datetime | None = None,
    kinds: Iterable[str] = (),
) -> list[VisitTask]:
    """Something happened to ``person`` (a new tag, a hospital admission, a release, a 三必到
    case, a major change): every rule that answers ``trigger`` owes a visit within its hours of
    ``at`` (now, or a day ahead: a release date known before the release). ``kinds``: care
    kinds the event itself makes the resident hold (a release date ahead makes them a 刑释人员
    on that day). The one who owes it is told at once."""
    if trigger not in Trigger.values:
        raise ValidationFailed(
            _("未知的触发事件"), fields=[{"field": "trigger", "reason": trigger}]
        )
    at = at or clock.now()
    on = clock.local(at).date()
    if person.place_id is None:
        return []
    kinds = _tagged([person], on).get(person.pk, set()) | set(kinds)
    schedule = CareSchedule.objects.filter(person=person).first()
    if schedule is None and kinds:  # a first tag: the resident's schedule begins
        schedule, _created = CareSchedule.objects.get_or_create(
            person=person, defaults={"place_path": person.place_path, "grid_id": person.grid_id}
        )
    tier = schedule.risk_tier if schedule else ""
    made: list[VisitTask] = []
    for rule in engine.all_rules():
        if trigger not in rule.triggers or not rule.in_force(on):
            continue
        anyone = not rule.care_kind and not rule.risk_tier
        if not anyone and not rule.applies_to(kinds, tier):
            continue
        task = _new_task(person, rule, engine.due_on_trigger(rule, at), trigger)
        if VisitTask.objects.filter(
            person=person, rule_id=rule.id, period_start=task.period_start, trigger=trigger
        ).exists():
            continue
        _assign(task, Assigner(min(on, clock.today()))(person, rule))
        task.save()
        made.append(task)
        _tell_assignee(task, rule)
    return made


def _tell_assignee(task: VisitTask, rule: engine.Rule) -> None:
    if task.assignee_id is None:
        return
    notify(
        recipients=[task.assignee_id],
        kind=MESSAGE_KIND,
        subject=_("请于 {due:%m-%d %H:%M} 前走访 {name}").format(
            due=clock.local(task.due_by), name=task.person.name
        ),
        body=rule.name,
        link=f"/visits/{task.pk}/",
        topic=f"visit:{task.pk}",
    )


def reassign_open(*, on: dt.date | None = None) -> int:
    """Open tasks whose holder's post has ended, or who is away today, go to whoever the chain
    names now (依次递补). Returns how many moved."""
    on = on or clock.today()
    open_tasks = VisitTask.objects.filter(state=TaskState.OPEN).select_related(
        "assignee_post", "person__place"
    )
    ended_posts = Post.objects.filter(end_date__lt=on).values("pk")
    away = Absence.objects.filter(start_date__lte=on, end_date__gte=on).values("person_id")
    stale = open_tasks.filter(
        Q(assignee_post__isnull=True) | Q(assignee_post__in=ended_posts) | Q(assignee_id__in=away)
    )
    assign = Assigner(on)
    moved = 0
    rules = {r.id: r for r in engine.all_rules()}
    for task in stale:
        if task.person.place is None or task.rule_id not in rules:
            continue
        who = assign(task.person, rules[task.rule_id])
        new_person = who.post.person_id if who.post else None
        new_post = who.post.pk if who.post else None
        if new_person == task.assignee_id and new_post == task.assignee_post_id:
            continue
        _assign(task, who)
        task.save(update_fields=["assignee_post", "assignee", "assign_reason", "updated_at"])
        moved += 1
        _tell_assignee(task, rules[task.rule_id])
    return moved


# ---------------------------------------------------------------------------------- the record
def _checklist(value: Any) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        reason = _("情况清单格式不正确")
        raise ValidationFailed(reason, fields=[{"field": "checklist", "reason": reason}])
    out: dict[str, str] = {}
    for key, level in value.items():
        if key not in CHECKLIST_ITEMS or level not in Level.values:
            reason = _("情况清单只接受：{items}；取值：{levels}").format(
                items="、".join(CHECKLIST_ITEMS), levels="、".join(Level.values)
            )
            raise ValidationFailed(reason, fields=[{"field": f"checklist.{key}", "reason": reason}])
        out[key] = level
    return out


def _may_record(actor: Actor, task: VisitTask) -> None:
    if task.assignee_id is not None and task.assignee_id == person_id_of(actor):
        return
    me = person_id_of(actor)
    if me is not None and task.escalations.filter(person_id=me).exists():
        return  # told of it up the chain: may make the visit themself
    if scope_for(actor).sees_care_at(task.place_path):
        return
    raise Forbidden(_("您不是这位居民的走访责任人"))


def visit_record(
    *,
    actor: Actor,
    task_id: Any,
    method: str,
    met: str = "",
    checklist: Any = None,
    notes: str = "",
    raise_case: str = "",
    raise_need: str = "",
    photo: Any = None,
    visited_at: dt.datetime | None = None,
) -> VisitRecord:
    """Record a contact for a task's resident: one record that closes every open task of the
    resident it satisfies (merged rules: one visit counts once for all). ``raise_case`` (a
    category code) reports a case about what was found, ``raise_need`` (a need kind) posts a
    need for the household — in the same transaction, linked to the record. ``photo`` (an
    uploaded image, optional) is checked and stored without its metadata (GPS included), read
    only by those who see the record."""
    me = person_id_of(actor)
    if me is None:
        raise Forbidden(_("只有登记在册的人员可以记录走访"))
    now = clock.now()
    visited_at = visited_at or now
    if visited_at > now + dt.timedelta(minutes=5):
        reason = _("走访时间不能晚于现在")
        raise ValidationFailed(reason, fields=[{"field": "visited_at", "reason": reason}])
    if method not in Method.values:
        reason = _("请选择走访方式")
        raise ValidationFailed(reason, fields=[{"field": "method", "reason": reason}])
    items = _checklist(checklist)
    met = (met or "").strip()[:100]
    notes = (notes or "").strip()
    if len(notes) > 2000:
        reason = _("记录不能超过 2000 字")
        raise ValidationFailed(reason, fields=[{"field": "notes", "reason": reason}])
    with transaction.atomic():
        task = access(
            VisitTask.objects.visible_to(actor).select_related("person__place", "rule"), task_id
        )
        _may_record(actor, task)
        if task.state == TaskState.CANCELLED:
            reason = _("这次走访已取消：{why}").format(why=task.cancel_reason)
            raise ValidationFailed(reason, fields=[{"field": "task_id", "reason": reason}])
        person = task.person
        record = VisitRecord.objects.create(
            person=person,
            visitor_id=me,
            visited_at=visited_at,
            method=method,
            met=met,
            checklist=items,
            notes=notes,
            place_path=person.place_path,
            grid_id=person.grid_id,
        )
        closed = _close_satisfied(record, first=task)
        if raise_case:
            record.case = _raise_case(actor, record, raise_case)
        if raise_need:
            record.need = _raise_need(actor, record, raise_need)
        if photo:
            from tongxin.core import uploads

            try:
                stored = uploads.store_upload(
                    actor=actor,
                    file=photo,
                    purpose="visit_photo",
                    owner=record,
                    accept=uploads.IMAGE_KINDS,
                )
            except ValidationFailed as exc:  # the record's field is the photo; nothing stays
                fields = [{"field": "photo", "reason": exc.message}]
                raise ValidationFailed(
                    exc.message, code=exc.code, fields=fields, context=exc.context
                ) from None
            record.photo = str(stored.pk)
        if record.case_id or record.need_id or record.photo:
            record.save(update_fields=["case", "need", "photo", "updated_at"])
        CareSchedule.objects.filter(person=person).filter(
            Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=visited_at)
        ).update(last_contact_at=visited_at)
        audit.record(
            actor=actor,
            action="visit.record",
            obj=record,
            subject_person_id=person.pk,
            detail={
                "tasks": closed,
                "case": record.case_id,
                "need": record.need_id,
                "photo": record.photo,
            },
        )
    return record


def _close_satisfied(record: VisitRecord, *, first: VisitTask | None = None) -> list[int]:
    rules = {r.id: r for r in engine.all_rules()}
    closed: list[int] = []
    candidates = VisitTask.objects.select_for_update().filter(
        person_id=record.person_id, state__in=[TaskState.OPEN, TaskState.MISSED]
    )
    for task in candidates:
        rule = rules.get(task.rule_id)
        if rule is None:
            continue
        if task.state == TaskState.MISSED and (first is None or task.pk != first.pk):
            continue
        if not engine.counts_toward(
            rule,
            period_start=task.period_start,
            late_by=task.late_by if task.state == TaskState.OPEN else record.visited_at,
            assignee_id=task.assignee_id,
            visitor_id=record.visitor_id,
            method=record.method,
            at=record.visited_at,
        ):
            continue
        task.state = TaskState.DONE
        task.done_at = record.visited_at
        task.record = record
        task.save(update_fields=["state", "done_at", "record", "updated_at"])
        closed.append(task.pk)
    if first is not None and first.pk not in closed:
        reason = _("“{rule}”不接受这种走访方式").format(rule=first.rule.name)
        raise ValidationFailed(reason, fields=[{"field": "method", "reason": reason}])
    return closed


def _finding(record: VisitRecord) -> str:
    concerns = [
        str(CHECKLIST_ITEMS[k]) for k, v in (record.checklist or {}).items() if v != Level.OK
    ]
    text = record.notes or _("走访发现：{items}需关注").format(items="、".join(concerns))
    return text if text.strip() else _("走访发现问题")


def _raise_case(actor: Actor, record: VisitRecord, category: str) -> Any:
    from tongxin.cases.models import Channel
    from tongxin.cases.services import case_report

    return case_report(
        actor=actor,
        category=category,
        description=_finding(record),
        place_id=record.person.place_id,
        channel=Channel.VISIT,
    )


def _raise_need(actor: Actor, record: VisitRecord, kind: str) -> Any:
    from tongxin.matching.services import need_post

    household = record.person.household
    if household is None:
        reason = _("这位居民没有登记户，无法提交需求")
        raise ValidationFailed(reason, fields=[{"field": "raise_need", "reason": reason}])
    return need_post(actor=actor, kind=kind, description=_finding(record), household=household)


# ---------------------------------------------------------------------------------- escalation
ESCALATION_STEPS = 4  # the levels an overdue visit may climb (grid, community, street, …)


def chain_above(task: VisitTask, on: dt.date) -> list[tuple[Person, str]]:
    """Whom an overdue visit is told to, in order: the one responsible (for the rule's duty)
    at each level above the assignee's post (or the resident's place), nearest first, each
    person once, never the assignee."""
    start = task.assignee_post.place if task.assignee_post and task.assignee_post.place else None
    place = start or task.person.place
    if place is None:
        return []
    out: list[tuple[Person, str]] = []
    seen = {task.assignee_id}
    for level in reversed(place.ancestors_list()):
        who = responsible_for(level, duty=task.rule.duty, on=on)
        if who.person is None or who.person.pk in seen:
            continue
        seen.add(who.person.pk)
        role = who.post.get_role_display() if who.post else ""
        out.append((who.person, f"{level.name} {role}".strip()))
    return out


def escalation_every(task: VisitTask) -> dt.timedelta:
    """How long an overdue visit waits at one level before the next is told: a day for a
    periodic visit, the trigger's own hours (at most a day, at least an hour) for a visit owed
    within hours (a 三必到 visit climbs every 4 hours)."""
    if task.trigger:
        return dt.timedelta(hours=max(1, min(24, task.rule.trigger_hours)))
    return dt.timedelta(days=1)


def escalate_overdue(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Overdue visits move up the chain one level a step (at the due time the next one up is
    told, and the one who owes it reminded; each ``escalation_every`` later one level further,
    each step a ``VisitEscalation`` row); visits past their grace become missed."""
    now = now or clock.now()
    on = clock.local(now).date()
    missed = VisitTask.objects.filter(state=TaskState.OPEN, late_by__lt=now).update(
        state=TaskState.MISSED, updated_at=now
    )
    escalated = 0
    overdue = (
        VisitTask.objects.filter(
            state=TaskState.OPEN, due_by__lt=now, escalation_steps__lt=ESCALATION_STEPS
        )
        .filter(Q(escalated_at__isnull=True) | Q(escalated_at__lte=now - dt.timedelta(hours=1)))
        .select_related("assignee_post__place", "person__place", "rule")
        .order_by("due_by", "pk")
    )
    for task in overdue[:5000]:
        if task.escalated_at is not None and now < task.escalated_at + escalation_every(task):
            continue
        if _escalate_one(task, now, on):
            escalated += 1
    return {"missed": missed, "escalated": escalated}


def _escalate_one(task: VisitTask, now: dt.datetime, on: dt.date) -> bool:
    chain = chain_above(task, on)
    step = task.escalation_steps
    with transaction.atomic():
        if step >= len(chain):  # nobody further up: the visit stops climbing
            VisitTask.objects.filter(pk=task.pk).update(escalation_steps=ESCALATION_STEPS)
            return False
        boss, reason = chain[step]
        _row, created = VisitEscalation.objects.get_or_create(
            task=task, step=step, defaults={"person": boss, "reason": reason[:100], "at": now}
        )
        if not created:
            return False
        task.escalated_to = boss
        task.escalated_at = now
        task.escalation_steps = step + 1
        task.save(update_fields=["escalated_to", "escalated_at", "escalation_steps", "updated_at"])
        subject = _("走访超期：{name}（{rule}）").format(name=task.person.name, rule=task.rule.name)
        notify(
            recipients=[boss, task.assignee_id],
            kind=MESSAGE_KIND,
            subject=subject,
            body=_("应于 {due:%Y-%m-%d %H:%M} 前完成").format(due=clock.local(task.due_by)),
            link=f"/visits/{task.pk}/",
            topic=f"visit:{task.pk}",
        )
    return True


# ---------------------------------------------------------------------------- 天天敲门
def pair_create(
    *, person: Person, helpers: list[tuple[Person, str]], knock_by: dt.time | None = None
) -> Pair:
    """A pair (or group) of helpers for ``person``, in order (the admin and the demo use it)."""
    with transaction.atomic():
        pair = Pair.objects.create(
            person=person,
            knock_by=knock_by or dt.time(10, 0),
            place_path=person.place_path,
            grid_id=person.grid_id,
        )
        PairHelper.objects.bulk_create(
            PairHelper(pair=pair, person=h, kind=kind, order=i)
            for i, (h, kind) in enumerate(helpers)
        )
    return pair


def knock_record(*, actor: Actor, pair_id: Any, answered: bool) -> Knock:
    """One tap: 见到了 (answered) or 没人应答. Only the pair's helpers and the care staff over
    the resident may knock; anyone else sees nothing (404) or is refused (403). 没人应答 before
    anyone has been heard today tells the next one in the chain at once (another helper may
    have a key or a phone number), without waiting for the pair's time."""
    me = person_id_of(actor)
    with transaction.atomic():
        pair = access(Pair.objects.visible_to(actor).select_related("person__place"), pair_id)
        is_helper = pair.helpers.filter(person_id=me).exists()
        if me is None or not (is_helper or scope_for(actor).sees_care_at(pair.place_path)):
            raise Forbidden(_("您不是这位居民的帮扶人"))
        now = clock.now()
        today = clock.local(now).date()
        knock = Knock.objects.create(
            pair=pair, day=today, helper_id=me, at=now, answered=bool(answered)
        )
        audit.record(
            actor=actor,
            action="visit.knock",
            obj=knock,
            subject_person_id=pair.person_id,
            detail={"answered": bool(answered)},
        )
        heard = Knock.objects.filter(pair=pair, day=today, answered=True).exists()
        if not answered and not heard:
            _knock_step(pair, today, now)
    return knock


def _knock_step(pair: Pair, today: dt.date, now: dt.datetime) -> bool:
    """Tell the next one in ``pair``'s chain that nobody has answered today (one step; whoever
    has already knocked in vain today is passed over: they know). Returns whether someone was
    told."""
    chain = escalation_chain(pair, today)
    steps = KnockAlert.objects.filter(pair=pair, day=today).count()
    knocked = set(Knock.objects.filter(pair=pair, day=today).values_list("helper_id", flat=True))
    while steps < len(chain) and chain[steps][0].pk in knocked:
        KnockAlert.objects.get_or_create(
            pair=pair,
            day=today,
            step=steps,
            defaults={"person": chain[steps][0], "reason": chain[steps][1][:100], "at": now},
        )
        steps += 1
    if steps >= len(chain):
        return False
    person, reason = chain[steps]
    with transaction.atomic():
        _alert, created = KnockAlert.objects.get_or_create(
            pair=pair,
            day=today,
            step=steps,
            defaults={"person": person, "reason": reason[:100], "at": now},
        )
        if not created:
            return False
        notify(
            recipients=[person],
            kind="knock",
            subject=_("{name} 今天还没有人应答，请上门看看").format(name=pair.person.name),
            link="/visits/pairs/",
            topic=f"knock:{pair.pk}:{today:%Y%m%d}",
        )
    return True


def knock_sweep(*, now: dt.datetime | None = None) -> int:
    """Every active pair nobody has heard today once its time has passed: tell the next one in
    the chain (one step per sweep). Returns how many were told."""
    now = now or clock.now()
    today = clock.local(now).date()
    local_time = clock.local(now).time()
    answered = Knock.objects.filter(day=today, answered=True).values("pair_id")
    pairs = (
        Pair.objects.filter(active=True, knock_by__lte=local_time)
        .exclude(pk__in=answered)
        .select_related("person__place")
    )
    return sum(1 for pair in pairs if _knock_step(pair, today, now))


# ---------------------------------------------------------------------------- the risk tier
def schedule_set_tier(
    *, actor: Actor, person_id: Any, risk_tier: str, major_change: bool = False
) -> CareSchedule:
    """Set a cared-for resident's risk tier (高风险 / 重点 / 一般, or none), by the care staff
    over them; the schedule follows at once (this period's visits of the new tier), and a
    ``major_change`` (a bereavement, an illness, a loss of income) owes the high tier's visit
    within hours. Audited."""
    from tongxin.people.models import Person as PersonModel

    from .models import RiskTier

    if risk_tier not in RiskTier.values:
        reason = _("风险等级只能是：高风险、重点、一般或未分级")
        raise ValidationFailed(reason, fields=[{"field": "risk_tier", "reason": reason}])
    with transaction.atomic():
        person = access(PersonModel.objects.visible_to(actor).select_related("place"), person_id)
        if not scope_for(actor).sees_care_at(person.place_path):
            raise Forbidden(_("只有负责关爱走访的工作人员可以调整风险等级"))
        if not _tagged([person], clock.today()):
            reason = _("这位居民没有关爱标签，无需走访计划")
            raise ValidationFailed(reason, fields=[{"field": "person_id", "reason": reason}])
        schedule, _created = CareSchedule.objects.select_for_update().get_or_create(
            person=person, defaults={"place_path": person.place_path, "grid_id": person.grid_id}
        )
        before = schedule.risk_tier
        schedule.risk_tier = risk_tier
        schedule.save(update_fields=["risk_tier", "updated_at"])
        # The tier left takes its open visits with it (the reason kept); the tier's own come
        # back or are planned for this period.
        ended = retier(person=person, before=before, after=risk_tier)
        plan(persons=[person])
        if major_change:
            visit_trigger(person=person, trigger=Trigger.MAJOR_CHANGE)
        if before != risk_tier or major_change:
            # One row for the change: the tier, and the visits it cancelled and reopened.
            audit.record(
                actor=actor,
                action="visit.tier",
                obj=schedule,
                subject_person_id=person.pk,
                detail={
                    "from": before,
                    "to": risk_tier,
                    "major_change": major_change,
                    "cancelled": ended["cancelled"],
                    "reopened": ended["reopened"],
                },
            )
    return schedule


# ---------------------------------------------------------------------------- reported events
# What an event reported by the care staff makes the resident, for the rules it triggers: a
# hospital admission makes them a 住院病人 (visited in hospital) whatever their tags, a release
# a 刑释人员.
EVENT_KINDS: dict[str, str] = {
    Trigger.HOSPITAL: "serious_illness",
    Trigger.RELEASE: "released_prisoner",
}
REPORTABLE = (Trigger.HOSPITAL, Trigger.RELEASE, Trigger.MAJOR_CHANGE, Trigger.MUST_ATTEND)


def visit_event(
    *, actor: Actor, person_id: Any, trigger: str, on: dt.date | None = None
) -> list[VisitTask]:
    """The care staff report what happened to a resident (a hospital admission, a release —
    today or on a date ahead —, a major change, a 三必到 event): every rule that answers it owes
    a visit within its hours, the one who owes it told at once. Out of scope 404; without care
    403; audited. Returns the visits scheduled (none when they are already owed)."""
    from tongxin.people.models import Person as PersonModel

    if trigger not in REPORTABLE:
        reason = _("可报告的事件：住院、刑满释放、重大变故、三必到事件")
        raise ValidationFailed(reason, fields=[{"field": "trigger", "reason": reason}])
    today = clock.today()
    if on is not None and (on < today - dt.timedelta(days=30) or on > today + dt.timedelta(366)):
        reason = _("日期应在过去 30 天到未来一年之内")
        raise ValidationFailed(reason, fields=[{"field": "on", "reason": reason}])
    with transaction.atomic():
        person = access(PersonModel.objects.visible_to(actor).select_related("place"), person_id)
        if not scope_for(actor).sees_care_at(person.place_path):
            raise Forbidden(_("只有负责关爱走访的工作人员可以报告这类事件"))
        if person.place_id is None:
            reason = _("这位居民没有登记住址，无法安排走访")
            raise ValidationFailed(reason, fields=[{"field": "person_id", "reason": reason}])
        at = clock.start_of_day(on) if on is not None and on > today else clock.now()
        extra = [EVENT_KINDS[trigger]] if trigger in EVENT_KINDS else []
        made = visit_trigger(person=person, trigger=trigger, at=at, kinds=extra)
        audit.record(
            actor=actor,
            action="visit.event",
            obj=person,
            subject_person_id=person.pk,
            detail={"trigger": trigger, "on": on.isoformat() if on else "", "tasks": len(made)},
        )
    return made
