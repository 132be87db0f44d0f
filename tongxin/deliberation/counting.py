"""The count, exact: integers only (areas in hundredths of a square metre), every threshold
compared by cross-multiplication ("≥ 2/3" is ``3 * x >= 2 * total``), never a float.

民法典 Art. 278: a decision of the owners needs the participation of owners holding at least
two thirds of the exclusive floor area AND at least two thirds of the owners; items (6)–(8)
(``art278_special``) pass with at least three quarters of the participating area AND of the
participating owners; other items (``art278_ordinary``) with more than half of both.
Abstentions participate and are not support. 居委会组织法: a residents' meeting needs more
than half present and passes by more than half of those present (``majority_present``); the
representatives' default (``two_thirds_present``) is more than half present and more than two
thirds of those present.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from .models import Rule


def hundredths(area: Decimal | int | str) -> int:
    """An area as an integer count of 0.01 m² (areas are stored with two decimals)."""
    value = Decimal(area) * 100
    if value != value.to_integral_value():
        raise ValueError(f"area with more than two decimals: {area}")
    return int(value)


def area_text(units: int) -> str:
    return str((Decimal(units) / 100).quantize(Decimal("0.01")))


@dataclass(frozen=True)
class Totals:
    eligible_heads: int
    eligible_area: int  # hundredths of m²
    participating_heads: int
    participating_area: int
    yes_heads: int
    yes_area: int
    no_heads: int = 0
    no_area: int = 0


@dataclass(frozen=True)
class Outcome:
    passed: bool
    quorum: bool
    code: str  # no_quorum_heads, no_quorum_area, no_quorum, not_enough_heads, …, passed
    reason: str


def decide(rule: str, t: Totals) -> Outcome:
    """Whether the totals pass under ``rule``, and why (in the reader's language)."""
    if rule in (Rule.ART278_ORDINARY, Rule.ART278_SPECIAL):
        heads_ok = 3 * t.participating_heads >= 2 * t.eligible_heads
        area_ok = 3 * t.participating_area >= 2 * t.eligible_area
        if not heads_ok and not area_ok:
            return Outcome(
                False,
                False,
                "no_quorum",
                _("参与表决的业主人数和专有面积均未达到三分之二"),
            )
        if not heads_ok:
            return Outcome(False, False, "no_quorum_heads", _("参与表决的业主人数未达到三分之二"))
        if not area_ok:
            return Outcome(
                False, False, "no_quorum_area", _("参与表决的业主专有面积未达到三分之二")
            )
        if rule == Rule.ART278_SPECIAL:
            heads_yes = 4 * t.yes_heads >= 3 * t.participating_heads
            area_yes = 4 * t.yes_area >= 3 * t.participating_area
            share = _("四分之三以上")
        else:
            heads_yes = 2 * t.yes_heads > t.participating_heads
            area_yes = 2 * t.yes_area > t.participating_area
            share = _("过半数")
        if heads_yes and area_yes:
            return Outcome(
                True,
                True,
                "passed",
                _(
                    "参与表决的业主人数和面积均达到三分之二，同意的人数和面积均达到参与表决的{share}，通过"
                ).format(share=share),
            )
        if not heads_yes and not area_yes:
            why = _("同意的业主人数和面积均未达到参与表决的{share}").format(share=share)
            return Outcome(False, True, "not_enough_support", why)
        if not heads_yes:
            why = _("同意的业主人数未达到参与表决人数的{share}").format(share=share)
            return Outcome(False, True, "not_enough_heads", why)
        why = _("同意的业主面积未达到参与表决面积的{share}").format(share=share)
        return Outcome(False, True, "not_enough_area", why)
    if rule in (Rule.TWO_THIRDS_PRESENT, Rule.MAJORITY_PRESENT):
        if not 2 * t.participating_heads > t.eligible_heads:
            return Outcome(False, False, "no_quorum", _("到会（参与表决）人数未过半数"))
        if rule == Rule.TWO_THIRDS_PRESENT:
            ok = 3 * t.yes_heads > 2 * t.participating_heads
            share = _("三分之二以上")
        else:
            ok = 2 * t.yes_heads > t.participating_heads
            share = _("过半数")
        if ok:
            return Outcome(
                True, True, "passed", _("同意人数超过到会人数的{share}，通过").format(share=share)
            )
        return Outcome(
            False,
            True,
            "not_enough_heads",
            _("同意人数未超过到会人数的{share}").format(share=share),
        )
    raise ValueError(f"unknown rule {rule}")


def result_body(rule: str, t: Totals, *, final: bool) -> dict[str, Any]:
    """The result as the API answers it (areas as decimal strings with two places)."""
    o = decide(rule, t)
    return {
        "eligible_heads": t.eligible_heads,
        "eligible_area": area_text(t.eligible_area),
        "participating_heads": t.participating_heads,
        "participating_area": area_text(t.participating_area),
        "yes_heads": t.yes_heads,
        "yes_area": area_text(t.yes_area),
        "no_heads": t.no_heads,
        "no_area": area_text(t.no_area),
        "abstain_heads": t.participating_heads - t.yes_heads - t.no_heads,
        "abstain_area": area_text(t.participating_area - t.yes_area - t.no_area),
        "quorum": o.quorum,
        "passed": o.passed,
        "outcome": o.code,
        "reason": o.reason,
        "final": final,
    }


def stored_part(body: dict[str, Any]) -> dict[str, Any]:
    """The language-free part of a result (what the tally command compares)."""
    return {k: v for k, v in body.items() if k not in ("reason", "final")}
