"""A realistic, deterministic demo area: places, people, organisations, posts and map features.

The default scale has the shape of 文化路社区 (孝感市孝南区广场街道): six grids tiling a 0.3 km²
community, 57 estates, 140 buildings, ~3,430 households and ~12,250 residents, a party
committee with six grid branches, 57 party groups and ~400 centre households. ``street`` adds
nine more communities; ``district`` generates 800 grids and about a million residents for the
benchmarks. The same seed always gives the same data.

Rows are written in bulk (tree paths computed by the steps, as treebeard would); the big tables go
through ``insert_rows``, which skips the ORM's per-field work, so the district scale takes
minutes, not hours.

The steps live in their own modules, run here in order from one random number generator:

- ``places``: the place tree (``PlacesMixin``);
- ``people``: households, residents and care tags (``PeopleMixin``);
- ``orgs``: organisations, posts, party memberships and absences (``OrgBuilder``);
- ``features``: points of interest and facilities (``FeaturesMixin``);
- ``users``: the demo accounts (``UsersMixin``);
- ``common`` (paths, geometry, scales, the shared state) and ``bulk`` (fast bulk inserts).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tongxin.people.models import CareTag, Person

from .bulk import bulk_load_tuning, insert_rows
from .common import SCALES, STEP, Area, Built, ScaleSpec, point, rect, seg, split
from .features import FeaturesMixin
from .orgs import OrgBuilder
from .people import PeopleMixin
from .places import PlacesMixin
from .users import UsersMixin

# What other modules (cases, the benchmarks, the demo_seed command) import from here.
__all__ = [
    "SCALES",
    "STEP",
    "Area",
    "Built",
    "DemoGenerator",
    "ScaleSpec",
    "bulk_load_tuning",
    "insert_rows",
    "point",
    "rect",
    "seg",
    "split",
]


class DemoGenerator(PlacesMixin, PeopleMixin, FeaturesMixin, UsersMixin):
    """``DemoGenerator(seed=…, scale=…).run()``: every step in order, in one transaction."""

    # ------------------------------------------------------------------ orgs and posts
    def build_orgs_and_posts(self) -> None:
        orgs = OrgBuilder(self)
        orgs.run()
        self.demo_people = orgs.demo_people
        self.post_holders = {pt.person_id for pt in orgs.posts}
        self.built.counts.update(
            organisations=len(orgs.orgs), posts=len(orgs.posts), party_members=len(orgs.memberships)
        )

    # ------------------------------------------------------------------ volunteering
    def build_volunteering(self) -> None:
        from tongxin.demo.volunteering import build

        self.built.counts.update({f"volunteering_{k}": v for k, v in build(self).items()})

    # ------------------------------------------------------------------ notices
    def build_notices(self) -> None:
        from tongxin.demo.notices import build

        self.built.counts.update({f"notices_{k}": v for k, v in build(self).items()})

    # ------------------------------------------------------------------ service matching
    def build_matching(self) -> None:
        from tongxin.demo.matching import build

        self.built.counts.update({f"matching_{k}": v for k, v in build(self).items()})

    # ------------------------------------------------------------------ meetings
    def build_meetings(self) -> None:
        from tongxin.demo.meetings import build

        self.built.counts.update({f"meetings_{k}": v for k, v in build(self).items()})

    # ------------------------------------------------------------------ co-building alliance
    def build_alliance(self) -> None:
        from tongxin.demo.alliance import build

        self.built.counts.update({f"alliance_{k}": v for k, v in build(self).items()})

    # ------------------------------------------------------------------ visits
    def build_visits(self) -> None:
        from tongxin.demo.visits import build

        self.built.counts.update({f"visits_{k}": v for k, v in build(self, self.seed).items()})

    # ------------------------------------------------------------------ the eldercare alarm
    def build_alarms(self) -> None:
        from tongxin.demo.alarms import build

        self.built.counts.update({f"alarms_{k}": v for k, v in build(self, self.seed).items()})

    # ------------------------------------------------------------------ deliberation
    def build_deliberation(self) -> None:
        from tongxin.demo.deliberation import build

        self.built.counts.update({f"deliberation_{k}": v for k, v in build(self).items()})

    # ------------------------------------------------------------------ party life
    def build_partylife(self) -> None:
        from tongxin.demo.partylife import build

        self.built.counts.update({f"partylife_{k}": v for k, v in build(self).items()})

    # ------------------------------------------------------------------ red property
    def build_property(self) -> None:
        from tongxin.demo.property import build

        self.built.counts.update({f"property_{k}": v for k, v in build(self).items()})

    # ------------------------------------------------------------------ cases
    def build_cases(self) -> None:
        from tongxin.demo.cases import build_demo_cases

        self.built.counts.update(build_demo_cases(seed=self.seed))

    def build_rollups(self) -> None:
        """The data centre's rollups from every record just built, so that its dashboards
        and big screen are filled (the scheduled job keeps them up to date from here)."""
        from tongxin.datacentre.models import CaseRollup
        from tongxin.datacentre.rollups import rebuild_all

        rebuild_all()
        self.built.counts["case_rollups"] = CaseRollup.objects.count()

    def build_insight(self) -> None:
        from tongxin.demo.insight import build

        self.built.counts.update(build(self))

    # ------------------------------------------------------------------ audit
    def settle_audit(self) -> None:
        """Loaders that go through services (the owners' vote's paper ballots) write audit
        rows and queue the chaining task: the demo chains them now and leaves nothing
        queued, as a freshly set-up system has nothing waiting."""
        from django_tasks_db.models import DBTaskResult, TaskResultStatus

        from tongxin.core import audit

        audit.chain_pending()
        DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, task_path="tongxin.core.tasks.chain_audit_log"
        ).delete()

    # ------------------------------------------------------------------ all
    def run(self, *, with_users: bool = True) -> dict[str, Any]:
        with transaction.atomic(), bulk_load_tuning():
            self.progress("生成地点……")
            self.build_places()
            self.progress("生成户和居民……")
            self.build_people()
            self.progress("生成关爱标签……")
            self.build_care_tags()
            self.progress("生成组织与职务……")
            self.build_orgs_and_posts()
            self.progress("生成地图要素……")
            self.build_features()
            users = self.build_users() if with_users else {}
            if with_users:
                self.progress("生成民情诉求……")
                self.build_cases()
            if with_users:
                from tongxin.demo.open311 import build_demo_open311

                build_demo_open311()  # the partner key demo-open311-key
            if with_users:
                self.progress("生成志愿服务与积分……")
                self.build_volunteering()
                self.progress("生成通知公告、三务公开、服务卡与民情日志……")
                self.build_notices()
                self.build_insight()  # a week of water complaints: a spike on the trend page
                self.progress("生成需求、微心愿与互助站……")
                self.build_matching()
                self.progress("生成会议、签到与决议事项……")
                self.build_meetings()
                self.progress("生成共建联盟、协议与成绩单……")
                self.build_alliance()
                self.progress("生成走访计划、走访记录与天天敲门结对……")
                self.build_visits()
                self.progress("生成爱心铃设备与报警记录……")
                self.build_alarms()
                self.progress("生成议题、房屋产权与业主表决……")
                self.build_deliberation()
                self.progress("生成组织生活、微学习与党建成绩单……")
                self.build_partylife()
                self.progress("生成物业服务合同、月度检查与信用记录……")
                self.build_property()
                self.progress("生成数据中心汇总……")
                self.build_rollups()
        self.settle_audit()
        b = self.built
        return {
            "streets": len(b.streets),
            "communities": len(b.communities),
            "grids": len(b.grids),
            "estates": len(b.estates),
            "buildings": len(b.buildings),
            "units": len(b.units),
            "dwellings": len(b.dwellings),
            "households": len(self.households),
            "persons": Person.objects.count(),
            "care_tags": CareTag.objects.count(),
            **b.counts,
            "users": users,
        }
