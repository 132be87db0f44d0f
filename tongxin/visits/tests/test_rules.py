"""The cadence engine over a year, under frozen clocks: each seeded rule's due dates, the year's
end, 29 February; and which rules a resident's tags and tier call for."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tongxin.core import clock
from tongxin.visits import rules as engine
from tongxin.visits.defaults import SEED_RULES

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def rule(code):
    return next(r for r in engine.all_rules() if r.code == code)


def local(at):
    return clock.local(at)


def test_every_seed_rule_is_loaded():
    assert {r.code for r in engine.all_rules()} >= {r["code"] for r in SEED_RULES}


# code → how many visits 2026 owes, and the first and last due day.
YEAR = {
    "low_income-group": (12, dt.date(2026, 1, 31), dt.date(2026, 12, 31)),
    "low_income-branch": (4, dt.date(2026, 3, 31), dt.date(2026, 12, 31)),
    "low_income-committee": (1, dt.date(2026, 12, 31), dt.date(2026, 12, 31)),
    "unemployed-group": (53, dt.date(2026, 1, 4), dt.date(2027, 1, 3)),  # ISO weeks
    "unemployed-branch": (12, dt.date(2026, 1, 31), dt.date(2026, 12, 31)),
    "released-half": (2, dt.date(2026, 6, 30), dt.date(2026, 12, 31)),
    "widowed-weekly": (53, dt.date(2026, 1, 4), dt.date(2027, 1, 3)),
    "widowed-half": (2, dt.date(2026, 6, 30), dt.date(2026, 12, 31)),
    "elderly-living_alone": (12, dt.date(2026, 1, 31), dt.date(2026, 12, 31)),
    "tier-high": (53, dt.date(2026, 1, 4), dt.date(2027, 1, 3)),
    "tier-key": (12, dt.date(2026, 1, 31), dt.date(2026, 12, 31)),
    "tier-general": (4, dt.date(2026, 3, 31), dt.date(2026, 12, 31)),
}


@pytest.mark.parametrize("code", sorted(YEAR))
def test_seed_rule_due_dates_over_a_year(code):
    count, first, last = YEAR[code]
    dues = engine.due_dates(rule(code), dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert len(dues) == count
    assert local(dues[0].due_by).date() == first
    assert local(dues[-1].due_by).date() == last
    for d in dues:
        due = local(d.due_by)
        # Due at the very end of the period's last local day; missed after the grace.
        assert (due.hour, due.minute, due.second) == (23, 59, 59)
        assert d.late_by - d.due_by == dt.timedelta(days=rule(code).grace_days)
        assert d.period_start <= due.date()
    starts = [d.period_start for d in dues]
    assert starts == sorted(set(starts))  # one visit per period, no gap, no overlap


def test_trigger_rules_owe_nothing_until_triggered():
    for code in ("hospital", "released-day", "must-attend", "new-tag", "tier-high-change"):
        assert engine.due_dates(rule(code), dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == []


def test_a_trigger_is_due_within_its_hours_across_the_year_end():
    at = timezone.make_aware(dt.datetime(2026, 12, 31, 22, 0))
    due = engine.due_on_trigger(rule("must-attend"), at)
    assert due.due_by == at + dt.timedelta(hours=4)
    assert local(due.due_by).date() == dt.date(2027, 1, 1)
    assert due.period_start == dt.date(2026, 12, 31)
    assert engine.due_on_trigger(rule("tier-high-change"), at).due_by == at + dt.timedelta(hours=24)


def test_leap_february_and_daily_periods():
    monthly = rule("tier-key")
    feb = engine.due_in_period(monthly, engine.period(monthly.interval, dt.date(2028, 2, 10)))
    assert local(feb.due_by).date() == dt.date(2028, 2, 29)
    assert len(list(engine.periods("daily", dt.date(2028, 1, 1), dt.date(2028, 12, 31)))) == 366
    assert len(list(engine.periods("daily", dt.date(2026, 1, 1), dt.date(2026, 12, 31)))) == 365


def test_rules_for_merges_tags_and_tiers():
    on = dt.date(2026, 6, 1)
    codes = {r.code for r in engine.rules_for(["low_income", "living_alone"], "key", on)}
    assert {
        "low_income-group",
        "low_income-branch",
        "low_income-committee",
        "elderly-living_alone",
        "tier-key",
        "new-tag",
        "must-attend",
    } <= codes
    assert "tier-high" not in codes and "widowed-weekly" not in codes
    assert engine.rules_for([], "high", on) == []  # no tag, no schedule


def test_a_rule_out_of_force_is_not_applied():
    r = rule("tier-key")
    ended = engine.Rule(**{**r.__dict__, "end_date": dt.date(2026, 3, 31)})
    assert engine.rules_for(["disabled"], "key", dt.date(2026, 4, 1), [ended]) == []
    assert engine.rules_for(["disabled"], "key", dt.date(2026, 3, 31), [ended]) == [ended]


def test_which_contacts_count():
    at = timezone.make_aware(dt.datetime(2026, 5, 20, 10))
    kw = {"period_start": dt.date(2026, 5, 1), "late_by": at + dt.timedelta(days=3), "at": at}
    group = rule("low_income-group")
    branch = rule("low_income-branch")
    assert engine.counts_toward(group, assignee_id=1, visitor_id=2, method="home", **kw)
    assert not engine.counts_toward(group, assignee_id=1, visitor_id=2, method="phone", **kw)
    # The branch secretary's own visit only (any_visitor False).
    assert not engine.counts_toward(branch, assignee_id=1, visitor_id=2, method="home", **kw)
    assert engine.counts_toward(branch, assignee_id=1, visitor_id=1, method="home", **kw)
    early = {**kw, "period_start": dt.date(2026, 6, 1)}
    assert not engine.counts_toward(group, assignee_id=1, visitor_id=1, method="home", **early)
