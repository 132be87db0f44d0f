"""Shared handles for the visits tests: fresh residents of the demo (no tags, no posts, no
account), placed where a test needs them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.orgs.models import Post
from tongxin.people.models import CareTag, Person
from tongxin.visits.models import Pair, PairHelper


def at(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(y, m, d, h, mi))


def head_building(demo: Any) -> Any:
    head = demo.user("building")
    return Post.objects.active().get(person=head.person, role="building_head").place


def fresh(demo: Any, *, under: Any = None, grid: int = 1, n: int = 1, skip: int = 0) -> list[Any]:
    """Residents with no care tag, no post, no account and no pair, in ``under`` (a place) or
    in grid ``grid``."""
    qs = Person.objects.filter(is_active=True, household__isnull=False, place__isnull=False)
    qs = qs.filter(place_path__startswith=under.path) if under else qs.filter(grid=demo.grid(grid))
    taken = (
        set(CareTag.objects.values_list("person_id", flat=True))
        | set(Post.objects.values_list("person_id", flat=True))
        | set(User.objects.exclude(person=None).values_list("person_id", flat=True))
        | set(Pair.objects.values_list("person_id", flat=True))
        | set(PairHelper.objects.values_list("person_id", flat=True))
    )
    people = [p for p in qs.order_by("pk")[:400] if p.pk not in taken]
    return people[skip : skip + n]


def tag(person: Any, kind: str, start: dt.date | None = None) -> Any:
    return CareTag.objects.create(person=person, kind=kind, start_date=start)
