"""Fixtures for red property's tests: the demo's property companies, contracts and panel
(``tongxin/demo/property.py``), and helpers to make a fresh contract on an unserved estate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from tongxin.core import clock
from tongxin.orgs.models import Organisation
from tongxin.places.models import Place
from tongxin.property import services
from tongxin.property.models import (
    ChecklistItem,
    Inspection,
    InspectionScore,
    SelfManagedCompound,
    ServiceContract,
)


@dataclass
class Prop:
    demo: Any

    def user(self, name: str) -> Any:
        return self.demo.user(name)

    @property
    def home(self) -> ServiceContract:
        """The contract at the demo resident's estate (company A, ``property1``)."""
        resident = self.user("resident").person
        return next(
            c
            for c in ServiceContract.objects.select_related("estate", "company")
            if resident.place_path.startswith(c.estate_path)
        )

    @property
    def other(self) -> ServiceContract:
        """A contract of the other company."""
        return ServiceContract.objects.exclude(company=self.home.company).order_by("id")[0]

    def free_estate(self) -> Place:
        taken = set(ServiceContract.objects.values_list("estate_id", flat=True)) | set(
            SelfManagedCompound.objects.values_list("estate_id", flat=True)
        )
        grid = self.demo.grid(1)
        return (
            Place.objects.filter(kind="estate", path__startswith=grid.path[:-4])
            .exclude(pk__in=taken)
            .order_by("path")[0]
        )

    def new_contract(self, company: Organisation | None = None) -> ServiceContract:
        today = clock.today()
        return services.contract_create(
            actor=self.user("secretary"),
            company_id=(company or self.home.company).pk,
            estate_id=self.free_estate().pk,
            starts_on=dt.date(today.year - 1, 1, 1),
            ends_on=dt.date(today.year + 1, 12, 31),
            fee_standard="1.50",
        )

    def inspect(
        self, contract: ServiceContract, month: dt.date, panelist: Any, share: dict[str, int]
    ) -> Inspection:
        """An inspection written as the service leaves it, in a past month; ``share`` gives
        the points lost per item code (the rest at full marks)."""
        insp = Inspection.objects.create(contract=contract, month=month, panelist=panelist)
        for item in ChecklistItem.objects.filter(is_active=True):
            InspectionScore.objects.create(
                inspection=insp,
                item=item,
                score=item.max_score - share.get(item.code, 0),
                max_score=item.max_score,
            )
        return insp


@pytest.fixture
def prop(demo: Any) -> Prop:
    return Prop(demo)
