"""Reads about organisations and posts; above all, "who is responsible here, right now?"."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

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


def chain_for(duty: str) -> dict[str, list[str]]:
    chains: dict[str, list[str]] = defaultdict(list)
    for rule in DutyRule.objects.filter(duty=duty).order_by("order", "id"):
        chains[rule.place_kind].append(rule.role)
    return chains


def responsible_for(
    place: Place, *, duty: str = Duty.GENERAL, on: dt.date | None = None
) -> Responsibility:
    """Walk from ``place`` up the tree (dwelling → unit → building → estate → grid → community
    → street). At each level try the duty's roles in order; for each role the A holder, then
    the B holder, then any other holder; skip anyone absent that day. The first one who can
    act is responsible (依次递补). Three queries whatever the depth."""
    on = on or dt.date.today()
    result = Responsibility(place=place, duty=duty, on=on)
    chains = chain_for(duty)
    levels = [place, *reversed(place.ancestors_list())]

    posts = list(
        Post.objects.active(on)
        .filter(place__in=levels, role__in={r for roles in chains.values() for r in roles})
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

    role_labels = dict(Role.choices)
    for level in levels:
        roles = chains.get(level.kind, [])
        if not roles:
            continue
        for role in roles:
            holders = sorted((p for p in by_level[level.pk] if p.role == role), key=_rank_key)
            label = f"{level.name}{role_labels[role]}"
            if not holders:
                result.trail.append(f"{label}空缺")
                continue
            for post in holders:
                who = f"{label}{('(' + post.rank + '角)') if post.rank else ''}{post.person.name}"
                away = absent.get(post.person_id)
                if away is not None:
                    # The reason for an absence (illness, maternity…) is the holder's own
                    # business: the trail says only that and until when they are away.
                    result.trail.append(f"{who}不在岗（至{away.end_date:%Y-%m-%d}）")
                    continue
                result.post = post
                result.trail.append(f"由{who}负责")
                return result
    result.trail.append("责任链上无人可以履职")
    return result


def posts_at(place: Place, *, on: dt.date | None = None) -> list[Post]:
    """Active posts held at this place, for its page (roles in seniority order, A before B)."""
    posts = list(
        Post.objects.active(on).filter(place=place).select_related("person", "organisation")
    )
    order = {r: i for i, r in enumerate(Role.values)}
    posts.sort(key=lambda p: (order.get(p.role, 99), *_rank_key(p)))
    return posts


def is_absent(person_id: int, on: dt.date | None = None) -> bool:
    on = on or dt.date.today()
    return Absence.objects.filter(
        Q(person_id=person_id), start_date__lte=on, end_date__gte=on
    ).exists()
