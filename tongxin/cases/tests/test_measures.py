"""The measures (受理、按时办结率、平均处置时长、回访率、处理率、满意率) over a handful of cases
with known outcomes, in a month the demo has no cases in (March 2026: the demo's cases are
the 90 days before it is generated, and its posts began before 2026)."""

from __future__ import annotations

import pytest

from tongxin.cases.selectors import measures
from tongxin.cases.workflow import State

from .support import act, at, department, report

pytestmark = pytest.mark.dates

SINCE, UNTIL = at(2026, 3, 1), at(2026, 4, 1)


def t(day, hour, minute=0):
    return at(2026, 3, day + 1, hour, minute)


@pytest.fixture
def outcomes(demo):
    """Seven cases of 2026-03 with known outcomes. ``t(n, …)`` is 2026-03-(n+1): t(2) is
    Tuesday the 3rd and t(3) Wednesday the 4th, both working days."""
    made = {}
    # A — grid 1, 井盖: resolved in 2 h, on time, 满意.
    a = report(demo, now=t(2, 9), description="井盖A")
    act(demo, "grid1", a, "accept", now=t(2, 9, 10))
    act(demo, "grid1", a, "start", now=t(2, 9, 20), note="到场")
    act(demo, "grid1", a, "resolve", now=t(2, 11), result="已修复")
    made["a"] = act(demo, "resident", a, "feedback", now=t(2, 12), rating="satisfied")
    # B — grid 1, 井盖: resolved after 28 h, late (due 3-04 09:30), 基本满意.
    b = report(demo, now=t(2, 9), description="井盖B")
    act(demo, "grid1", b, "accept", now=t(2, 9, 10))
    act(demo, "grid1", b, "start", now=t(2, 9, 20), note="到场")
    act(demo, "grid1", b, "resolve", now=t(3, 13), result="已修复")
    made["b"] = act(demo, "resident", b, "feedback", now=t(3, 14), rating="basic")
    # C — grid 1, 井盖: rejected.
    c = report(demo, now=t(2, 9), description="井盖C")
    made["c"] = act(demo, "grid1", c, "reject", now=t(2, 9, 30), reason="重复反映")
    # D — grid 2, 环境: accepted, still in hand.
    d = report(demo, "grid2", grid=2, category="env", channel="patrol", now=t(2, 10))
    made["d"] = act(demo, "grid2", d, "accept", now=t(2, 10, 5))
    # E — grid 2, 环境: resolved in 4 h, not followed up yet.
    e = report(demo, "grid2", grid=2, category="env", channel="patrol", now=t(2, 10))
    act(demo, "grid2", e, "accept", now=t(2, 10, 5))
    act(demo, "grid2", e, "start", now=t(2, 10, 30), note="到场")
    made["e"] = act(demo, "grid2", e, "resolve", now=t(2, 14), result="已清理")
    # F — grid 1, 交通: routed to the 交警 department, not yet accepted.
    made["f"] = report(demo, category="traffic", now=t(2, 10), description="乱停车")
    # G — grid 1, 邻里纠纷: 吹哨 to 城管, which does its part in 6 h; 满意.
    g = report(demo, category="dispute", now=t(2, 9), description="违建纠纷")
    act(demo, "grid1", g, "accept", now=t(2, 9, 30))
    act(demo, "grid1", g, "escalate", now=t(2, 10), org_ids=[department().pk], note="请城管")
    act(demo, "dept", g, "report_in", now=t(2, 15), result="已拆除", done=True)
    made["g"] = act(demo, "resident", g, "feedback", now=t(2, 16), rating="satisfied")
    assert made["g"].state == State.CLOSED and made["b"].resolved_on_time is False
    return made


def figures(m):
    d = m.as_dict()
    return (
        d["received"],
        d["accepted"],
        d["resolved"],
        d["on_time_rate"],
        d["avg_hours"],
        d["follow_up_rate"],
        d["resolution_rate"],
        d["satisfaction_rate"],
    )


