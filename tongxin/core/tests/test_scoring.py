"""The scoring engine against hand-computed scorecards (no database: it is pure)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tongxin.core.scoring import (
    Evidence,
    FactSet,
    Formula,
    FormulaError,
    cap_count,
    cap_grades,
    evaluate,
)

D = Decimal
QUARTERS = ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]

# The published unit rule: 平时 × 50% + 年度 × 50% + bonus − deductions, 优 ≥ 95.
FORMULA = {
    "parts": [
        {
            "code": "regular",
            "label": "平时",
            "weight": "0.5",
            "cap": "100",
            "rules": [
                {
                    "code": "activity",
                    "label": "活动",
                    "kind": "per_fact",
                    "fact": "activity_held",
                    "points": "10",
                },
                {
                    "code": "wish",
                    "label": "心愿",
                    "kind": "per_fact",
                    "fact": "wish_claimed",
                    "points": "5",
                    "cap": "20",
                },
            ],
        },
        {
            "code": "annual",
            "label": "年度",
            "weight": "0.5",
            "rules": [
                {
                    "code": "agreement",
                    "label": "协议",
                    "kind": "ratio",
                    "fact": "commitment_done",
                    "of": "commitment_target",
                    "points": "100",
                },
            ],
        },
    ],
    "adjustments": [
        {
            "code": "absence",
            "label": "缺席",
            "kind": "per_fact",
            "fact": "meeting_unexcused",
            "points": "-5",
        },
        {
            "code": "quarterly",
            "label": "季度活动不足",
            "kind": "per_missing_period",
            "fact": "activity_held",
            "min": 2,
            "points": "-5",
        },
        {
            "code": "suggestion",
            "label": "建议",
            "kind": "per_fact",
            "fact": "suggestion_adopted",
            "points": "2",
        },
        {
            "code": "attendance",
            "label": "全勤",
            "kind": "bonus_if",
            "points": "3",
            "all": [
                {"fact": "meeting_invited", "op": ">=", "value": 1},
                {"fact": "meeting_absent", "op": "==", "value": 0},
            ],
        },
    ],
    "bands": [{"grade": "优", "min": "95"}, {"grade": "中", "min": "60"}, {"grade": "差"}],
    "floor": "0",
}


def ev(n: int) -> Evidence:
    return Evidence("test.record", n, f"record {n}", f"/r/{n}")


def facts(
    *,
    activities: dict[str, int] | None = None,
    wishes: int = 0,
    done: str = "0",
    target: str = "0",
    unexcused: int = 0,
    absent: int = 0,
    invited: int = 0,
    suggestions: int = 0,
) -> FactSet:
    fs = FactSet(periods=list(QUARTERS))
    n = 0
    for period, count in (activities or {}).items():
        for _ in range(count):
            n += 1
            fs.add("activity_held", ev(n), period=period)
    for _ in range(wishes):
        n += 1
        fs.add("wish_claimed", ev(n))
    if D(target):
        fs.add("commitment_target", amount=D(target))
        fs.add("commitment_done", ev(999), amount=D(done))
    for _ in range(invited):
        n += 1
        fs.add("meeting_invited", ev(n))
    for _ in range(absent):
        n += 1
        fs.add("meeting_absent", ev(n))
    for _ in range(unexcused):
        n += 1
        fs.add("meeting_unexcused", ev(n))
    for _ in range(suggestions):
        n += 1
        fs.add("suggestion_adopted", ev(n))
    return fs


def by_rule(result):
    return {i.rule: i.points for i in result.items}


def test_a_full_card_by_hand():
    # 平时: 8 activities × 10 + 2 wishes × 5 = 90 → × 0.5 = 45
    # 年度: 94/100 × 100 = 94 → × 0.5 = 47; full attendance +3 → 95, exactly the 优 line.
    r = evaluate(
        FORMULA,
        facts(activities=dict.fromkeys(QUARTERS, 2), wishes=2, done="94", target="100", invited=4),
    )
    assert by_rule(r) == {
        "activity": D("40.00"),
        "wish": D("5.00"),
        "agreement": D("47.00"),
        "attendance": D("3.00"),
    }
    assert r.parts == {"regular": D(90), "annual": D(94)}
    assert r.total == D("95.00")
    assert r.grade == "优"
    assert sum(i.points for i in r.items) == r.total


def test_one_hundredth_below_the_line_is_not_excellent():
    # 年度 1/3 × 100 = 33.33 (rounded half up) → × 0.5 = 16.665 → 16.67 (half up)
    # 平时 100 (cap: 12 × 10 = 120 clipped) → 50; suggestions 14 × 2 = 28 → 94.67
    r = evaluate(
        FORMULA,
        facts(activities=dict.fromkeys(QUARTERS, 3), done="1", target="3", suggestions=14),
    )
    items = by_rule(r)
    assert items["agreement"] == D("16.67")
    assert items["activity"] == D("60.00")
    assert items["regular.cap"] == D("-10.00")  # the clipped 20 points, weighted
    assert r.total == D("94.67")
    assert r.grade == "中"
    assert sum(i.points for i in r.items) == r.total


def test_deductions_per_absence_and_per_quarter_without_two_activities():
    # Q1 2, Q2 1, Q3 0, Q4 2 → two quarters short: −10; two unexcused absences: −10
    r = evaluate(
        FORMULA,
        facts(
            activities={"2026Q1": 2, "2026Q2": 1, "2026Q4": 2},
            done="10",
            target="10",
            invited=4,
            absent=2,
            unexcused=2,
        ),
    )
    items = by_rule(r)
    assert items["quarterly:2026Q2"] == D(-5)
    assert items["quarterly:2026Q3"] == D(-5)
    assert "quarterly:2026Q1" not in items
    assert items["absence"] == D(-10)
    assert "attendance" not in items  # absent twice: no full-attendance bonus
    # 平时 5 × 10 = 50 → 25; 年度 100 → 50; − 20 → 55 → 差
    assert r.total == D("55.00")
    assert r.grade == "差"
    # Each deduction names its evidence: the quarter's one activity.
    q2 = next(i for i in r.items if i.rule == "quarterly:2026Q2")
    assert len(q2.evidence) == 1
    assert q2.note.startswith("2026Q2: 1")


def test_exactly_sixty_is_the_middle_grade_and_the_floor_holds():
    r = evaluate(
        FORMULA,
        facts(
            activities={"2026Q1": 2, "2026Q2": 2, "2026Q3": 2, "2026Q4": 2},
            done="40",
            target="100",
            suggestions=0,
            invited=1,
        ),
    )
    # 平时 80 → 40; 年度 40 → 20; +3 → 63
    assert r.total == D("63.00") and r.grade == "中"
    formula = json.loads(json.dumps(FORMULA))
    formula["adjustments"][2]["points"] = "-1.5"  # 2 "suggestions" now deduct 3
    r = evaluate(
        formula,
        facts(
            activities=dict.fromkeys(QUARTERS, 2), done="40", target="100", invited=1, suggestions=2
        ),
    )
    assert r.total == D("60.00") and r.grade == "中"
    # Nothing at all: four quarters short (−20) would give −20; the floor keeps 0.
    r = evaluate(FORMULA, facts())
    assert r.total == D(0) and r.grade == "差"
    assert by_rule(r)["floor"] == D(20)


def test_a_rule_cap_limits_the_rule_and_says_so():
    r = evaluate(FORMULA, facts(wishes=7))
    wish = next(i for i in r.items if i.rule == "wish")
    assert wish.raw == D(20) and wish.points == D("10.00") and wish.note == "cap 20"
    assert len(wish.evidence) == 7


def test_deterministic_and_json_round_trip():
    fs = facts(activities={"2026Q1": 2}, wishes=1, done="3", target="7", invited=2)
    a = evaluate(json.dumps(FORMULA), fs).as_dict()
    b = evaluate(Formula.parse(FORMULA), fs).as_dict()
    assert a == b
    assert json.loads(json.dumps(a)) == a
    assert a["items"][0]["evidence"][0] == {
        "model": "test.record",
        "id": 1,
        "text": "record 1",
        "url": "/r/1",
    }


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda f: f["parts"][0]["rules"][0].update(points=10.0), "parts[0].rules[0].points"),
        (lambda f: f["parts"][0]["rules"][0].update(kind="magic"), "parts[0].rules[0].kind"),
        (lambda f: f["adjustments"][0].update(code="activity"), "adjustments[0].code"),
        (
            lambda f: f.update(bands=[{"grade": "优", "min": "60"}, {"grade": "中", "min": "95"}]),
            "bands[1].min",
        ),
        (lambda f: f.update(bands=[]), "bands"),
        (lambda f: f["adjustments"][3]["all"][0].update(op="~"), "adjustments[3].all[0].op"),
    ],
)
def test_bad_formulas_name_the_place(mutate, path):
    formula = json.loads(json.dumps(FORMULA))
    mutate(formula)
    with pytest.raises(FormulaError) as exc:
        Formula.parse(formula)
    assert exc.value.path == path


def test_fact_names():
    assert Formula.parse(FORMULA).fact_names() == {
        "activity_held",
        "wish_claimed",
        "commitment_done",
        "commitment_target",
        "meeting_unexcused",
        "suggestion_adopted",
        "meeting_invited",
        "meeting_absent",
    }


# ------------------------------------------------------------------------ population caps
# (party scorecards: five-star branches at most 30%; 优秀 at most a third)

STARS = {
    "parts": [],
    "bands": [
        {"grade": "5", "min": "90"},
        {"grade": "4", "min": "80"},
        {"grade": "3", "min": "70"},
        {"grade": "2", "min": "60"},
        {"grade": "1"},
    ],
    "grade_caps": [{"grade": "5", "max_share": "0.3"}],
}


def test_cap_count_is_the_floor_of_the_share():
    assert cap_count(10, "0.3") == 3
    assert cap_count(9, "0.3") == 2
    assert cap_count(6, Decimal(1) / Decimal(3)) == 2
    assert cap_count(7, Decimal(1) / Decimal(3)) == 2
    assert cap_count(2, "0.3") == 0


def test_the_band_boundaries_are_inclusive_without_caps():
    f = {**STARS, "grade_caps": []}
    got = cap_grades(
        f,
        {
            k: Decimal(v)
            for k, v in zip("abcdef", ["90", "89.99", "80", "70", "60", "59.99"], strict=True)
        },
    )
    assert got == {"a": "5", "b": "4", "c": "4", "d": "3", "e": "2", "f": "1"}


def test_five_stars_beyond_thirty_percent_drop_to_four_best_first():
    totals = {f"b{i}": Decimal(t) for i, t in enumerate(["99", "95", "93", "91", "90", "85"])}
    got = cap_grades(STARS, totals)
    # six branches: at most ⌊0.3 × 6⌋ = 1 five-star
    assert [got[f"b{i}"] for i in range(6)] == ["5", "4", "4", "4", "4", "4"]


def test_equal_totals_at_the_cut_drop_together():
    totals = {
        k: Decimal(t)
        for k, t in zip("abcdefghij", ["95", "92", "92", "92", "80"] + ["70"] * 5, strict=True)
    }
    got = cap_grades(STARS, totals)  # ten: three may be five-star, but b, c, d tie at the cut
    assert got["a"] == "5" and {got[k] for k in "bcd"} == {"4"}


def test_a_formula_without_caps_evaluates_as_before():
    f = Formula.parse({**STARS, "grade_caps": []})
    assert f.grade_caps == {}
    assert cap_grades(f, {"x": Decimal("95"), "y": Decimal("96")}) == {"x": "5", "y": "5"}


@pytest.mark.parametrize(
    ("caps", "path"),
    [
        ([{"grade": "6", "max_share": "0.3"}], "grade_caps[0].grade"),
        ([{"grade": "5", "max_share": "1.5"}], "grade_caps[0].max_share"),
        ([{"grade": "5", "max_share": 0.3}], "grade_caps[0].max_share"),
        ("x", "grade_caps"),
    ],
)
def test_bad_caps_are_refused_naming_the_place(caps, path):
    with pytest.raises(FormulaError) as e:
        Formula.parse({**STARS, "grade_caps": caps})
    assert e.value.path == path
