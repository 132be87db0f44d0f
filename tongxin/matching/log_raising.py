"""Raising a need from a daily-log entry (民情日志): what matching registers with notices
(``notices.raising.register_raiser``), since notices sit below matching in the layers and cannot
call its need service themselves.

The need is posted through the one service (``services.need_post``) for a household the cadre
may see under the entry's place (a visit's household), and remembers the entry it came from
(``Need.from_log_entry``); the entry's page lists the needs raised from it, linked.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core.actors import Actor
from tongxin.core.errors import ValidationFailed
from tongxin.notices.models import LogEntry
from tongxin.notices.raising import Raised, Raiser
from tongxin.people.models import Household

from .models import Need, NeedKind
from .services import need_post


def _kinds() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in NeedKind.choices]


def raise_need(
    *, actor: Actor, entry: LogEntry, kind: str, description: str, household_id: int | None
) -> Raised:
    """Post a need for a household under the entry's place, from the entry (the caller has
    already been checked to record at the entry's place)."""
    if household_id is None:
        reason = _("请选择需求所属的户")
        raise ValidationFailed(reason, fields=[{"field": "household_id", "reason": reason}])
    household = (
        Household.objects.visible_to(actor)
        .filter(pk=household_id, dwelling__path__startswith=entry.place_path)
        .select_related("dwelling")
        .first()
    )
    if household is None:
        reason = _("该户不在这条日志的地点，或您无权为其提交需求")
        raise ValidationFailed(reason, fields=[{"field": "household_id", "reason": reason}])
    need = need_post(
        actor=actor,
        kind=kind,
        description=description,
        household=household,
        from_log_entry=entry,
    )
    return _raised(need)


def _raised(need: Need) -> Raised:
    return Raised(
        key="need",
        label=_("需求：{kind} · {text}").format(
            kind=need.get_kind_display(), text=need.description[:30]
        ),
        url=reverse("matching:need", args=[need.pk]),
        state=str(need.get_state_display()),
    )


def needs_raised_by(actor: Actor, entry: LogEntry) -> list[Raised]:
    needs: Any = Need.objects.visible_to(actor).filter(from_log_entry=entry).order_by("pk")
    return [_raised(n) for n in needs]


NEED_RAISER = Raiser(
    key="need",
    label=gettext_lazy("转为居民需求"),
    kinds=_kinds,
    raise_from=raise_need,
    raised_by=needs_raised_by,
    needs_household=True,
)
