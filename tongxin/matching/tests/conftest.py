"""Fixtures for service-matching tests: the demo community, a resident's need, the member's
offer, a running wish campaign with a published wish."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tongxin.matching import services
from tongxin.matching.models import Need, Wish


@dataclass
class World:
    demo: Any
    community: Any

    def user(self, name: str) -> Any:
        return self.demo.user(name)

    def need(self, *, by: str = "resident", kind: str = "repair", **kw: Any) -> Need:
        return services.need_post(
            actor=self.user(by),
            kind=kind,
            description=kw.pop("description", "厨房水龙头漏水，需要上门维修"),
            **kw,
        )

    def act(self, need: Need, act: str, by: str, **data: Any) -> Need:
        return services.need_act(actor=self.user(by), need_id=need.pk, act=act, data=data)

    def listed(self, **kw: Any) -> Need:
        need = self.need(**kw)
        self.act(need, "verify", "grid1", method="visit")
        return self.act(need, "publish", "secretary")

    def resource(self, by: str = "member", **kw: Any) -> Any:
        return services.resource_register(
            actor=self.user(by),
            kind=kw.pop("kind", "member"),
            community=self.community,
            need_kinds=kw.pop("need_kinds", ["repair"]),
            skills=kw.pop("skills", ["维修"]),
            **kw,
        )

    def wisher(self, n: int = 0) -> Any:
        """A resident of grid 1 outside every demo user's household."""
        from tongxin.accounts.models import User
        from tongxin.people.models import Person

        households = User.objects.filter(person__household__isnull=False).values(
            "person__household_id"
        )
        return (
            Person.objects.filter(place_path__startswith=self.demo.grid(1).path, is_active=True)
            .exclude(household_id__in=households)
            .exclude(pk__in=User.objects.filter(person__isnull=False).values("person_id"))
            .order_by("id")[n]
        )

    def campaign(self, **kw: Any) -> Any:
        c = services.campaign_create(
            actor=self.user("secretary"),
            community=self.community,
            title=kw.pop("title", "六一微心愿"),
            **kw,
        )
        return services.campaign_set_state(
            actor=self.user("secretary"), campaign=c, state="running"
        )

    def wish(self, campaign: Any, *, n: int = 0, publish: bool = True, **kw: Any) -> Wish:
        wish = services.wish_collect(
            actor=self.user("grid1"),
            campaign=campaign,
            person=self.wisher(n),
            text=kw.pop("text", "一套绘画用品"),
            value=kw.pop("value", 80),
            given_name=kw.pop("given_name", "小明"),
        )
        if publish:
            wish = services.wish_publish(actor=self.user("grid1"), wish_id=wish.pk, method="phone")
        return wish


@pytest.fixture
def world(demo: Any) -> World:
    from tongxin.volunteering.models import community_of_path

    resident = demo.user("resident")
    community = community_of_path(resident.person.place_path)
    assert community is not None
    return World(demo=demo, community=community)
