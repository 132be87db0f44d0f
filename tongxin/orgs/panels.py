"""What the workbench, the place pages and the e-map's panels show about a place: who holds
posts there, how many residents, households and care persons the user may see under it, and
who is responsible for it for every duty. Reads only, each counting only what the user may
see (``visible_to``)."""

from __future__ import annotations

from dataclasses import dataclass

from tongxin.core.actors import Actor
from tongxin.core.models import in_force_q
from tongxin.core.scoping import scope_for
from tongxin.people.models import CareTag, Household, Person
from tongxin.places.models import Place

from .models import Post
from .roles import Duty, Role
from .selectors import Responsibility, responsibilities


def visible_posts_at(user: Actor, place: Place) -> list[Post]:
    """Active posts held at ``place`` that the user may see, most senior first, A before B."""
    posts = list(
        Post.objects.visible_to(user)
        .active()
        .filter(place=place)
        .select_related("person", "organisation")
    )
    order = {r: i for i, r in enumerate(Role.values)}
    posts.sort(key=lambda p: (order.get(p.role, 99), {"A": 0, "B": 1}.get(p.rank, 2), p.pk))
    return posts


@dataclass
class Numbers:
    residents: int
    households: int
    care_persons: int | None  # None: the user may not see care tags here


def numbers_for(user: Actor, place: Place | None = None) -> Numbers:
    """Residents, households and care persons the user may see (under ``place`` if given)."""
    persons = Person.objects.visible_to(user).filter(is_active=True)
    households = Household.objects.visible_to(user)
    if place is not None:
        persons = persons.filter(place_path__prefix=place.path)
        households = households.filter(place_path__prefix=place.path)
    return Numbers(
        residents=persons.count(),
        households=households.count(),
        care_persons=care_persons_count(user, place),
    )


def sees_care_under(user: Actor, place: Place | None) -> bool:
    scope = scope_for(user)
    if place is None:
        return bool(scope.care_paths)
    return any(place.path.startswith(p) or p.startswith(place.path) for p in scope.care_paths)


def care_persons_count(user: Actor, place: Place | None = None) -> int | None:
    if not sees_care_under(user, place):
        return None
    tags = CareTag.objects.visible_to(user).filter(in_force_q(), person__is_active=True)
    if place is not None:
        tags = tags.filter(person__place_path__prefix=place.path)
    return tags.values("person_id").distinct().count()


@dataclass
class DutyLine:
    """One duty's answer for display: the duty's name, who, where they hold the post, why."""

    label: str
    responsibility: Responsibility
    where: str

    @property
    def post(self) -> Post | None:
        return self.responsibility.post

    @property
    def person(self) -> Person | None:
        return self.responsibility.person

    @property
    def reason(self) -> str:
        return self.responsibility.reason


def duty_lines(place: Place) -> list[DutyLine]:
    """Who is responsible for ``place`` for every duty, with the places they serve at."""
    labels = dict(Duty.choices)
    answers = list(responsibilities(place).values())
    ids = {r.post.place_id for r in answers if r.post is not None and r.post.place_id}
    names = dict(Place.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    return [
        DutyLine(
            label=str(labels[r.duty]),
            responsibility=r,
            where=names.get(r.post.place_id, "") if r.post is not None else "",
        )
        for r in answers
    ]
