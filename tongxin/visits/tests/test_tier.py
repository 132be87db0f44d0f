"""When a resident's risk tier changes, the open visits of the tier left are cancelled (the
reason kept, audited) and the ones of the tier come back: an upgrade then a downgrade leaves
exactly the visits the tier calls for, done visits untouched. Under frozen clocks."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tongxin.core.models import AuditEvent
from tongxin.visits import services
from tongxin.visits.models import TaskState, VisitTask

from .helpers import at, fresh, tag

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

TIER_RULES = ("tier-high", "tier-key", "tier-general")


def tier_tasks(person, state):
    return sorted(
        (t.rule.code, t.period_start)
        for t in VisitTask.objects.filter(
            person=person, state=state, rule__code__in=TIER_RULES
        ).select_related("rule")
    )


def others_open(person):
    return set(
        VisitTask.objects.filter(person=person, state=TaskState.OPEN)
        .exclude(rule__code__in=TIER_RULES)
        .values_list("pk", flat=True)
    )


def set_tier(demo, person, tier):
    return services.schedule_set_tier(actor=demo.user("grid1"), person_id=person.pk, risk_tier=tier)


def test_an_upgrade_then_a_downgrade_leaves_exactly_the_tiers_visits(demo):
    (p,) = fresh(demo, grid=1, skip=60)
    q4 = dt.date(2026, 10, 1)
    with time_machine.travel(at(2026, 11, 10), tick=False):
        tag(p, "living_alone")
        services.plan(persons=[p])
        set_tier(demo, p, "general")
        assert tier_tasks(p, TaskState.OPEN) == [("tier-general", q4)]
        untouched = others_open(p)
        # Up to high: this week's weekly visit; the quarter's general visit goes, the reason kept.
        set_tier(demo, p, "high")
        assert tier_tasks(p, TaskState.OPEN) == [("tier-high", dt.date(2026, 11, 9))]
        general = VisitTask.objects.get(person=p, rule__code="tier-general")
        assert general.state == TaskState.CANCELLED
        assert "高风险" in general.cancel_reason and "一般" in general.cancel_reason
        # One audit row per change, the visits it touched listed in it.
        rows = AuditEvent.objects.filter(action="visit.tier", subject_person_id=p.pk)
        first, event = rows.order_by("pk")
        assert first.detail == {
            "from": "",
            "to": "general",
            "major_change": False,
            "cancelled": [],
            "reopened": [],
        }
        assert event.detail["cancelled"] == [general.pk] and event.detail["reopened"] == []
        assert event.actor_id == demo.user("grid1").pk
        assert others_open(p) == untouched  # the care tag's own visits are no tier's
    with time_machine.travel(at(2026, 11, 11), tick=False):
        week = VisitTask.objects.get(person=p, rule__code="tier-high", state=TaskState.OPEN)
        record = services.visit_record(
            actor=demo.user("grid1"), task_id=week.pk, method="home", notes="良好"
        )
        untouched = others_open(p)
    with time_machine.travel(at(2026, 11, 17), tick=False):
        services.plan(persons=[p])
        assert tier_tasks(p, TaskState.OPEN) == [("tier-high", dt.date(2026, 11, 16))]
        # Down to general: the open weekly visit goes, the quarter's general visit comes back
        # (no second one is planned), last week's done visit stays as it was.
        set_tier(demo, p, "general")
        assert tier_tasks(p, TaskState.OPEN) == [("tier-general", q4)]
        assert tier_tasks(p, TaskState.CANCELLED) == [("tier-high", dt.date(2026, 11, 16))]
        assert tier_tasks(p, TaskState.DONE) == [("tier-high", dt.date(2026, 11, 9))]
        week.refresh_from_db()
        assert week.state == TaskState.DONE and week.record_id == record.pk
        general.refresh_from_db()
        assert general.state == TaskState.OPEN and general.cancel_reason == ""
        assert VisitTask.objects.filter(person=p, rule__code="tier-general").count() == 1
        assert others_open(p) == untouched
        last = AuditEvent.objects.filter(action="visit.tier", subject_person_id=p.pk)
        detail = last.order_by("-pk").first().detail
        assert detail["from"] == "high" and detail["to"] == "general"
        assert detail["reopened"] == [general.pk] and len(detail["cancelled"]) == 1
        # The nightly plan changes nothing.
        assert services.plan(persons=[p]) == 0
        # No tier at all: no tier visit stays open.
        set_tier(demo, p, "")
        assert tier_tasks(p, TaskState.OPEN) == []
        assert "未分级" in VisitTask.objects.get(person=p, rule__code="tier-general").cancel_reason


def test_setting_the_same_tier_again_changes_nothing(demo):
    (p,) = fresh(demo, grid=1, skip=61)
    with time_machine.travel(at(2026, 11, 10), tick=False):
        tag(p, "living_alone")
        set_tier(demo, p, "key")
        before = tier_tasks(p, TaskState.OPEN)
        assert before == [("tier-key", dt.date(2026, 11, 1))]
        set_tier(demo, p, "key")
        assert tier_tasks(p, TaskState.OPEN) == before
        # The first setting is audited, the repeat changed nothing and writes nothing.
        assert AuditEvent.objects.filter(action="visit.tier", subject_person_id=p.pk).count() == 1


def test_a_major_change_visit_stays_when_the_tier_comes_down(demo):
    (p,) = fresh(demo, grid=1, skip=62)
    with time_machine.travel(at(2026, 11, 10), tick=False):
        tag(p, "living_alone")
        services.schedule_set_tier(
            actor=demo.user("grid1"), person_id=p.pk, risk_tier="high", major_change=True
        )
        set_tier(demo, p, "key")
        owed = VisitTask.objects.get(person=p, rule__code="tier-high-change")
        assert owed.state == TaskState.OPEN  # owed for the event reported, not the tier
        assert tier_tasks(p, TaskState.OPEN) == [("tier-key", dt.date(2026, 11, 1))]
