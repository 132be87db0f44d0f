"""Deadlines under a frozen clock: the planned moments, the queued clock checks, warnings,
breach escalation up the chain, idempotence, suspension and resolution."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from tongxin.cases import services, sla
from tongxin.cases.models import Case, CaseEvent, WorkCalendarDay
from tongxin.cases.workflow import State
from tongxin.inbox.models import Message

from .support import MORNING, act, at, report

pytestmark = pytest.mark.dates

# municipal.manhole, normal: accept 2 h, arrive 4 h, resolve 1 day, in working time.
# Reported Tuesday 2026-10-20 09:00 (office hours 08:30–12:00, 14:00–18:00).
ACCEPT = {"yellow": at(2026, 10, 20, 10, 30), "red": at(2026, 10, 20, 10, 48)}
ACCEPT["due"] = at(2026, 10, 20, 11, 0)
ARRIVE = {
    "yellow": at(2026, 10, 20, 12, 0),
    "red": at(2026, 10, 20, 14, 36),
    "due": at(2026, 10, 20, 15, 0),
}
RESOLVE = {
    "yellow": at(2026, 10, 20, 17, 0),
    "red": at(2026, 10, 21, 8, 42),
    "due": at(2026, 10, 21, 9, 30),
}


def moments_of(case, name):
    return {s: dt.datetime.fromisoformat(case.clocks[name][s]) for s in sla.STAGES}


def acts_of(case, *names):
    return list(
        CaseEvent.objects.filter(case=case, act__in=names)
        .order_by("seq")
        .values_list("act", "data")
    )


def check(case, now):
    return services.case_check_clocks(case_id=case.pk, now=now)


def messages(person, case, kind):
    return Message.objects.filter(recipient=person, topic=f"case:{case.pk}", kind=kind).count()


@pytest.mark.django_db
def test_planned_moments_in_working_time(demo):
    case = report(demo)
    assert moments_of(case, "accept") == ACCEPT
    assert moments_of(case, "arrive") == ARRIVE
    assert moments_of(case, "resolve") == RESOLVE
    assert case.accept_due == ACCEPT["due"]
    assert case.arrive_due == ARRIVE["due"]
    assert case.resolve_due == RESOLVE["due"]
    stored = Case.objects.get(pk=case.pk)
    assert stored.resolve_due == RESOLVE["due"] and stored.created_at == MORNING


@pytest.mark.django_db
def test_clock_checks_are_queued_for_every_moment(demo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = report(demo)
    queued = [
        r.run_after
        for r in DBTaskResult.objects.filter(task_path__endswith="check_case_clocks")
        if r.args_kwargs["args"] == [case.pk]
    ]
    expected = {m for clock in (ACCEPT, ARRIVE, RESOLVE) for m in clock.values()}
    assert sorted(queued) == sorted(expected)
    # Accepting and arriving stops those clocks: suspension and resumption re-queue only
    # what still runs.
    act(demo, "grid1", case, "accept", now=at(2026, 10, 20, 9, 10))
    act(demo, "grid1", case, "start", now=at(2026, 10, 20, 9, 20))
    act(demo, "grid1", case, "suspend", now=at(2026, 10, 20, 9, 30), reason="等配件")
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        case = act(demo, "grid1", case, "resume", now=at(2026, 10, 20, 10, 30))
    queued = sorted(
        r.run_after
        for r in DBTaskResult.objects.filter(task_path__endswith="check_case_clocks")
        if r.args_kwargs["args"] == [case.pk]
    )
    assert queued == [m + dt.timedelta(hours=1) for m in RESOLVE.values()]


@pytest.mark.django_db
def test_warnings_then_breach_then_further_escalation(demo):
    case = report(demo)
    grid1 = demo.user("grid1").person
    secretary = demo.user("secretary").person
    street = demo.user("street").person

    assert check(case, ACCEPT["yellow"] - dt.timedelta(minutes=1)) == []
    assert check(case, ACCEPT["yellow"]) == [("accept", "yellow")]
    assert acts_of(case, "warn") == [("warn", {"clock": "accept", "stage": "yellow"})]
    assert messages(grid1, case, "case_deadline") == 1

    assert check(case, ACCEPT["red"]) == [("accept", "red")]
    assert messages(grid1, case, "case_deadline") == 2

    assert check(case, ACCEPT["due"]) == [("accept", "due")]
    case.refresh_from_db()
    assert case.overdue and case.breach_level == 1
    assert case.supervisor == secretary
    breach = CaseEvent.objects.get(case=case, act="breach")
    assert breach.data == {"clock": "accept", "level": 1} and secretary.name in breach.note
    assert messages(secretary, case, "case_breach") == 1
    assert messages(grid1, case, "case_deadline") == 3

    # Idempotent: the same moment again does nothing.
    count = CaseEvent.objects.filter(case=case).count()
    assert check(case, ACCEPT["due"]) == []
    assert check(case, ACCEPT["due"] + dt.timedelta(minutes=5)) == []
    assert CaseEvent.objects.filter(case=case).count() == count
    assert messages(secretary, case, "case_breach") == 1

    # The secretary now sees it (as supervisor) among the overdue.
    from tongxin.cases.selectors import worklist

    assert case in worklist(demo.user("secretary"), "overdue")

    # The next clock's breach escalates further: to the street.
    assert check(case, ARRIVE["yellow"]) == [("arrive", "yellow")]
    assert check(case, ARRIVE["due"]) == [("arrive", "due")]
    case.refresh_from_db()
    assert case.breach_level == 2 and case.supervisor == street
    assert messages(street, case, "case_breach") == 1
    # Still open, in the same state: a breach escalates, it does not change the state.
    assert case.state == State.REPORTED


@pytest.mark.django_db
def test_a_late_check_gives_only_the_latest_stage(demo):
    case = report(demo)
    assert check(case, ACCEPT["due"] + dt.timedelta(minutes=5)) == [("accept", "due")]
    assert acts_of(case, "warn") == []
    assert [a for a, _ in acts_of(case, "breach")] == ["breach"]
    # A check long after everything: one act per clock, the latest stage of each.
    case2 = report(demo, description="另一个井盖")
    got = check(case2, RESOLVE["due"] + dt.timedelta(hours=1))
    assert sorted(got) == [("accept", "due"), ("arrive", "due"), ("resolve", "due")]
    case2.refresh_from_db()
    assert case2.breach_level == 3


@pytest.mark.django_db
def test_the_queued_task_runs_the_check(demo, django_capture_on_commit_callbacks):
    from tongxin.cases.tasks import check_case_clocks

    case = report(demo)
    # The task reads the clock: a day after the resolve deadline, every moment has come.
    with time_machine.travel(RESOLVE["due"] + dt.timedelta(days=1), tick=False):
        result = check_case_clocks.call(case.pk)
        assert result == 3
        case.refresh_from_db()
        assert case.overdue and case.breach_level == 3
        assert check_case_clocks.call(case.pk) == 0


@pytest.mark.django_db
def test_stopped_clocks_do_not_warn(demo):
    case = report(demo)
    act(demo, "grid1", case, "accept", now=at(2026, 10, 20, 9, 30))
    act(demo, "grid1", case, "start", now=at(2026, 10, 20, 9, 45), note="到场")
    assert check(case, ACCEPT["due"]) == []
    assert check(case, RESOLVE["yellow"]) == [("resolve", "yellow")]
    case = act(demo, "grid1", case, "resolve", now=at(2026, 10, 20, 17, 30), result="已修复")
    assert case.resolved_on_time is True
    assert {c["stage"] for c in case.clocks.values()} == {"stopped"}
    assert sla.moments(case) == []
    assert check(case, RESOLVE["due"] + dt.timedelta(days=3)) == []
    case.refresh_from_db()
    assert not case.overdue


@pytest.mark.django_db
def test_resolving_late(demo):
    case = report(demo)
    act(demo, "grid1", case, "accept", now=at(2026, 10, 20, 9, 30))
    act(demo, "grid1", case, "start", now=at(2026, 10, 20, 9, 45), note="到场")
    check(case, RESOLVE["due"])
    case = act(demo, "grid1", case, "resolve", now=at(2026, 10, 21, 10, 0), result="已修复")
    assert case.resolved_on_time is False
    assert case.overdue  # it was overdue, and stays on record so


@pytest.mark.django_db
def test_suspension_shifts_the_clocks(demo):
    case = report(demo)
    act(demo, "grid1", case, "accept", now=at(2026, 10, 20, 9, 10))
    act(demo, "grid1", case, "start", now=at(2026, 10, 20, 9, 20), note="到场")
    act(demo, "secretary", case, "suspend", now=at(2026, 10, 20, 9, 30), reason="等待配件")
    # No warnings while suspended, even when a moment passes.
    assert check(case, RESOLVE["yellow"]) == []
    case = act(demo, "secretary", case, "resume", now=at(2026, 10, 20, 10, 30), note="配件已到")
    assert case.state == State.IN_PROGRESS
    hour = dt.timedelta(hours=1)
    assert moments_of(case, "resolve") == {s: m + hour for s, m in RESOLVE.items()}
    assert case.resolve_due == RESOLVE["due"] + hour
    resume = CaseEvent.objects.get(case=case, act="resume")
    assert resume.data["paused_minutes"] == 60
    assert check(case, RESOLVE["yellow"]) == []
    assert check(case, RESOLVE["yellow"] + hour) == [("resolve", "yellow")]


@pytest.mark.django_db
def test_an_overnight_suspension_shifts_working_clocks_by_working_time(demo):
    case = report(demo)
    act(demo, "grid1", case, "accept", now=at(2026, 10, 20, 9, 10))
    act(demo, "grid1", case, "start", now=at(2026, 10, 20, 9, 20), note="到场")
    act(demo, "secretary", case, "suspend", now=at(2026, 10, 20, 17, 0), reason="住户不在家")
    case = act(demo, "secretary", case, "resume", now=at(2026, 10, 21, 9, 0), note="住户已回")
    # 17:00–18:00 and 08:30–09:00 were working time: 90 minutes of it lost.
    assert case.resolve_due == at(2026, 10, 21, 11, 0)
    assert moments_of(case, "resolve")["red"] == at(2026, 10, 21, 10, 12)


@pytest.mark.django_db
def test_emergencies_run_on_the_wall_clock(demo):
    moment = at(2026, 10, 24, 10, 0)  # a Saturday
    case = report(
        demo, category="emergency", priority="emergency", description="楼道起火", now=moment
    )
    assert case.accept_due == moment + dt.timedelta(minutes=15)
    assert case.arrive_due == moment + dt.timedelta(minutes=30)
    assert case.resolve_due == moment + dt.timedelta(hours=24)
    assert not case.clocks["accept"]["working"]


@pytest.mark.django_db
def test_unsatisfied_feedback_restarts_the_resolve_clock(demo, django_capture_on_commit_callbacks):
    case = report(demo)
    act(demo, "grid1", case, "accept", now=at(2026, 10, 20, 9, 10))
    act(demo, "grid1", case, "start", now=at(2026, 10, 20, 9, 20), note="到场")
    act(demo, "grid1", case, "resolve", now=at(2026, 10, 20, 10, 0), result="已修复")
    again = at(2026, 10, 22, 9, 0)  # Thursday
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        case = act(demo, "resident", case, "feedback", now=again, rating="unsatisfied")
    assert case.state == State.IN_PROGRESS
    # One "day" (480 working minutes): 7 h on Thursday, the last hour on Friday morning.
    assert case.resolve_due == at(2026, 10, 23, 9, 30)
    assert case.clocks["resolve"]["stage"] == ""
    queued = [
        r.run_after
        for r in DBTaskResult.objects.filter(task_path__endswith="check_case_clocks")
        if r.args_kwargs["args"] == [case.pk]
    ]
    assert sorted(queued) == sorted(moments_of(case, "resolve").values())


@pytest.mark.django_db
def test_working_time_deadline_over_a_weekend(demo):
    case = report(demo, now=at(2026, 10, 23, 17, 0))  # Friday 17:00
    # 1 hour on Friday, the other hour on Monday morning.
    assert case.accept_due == at(2026, 10, 26, 9, 30)


@pytest.mark.django_db
def test_working_time_deadline_over_national_day(demo):
    # 2026: 10-01..10-07 are holidays; 09-20 (Sunday) and 10-10 (Saturday) are worked.
    case = report(demo, category="env", description="垃圾堆放", now=at(2026, 9, 30, 17, 0))
    assert case.accept_due == at(2026, 10, 8, 11, 30)  # 4 h: 1 h on 09-30, 3 h on 10-08
    # 2400 working minutes (office days are 7.5 h): 09-30 (1 h), 10-08, 10-09, 10-10
    # (make-up), 10-12, 10-13 (7.5 h each), and 1.5 h on 10-14.
    assert case.resolve_due == at(2026, 10, 14, 10, 0)


@pytest.mark.django_db
def test_a_make_up_working_day_counts(demo):
    case = report(demo, category="env", description="垃圾堆放", now=at(2026, 9, 19, 10, 0))
    assert case.accept_due == at(2026, 9, 20, 14, 30)  # Sunday 09-20 is worked


@pytest.mark.django_db
def test_the_admins_calendar_overrides_the_published_one(demo):
    WorkCalendarDay.objects.create(date=dt.date(2026, 10, 8), is_workday=False, note="延长假期")
    case = report(demo, category="env", description="垃圾堆放", now=at(2026, 9, 30, 17, 0))
    assert case.accept_due == at(2026, 10, 9, 11, 30)
    WorkCalendarDay.objects.create(date=dt.date(2026, 10, 24), is_workday=True, note="调休上班")
    case = report(demo, now=at(2026, 10, 23, 17, 0))
    assert case.accept_due == at(2026, 10, 24, 9, 30)
