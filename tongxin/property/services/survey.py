"""The residents' satisfaction survey (five levels, the national 好差评 scale).

Each month every estate under contract gets a sample of its households, drawn
deterministically: the households living in the estate are ordered by
``sha256("{contract}:{YYYY-MM}:{household}")`` and the first ``Scheme.survey_size`` taken, so
the same contract, month and households always give the same sample (anyone can re-draw it
from the stored seed to check it). The sample is drawn once (the monthly job on the 1st, or
the first time someone opens the survey that month) and stored; households moving in later
wait for next month's draw.

A sampled household answers once: a member of it on their phone, or a panelist of the estate
recording the answer at the door. A second answer is refused (409 ``SURVEY_ALREADY_ANSWERED``).
The answers feed the month's score (``selectors.month_facts``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tongxin.core import audit, clock
from tongxin.core.actors import Actor, as_account, person_id_of
from tongxin.core.errors import Forbidden, ValidationFailed
from tongxin.core.scoping import access, scope_for
from tongxin.people.models import Household

from .. import policies, selectors
from ..errors import AlreadyAnswered
from ..models import ServiceContract, SurveyAnswer, SurveyLevel, SurveySample


def seed_of(contract: ServiceContract, month: dt.date) -> str:
    return f"{contract.pk}:{month:%Y-%m}"


def rank_key(seed: str, household_id: int) -> str:
    return hashlib.sha256(f"{seed}:{household_id}".encode()).hexdigest()


def sample_households(contract: ServiceContract, month: dt.date, size: int) -> list[int]:
    """The ids of the households the draw picks (pure: no write)."""
    seed = seed_of(contract, month)
    ids = Household.objects.filter(place_path__startswith=contract.estate_path).values_list(
        "pk", flat=True
    )
    return sorted(ids, key=lambda pk: rank_key(seed, pk))[:size]


def draw(contract: ServiceContract, month: dt.date) -> SurveySample:
    """The month's sample at the contract's estate, drawn and stored the first time (system
    act: the rule decides, nobody picks households)."""
    month = month.replace(day=1)
    existing = SurveySample.objects.filter(contract=contract, month=month).first()
    if existing is not None:
        return existing
    size = selectors.scheme().survey_size
    population = Household.objects.filter(place_path__startswith=contract.estate_path).count()
    picked = sample_households(contract, month, size)
    try:
        with transaction.atomic():
            sample = SurveySample.objects.create(
                contract=contract,
                month=month,
                size=len(picked),
                population=population,
                seed=seed_of(contract, month),
            )
            SurveyAnswer.objects.bulk_create(
                SurveyAnswer(sample=sample, household_id=pk) for pk in picked
            )
            audit.record(
                actor=None,
                action="property_survey_draw",
                obj=sample,
                detail={"size": len(picked), "population": population},
            )
    except IntegrityError:
        return SurveySample.objects.get(contract=contract, month=month)
    return sample


def draw_month(day: dt.date) -> int:
    """Draw the month's sample at every estate under contract on ``day`` (the monthly job)."""
    month = day.replace(day=1)
    drawn = 0
    for contract in ServiceContract.objects.filter(starts_on__lte=day, ends_on__gte=day):
        if not SurveySample.objects.filter(contract=contract, month=month).exists():
            draw(contract, month)
            drawn += 1
    return drawn


def open_for(actor: Actor | None) -> list[SurveyAnswer]:
    """This month's unanswered sample rows of the actor's household (drawing the estate's
    sample if nobody has yet)."""
    from tongxin.people.models import Person

    pid = person_id_of(actor)
    person = Person.objects.filter(pk=pid or 0).first()
    if person is None or person.household_id is None:
        return []
    today = clock.today()
    contract = selectors.contract_at_path(person.place_path, today)
    if contract is not None:
        draw(contract, today)
    return list(
        SurveyAnswer.objects.filter(
            household_id=person.household_id, sample__month=today.replace(day=1)
        ).select_related("sample__contract__company", "sample__contract__estate")
    )


def _level(value: Any) -> int:
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = 0
    if level not in SurveyLevel.values:
        reason = _("请选择满意程度")
        raise ValidationFailed(reason, fields=[{"field": "level", "reason": reason}])
    return level


def answer(*, actor: Actor, answer_id: Any, level: Any, comment: str = "") -> SurveyAnswer:
    """A sampled household's answer, given by one of its members or recorded at the door by a
    panelist of the estate in their term, within the sample's month. Once."""
    chosen = _level(level)
    comment = (comment or "").strip()
    if len(comment) > 300:
        reason = _("意见建议不能超过 300 字")
        raise ValidationFailed(reason, fields=[{"field": "comment", "reason": reason}])
    with transaction.atomic():
        row = access(
            SurveyAnswer.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("sample__contract"),
            answer_id,
        )
        member = row.household_id in scope_for(actor).household_ids
        panelist = policies.is_panelist(actor, row.sample.contract.estate_id)
        if not (member or panelist):
            raise Forbidden(_("只有被抽中的住户或本小区评议小组成员可以填写"))
        if row.level is not None:
            raise AlreadyAnswered(_("您家本月已参加过满意度调查，每户每月只能评价一次，谢谢！"))
        if clock.today().replace(day=1) != row.sample.month:
            reason = _("本次调查已结束")
            raise ValidationFailed(reason, fields=[{"field": "answer_id", "reason": reason}])
        row.level = chosen
        row.comment = comment
        row.answered_by_id = person_id_of(actor) if member else None
        row.recorded_by = as_account(actor)
        row.answered_at = clock.now()
        row.save(
            update_fields=[
                "level",
                "comment",
                "answered_by",
                "recorded_by",
                "answered_at",
                "updated_at",
            ]
        )
        audit.record(
            actor=actor,
            action="property_survey_answer",
            obj=row,
            detail={"level": chosen, "doorstep": not member},
        )
    return row
