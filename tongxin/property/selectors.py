"""Reads of red property: the scheme in force, contracts, the month's score (the collector
for ``core.scoring``), the rankings per street and community.

The month's facts (names the monthly formula reads, ``defaults.MONTHLY_FORMULA``):

- ``item_points`` / ``item_max`` (amounts): each panelist's score of each checklist item in the
  month and its maximum, with the inspection as evidence;
- ``rating_points`` / ``rating_max`` (amounts): the residents' ratings of the month's closed
  repair cases (overall, arrival and service, each out of 5), with the case as evidence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from tongxin.core.actors import Actor
from tongxin.core.scoring import Evidence, FactSet, Formula, Result, evaluate

from . import defaults
from .models import (
    InspectionScore,
    MonthlyScore,
    MonthState,
    RepairRating,
    Scheme,
    ServiceContract,
    SurveyAnswer,
    SurveyLevel,
)


def scheme() -> Scheme:
    """The scheme in force (the first row), or the defaults when none is stored."""
    row = Scheme.objects.order_by("id").first()
    return row or Scheme(
        name="默认",  # i18n-data
        monthly_formula=defaults.MONTHLY_FORMULA,
        credit_formula=defaults.CREDIT_FORMULA,
        response_days=defaults.RESPONSE_DAYS,
        objection_days=defaults.OBJECTION_DAYS,
        survey_size=defaults.SURVEY_SAMPLE_SIZE,
    )


def monthly_formula() -> Formula:
    return Formula.parse(scheme().monthly_formula or defaults.MONTHLY_FORMULA)


def credit_formula() -> Formula:
    return Formula.parse(scheme().credit_formula or defaults.CREDIT_FORMULA)


def contract_on(estate_id: int, day: dt.date) -> ServiceContract | None:
    """The contract in force at the estate on ``day`` (system read, not scoped)."""
    return (
        ServiceContract.objects.filter(estate_id=estate_id, starts_on__lte=day, ends_on__gte=day)
        .select_related("company", "estate")
        .order_by("-starts_on")
        .first()
    )


def contract_at_path(path: str, day: dt.date) -> ServiceContract | None:
    """The contract in force on ``day`` at the estate holding the place ``path``."""
    for c in ServiceContract.objects.filter(starts_on__lte=day, ends_on__gte=day).order_by(
        "-starts_on"
    ):
        if path.startswith(c.estate_path):
            return c
    return None


def month_facts(contract: ServiceContract, month: dt.date) -> FactSet:
    facts = FactSet()
    scores = (
        InspectionScore.objects.filter(inspection__contract=contract, inspection__month=month)
        .select_related("item", "inspection__panelist")
        .order_by("inspection_id", "item__order")
    )
    for s in scores:
        evidence = Evidence(
            "property.inspection",
            s.inspection_id,
            _("{who}：{item} {score}/{max}").format(
                who=s.inspection.panelist.name, item=s.item.label, score=s.score, max=s.max_score
            ),
        )
        facts.add("item_points", evidence, amount=s.score)
        facts.add("item_max", amount=s.max_score)
    for r in RepairRating.objects.filter(contract=contract, month=month).select_related("case"):
        evidence = Evidence(
            "cases.case",
            r.case_id,
            _("{ref}：总体 {o} 星，上门 {a} 星，服务 {s} 星").format(
                ref=r.case.ref, o=r.overall, a=r.arrival, s=r.service
            ),
            reverse("cases:detail", args=[r.case_id]),
        )
        facts.add("rating_points", evidence, amount=r.overall + r.arrival + r.service)
        facts.add("rating_max", amount=15)
    answers = SurveyAnswer.objects.filter(
        sample__contract=contract, sample__month=month, level__isnull=False
    ).order_by("id")
    for a in answers:
        evidence = Evidence(
            "property.surveyanswer",
            a.pk,
            _("抽样答卷 {n}：{level}").format(n=a.pk, level=SurveyLevel(a.level).label),
        )
        facts.add("survey_points", evidence, amount=a.level - 1)
        facts.add("survey_max", amount=4)
    return facts


def month_result(contract: ServiceContract, month: dt.date) -> Result:
    """The month's score of the contract, computed live from its records."""
    return evaluate(monthly_formula(), month_facts(contract, month))


def panelists_done(contract: ServiceContract, month: dt.date) -> int:
    return contract.inspections.filter(month=month).count()


@dataclass
class RankRow:
    score: MonthlyScore
    rank: int


def rankings(user: Actor | None, month: dt.date) -> dict[str, list[RankRow]]:
    """The published scores of ``month`` the user may see, ranked within each street
    (street name → rows, best first; equal totals share a rank)."""
    rows = (
        MonthlyScore.objects.visible_to(user)
        .filter(month=month, state=MonthState.PUBLISHED)
        .select_related("contract__company", "contract__estate")
        .order_by("-total", "contract__estate__name")
    )
    from tongxin.places.models import Place

    by_street: dict[str, list[MonthlyScore]] = {}
    street_names = {
        p.path: p.name for p in Place.objects.filter(kind="street").only("path", "name")
    }
    for r in rows:
        street = next(
            (n for p, n in street_names.items() if r.contract.estate_path.startswith(p)),
            _("其他"),
        )
        by_street.setdefault(street, []).append(r)
    out: dict[str, list[RankRow]] = {}
    for street, scores in by_street.items():
        ranked: list[RankRow] = []
        last: Decimal | None = None
        rank = 0
        for i, s in enumerate(scores, 1):
            if s.total != last:
                rank, last = i, s.total
            ranked.append(RankRow(s, rank))
        out[street] = ranked
    return out


def month_param(value: Any, default: dt.date) -> dt.date:
    """``YYYY-MM`` (or a date) to the month's first day; the default when unreadable."""
    try:
        text = str(value or "")
        year, month = int(text[:4]), int(text[5:7])
        return dt.date(year, month, 1)
    except (ValueError, TypeError):
        return default


def rectifications_of(inspection: Any) -> Any:
    """The orders an inspection raised (read right after the panelist's own submission)."""
    from .models import Rectification

    return Rectification.objects.filter(inspection=inspection).order_by("id")


def panels_of(person_id: int | None, day: dt.date) -> Any:
    """The panels a person sits on, on ``day``."""
    from .models import PanelMember

    return PanelMember.objects.filter(
        person_id=person_id or 0, term_start__lte=day, term_end__gte=day
    ).select_related("estate")


def panel_at(estate_id: int, day: dt.date) -> Any:
    """The estate's panel on ``day`` (the representatives' names are public at the estate)."""
    from .models import PanelMember

    return PanelMember.objects.filter(
        estate_id=estate_id, term_start__lte=day, term_end__gte=day
    ).select_related("person")


def item_photos(user: Actor | None, inspection_id: int | None, item_id: int | None) -> list[str]:
    """The photo ids of an inspection's item, when the user sees the inspection."""
    if inspection_id is None or item_id is None:
        return []
    row = (
        InspectionScore.objects.visible_to(user)
        .filter(inspection_id=inspection_id, item_id=item_id)
        .first()
    )
    return list(row.photos) if row is not None else []


def panel_history(estate_id: int) -> Any:
    """Every term of the estate's panel, newest first."""
    from .models import PanelMember

    return PanelMember.objects.filter(estate_id=estate_id).select_related("person")
