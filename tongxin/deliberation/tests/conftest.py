"""A small estate built for hand-computed counts, under the demo's first grid (managed by the
demo secretary):

| unit      | area   | owners |
|-----------|--------|--------|
| 1栋1单元101室 | 100.00 | A      |
| 1栋1单元102室 |  50.00 | A      |  A owns two units: one head, 150.00
| 1栋1单元201室 |  80.00 | B, C   |  co-owned: one vote
| 1栋1单元202室 |  70.00 | D      |
| 1栋1单元301室 |  60.00 | E      |
| 1栋1单元302室 |  40.50 | F      |

Eligible: 5 heads (A, BC, D, E, F), 400.50 m².
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from tongxin.accounts.models import User
from tongxin.people.models import DwellingDeed, DwellingOwner, Household, Person
from tongxin.places.models import Place

UNITS = [
    ("101", "100.00", "A"),
    ("102", "50.00", "A"),
    ("201", "80.00", "BC"),
    ("202", "70.00", "D"),
    ("301", "60.00", "E"),
    ("302", "40.50", "F"),
]


@dataclass
class Estate:
    estate: Place
    unit: Place
    dwellings: dict[str, Place] = field(default_factory=dict)
    owners: dict[str, Person] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)

    def add_owner(self, key: str, room: str, area: str) -> Person:
        d = Place.objects.add_child(
            self.unit,
            {"kind": "dwelling", "code": f"TVE-{room}", "name": f"{room}室"},
        )
        self.dwellings[room] = d
        deed = DwellingDeed.objects.create(dwelling=d, place_path=d.path, floor_area=Decimal(area))
        p = self._person(key, d)
        DwellingOwner.objects.create(deed=deed, person=p)
        return p

    def _person(self, key: str, d: Place) -> Person:
        if key not in self.owners:
            hh = Household.objects.create(code=f"TVE-H-{key}", dwelling=d, place_path=d.path)
            p = Person.objects.create(
                name=f"业主{key}",
                place=d,
                place_path=d.path,
                household=hh,
                relation="head",
                birth_date=dt.date(1970, 1, 1),
            )
            self.owners[key] = p
            self.users[key] = User.objects.create(username=f"tve-owner-{key}", person=p)
        return self.owners[key]


@pytest.fixture
def estate(demo) -> Estate:
    grid = demo.grid(1)
    e = Place.objects.add_child(grid, {"kind": "estate", "code": "TVE", "name": "表决测试小区"})
    b = Place.objects.add_child(e, {"kind": "building", "code": "TVE-B1", "name": "1栋"})
    u = Place.objects.add_child(b, {"kind": "unit", "code": "TVE-B1U1", "name": "1单元"})
    world = Estate(estate=e, unit=u)
    for room, area, keys in UNITS:
        d = Place.objects.add_child(
            u, {"kind": "dwelling", "code": f"TVE-{room}", "name": f"{room}室"}
        )
        world.dwellings[room] = d
        deed = DwellingDeed.objects.create(dwelling=d, place_path=d.path, floor_area=Decimal(area))
        for key in keys:
            p = world._person(key, d)
            DwellingOwner.objects.create(deed=deed, person=p, share=Decimal(1) / len(keys))
    return world
