"""Reads about organisations and posts; above all, "who is responsible here, right now?"."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from tongxin.core import clock, config_cache
from tongxin.places.models import Place

from .models import Absence, DutyRule, Post
from .roles import Duty, Role


@dataclass
class Responsibility:
    """The answer to "who is responsible for this place for this duty on this day", and why.

    ``post`` is None when nobody in the whole chain can act. ``trail`` lists, in order, each
    candidate considered and why they were passed over, ending with the choice.
    """

    place: Place
    duty: str
    on: dt.date
    post: Post | None = None
    trail: list[str] = field(default_factory=list)

    @property
    def person(self):  # type: ignore[no-untyped-def]
        return self.post.person if self.post else None

    @property
    def reason(self) -> str:
        return "；".join(self.trail)


def _rank_key(post: Post) -> tuple[int, int]:
    return ({"A": 0, "B": 1}.get(post.rank, 2), post.pk)


def _load_duty_rules() -> tuple[tuple[str, str, str], ...]:
    rows = DutyRule.objects.order_by("order", "id").values_list("duty", "place_kind", "role")
    return tuple(rows)


def register_config() -> None:
    """The duty rules are configuration, cached per process (from ``OrgsConfig.ready``)."""
    config_cache.entry("orgs.duty_rules", _load_duty_rules, DutyRule)


def duty_chains(duties: list[str]) -> dict[str, dict[str, list[str]]]:
    """For each duty, the roles to try per place kind, in order (the rules are configuration,
    read once per process: ``core.config_cache``)."""
    chains: dict[str, dict[str, list[str]]] = {d: defaultdict(list) for d in duties}
    for duty, place_kind, role in config_cache.get("orgs.duty_rules"):
        if duty in chains:
            chains[duty][place_kind].append(role)
    return chains


def responsibilities(
    place: Place, *, duties: list[str] | None = None, on: dt.date | None = None
) -> dict[str, Responsibility]:
    """Who is responsible for ``place`` for each of ``duties`` (all duties by default).

    Walk from ``place`` up the tree (dwelling → unit → building → estate → grid → community
    → street). At each level try the duty's roles in order; for each role the A holder, then
    the B holder, then any other holder; skip anyone absent that day. The first one who can
    act is responsible (依次递补). Four queries whatever the depth and the number of duties.
    """
    on = on or clock.today()
    duties = list(duties or Duty.values)
    chains = duty_chains(duties)
    levels = [place, *reversed(place.ancestors_list())]
    roles_needed = {r for chain in chains.values() for roles in chain.values() for r in roles}
    posts = list(
        Post.objects.active(on)
        .filter(place__in=levels, role__in=roles_needed)
        .select_related("person")
    )
    by_level: dict[int, list[Post]] = defaultdict(list)
    for post in posts:
        by_level[post.place_id].append(post)
    absent = {
        a.person_id: a
        for a in Absence.objects.filter(
            person_id__in={p.person_id for p in posts}, start_date__lte=on, end_date__gte=on
        )
    }
    return {
        duty: _walk(
            Responsibility(place=place, duty=duty, on=on), levels, chains[duty], by_level, absent
        )
        for duty in duties
    }


def _walk(
    result: Responsibility,
    levels: list[Place],
    chain: dict[str, list[str]],
    by_level: dict[int, list[Post]],
    absent: dict[int, Absence],
) -> Responsibility:
    role_labels = dict(Role.choices)
    for level in levels:
        for role in chain.get(level.kind, []):
            holders = sorted((p for p in by_level[level.pk] if p.role == role), key=_rank_key)
            label = _("{level}{role}").format(level=level.name, role=role_labels[role])
            if not holders:
                result.trail.append(_("{label}空缺").format(label=label))
                continue
            for post in holders:
                rank = _("({rank}角)").format(rank=post.rank) if post.rank else ""
                who = _("{post}{rank}{person}").format(
                    post=label, rank=rank, person=post.person.name
                )
                away = absent.get(post.person_id)
                if away is not None:
                    # The reason for an absence (illness, maternity…) is the holder's own
                    # business: the trail says only that and until when they are away.
                    result.trail.append(
                        _("{who}不在岗（至{end_date:%Y-%m-%d}）").format(
                            who=who, end_date=away.end_date
                        )
                    )
                    continue
                result.post = post
                result.trail.append(_("由{who}负责").format(who=who))
                return result
    result.trail.append(_("责任链上无人可以履职"))
    return result


def responsible_for(
    place: Place, *, duty: str = Duty.GENERAL, on: dt.date | None = None
) -> Responsibility:
    """Who is responsible for ``place`` for one duty; see ``responsibilities``."""
    return responsibilities(place, duties=[duty], on=on)[duty]


def published_phones() -> list[str]:
    """The numbers posts publish in full (电话公开): not personal data that escaped (the
    test suite's leak scanner asks, through ``core.sensitivity.published_numbers``)."""
    from tongxin.core.validators import normalize_phone

    return [
        normalize_phone(phone)
        for phone in Post.objects.filter(public_contact=True)
        .exclude(public_phone="")
        .values_list("public_phone", flat=True)
    ]


def holder_up_the_chain(
    place: Place, *, role: str, duty: str = Duty.GENERAL, on: dt.date | None = None
) -> Responsibility:
    """The nearest holder of ``role`` from ``place`` up the tree who can act on ``on`` (at each
    level A, then B, then any other holder; anyone absent passed over), for duties that name a
    role rather than a chain (a 党小组长's monthly visit); when no level has one, whoever
    ``duty``'s chain names, with both trails."""
    return holders_up_the_chain([place], role=role, duty=duty, on=on)[place.pk]


def holders_up_the_chain(
    places: list[Place], *, role: str, duty: str = Duty.GENERAL, on: dt.date | None = None
) -> dict[int, Responsibility]:
    """``holder_up_the_chain`` for many places at once, in three queries (and one walk of the
    duty's chain for each place where no level has a holder of ``role``)."""
    on = on or clock.today()
    paths = {a for p in places for a in p.ancestor_paths()}
    ancestors = {a.path: a for a in Place.objects.filter(path__in=paths)}
    levels_of = {
        p.pk: [p, *(ancestors[a] for a in reversed(p.ancestor_paths()) if a in ancestors)]
        for p in places
    }
    level_ids = {lv.pk for levels in levels_of.values() for lv in levels}
    posts = list(
        Post.objects.active(on).filter(place_id__in=level_ids, role=role).select_related("person")
    )
    by_level: dict[int, list[Post]] = defaultdict(list)
    for post in posts:
        by_level[post.place_id].append(post)
    absent = {
        a.person_id: a
        for a in Absence.objects.filter(
            person_id__in={p.person_id for p in posts}, start_date__lte=on, end_date__gte=on
        )
    }
    out: dict[int, Responsibility] = {}
    for place in places:
        levels = levels_of[place.pk]
        chain = {level.kind: [role] for level in levels}
        found = _walk(
            Responsibility(place=place, duty=duty, on=on), levels, chain, by_level, absent
        )
        if found.post is None:
            fallback = responsible_for(place, duty=duty, on=on)
            fallback.trail = [*found.trail[:-1], *fallback.trail]
            found = fallback
        out[place.pk] = found
    return out
