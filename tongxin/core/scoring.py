"""The one scoring engine: a formula as data, evaluated over facts with their evidence.

Every scorecard of the system (co-building units and in-service members in ``alliance``,
branches and members for 评星定级, property companies) is a *formula* — plain JSON, stored
and edited as data — evaluated over *facts* that the domain's collector gathers from its
records. The engine knows nothing of any domain: a fact is a name, an optional period, an
amount and the evidence that proves it.

A formula::

    {
      "parts": [                                   # weighted parts (平时, 年度…)
        {"code": "regular", "label": "平时", "weight": "0.5", "base": "0", "cap": "100",
         "rules": [{"code": "activity", "label": "共建活动", "kind": "per_fact",
                    "fact": "activity_held", "points": "10"}]}
      ],
      "adjustments": [                             # bonuses and deductions, at full value
        {"code": "absence", "label": "无故缺席", "kind": "per_fact",
         "fact": "meeting_unexcused", "points": "-5"},
        {"code": "quarterly", "label": "季度共建活动不足", "kind": "per_missing_period",
         "fact": "activity_held", "min": 2, "points": "-5"},
        {"code": "attendance", "label": "全勤", "kind": "bonus_if", "points": "3",
         "all": [{"fact": "meeting_invited", "op": ">=", "value": 1},
                 {"fact": "meeting_absent", "op": "==", "value": 0}]}
      ],
      "bands": [{"grade": "优", "min": "95"}, {"grade": "中", "min": "60"}, {"grade": "差"}],
      "floor": "0",                                # optional: the total never goes below
      "grade_caps": [{"grade": "优", "max_share": "0.3"}]   # optional, across a population
    }

Rule kinds:

- ``per_fact``: ``points`` for each fact named ``fact`` (or, with ``"measure": "amount"``, per
  unit of the facts' summed amounts); ``cap`` limits the rule's absolute total.
- ``per_missing_period``: ``points`` for each period of the evaluation (``FactSet.periods``,
  e.g. the quarters that have ended) in which fewer than ``min`` facts named ``fact`` fall.
- ``bonus_if``: ``points`` once when every condition of ``all`` holds; a condition compares
  the count (or with ``"measure": "amount"`` the summed amount) of a fact with ``value``.
- ``ratio``: ``points`` × (sum of ``fact`` amounts ÷ sum of ``of`` amounts), at most
  ``points``; nothing when the denominator is zero.

Arithmetic is exact (``Decimal``; a formula's numbers are strings or integers, never floats).
A part's score is its ``base`` plus its rules' points, kept within ``[0, cap]``; its
contribution to the total is that score × ``weight``. Each item's contribution is rounded
half-up to 0.01 (``QUANT``) — a ``ratio`` before weighting too — and the total is the sum of
the rounded items, so the items a reader adds up give exactly the total. When a part is
clipped by its cap or by zero, the clipped amount is an item of its own (rule
``<part>.cap``), as is the total's ``floor`` (rule ``floor``). The grade is the first band
whose ``min`` the total reaches (``>=``: exactly 95 is 优).

Grade caps apply across a population, not to one card: ``grade_caps`` says that at most
``max_share`` of the cards evaluated together may have a grade (five-star branches at most
30%). ``cap_grades(formula, totals)`` takes every subject's total and gives each its grade
after the caps, highest band first: of the cards in a capped band, the best ``⌊share × n⌋``
keep it and the rest drop to the next band (where that band's cap applies in turn). Cards
with equal totals are treated alike: when the cut falls between equal totals, all of them
drop. ``evaluate`` is unchanged by caps (a formula without ``grade_caps`` behaves exactly as
before); ``cap_count(n, share)`` is the same bound for a grade given by people (优秀 at most a
third in the 民主评议).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

QUANT = Decimal("0.01")
ZERO = Decimal(0)

RULE_KINDS = ("per_fact", "per_missing_period", "bonus_if", "ratio")
OPS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
}


class FormulaError(ValueError):
    """A formula that cannot be evaluated; ``path`` names the offending place."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Evidence:
    """What proves a fact: the record's model label and id, a short text, a URL when known."""

    model: str
    id: int | str
    text: str
    url: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "id": self.id, "text": self.text, "url": self.url}


@dataclass(frozen=True)
class Fact:
    """One counted fact: its name, the period it falls in (``""`` for none), an amount (1 for
    a plain count; hours, money…), and its evidence."""

    name: str
    evidence: Evidence | None = None
    period: str = ""
    amount: Decimal = Decimal(1)


