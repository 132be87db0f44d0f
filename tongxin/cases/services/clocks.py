"""The clock worker's act (``case_check_clocks``): warnings and breach escalation at the moments
``cases.sla`` planned."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core import clock
from tongxin.inbox.services import notify

from .. import sla
from ..models import (
    Case,
)
from ..routing import superior_for
from ..workflow import Act
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
            case.clocks[name]["stage"] = stage
            label = _("{clock}{stage}").format(
                clock=sla.CLOCK_LABELS[name], stage=sla.STAGE_LABELS[stage]
            )
            if stage == "due":
                case.overdue = True
                case.breach_level += 1
                superior = superior_for(case, case.breach_level, on=clock.local_date(now))
                if superior is not None:
                    case.supervisor = superior
                note = _("{clock}超时，升级至{superior}").format(
                    clock=sla.CLOCK_LABELS[name], superior=superior.name if superior else _("上级")
                )
                _append(
                    case,
                    actor=None,
                    act=Act.BREACH,
                    from_state=case.state,
                    note=note,
                    public=False,
                    data={"clock": name, "level": case.breach_level},
                    at=now,
                )
                effects.append(
                    partial(
                        notify,
                        recipients=[superior],
                        kind="case_breach",
                        subject=_("超时升级：{name}（{ref}）").format(
                            name=case.category.name, ref=case.ref
                        ),
                        body=note,
                        link=case_link(case),
                        topic=f"case:{case.pk}",
                    )
                )
            else:
                _append(
                    case,
                    actor=None,
                    act=Act.WARN,
                    from_state=case.state,
                    note=label,
                    public=False,
                    data={"clock": name, "stage": stage},
                    at=now,
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
