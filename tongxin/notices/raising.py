"""What a daily-log entry raises: a case (through the one intake, ``cases.services.case_report``)
or, through a registered raiser, something an app above notices owns (a need of service
matching).

Notices sit below ``matching`` in the layers, so they cannot call its need service. Instead an
app above registers a ``Raiser`` from its ``AppConfig.ready`` (as apps register their sections
of "my data" with ``people.own_data``): a label, the kinds the raised thing may be of, the
function that raises it from an entry and the function that finds what an entry raised. The
entry's page offers every registered raiser and lists what each has raised, linked.

Deliberation registers one too: a topic (议题) raised from an entry, posted to its own route
(``Raiser.url_name``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import audit
from tongxin.core.actors import Actor
from tongxin.core.errors import ValidationFailed
from tongxin.core.scoping import access

from .models import LogEntry, LogSource
from .policies import require_recorder


@dataclass(frozen=True)
class Raised:
    """One thing an entry raised, as the entry's page shows it."""

    key: str  # the raiser's key: "case", "need"
    label: str  # "案件 GZ2026…", "需求：代买药品"
    url: str
    state: str = ""


NEED_TEXT_LABEL = gettext_lazy("需求内容")


@dataclass(frozen=True)
class Raiser:
    """How an app raises its thing from a log entry.

    - ``kinds()``: the (value, label) choices of the raised thing's kind;
    - ``raise_from(actor=, entry=, kind=, description=, household_id=)``: raise it (the app's
      own service: its checks, its audit, its transaction) and answer what was raised;
    - ``raised_by(actor, entry)``: what the entry raised so far, as the actor may see it;
    - ``url_name``: the route (taking the entry's id) the entry's page posts the form to;
      ``text_label``: the label of the form's text.
    """

    key: str
    label: Any  # a lazy string: "转为居民需求"
    kinds: Callable[[], list[tuple[str, str]]]
    raise_from: Callable[..., Raised]
    raised_by: Callable[[Actor, LogEntry], list[Raised]]
    needs_household: bool = False
    url_name: str = "notices:log_raise_need"
    text_label: Any = NEED_TEXT_LABEL


RAISERS: dict[str, Raiser] = {}


def register_raiser(raiser: Raiser) -> None:
    """Offer ``raiser`` on every log entry (from the raising app's ``AppConfig.ready``)."""
    RAISERS[raiser.key] = raiser


def entry_for_raising(actor: Actor, entry_id: int) -> LogEntry:
    """The entry, within the actor's view (404 otherwise), which the actor may still record at
    (403 otherwise): raising from an entry is an act at its place."""
    entry = access(LogEntry.objects.visible_to(actor).select_related("place"), entry_id)
    require_recorder(actor, entry.place)
    return entry


def log_entry_raise_case(*, actor: Actor, entry_id: int, category: str) -> LogEntry:
    """Raise a case from an entry recorded earlier (the entry form does it in the same step
    with a category): what was raised becomes the case's description, at the entry's place.
    An entry raises at most one case."""
    from tongxin.cases.models import Channel
    from tongxin.cases.services import case_report

    with transaction.atomic():
        entry = entry_for_raising(actor, entry_id)
        entry = LogEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.case_id is not None:
            raise ValidationFailed(
                _("这条日志已经转为案件"), fields=[{"field": "category", "reason": _("已转案件")}]
            )
        if not category:
            raise ValidationFailed(
                _("请选择问题类别"), fields=[{"field": "category", "reason": _("必填")}]
            )
        channel = Channel.VISIT if entry.source == LogSource.VISIT else Channel.PATROL
        entry.case = case_report(
            actor=actor,
            category=category,
            description=entry.raised,
            place_id=entry.place_id,
            channel=channel,
        )
        entry.save(update_fields=["case"])
        audit.record(
            actor=actor, action="log_entry.raise_case", obj=entry, detail={"case": entry.case_id}
        )
    return entry


def raised_of(actor: Actor, entry: LogEntry) -> list[Raised]:
    """Everything the entry raised that the actor may see: its case, then each raiser's."""
    out: list[Raised] = []
    if entry.case_id is not None:
        from tongxin.cases.models import Case

        case = Case.objects.visible_to(actor).filter(pk=entry.case_id).first()
        if case is not None:
            out.append(
                Raised(
                    key="case",
                    label=_("案件 {ref}").format(ref=case.ref),
                    url=reverse("cases:detail", args=[case.pk]),
                    state=str(case.get_state_display()),
                )
            )
    for raiser in RAISERS.values():
        out.extend(raiser.raised_by(actor, entry))
    return out