@dataclass
class FactSet:
    """The facts a collector gathered for one subject, and the periods of the evaluation
    (in order) that ``per_missing_period`` rules look at."""

    facts: list[Fact] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)

    def add(
        self,
        name: str,
        evidence: Evidence | None = None,
        *,
        period: str = "",
        amount: Decimal | int = 1,
    ) -> None:
        self.facts.append(Fact(name, evidence, period, Decimal(amount)))

    def named(self, name: str) -> list[Fact]:
        return [f for f in self.facts if f.name == name]

    def measure(self, name: str, how: str = "count") -> Decimal:
        facts = self.named(name)
        if how == "amount":
            return sum((f.amount for f in facts), ZERO)
        return Decimal(len(facts))


@dataclass
class Item:
    """One line of a scorecard: the rule, its label, the points it adds to the total, the
    part it belongs to (``""`` for an adjustment), the raw points before weighting, and the
    evidence."""

    rule: str
    label: str
    points: Decimal
    part: str = ""
    raw: Decimal = ZERO
    evidence: list[Evidence] = field(default_factory=list)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "label": self.label,
            "part": self.part,
            "points": str(self.points),
            "raw": str(self.raw),
            "note": self.note,
            "evidence": [e.as_dict() for e in self.evidence],
        }


@dataclass
class Result:
    """A computed scorecard. ``parts`` holds each part's score before weighting."""

    total: Decimal
    grade: str
    items: list[Item]
    parts: dict[str, Decimal] = field(default_factory=dict)
    part_labels: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": str(self.total),
            "grade": self.grade,
            "parts": {k: str(v) for k, v in self.parts.items()},
            "part_labels": dict(self.part_labels),
            "items": [i.as_dict() for i in self.items],
        }


# ------------------------------------------------------------------------ the formula


def _dec(value: Any, path: str) -> Decimal:
    if isinstance(value, (float, bool)):
        raise FormulaError(path, "numbers are strings or integers, never floats")
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise FormulaError(path, f"not a number: {value!r}") from None


