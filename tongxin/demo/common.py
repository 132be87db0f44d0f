"""What the parts of the demo generator share: tree paths, geometry, the scales and the state.

``GeneratorBase`` holds the state every step reads (the random number generator, today, the
scale, what was built so far); the steps are mixins over it (``places``, ``people``,
``features``, ``users``) or builders given the generator (``orgs``), put together in
``tongxin.demo.generator.DemoGenerator``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tongxin.core import clock, vault
from tongxin.people.models import Household, Person
from tongxin.places.models import Place

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STEP = 4  # treebeard's path step: the characters of one level of a tree path
BATCH = 4000

LOCAL_REGION = "420902"  # 孝感市孝南区
OTHER_REGIONS = (
    "420921",
    "420922",
    "420923",
    "420981",
    "420982",
    "420984",
    "421122",
    "411523",
    "430602",
    "420106",
    "362424",
    "342622",
)

HISTORY_FROM = dt.date(2026, 1, 1)  # posts and care tags of the demo began before this day


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (29 February becomes the 28th in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_of(person: Person, today: dt.date) -> int:
    """Age in whole years on ``today``. The births are drawn so that this is the age each
    person was generated with, on any date: the demo's households, care tags and the people
    its accounts are given are then the same whatever day it is built (a difference of years
    alone made them depend on the month, so the demo users changed from one day to the next)."""
    b = person.birth_date
    assert b is not None
    return today.year - b.year - ((today.month, today.day) < (b.month, b.day))


def seg(n: int) -> str:
    """The treebeard path step for the n-th child (1-based)."""
    out = ""
    while n:
        n, r = divmod(n, len(ALPHABET))
        out = ALPHABET[r] + out
    return out.rjust(STEP, "0")


@dataclass(frozen=True)
class ScaleSpec:
    streets: int
    communities_per_street: int
    grids_per_community: int
    total_grids: int | None
    estates_per_grid: tuple[int, int]
    buildings_per_estate: tuple[int, int]
    units_per_building: tuple[int, int]
    floors: tuple[int, int]
    occupancy: float


SCALES = {
    # 文化路: 6 grids, 57 estates, 140 buildings, 274 units, ~3,430 households.
    "community": ScaleSpec(1, 1, 6, None, (9, 10), (1, 4), (1, 3), (5, 8), 0.963),
    "street": ScaleSpec(1, 10, 6, None, (9, 10), (1, 4), (1, 3), (5, 8), 0.963),
    # 800 grids, ~1,000,000 residents.
    "district": ScaleSpec(10, 14, 6, 800, (5, 6), (2, 4), (1, 3), (5, 7), 0.93),
}


def rect(lat0: float, lng0: float, h: float, w: float) -> dict[str, Any]:
    ring = [[lng0, lat0], [lng0 + w, lat0], [lng0 + w, lat0 + h], [lng0, lat0 + h], [lng0, lat0]]
    return {"type": "Polygon", "coordinates": [[[round(x, 7), round(y, 7)] for x, y in ring]]}


def point(lat: float, lng: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(lng, 7), round(lat, 7)]}


def split(rng: random.Random, total: int, parts: int, lo: int, hi: int) -> list[int]:
    """``parts`` integers in [lo, hi] summing to ``total`` (as near as the bounds allow)."""
    out = [lo] * parts
    remaining = total - lo * parts
    idx = list(range(parts))
    while remaining > 0:
        room = [i for i in idx if out[i] < hi]
        if not room:
            break
        out[rng.choice(room)] += 1
        remaining -= 1
    return out


@dataclass
class Area:
    """A place being built, with its geometry as a rectangle for placing children."""

    place: Place
    lat0: float = 0.0
    lng0: float = 0.0
    h: float = 0.0
    w: float = 0.0
    children: int = 0

    def child_path(self) -> str:
        self.children += 1
        return self.place.path + seg(self.children)


@dataclass
class Built:
    """What the generator made, for the steps that follow and for the summary."""

    streets: list[Place] = field(default_factory=list)
    communities: list[Place] = field(default_factory=list)
    grids: list[Place] = field(default_factory=list)
    estates: list[Place] = field(default_factory=list)
    buildings: list[Place] = field(default_factory=list)
    units: list[Place] = field(default_factory=list)
    dwellings: list[Place] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


class GeneratorBase:
    """The generator's state, shared by its steps."""

    # Set by the steps (build_people, build_orgs_and_posts), read by the ones that follow.
    households: list[Household]
    members_by_hh: dict[int, list[Person]]
    demo_people: dict[str, Person]
    post_holders: set[int]

    def __init__(self, *, seed: int = 2026, scale: str = "community", progress: Any = None) -> None:
        self.rng = random.Random(seed)
        # Dates that must stay true "now" are relative to the day the area is generated
        # (ages, absences, registrations), so a demo loaded on any date is as true that day as
        # on any other: nobody turns 18 or comes back from leave as the years go by. Posts and
        # care tags began before ``HISTORY_FROM`` whatever the day: the registry's history is
        # in the past, so replaying a fixed moment of 2026 (the tests do) finds them held.
        self.today = clock.today()
        self.history_from = min(self.today, HISTORY_FROM)
        self.seed = seed
        self.scale = scale
        self.spec = SCALES[scale]
        self.progress: Callable[[str], object] = progress or (lambda msg: None)
        self.keys = vault.keys()
        self.id_seq: dict[tuple[str, str], int] = {}
        self.built = Built()

    def _grid_depth(self) -> int:
        return 4 if self.scale == "district" else 3

    def all_persons(self) -> Iterator[tuple[Household, list[Person]]]:
        for hh in self.households:
            yield hh, self.members_by_hh[hh.pk]