def grouped(user, by):
    return {m.label: figures(m) for m in measures(user, by=by, since=SINCE, until=UNTIL)}


@pytest.mark.django_db
def test_total(demo, outcomes):
    (total,) = measures(demo.user("secretary"), since=SINCE, until=UNTIL)
    # received 7; accepted A B D E G; resolved A B E G (3 on time); handling 2, 28, 4, 6 h;
    # followed up A B G; satisfied (满意 or 基本满意) A B G.
    assert figures(total) == (7, 5, 4, 75.0, 10.0, 75.0, 80.0, 100.0)
    assert total.label == "合计"
    # The street sees the same; the window matters.
    (street,) = measures(demo.user("street"), since=SINCE, until=UNTIL)
    assert figures(street) == figures(total)
    (empty,) = measures(demo.user("secretary"), since=UNTIL, until=at(2026, 5, 1))
    assert figures(empty) == (0, 0, 0, None, None, None, None, None)


@pytest.mark.django_db
def test_per_grid(demo, outcomes):
    by_grid = grouped(demo.user("secretary"), "grid")
    assert by_grid == {
        "第1网格": (5, 3, 3, 66.7, 12.0, 100.0, 100.0, 100.0),
        "第2网格": (2, 2, 1, 100.0, 4.0, 0.0, 50.0, None),
    }
    # A grid worker measures only their own grids.
    assert set(grouped(demo.user("grid1"), "grid")) == {"第1网格"}
    assert set(grouped(demo.user("grid2"), "grid")) == {"第2网格"}


@pytest.mark.django_db
def test_per_category(demo, outcomes):
    assert grouped(demo.user("secretary"), "category") == {
        "井盖": (3, 2, 2, 50.0, 15.0, 100.0, 100.0, 100.0),
        "环境卫生": (2, 2, 1, 100.0, 4.0, 0.0, 50.0, None),
        "交通停车": (1, 0, 0, None, None, None, None, None),
        "邻里纠纷": (1, 1, 1, 100.0, 6.0, 100.0, 100.0, 100.0),
    }


@pytest.mark.django_db
def test_per_department(demo, outcomes):
    by_dept = grouped(demo.user("secretary"), "department")
    assert by_dept == {
        department().name: (1, 1, 1, 100.0, 6.0, 100.0, 100.0, 100.0),
        department("traffic_police").name: (1, 0, 0, None, None, None, None, None),
    }
    # The department itself measures what concerns it.
    assert grouped(demo.user("dept"), "department") == {
        department().name: (1, 1, 1, 100.0, 6.0, 100.0, 100.0, 100.0)
    }


@pytest.mark.django_db
def test_per_community(demo, outcomes):
    (total,) = measures(demo.user("secretary"), since=SINCE, until=UNTIL)
    assert grouped(demo.user("secretary"), "community") == {"文化路社区": figures(total)}


@pytest.mark.django_db
def test_merged_cases_are_not_counted_and_reopened_ones_are_not_resolved(demo, outcomes):
    dup = report(demo, now=t(5, 9), description="井盖A又报了一次")
    act(demo, "secretary", dup, "merge", now=t(5, 9, 30), into=outcomes["d"].pk)
    e = act(demo, "grid2", outcomes["e"], "feedback", now=t(5, 10), rating="unsatisfied")
    assert e.state == State.IN_PROGRESS
    (total,) = measures(demo.user("secretary"), since=SINCE, until=UNTIL)
    # Still 7 received; E reopened: resolved A B G (2 on time), handling 2, 28, 6 h; E was
    # followed up (回访, out of the four resolved at least once) but not satisfied.
    assert figures(total) == (7, 5, 3, 66.7, 12.0, 100.0, 60.0, 75.0)
    assert total.resolved_once == 4 and total.followed_up == 4
