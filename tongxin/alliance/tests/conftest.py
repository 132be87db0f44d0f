"""Fixtures for the alliance's tests: an alliance of the demo community's partner units, the
demo's ``member`` user as the liaison of its first unit, and helpers that make the records
(activities, needs, wishes, cases) the alliance reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from tongxin.alliance import services
from tongxin.alliance.models import Alliance, Membership
from tongxin.core import clock, tokens
from tongxin.orgs.models import Organisation, OrgKind, Post
from tongxin.orgs.roles import Role


@dataclass
class Ally:
    demo: Any
    community: Any
    alliance: Alliance
    units: list[Membership]

    def user(self, name: str) -> Any:
        return self.demo.user(name)

    @property
    def manager(self) -> Any:
        return self.user("secretary")

    def activity(self, unit: Membership, on: dt.date, *, title: str = "共建志愿活动") -> Any:
        from tongxin.volunteering.models import Activity
        from tongxin.volunteering.services import default_rule

        starts = clock.start_of_day(on) + dt.timedelta(hours=9)
        return Activity.objects.create(
            community=self.community,
            organiser_org=unit.unit,
            created_by=self.manager,
            title=title,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            slots=10,
            rule=default_rule(self.community),
            checkin_token=tokens.mint(20),
        )

    def unit_need(self, unit: Membership, *, minutes: int = 90) -> Any:
        """A resident's need, claimed by the unit through its liaison and completed."""
        from tongxin.matching import services as matching

        need = matching.need_post(
            actor=self.user("resident"), kind="repair", description="楼道灯坏了，需要维修"
        )
        act = matching.need_act
        act(actor=self.user("grid1"), need_id=need.pk, act="verify", data={"method": "visit"})
        act(actor=self.manager, need_id=need.pk, act="publish", data={})
        liaison = self.user("member")
        act(actor=liaison, need_id=need.pk, act="claim", data={"organisation": unit.unit_id})
        act(actor=liaison, need_id=need.pk, act="start", data={})
        return act(
            actor=liaison,
            need_id=need.pk,
            act="complete",
            data={"minutes": minutes, "proof": "已更换灯泡"},
        )


@pytest.fixture
def ally(demo: Any) -> Ally:
    from tongxin.volunteering.models import community_of_path

    manager = demo.user("secretary")
    community = community_of_path(demo.user("resident").person.place_path)
    committee = Organisation.objects.filter(kind=OrgKind.PARTY_COMMITTEE, places=community).first()
    assert committee is not None
    alliance = services.alliance_create(
        actor=manager,
        name="测试共建联盟",
        place=community,
        organisation=committee,
        leaders="王书记、李部长",
    )
    partners = list(
        Organisation.objects.filter(
            places=community, kind__in=[OrgKind.CO_BUILDING_UNIT, OrgKind.SOCIAL_ORG]
        ).order_by("id")
    )
    assert len(partners) >= 3
    units = [
        services.unit_join(actor=manager, alliance=alliance, unit=o, joined_on=dt.date(2020, 1, 1))
        for o in partners[:3]
    ]
    Post.objects.create(
        person=demo.user("member").person,
        role=Role.LIAISON,
        organisation=units[0].unit,
        start_date=dt.date(2020, 1, 1),
    )
    return Ally(demo=demo, community=community, alliance=alliance, units=units)
