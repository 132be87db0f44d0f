"""The clock worker's act (``case_check_clocks``): warnings and breach escalation at the moments
``cases.sla`` planned."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core import clock, metrics
from tongxin.inbox.services import notify

from .. import changes, sla
from ..models import (
    Case,
)
from ..routing import superior_for
from .common import _append, _org_people, case_link


def case_check_clocks(*, case_id: int, now: dt.datetime | None = None) -> list[tuple[str, str]]:
    """Act on every clock moment of the case that has come: warn (yellow, red) the assignee,
    and on breach escalate one level up the responsibility chain and tell the superior.
    Idempotent: a moment already acted on is not acted on again."""
    now = now or clock.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None:
            return []
        reached = sla.due_stages(case, now)
        if not reached:
            return []
        effects: list[Callable[[], Any]] = []
        for name, stage in reached:
            superior = None
            if stage == "due":
                level = case.breach_level + 1
                superior = superior_for(case, level, on=clock.local_date(now))
            change = changes.clock_moment(case, name, stage, superior=superior)
            metrics.CLOCK_MOMENTS.labels(name, stage).inc()
            _append(case, change, actor=None, at=now)
            label = _("{clock}{stage}").format(
                clock=sla.CLOCK_LABELS[name], stage=sla.STAGE_LABELS[stage]
            )
            if stage == "due":
                effects.append(
                    partial(
                        notify,
                        recipients=[superior],
                        kind="case_breach",
                        subject=_("超时升级：{name}（{ref}）").format(
                            name=case.category.name, ref=case.ref
                        ),
                        body=change.note,
                        link=case_link(case),
                        topic=f"case:{case.pk}",
                    )
                )
            effects.append(
                partial(
                    notify,
                    recipients=[case.assignee_person, *_org_people(case.assignee_org)],
                    kind="case_deadline",
                    subject=f"{label}：{case.category.name}（{case.ref}）",
                    link=case_link(case),
                    topic=f"case:{case.pk}",
                )
            )
        case.save(update_fields=["clocks", "overdue", "breach_level", "supervisor", "updated_at"])
        for effect in effects:
            effect()
    return reached


def case_sweep_clocks(*, now: dt.datetime | None = None) -> int:
    """Check every open case's clocks (the safety net behind the queued checks, run daily by
    the scheduler and by ``manage.py case_clocks``). Returns how many moments it acted on."""
    from ..workflow import OPEN_STATES

    acted = 0
    ids = Case.objects.filter(state__in=OPEN_STATES).values_list("pk", flat=True)
    for case_id in ids.iterator(chunk_size=2000):
        acted += len(case_check_clocks(case_id=case_id, now=now))
    return acted
