"""Quorum, computed from a meeting's seats (pure: the counts come from ``selectors``).

A seat is one invitation (a person, a post, a unit). It is *present* when anyone answering it
signed in, *excused* when it sent an apology and nobody came, *absent* otherwise. The seats
expected (应到) are all of them, or those not excused when the kind says apologies lower the
number expected. The meeting is quorate when present / expected reaches the kind's fraction
("at least"), or passes it when the rule is strict ("more than").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Quorum:
    invited: int
    present: int
    excused: int
    expected: int
    required: int  # the fewest seats present that make the quorum
    fraction: Fraction
    strict: bool

    @property
    def absent(self) -> int:
        return self.invited - self.present - self.excused

    @property
    def met(self) -> bool:
        return self.expected > 0 and self.present >= self.required

    @property
    def rate(self) -> float:
        return self.present / self.expected if self.expected else 0.0


def required_seats(expected: int, fraction: Fraction, *, strict: bool) -> int:
    """The fewest seats present out of ``expected`` that satisfy the rule."""
    exact = fraction * expected
    if strict:
        return math.floor(exact) + 1
    return math.ceil(exact)


def compute(
    *,
    invited: int,
    present: int,
    excused: int,
    fraction: Fraction,
    strict: bool,
    apologies_reduce_expected: bool,
) -> Quorum:
    expected = invited - excused if apologies_reduce_expected else invited
    required = required_seats(expected, fraction, strict=strict) if expected > 0 else 0
    return Quorum(
        invited=invited,
        present=present,
        excused=excused,
        expected=expected,
        required=required,
        fraction=fraction,
        strict=strict,
    )
