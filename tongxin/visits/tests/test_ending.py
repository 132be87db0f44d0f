"""When a care tag ends, the open visits only its rules required go (with the reason kept),
re-derived from the tags that remain; done visits stay; the pairs of a resident whose last tag
ended end. Under frozen clocks."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine

from tongxin.core.models import AuditEvent
from tongxin.visits import services
from tongxin.visits.models import Pair, TaskState, VisitRecord, VisitTask
from tongxin.visits.tasks import visits_plan

from .helpers import at, fresh, head_building, tag

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def states(person):
    return {
        (t.rule.code, t.period_start): t.state
        for t in VisitTask.objects.filter(person=person).select_related("rule")
    }


def test_a_tag_ended_today_cancels_its_open_visits_and_keeps_the_done_ones(demo):
    building = head_building(demo)
    p, helper = fresh(demo, under=building, n=2, skip=40)
    with time_machine.travel(at(2026, 11, 10), tick=False):
        living = tag(p, "living_alone")
        services.plan(persons=[p])
        pair = services.pair_create(person=p, helpers=[(helper, "neighbour")])
    with time_machine.travel(at(2026, 11, 12), tick=False):
        november = VisitTask.objects.get(person=p, rule__code="elderly-living_alone")
        record = services.visit_record(
            actor=demo.user("grid1"), task_id=november.pk, method="home", notes="良好"
        )
    with time_machine.travel(at(2026, 12, 1, 0, 20), tick=False):
        services.plan(persons=[p])
    with time_machine.travel(at(2026, 12, 7), tick=False):
        december = VisitTask.objects.get(
            person=p, rule__code="elderly-living_alone", period_start=dt.date(2026, 12, 1)
        )
        assert december.state == TaskState.OPEN
        living.end_date = dt.date(2026, 12, 7)
        living.save()
        december.refresh_from_db()
        assert december.state == TaskState.CANCELLED
        assert "2026-12-07" in december.cancel_reason and december.cancel_reason
        shown = demo.api("grid1").get(f"/api/v1/visits/{december.pk}").json()
        assert shown["state"] == "cancelled" and shown["cancel_reason"] == december.cancel_reason
        page = demo.client("grid1").get(f"/visits/{december.pk}/").content.decode()
        assert 'id="cancel-reason"' in page and 'id="record-form"' not in page
        refused = demo.api("grid1").post(
            f"/api/v1/visits/{december.pk}/record",
            data=json.dumps({"method": "home"}),
            content_type="application/json",
        )
        assert refused.status_code == 422 and december.cancel_reason in refused.json()["message"]
        # History is never touched: November's visit and its record stay as they were.
        november.refresh_from_db()
        assert november.state == TaskState.DONE and november.record_id == record.pk
        assert VisitRecord.objects.filter(pk=record.pk).exists()
        event = AuditEvent.objects.filter(action="visit.tag_ended", subject_person_id=p.pk).get()
        assert event.detail["cancelled"] == [december.pk]
        # The tag holds through today: the knocks go on today.
        pair.refresh_from_db()
        assert pair.active
        # Nothing is planned for the resident any more.
        services.plan(persons=[p])
        assert not VisitTask.objects.filter(person=p, state=TaskState.OPEN).exists()
    with time_machine.travel(at(2026, 12, 8, 0, 15), tick=False):
        visits_plan()
        pair.refresh_from_db()
        assert not pair.active and pair.ended_reason
        assert not VisitTask.objects.filter(person=p, state=TaskState.OPEN).exists()


def test_a_future_end_date_cancels_the_visits_due_after_it_and_clearing_it_brings_them_back(
    demo,
):
    (p,) = fresh(demo, skip=43)
    with time_machine.travel(at(2026, 12, 7, 9), tick=False):
        unemployed = tag(p, "unemployed")
        services.plan(persons=[p])
        before = states(p)
        # Weekly contact (due the 13th), the monthly visit and the year-end review (the 31st),
        # the first visit of the new tag (within 72 h).
        assert before[("unemployed-group", dt.date(2026, 12, 7))] == TaskState.OPEN
        assert before[("unemployed-branch", dt.date(2026, 12, 1))] == TaskState.OPEN
        assert before[("unemployed-committee", dt.date(2026, 1, 1))] == TaskState.OPEN
        unemployed.end_date = dt.date(2026, 12, 20)
        unemployed.save()
        after = states(p)
        assert after[("unemployed-group", dt.date(2026, 12, 7))] == TaskState.OPEN
        assert after[("new-tag", dt.date(2026, 12, 7))] == TaskState.OPEN
        assert after[("unemployed-branch", dt.date(2026, 12, 1))] == TaskState.CANCELLED
        assert after[("unemployed-committee", dt.date(2026, 1, 1))] == TaskState.CANCELLED
        # The end date cleared (entered by mistake): the visits are owed again.
        unemployed.end_date = None
        unemployed.save()
        assert states(p) == before
        assert not VisitTask.objects.filter(person=p).exclude(cancel_reason="").exists()


def test_two_tags_only_the_ended_tags_duties_go(demo):
    building = head_building(demo)
    p, helper = fresh(demo, under=building, n=2, skip=45)
    with time_machine.travel(at(2026, 12, 7, 9), tick=False):
        living = tag(p, "living_alone")
        tag(p, "unemployed")
        services.plan(persons=[p])
        pair = services.pair_create(person=p, helpers=[(helper, "neighbour")])
        living.delete()
        after = states(p)
        assert after[("elderly-living_alone", dt.date(2026, 12, 1))] == TaskState.CANCELLED
        # The other tag's duties stay, and so does the first visit (the other tag needs it).
        assert after[("unemployed-branch", dt.date(2026, 12, 1))] == TaskState.OPEN
        assert after[("unemployed-group", dt.date(2026, 12, 7))] == TaskState.OPEN
        assert after[("new-tag", dt.date(2026, 12, 7))] == TaskState.OPEN
        cancelled = VisitTask.objects.get(person=p, rule__code="elderly-living_alone")
        assert cancelled.cancel_reason
        pair.refresh_from_db()
        assert pair.active  # a tag remains: the knocks go on


def test_the_pairs_of_a_resident_whose_last_tag_is_removed_end_at_once(demo):
    building = head_building(demo)
    p, helper, untagged = fresh(demo, under=building, n=3, skip=48)
    with time_machine.travel(at(2026, 12, 7, 9), tick=False):
        alone = tag(p, "living_alone")
        pair = services.pair_create(person=p, helpers=[(helper, "neighbour")])
        other = services.pair_create(person=untagged, helpers=[(helper, "neighbour")])
        alone.delete()
        pair.refresh_from_db()
        assert not pair.active and pair.ended_reason
        assert not VisitTask.objects.filter(person=p, state=TaskState.OPEN).exists()
        # Nobody knocks any more, nobody is told of a knock missed.
        with time_machine.travel(at(2026, 12, 7, 11), tick=False):
            services.knock_sweep()
        assert not pair.alerts.exists()
        # A resident paired without any tag keeps the pair, night after night.
        visits_plan()
        assert Pair.objects.get(pk=other.pk).active
