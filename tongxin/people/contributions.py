"""What apps above people contribute to its pages and to the residents' rights, registered
from their ``AppConfig.ready`` (people cannot import them: the layers point one way).

The own-data sections have their own registration (``own_data.register_sections``); these are
the rest, each empty until an app registers (then the system behaves as if nobody held a post):

- ``unit_finders``: who processed a resident's data, by unit (the processing records);
- ``eraser_finders``: the post that lets a user erase a person (PIPL Art. 47), or None;
- ``erasure_scrubbers``: what else goes or ends when a person is erased, in its transaction;
- ``person_page_contexts``: more context for the person page (the posts they hold);
- ``reveal_grants``: who else may see a sealed field of a person through the one audited
  reveal (``services.person_reveal``), beside the staff over them and the person themself:
  ``(user, person, field) -> bool`` (matching: the current claimer of an open need, the phone).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tongxin.core.actors import Actor
    from tongxin.core.models import AuditEvent

    from .models import Person

UnitFinder = Callable[["list[AuditEvent]", dict[int, Any]], dict[tuple[int, str], str]]
EraserFinder = Callable[["Actor", "Person"], Any]
ErasureScrubber = Callable[..., None]  # (person, *, today)
PersonPageContext = Callable[["Actor", "Person"], dict[str, Any]]
RevealGrant = Callable[["Actor", "Person", str], bool]

unit_finders: list[UnitFinder] = []
eraser_finders: list[EraserFinder] = []
erasure_scrubbers: list[ErasureScrubber] = []
person_page_contexts: list[PersonPageContext] = []
reveal_grants: list[RevealGrant] = []


def _add(hooks: list[Any], fn: Any) -> None:
    if fn not in hooks:
        hooks.append(fn)


def register(
    *,
    unit_finder: UnitFinder | None = None,
    eraser_finder: EraserFinder | None = None,
    erasure_scrubber: ErasureScrubber | None = None,
    person_page_context: PersonPageContext | None = None,
    reveal_grant: RevealGrant | None = None,
) -> None:
    for hooks, fn in (
        (unit_finders, unit_finder),
        (eraser_finders, eraser_finder),
        (erasure_scrubbers, erasure_scrubber),
        (person_page_contexts, person_page_context),
        (reveal_grants, reveal_grant),
    ):
        if fn is not None:
            _add(hooks, fn)


def units_of(events: list[AuditEvent], accounts: dict[int, Any]) -> dict[tuple[int, str], str]:
    out: dict[tuple[int, str], str] = {}
    for find in unit_finders:
        out.update(find(events, accounts))
    return out


def eraser_post(user: Actor, person: Person) -> Any:
    for find in eraser_finders:
        if (post := find(user, person)) is not None:
            return post
    return None


def scrub_erased(person: Person, *, today: dt.date) -> None:
    for scrub in erasure_scrubbers:
        scrub(person, today=today)


def person_page_extra(user: Actor, person: Person) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    for build in person_page_contexts:
        extra.update(build(user, person))
    return extra


def reveal_granted(user: Actor, person: Person, field: str) -> bool:
    """Whether a registered grant lets the user see ``field`` of the person (still through
    ``services.person_reveal``: a stated reason, an audit row, the rate limit)."""
    return any(grant(user, person, field) for grant in reveal_grants)
