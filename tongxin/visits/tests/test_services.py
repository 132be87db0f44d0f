"""Visits under frozen clocks: merged rules counted once for all, triggers within hours,
reassignment when a post ends or a holder is away, overdue escalation, missed knocks escalating
in order."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tongxin.core.errors import ValidationFailed
from tongxin.inbox.models import Message
from tongxin.orgs.models import Absence, Post
from tongxin.visits import selectors, services
from tongxin.visits.models import (
    CareSchedule,
    KnockAlert,
    TaskState,
    VisitRecord,
    VisitTask,
)

from .helpers import at, fresh, head_building, tag

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def tasks_of(person, **kw):
    return VisitTask.objects.filter(person=person, **kw).select_related("rule")


def codes(tasks):
    return sorted(t.rule.code for t in tasks)


def test_one_visit_counts_once_for_every_rule_it_satisfies(demo):
    (p,) = fresh(demo)
    with time_machine.travel(at(2026, 5, 10), tick=False):
        tag(p, "low_income")
        tag(p, "living_alone")
        CareSchedule.objects.filter(person=p).update(risk_tier="key")
        services.plan(persons=[p])
        services.plan(persons=[p])  # idempotent
        owed = tasks_of(p, state=TaskState.OPEN)
        assert codes(owed) == [
            "elderly-living_alone",
            "low_income-branch",
            "low_income-committee",
            "low_income-group",
            "new-tag",
            "tier-key",
        ]
        assert all(t.assignee_id for t in owed)  # the chain named someone for each
        tier_task = owed.get(rule__code="tier-key")
        record = services.visit_record(
            actor=demo.user("grid1"),
            task_id=tier_task.pk,
            method="home",
            met="本人",
            checklist={"health": "ok", "mood": "concern"},
            notes="精神不太好",
        )
    done = tasks_of(p, state=TaskState.DONE)
    assert codes(done) == ["elderly-living_alone", "low_income-group", "new-tag", "tier-key"]
    assert {t.record_id for t in done} == {record.pk}
    # The branch secretary's and the committee's own visits are still owed.
    assert codes(tasks_of(p, state=TaskState.OPEN)) == [
        "low_income-branch",
        "low_income-committee",
    ]
    assert VisitRecord.objects.filter(person=p).count() == 1
    assert CareSchedule.objects.get(person=p).last_contact_at == record.visited_at


def test_a_phone_call_counts_only_where_a_call_is_enough(demo):
    (p,) = fresh(demo, skip=1)
    with time_machine.travel(at(2026, 5, 10), tick=False):
        tag(p, "living_alone")
        CareSchedule.objects.filter(person=p).update(risk_tier="key")
        services.plan(persons=[p])
        tier_task = tasks_of(p).get(rule__code="tier-key")
        services.visit_record(actor=demo.user("grid1"), task_id=tier_task.pk, method="phone")
        assert codes(tasks_of(p, state=TaskState.DONE)) == ["tier-key"]
        monthly = tasks_of(p).get(rule__code="elderly-living_alone")
        with pytest.raises(ValidationFailed):
            services.visit_record(actor=demo.user("grid1"), task_id=monthly.pk, method="phone")
        with pytest.raises(ValidationFailed):
            services.visit_record(
                actor=demo.user("grid1"),
                task_id=monthly.pk,
                method="home",
                checklist={"health": "fine"},
            )
    assert VisitRecord.objects.filter(person=p).count() == 1  # nothing half-written


def test_triggers_schedule_within_hours(demo):
    (p,) = fresh(demo, skip=2)
    moment = at(2026, 12, 31, 21, 30)
    with time_machine.travel(moment, tick=False):
        tag(p, "serious_illness")
    by_code = {t.rule.code: t for t in tasks_of(p)}
    assert by_code["hospital"].trigger == "hospital"
    assert by_code["hospital"].due_by == moment + dt.timedelta(hours=72)
    assert by_code["new-tag"].due_by == moment + dt.timedelta(hours=72)
    assert by_code["hospital"].assignee_id is not None
    # The one who owes it is told at once.
    assert Message.objects.filter(
        recipient_id=by_code["hospital"].assignee_id, topic=f"visit:{by_code['hospital'].pk}"
    ).exists()


def test_a_must_attend_case_schedules_a_visit_within_four_hours(demo):
    from tongxin.cases.services import case_report

    resident = demo.user("resident")
    moment = at(2026, 6, 1, 9)
    with time_machine.travel(moment, tick=False):
        case_report(
            actor=resident,
            category="family",
            description="家里吵得很厉害，老人需要帮助",
            place_id=resident.person.place_id,
        )
    mine = tasks_of(resident.person, period_start=dt.date(2026, 6, 1))
    task = mine.get(rule__code="must-attend")
    assert task.trigger == "must_attend" and task.due_by == moment + dt.timedelta(hours=4)
    # A case that is not 三必到 schedules nothing.
    with time_machine.travel(moment, tick=False):
        case_report(
            actor=resident,
            category="env.garbage",
            description="垃圾没人清运",
            place_id=resident.person.place_id,
        )
    assert mine.count() == 1


def test_reassignment_when_a_post_ends_or_the_holder_is_away(demo):
    (p,) = fresh(demo, skip=3)
    with time_machine.travel(at(2026, 5, 10), tick=False):
        tag(p, "living_alone")
        services.plan(persons=[p])
    task = tasks_of(p).get(rule__code="elderly-living_alone")
    first = task.assignee_post
    assert first is not None and first.role == "grid_worker"
    with time_machine.travel(at(2026, 5, 12), tick=False):
        Post.objects.filter(pk=first.pk).update(end_date=dt.date(2026, 5, 11))
        assert services.reassign_open() >= 1
    task.refresh_from_db()
    assert task.assignee_post_id != first.pk and task.assignee_id is not None
    assert "空缺" in task.assign_reason or "由" in task.assign_reason
    second = task.assignee_id
    with time_machine.travel(at(2026, 5, 13), tick=False):
        Absence.objects.create(
            person_id=second, start_date=dt.date(2026, 5, 13), end_date=dt.date(2026, 5, 20)
        )
        services.reassign_open()
    task.refresh_from_db()
    assert task.assignee_id not in (None, second, first.person_id)
    assert "不在岗" in task.assign_reason


def test_overdue_visits_escalate_up_the_chain_then_are_missed(demo):
    (p,) = fresh(demo, skip=4)
    with time_machine.travel(at(2026, 5, 10), tick=False):
        tag(p, "living_alone")
        services.plan(persons=[p])
    task = tasks_of(p).get(rule__code="elderly-living_alone")
    assert task.due_by.date() in (dt.date(2026, 5, 31), dt.date(2026, 6, 1))  # UTC vs local
    with time_machine.travel(task.due_by + dt.timedelta(hours=1), tick=False):
        services.escalate_overdue()
    task.refresh_from_db()
    assert task.state == TaskState.OPEN and task.escalated_to_id is not None
    assert task.escalated_to_id != task.assignee_id
    assert Message.objects.filter(
        recipient_id=task.escalated_to_id, topic=f"visit:{task.pk}"
    ).exists()
    # The superior may record the visit too; a stranger to the resident may not.
    with time_machine.travel(task.late_by + dt.timedelta(minutes=1), tick=False):
        services.escalate_overdue()
    task.refresh_from_db()
    assert task.state == TaskState.MISSED


def test_a_missed_knock_escalates_in_order(demo):
    building = head_building(demo)
    p, h1, h2 = fresh(demo, under=building, n=3)
    pair = services.pair_create(
        person=p, helpers=[(h1, "neighbour"), (h2, "in_service")], knock_by=dt.time(10, 0)
    )
    head = demo.user("building").person
    assert selectors.helpers_for(p) == [h1, h2]
    steps = []
    for minute in (5, 20, 35, 50):
        with time_machine.travel(at(2026, 5, 11, 10, minute), tick=False):
            services.knock_sweep()
        steps = list(
            KnockAlert.objects.filter(pair=pair, day=dt.date(2026, 5, 11)).order_by("step")
        )
    people = [a.person_id for a in steps]
    assert people[:2] == [h2.pk, head.pk]
    assert people[2] == demo.user("grid1").person_id  # the grid worker of the resident's grid
    assert len(people) == 3  # nobody further (no eldercare alarm registered yet)
    assert Message.objects.filter(recipient=h2, topic__startswith=f"knock:{pair.pk}:").exists()


def test_an_answered_knock_stops_the_escalation(demo):
    building = head_building(demo)
    p, h1 = fresh(demo, under=building, n=2, skip=3)
    pair = services.pair_create(person=p, helpers=[(h1, "neighbour")])
    with time_machine.travel(at(2026, 5, 11, 9, 30), tick=False):
        # The first helper holds no account: the head knocks, as a helper would.
        services.knock_record(actor=demo.user("grid1"), pair_id=pair.pk, answered=True)
    with time_machine.travel(at(2026, 5, 11, 10, 30), tick=False):
        services.knock_sweep()
    assert not KnockAlert.objects.filter(pair=pair).exists()
    # An unanswered knock the next day does not stop it: 没人应答 tells the next one in the
    # chain at once (the building head), before the pair's time; the sweep goes on from there,
    # passing over the grid worker, who knocked in vain themself.
    with time_machine.travel(at(2026, 5, 12, 9, 30), tick=False):
        services.knock_record(actor=demo.user("grid1"), pair_id=pair.pk, answered=False)
    alerts = KnockAlert.objects.filter(pair=pair, day=dt.date(2026, 5, 12)).order_by("step")
    assert [(a.person_id, a.at) for a in alerts] == [
        (demo.user("building").person_id, at(2026, 5, 12, 9, 30))
    ]
    assert Message.objects.filter(
        recipient=demo.user("building").person, topic=f"knock:{pair.pk}:20260512"
    ).exists()
    with time_machine.travel(at(2026, 5, 12, 10, 30), tick=False):
        services.knock_sweep()
    assert [a.person_id for a in alerts.all()] == [
        demo.user("building").person_id,
        demo.user("grid1").person_id,
    ]
    assert not Message.objects.filter(
        recipient=demo.user("grid1").person, topic=f"knock:{pair.pk}:20260512"
    ).exists()


def test_only_helpers_and_care_staff_knock(demo):
    building = head_building(demo)
    p, h1 = fresh(demo, under=building, n=2, skip=5)
    pair = services.pair_create(person=p, helpers=[(h1, "neighbour")])
    from tongxin.core.errors import NotFound

    with pytest.raises(NotFound):  # the building head is not one of this pair's helpers
        services.knock_record(actor=demo.user("building"), pair_id=pair.pk, answered=True)
    with pytest.raises(NotFound):
        services.knock_record(actor=demo.user("grid2"), pair_id=pair.pk, answered=True)