def _rule(raw: Any, path: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise FormulaError(path, "a rule is an object")
    kind = raw.get("kind")
    if kind not in RULE_KINDS:
        raise FormulaError(f"{path}.kind", f"unknown kind {kind!r}")
    for key in ("code", "label"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise FormulaError(f"{path}.{key}", "required")
    rule: dict[str, Any] = {
        "code": raw["code"],
        "label": raw["label"],
        "kind": kind,
        "points": _dec(raw.get("points", 0), f"{path}.points"),
        "measure": raw.get("measure", "count"),
    }
    if rule["measure"] not in ("count", "amount"):
        raise FormulaError(f"{path}.measure", "count or amount")
    if "cap" in raw:
        rule["cap"] = _dec(raw["cap"], f"{path}.cap")
        if rule["cap"] < 0:
            raise FormulaError(f"{path}.cap", "not negative")
    if kind in ("per_fact", "per_missing_period", "ratio"):
        if not isinstance(raw.get("fact"), str):
            raise FormulaError(f"{path}.fact", "required")
        rule["fact"] = raw["fact"]
    if kind == "per_missing_period":
        rule["min"] = _dec(raw.get("min", 1), f"{path}.min")
    if kind == "ratio":
        if not isinstance(raw.get("of"), str):
            raise FormulaError(f"{path}.of", "required")
        rule["of"] = raw["of"]
    if kind == "bonus_if":
        conds = raw.get("all")
        if not isinstance(conds, list) or not conds:
            raise FormulaError(f"{path}.all", "a non-empty list of conditions")
        rule["all"] = []
        for j, c in enumerate(conds):
            cpath = f"{path}.all[{j}]"
            if not isinstance(c, Mapping) or not isinstance(c.get("fact"), str):
                raise FormulaError(cpath, "a condition names a fact")
            if c.get("op", ">=") not in OPS:
                raise FormulaError(f"{cpath}.op", f"one of {' '.join(OPS)}")
            measure = c.get("measure", "count")
            if measure not in ("count", "amount"):
                raise FormulaError(f"{cpath}.measure", "count or amount")
            rule["all"].append(
                {
                    "fact": c["fact"],
                    "op": c.get("op", ">="),
                    "value": _dec(c.get("value", 1), f"{cpath}.value"),
                    "measure": measure,
                }
            )
    return rule


@dataclass(frozen=True)
class Formula:
    """A validated formula (see the module's docstring); ``data`` is the JSON it came from."""

    parts: tuple[dict[str, Any], ...]
    adjustments: tuple[dict[str, Any], ...]
    bands: tuple[tuple[str, Decimal | None], ...]
    floor: Decimal | None
    data: dict[str, Any]
    grade_caps: Mapping[str, Decimal] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: Mapping[str, Any] | str) -> Formula:
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise FormulaError("$", f"not JSON: {exc.msg}") from None
        if not isinstance(data, Mapping):
            raise FormulaError("$", "a formula is an object")
        codes: set[str] = set()

        def unique(code: str, path: str) -> None:
            if code in codes:
                raise FormulaError(path, f"code {code!r} used twice")
            codes.add(code)

        parts = []
        for i, p in enumerate(data.get("parts") or []):
            path = f"parts[{i}]"
            if not isinstance(p, Mapping) or not isinstance(p.get("code"), str):
                raise FormulaError(path, "a part has a code")
            unique(p["code"], f"{path}.code")
            rules = []
            for j, r in enumerate(p.get("rules") or []):
                rule = _rule(r, f"{path}.rules[{j}]")
                unique(rule["code"], f"{path}.rules[{j}].code")
                rules.append(rule)
            parts.append(
                {
                    "code": p["code"],
                    "label": str(p.get("label") or p["code"]),
                    "weight": _dec(p.get("weight", 1), f"{path}.weight"),
                    "base": _dec(p.get("base", 0), f"{path}.base"),
                    "cap": _dec(p["cap"], f"{path}.cap") if "cap" in p else None,
                    "rules": rules,
                }
            )
        adjustments = []
        for j, r in enumerate(data.get("adjustments") or []):
            rule = _rule(r, f"adjustments[{j}]")
            unique(rule["code"], f"adjustments[{j}].code")
            adjustments.append(rule)
        bands: list[tuple[str, Decimal | None]] = []
        raw_bands = data.get("bands") or []
        if not isinstance(raw_bands, list) or not raw_bands:
            raise FormulaError("bands", "at least one grade band")
        last: Decimal | None = None
        for k, b in enumerate(raw_bands):
            if not isinstance(b, Mapping) or not isinstance(b.get("grade"), str):
                raise FormulaError(f"bands[{k}]", "a band has a grade")
            low = _dec(b["min"], f"bands[{k}].min") if b.get("min") is not None else None
            if low is not None and last is not None and low >= last:
                raise FormulaError(f"bands[{k}].min", "bands go from the highest down")
            if low is None and k != len(raw_bands) - 1:
                raise FormulaError(f"bands[{k}].min", "only the last band has no minimum")
            bands.append((b["grade"], low))
            last = low
        floor = _dec(data["floor"], "floor") if data.get("floor") is not None else None
        caps: dict[str, Decimal] = {}
        grades = {g for g, _low in bands}
        raw_caps = data.get("grade_caps") or []
        if not isinstance(raw_caps, list):
            raise FormulaError("grade_caps", "a list of caps")
        for k, c in enumerate(raw_caps):
            if not isinstance(c, Mapping) or c.get("grade") not in grades:
                raise FormulaError(f"grade_caps[{k}].grade", "a grade of the bands")
            share = _dec(c.get("max_share"), f"grade_caps[{k}].max_share")
            if not ZERO <= share <= 1:
                raise FormulaError(f"grade_caps[{k}].max_share", "between 0 and 1")
            caps[c["grade"]] = share
        return cls(
            tuple(parts), tuple(adjustments), tuple(bands), floor, dict(data), grade_caps=caps
        )

    def fact_names(self) -> set[str]:
        """Every fact the formula reads (a collector may gather only these)."""
        names: set[str] = set()
        for rule in [r for p in self.parts for r in p["rules"]] + list(self.adjustments):
            names.update(x for x in (rule.get("fact"), rule.get("of")) if x)
            names.update(c["fact"] for c in rule.get("all", ()))
        return names

    def grade_for(self, total: Decimal) -> str:
        for grade, low in self.bands:
            if low is None or total >= low:
                return grade
        return self.bands[-1][0]


# ------------------------------------------------------------------------ evaluation


def _round(value: Decimal) -> Decimal:
    return value.quantize(QUANT, rounding=ROUND_HALF_UP)


def _capped(points: Decimal, rule: Mapping[str, Any]) -> tuple[Decimal, str]:
    cap = rule.get("cap")
    if cap is not None and abs(points) > cap:
        return (cap if points > 0 else -cap), f"cap {cap}"
    return points, ""


def _evidence(facts: Iterable[Fact]) -> list[Evidence]:
    return [f.evidence for f in facts if f.evidence is not None]


def _raw_items(rule: Mapping[str, Any], facts: FactSet) -> list[Item]:
    """The rule's items before weighting (a ``per_missing_period`` rule gives one per
    missing period, so each deduction names its quarter)."""
    kind = rule["kind"]
    code, label, points = rule["code"], rule["label"], rule["points"]
    if kind == "per_fact":
        named = facts.named(rule["fact"])
        raw, note = _capped(points * facts.measure(rule["fact"], rule["measure"]), rule)
        return (
            [Item(code, label, raw, raw=raw, evidence=_evidence(named), note=note)]
            if (named)
            else []
        )
    if kind == "per_missing_period":
        out = []
        named = facts.named(rule["fact"])
        for period in facts.periods:
            inside = [f for f in named if f.period == period]
            if Decimal(len(inside)) < rule["min"]:
                out.append(
                    Item(
                        f"{code}:{period}",
                        label,
                        points,
                        raw=points,
                        evidence=_evidence(inside),
                        note=f"{period}: {len(inside)} < {rule['min']}",
                    )
                )
        return out
    if kind == "bonus_if":
        evidence: list[Evidence] = []
        for cond in rule["all"]:
            have = facts.measure(cond["fact"], cond["measure"])
            if not OPS[cond["op"]](have, cond["value"]):
                return []
            evidence.extend(_evidence(facts.named(cond["fact"])))
        return [Item(code, label, points, raw=points, evidence=evidence)]
    # ratio
    num = facts.measure(rule["fact"], "amount")
    den = facts.measure(rule["of"], "amount")
    if den <= 0:
        return []
    share = min(num / den, Decimal(1))
    raw = _round(points * share)
    return [
        Item(
            code,
            label,
            raw,
            raw=raw,
            evidence=_evidence(facts.named(rule["fact"])),
            note=f"{num}/{den}",
        )
    ]


def evaluate(formula: Formula | Mapping[str, Any] | str, facts: FactSet) -> Result:
    """The scorecard of one subject: pure and deterministic (same formula, same facts, same
    result, items in the formula's order)."""
    if not isinstance(formula, Formula):
        formula = Formula.parse(formula)
    items: list[Item] = []
    parts: dict[str, Decimal] = {}
    for part in formula.parts:
        weight = part["weight"]
        score = part["base"]
        part_items: list[Item] = []
        if part["base"]:
            part_items.append(Item(f"{part['code']}.base", part["label"], ZERO, raw=part["base"]))
        for rule in part["rules"]:
            for item in _raw_items(rule, facts):
                score += item.raw
                part_items.append(item)
        clipped = score
        if part["cap"] is not None and clipped > part["cap"]:
            clipped = part["cap"]
        clipped = max(clipped, ZERO)
        parts[part["code"]] = clipped
        for item in part_items:
            item.part = part["code"]
            item.points = _round(item.raw * weight)
        if clipped != score:
            part_items.append(
                Item(
                    f"{part['code']}.cap",
                    part["label"],
                    _round((clipped - score) * weight),
                    part=part["code"],
                    raw=clipped - score,
                    note=f"{score} → {clipped}",
                )
            )
        items.extend(part_items)
    for rule in formula.adjustments:
        for item in _raw_items(rule, facts):
            item.points = _round(item.raw)
            items.append(item)
    total = sum((i.points for i in items), ZERO)
    if formula.floor is not None and total < formula.floor:
        items.append(
            Item("floor", "floor", formula.floor - total, raw=formula.floor - total, note="")
        )
        total = formula.floor
    labels = {p["code"]: p["label"] for p in formula.parts}
    return Result(
        total=total, grade=formula.grade_for(total), items=items, parts=parts, part_labels=labels
    )


# ------------------------------------------------------------------------ population caps


def cap_count(n: int, share: Decimal | str) -> int:
    """How many of ``n`` may have a capped grade: ⌊share × n⌋ (exact)."""
    return int((Decimal(n) * Decimal(str(share))).to_integral_value(rounding="ROUND_FLOOR"))


def cap_grades(
    formula: Formula | Mapping[str, Any] | str, totals: Mapping[Any, Decimal]
) -> dict[Any, str]:
    """Each subject's grade once the formula's ``grade_caps`` are applied to the population
    ``totals`` (subject → total), highest band first; see the module's docstring."""
    if not isinstance(formula, Formula):
        formula = Formula.parse(formula)
    grades = {key: formula.grade_for(total) for key, total in totals.items()}
    if not formula.grade_caps:
        return grades
    n = len(totals)
    order = [g for g, _low in formula.bands]
    for i, grade in enumerate(order[:-1]):
        share = formula.grade_caps.get(grade)
        if share is None:
            continue
        holders = sorted((k for k, g in grades.items() if g == grade), key=lambda k: -totals[k])
        allowed = cap_count(n, share)
        if len(holders) <= allowed:
            continue
        cut = totals[holders[allowed]]
        for key in holders:
            if totals[key] <= cut:
                grades[key] = order[i + 1]
    return grades
