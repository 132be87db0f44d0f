"""Fixtures for volunteering tests: the demo community, its volunteers and catalogue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from tongxin.core import clock


@dataclass
class Vol:
    community: Any
    secretary: Any
    resident: Any
    member: Any

    def volunteer(self, user: Any) -> Any:
        from tongxin.volunteering.models import Volunteer

        return Volunteer.objects.get(person_id=user.person_id)

    def new_volunteer(self, n: int = 0) -> Any:
        """A fresh approved volunteer with a user account (no points yet)."""
        from tongxin.accounts.models import User
        from tongxin.people.models import Person
        from tongxin.volunteering.models import Volunteer

        person = (
            Person.objects.filter(
                place_path__startswith=self.community.path,
                volunteer__isnull=True,
                birth_date__lt=dt.date(2000, 1, 1),
            )
            .exclude(pk__in=User.objects.filter(person__isnull=False).values("person_id"))
            .order_by("id")[n]
        )
        user = User.objects.create(username=f"vol{person.pk}", person=person)
        Volunteer.objects.create(
            person=person,
            person_path=person.place_path,
            community=self.community,
            status="approved",
        )
        return user

    def activity(
        self, *, slots: int = 5, start_in: dt.timedelta = dt.timedelta(hours=1), **kw: Any
    ) -> Any:
        from tongxin.volunteering.services import activity_create

        start = clock.now() + start_in
        return activity_create(
            actor=self.secretary,
            community=self.community,
            title=kw.pop("title", "测试活动"),
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            slots=slots,
            lat=kw.pop("lat", 30.92),
            lng=kw.pop("lng", 113.92),
            **kw,
        )

    def reward(self, *, cost: int = 10, stock: int = 5, limit: int | None = None) -> Any:
        from tongxin.volunteering.models import Reward

        return Reward.objects.create(
            community=self.community,
            name="测试兑换品",
            kind="goods",
            cost=cost,
            stock=stock,
            per_person_limit=limit,
        )

    def give(self, user: Any, points: int) -> Any:
        from tongxin.volunteering import ledger

        return ledger.transfer(
            source=ledger.issuer_account(self.community),
            target=ledger.person_account(user.person, community=self.community),
            amount=points,
            kind="award",
            reason="测试发放",
            actor=self.secretary,
            community=self.community,
        )

    def balance(self, user: Any, unit: str = "points") -> int:
        from tongxin.volunteering.models import Account

        acct = Account.objects.filter(person_id=user.person_id, unit=unit).first()
        return acct.balance if acct else 0


@pytest.fixture
def vol(demo: Any) -> Vol:
    from tongxin.places.models import Place

    return Vol(
        community=Place.objects.filter(kind="community").order_by("path").first(),
        secretary=demo.user("secretary"),
        resident=demo.user("resident"),
        member=demo.user("member"),
    )
