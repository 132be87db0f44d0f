"""Demo and benchmark cases (民情诉求).

``build_demo_cases`` fills the demo community with a few hundred cases over the last 90 days,
in every state, with their timelines, routing decisions, 吹哨 calls, feedback, a duty roster
and two routing rules. The cases are written in bulk, but each one is what the services would
have left behind had it gone through them: the route comes from ``route_case`` at the time of
the report, the clocks from ``sla.plan_clocks``, every warning and breach the clock worker
would have written is in the timeline (with ``overdue``/``breach_level``/``supervisor``), the
owner follows 首问责任制 and the acts' fields (``accepted_at``… ``closed_at``,
``resolved_on_time``, ``feedback``) match the events. What is not replayed: audit rows,
inbox messages and queued clock checks (``manage.py case_clocks`` sweeps the open cases).

``bulk_cases`` writes millions of cases with their events for the benchmarks
(``bench/case_workflow.py``): the same shapes, with routes, clocks and superiors computed once
per grid and category, and rows written straight to the driver (``COPY`` on PostgreSQL).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.cases import sla
from tongxin.cases.models import (
    REPORTER_PHONE_CONTEXT,
    Case,
    CaseCategory,
    CaseEvent,
    CaseSupport,
    Channel,
    DepartmentCall,
    DutyShift,
    Feedback,
    Level,
    Priority,
    RoutingDecision,
    RoutingRule,
    case_ref,
)
from tongxin.cases.routing import Route, route_case, superior_for
from tongxin.cases.workflow import OPEN_STATES, Act, State
from tongxin.cases.worktime import is_working_time
from tongxin.core import clock, vault
from tongxin.demo.generator import insert_rows
from tongxin.orgs.models import Organisation, OrgKind, Post
from tongxin.orgs.roles import Role
from tongxin.people.models import Person
from tongxin.places.models import Place

# ------------------------------------------------------------------------------ vocabulary

# category code, weight, descriptions, results
CATEGORY_MIX: list[tuple[str, int, tuple[str, ...], tuple[str, ...]]] = [
    (
        "env.garbage",
        14,
        ("垃圾桶满溢两天没人清运，味道很大", "楼下建筑垃圾堆放多日无人清理"),
        ("已联系环卫公司清运完毕", "已督促物业清理并设置临时堆放点"),
    ),
    (
        "env.litter",
        8,
        ("楼道里堆满纸箱和旧家具，影响通行", "单元楼道有人长期堆放杂物"),
        ("已上门劝导住户清理楼道杂物", "楼栋长组织清理完毕"),
    ),
    (
        "env.pests",
        3,
        ("地下室老鼠很多，希望消杀", "垃圾站附近蚊蝇滋生"),
        ("已安排病媒消杀", "已投放鼠药并张贴提示"),
    ),
    (
        "municipal.manhole",
        4,
        ("小区门口井盖松动，踩上去晃", "人行道上井盖缺失，晚上很危险"),
        ("已设置警示并更换井盖", "井盖已加固"),
    ),
    (
        "municipal.streetlight",
        4,
        ("小区主干道路灯坏了一周", "路口两盏路灯不亮"),
        ("供电所已更换灯具", "线路已修复，路灯恢复照明"),
    ),
    (
        "municipal.sewer",
        4,
        ("下水道堵塞，污水漫到路面", "化粪池外溢"),
        ("水务公司已疏通管道", "已清掏并修复管道"),
    ),
    (
        "property.repair",
        6,
        ("单元门禁坏了，陌生人随意进出", "楼顶漏水，物业一直不修"),
        ("物业已更换门禁", "物业已完成防水修补"),
    ),
    (
        "property.elevator",
        3,
        ("电梯经常停运，老人上下楼困难", "电梯门关不上"),
        ("维保单位已维修，电梯恢复运行",),
    ),
    (
        "dispute",
        6,
        ("楼上漏水到我家，协商不成", "邻居长期占用公共车位"),
        ("网格员上门调解，双方达成一致", "已组织双方协商，签订调解协议"),
    ),
    (
        "family",
        2,
        ("老人反映子女不尽赡养义务", "夫妻吵架动静很大，担心出事"),
        ("社区上门调解，家庭矛盾缓和", "已联系亲属，约定赡养安排"),
    ),
    (
        "safety.fire_hazard",
        5,
        ("电动车在楼道充电，存在火灾隐患", "消防通道被车辆堵塞"),
        ("已劝导住户到集中充电点充电", "已清理消防通道并张贴警示"),
    ),
    ("traffic", 4, ("小区门口乱停车严重", "车辆占用盲道"), ("交警已现场处理",)),
    ("illegal_build", 3, ("一楼住户私自扩建院墙", "楼顶违建阳光房"), ("城管已责令拆除",)),
    (
        "street_vending",
        3,
        ("早市占道经营影响通行", "流动摊贩堵在小区门口"),
        ("城管已劝离并规范经营",),
    ),
    (
        "noise",
        6,
        ("晚上广场舞音响太大", "楼上装修周末一大早就开工"),
        ("已协调调低音量并约定时间", "已劝导装修户遵守施工时间"),
    ),
    ("greening", 2, ("绿化带树枝遮挡窗户", "小区草坪被占用种菜"), ("已安排修剪树枝",)),
    ("utilities.water", 3, ("整栋楼停水一天了", "水压太低，高层用不上水"), ("供水已恢复",)),
    ("housing_safety", 2, ("老楼外墙瓷砖脱落", "楼梯扶手松动"), ("已排查并加固",)),
    (
        "livelihood.dibao",
        3,
        ("咨询低保申请需要哪些材料", "家里老人生病，想申请临时救助"),
        ("已上门指导申请并代办材料",),
    ),
    (
        "livelihood.certificate",
        3,
        ("需要开具居住证明", "办理独生子女证明"),
        ("证明已开具",),
    ),
    (
        "elderly_disabled",
        3,
        ("独居老人几天没见出门，请上门看看", "残疾人家庭需要助餐服务"),
        ("网格员已上门探访，老人身体无碍", "已纳入助餐服务"),
    ),
    (
        "emergency",
        1,
        ("楼道冒烟，疑似电线短路", "有老人在小区门口摔倒"),
        ("已处置，无人员受伤",),
    ),
    ("suggestion", 2, ("建议在小区增设充电桩", "希望增加老年活动场地"), ("已纳入社区年度计划",)),
]

REJECT_REASONS = ("不属于社区受理范围，已告知向相关部门反映", "经核实问题不存在")
SUSPEND_REASONS = ("需等待住建部门鉴定结果", "当事人外出，待其返回后处置")
CLOSE_NOTES = ("多次电话回访未接通，按期结案",)
SUPERVISE_NOTES = ("请加快办理，本周内办结", "群众反映强烈，请优先处置")
FEEDBACK_COMMENTS = {
    Feedback.SATISFIED: ("处理及时，谢谢网格员", "很满意", ""),
    Feedback.BASIC: ("基本解决了，希望以后多关注", ""),
    Feedback.UNSATISFIED: ("问题没有彻底解决", "还是老样子"),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("桂兰", "建国", "秀英", "志强", "丽华", "海燕", "明", "军", "红梅", "国平", "春花", "伟")

# Probabilities of the final state by the case's age (days since the report).
RECENT_STATES = {  # reported in the last 14 days
    State.REPORTED: 10,
    State.ACCEPTED: 7,
    State.DISPATCHED: 7,
    State.IN_PROGRESS: 16,
    State.ESCALATED: 6,
    State.SUSPENDED: 3,
    State.RESOLVED: 14,
    State.CLOSED: 30,
    State.REJECTED: 4,
    State.MERGED: 3,
}
OLDER_STATES = {
    State.REPORTED: 1,
    State.IN_PROGRESS: 3,
    State.ESCALATED: 1,
    State.SUSPENDED: 1,
    State.RESOLVED: 2,
    State.CLOSED: 84,
    State.REJECTED: 5,
    State.MERGED: 3,
}


def _pick(rng: random.Random, weights: dict[Any, int]) -> Any:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"


def _iso(at: dt.datetime) -> str:
    return at.isoformat()


# ------------------------------------------------------------------------------ the demo


class DemoStoryError(RuntimeError):
    """The demo builder wrote a timeline the workflow could not have written."""


@dataclass
class _Actor:
    """Who does an act: a person (maybe with an account), an organisation, or the system."""

    label: str
    user: Any = None
    person_id: int | None = None


@dataclass
class _Planned:
    case: Case
    events: list[CaseEvent] = field(default_factory=list)
    routings: list[RoutingDecision] = field(default_factory=list)
    calls: list[DepartmentCall] = field(default_factory=list)


class _DemoBuilder:
    def __init__(self, *, seed: int, now: dt.datetime) -> None:
        self.rng = random.Random(seed * 7919 + 4)
        self.now = now.replace(second=0, microsecond=0)
        self.community = Place.objects.filter(kind="community").order_by("path").first()
        assert self.community is not None, "generate the places first"
        under = self.community.path
        self.grids = list(
            Place.objects.filter(kind="grid", path__startswith=under).order_by("path")
        )
        self.street = Place.objects.filter(path=self.community.parent_path).first()
        buildings = list(
            Place.objects.filter(kind="building", path__startswith=under)
            .exclude(centroid_lat=None)
            .order_by("path")
        )
        self.buildings_by_grid: dict[int, list[Place]] = {g.pk: [] for g in self.grids}
        for b in buildings:
            grid = next((g for g in self.grids if b.path.startswith(g.path)), None)
            if grid is not None:
                self.buildings_by_grid[grid.pk].append(b)
        self.estate_ids = dict(
            Place.objects.filter(kind="estate", path__startswith=under).values_list("path", "pk")
        )
        self.categories = {c.code: c for c in CaseCategory.objects.select_related("parent")}
        self.users = {
            u.username: u
            for u in User.objects.filter(person__isnull=False).select_related("person")
        }
        self.user_of_person = {u.person_id: u for u in self.users.values()}
        self.person_names = dict(
            Person.objects.filter(pk__in=Post.objects.active().values("person_id")).values_list(
                "pk", "name"
            )
        )
        residents = list(
            Person.objects.filter(place_path__startswith=under, is_active=True)
            .exclude(pk__in=self.person_names.keys())
            .order_by("pk")
            .values_list("pk", "name", "grid_id")[:4000]
        )
        self.residents_by_grid: dict[int | None, list[tuple[int, str]]] = {}
        for pk, name, grid_id in residents:
            self.residents_by_grid.setdefault(grid_id, []).append((pk, name))
        posts = Post.objects.active().select_related("person")
        self.grid_workers: dict[int, list[int]] = {}
        for p in posts.filter(role=Role.GRID_WORKER, place__in=self.grids).order_by("rank", "pk"):
            self.grid_workers.setdefault(p.place_id, []).append(p.person_id)
        community_roles = (Role.COMMUNITY_WORKER, Role.COMMITTEE_MEMBER, Role.DEPUTY_SECRETARY)
        self.community_staff = sorted(
            {p.person_id for p in posts.filter(place=self.community, role__in=community_roles)}
        )
        self.departments = list(
            Organisation.objects.filter(
                kind=OrgKind.DEPARTMENT, is_active=True, places=self.street
            ).order_by("pk")
        )
        self.org_people: dict[int, list[int]] = {}
        for p in posts.filter(organisation__in=self.departments):
            self.org_people.setdefault(p.organisation_id, []).append(p.person_id)
        self.route_memo: dict[tuple[Any, ...], Route] = {}
        self.superior_memo: dict[tuple[Any, ...], Any] = {}
        self.plans: list[_Planned] = []
        first_id = (Case.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.next_id = first_id

    # ---------------------------------------------------------------- helpers
    def actor_for_person(self, person_id: int | None) -> _Actor:
        if person_id is None:
            return _Actor("系统")
        user = self.user_of_person.get(person_id)
        return _Actor(self.person_names.get(person_id, "工作人员"), user, person_id)

    def route(self, case: Case, at: dt.datetime) -> Route:
        off = not is_working_time(at)
        key = (case.category_id, case.grid_id, case.priority == Priority.EMERGENCY and off)
        if key not in self.route_memo:
            r = route_case(case, now=at)
            if r.person is None and r.organisation is None:  # a post not yet held back then
                r = route_case(case, now=self.now)
            self.route_memo[key] = r
        return self.route_memo[key]

    def superior(self, case: Case, level: int, at: dt.datetime) -> Any:
        key = (case.grid_id, case.level, case.category.duty, level)
        if key not in self.superior_memo:
            self.superior_memo[key] = superior_for(case, level, on=clock.local_date(at))
        return self.superior_memo[key]

    # ---------------------------------------------------------------- one case
    def plan(
        self,
        *,
        code: str,
        grid: Place,
        at: dt.datetime,
        target: str,
        channel: str = "",
        reporter: tuple[int | None, str] | None = None,
        reporter_user: Any = None,
        priority: str = "",
        merge_into: _Planned | None = None,
    ) -> _Planned:
        rng = self.rng
        cat = self.categories[code]
        mix = next(m for m in CATEGORY_MIX if m[0] == code)
        building = rng.choice(self.buildings_by_grid[grid.pk] or [grid])
        if merge_into is not None and merge_into.case.place is not None:
            building = merge_into.case.place
        priority = priority or (
            Priority.EMERGENCY
            if code == "emergency"
            else _pick(rng, {Priority.URGENT: 1, Priority.NORMAL: 9})
        )
        workers = self.grid_workers.get(grid.pk, [])
        if not channel:
            channel = _pick(
                rng,
                {
                    Channel.APP: 40,
                    Channel.PATROL: 25,
                    Channel.HOTLINE: 15,
                    Channel.VISIT: 8,
                    Channel.MESSAGE_BOX: 7,
                    Channel.ONLINE_GROUP: 5,
                },
            )
        case = Case(
            pk=self.next_id,
            category=cat,
            priority=priority,
            channel=channel,
            state=State.REPORTED,
            description=rng.choice(mix[2]),
            lat=round((building.centroid_lat or 0) + rng.uniform(-4e-5, 4e-5), 7),
            lng=round((building.centroid_lng or 0) + rng.uniform(-4e-5, 4e-5), 7),
            place=building,
            place_path=building.path,
            grid=grid,
            address=building.address,
        )
        self.next_id += 1
        case.ref = case_ref(at, case.pk)
        case.created_at = case.updated_at = at
        # The reporter, as case_report records them for the channel.
        reporter_actor = _Actor("系统")
        if channel == Channel.APP:
            pid, name = reporter or rng.choice(self.residents_by_grid.get(grid.pk) or [(0, "")])
            case.reporter_person_id = pid or None
            case.reporter_user = reporter_user or self.user_of_person.get(pid)
            reporter_actor = _Actor(name, case.reporter_user, pid)
        elif channel == Channel.PATROL and workers:
            pid = workers[0]
            case.reporter_person_id = pid
            case.reporter_user = self.user_of_person.get(pid)
            reporter_actor = self.actor_for_person(pid)
        else:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            recorder = (
                self.users.get("secretary")
                if channel == Channel.HOTLINE or not workers
                else self.user_of_person.get(workers[0])
            )
            case.reporter_user = recorder
            case.reporter_name = name if channel != Channel.MESSAGE_BOX else f"{name}（留言）"
            if channel in (Channel.HOTLINE, Channel.VISIT, Channel.ONLINE_GROUP):
                phone = _mobile(rng)
                case.reporter_phone_cipher = vault.encrypt(phone, context=REPORTER_PHONE_CONTEXT)
                case.reporter_phone_masked = vault.mask_phone(phone)
            recorded_by = recorder.person_id if recorder else (workers[0] if workers else None)
            reporter_actor = self.actor_for_person(recorded_by)
            if recorder is not None:
                reporter_actor.user = recorder
        case.anonymous = channel == Channel.APP and rng.random() < 0.08
        estate_id = self.estate_ids.get(building.parent_path or "")
        if channel == Channel.HOTLINE:
            case.location_source, case.resolution = "address", {"matched": building.address}
        else:
            case.location_source = "point"
            case.resolution = {
                "grid": grid.pk,
                "estate": estate_id,
                "building": building.pk if building.kind == "building" else None,
                "building_distance_m": round(rng.uniform(0.5, 6), 1),
            }
        sla.apply_clocks(case, sla.plan_clocks(case, at))
        route = self.route(case, at)
        case.level = route.level
        case.assignee_person = route.person
        case.assignee_org = route.organisation
        # 首问责任制: staff reporting at a place they handle own it; else the routed person.
        reporter_pid = reporter_actor.person_id
        staff_here = (
            reporter_pid in workers
            or reporter_pid in self.community_staff
            or (
                reporter_actor.user is not None
                and reporter_actor.user.username in ("secretary", "grid1", "grid2")
                and reporter_pid in (*workers, *self.secretary_ids())
            )
        )
        case.owner_id = reporter_pid if staff_here else (route.person.pk if route.person else None)
        plan = _Planned(case)
        plan.routings.append(
            RoutingDecision(
                case=case,
                at=at,
                rule=route.rule,
                level=route.level,
                person=route.person,
                organisation=route.organisation,
                reason=route.reason,
            )
        )
        self.event(
            plan,
            reporter_actor,
            Act.REPORT,
            "",
            at,
            note=case.description[:200],
            data={"photos": [], "channel": channel},
        )
        self.event(
            plan,
            None,
            Act.ROUTE,
            State.REPORTED,
            at,
            note=route.reason,
            public=False,
            data={"level": route.level, "possible_duplicates": []},
        )
        self.play(plan, target, at, merge_into=merge_into)
        self.plans.append(plan)
        return plan

    _secretary_ids: tuple[int, ...] | None = None

    def secretary_ids(self) -> tuple[int, ...]:
        if self._secretary_ids is None:
            self._secretary_ids = tuple(
                Post.objects.active()
                .filter(place=self.community, role=Role.SECRETARY)
                .values_list("person_id", flat=True)
            )
        return self._secretary_ids

    def event(
        self,
        plan: _Planned,
        actor: _Actor | None,
        act: str,
        from_state: str,
        at: dt.datetime,
        *,
        note: str = "",
        public: bool = True,
        data: dict[str, Any] | None = None,
    ) -> None:
        actor = actor or _Actor("系统")
        previous = plan.events[-1] if plan.events else None
        if previous is not None:
            # The story must be one the workflow could have written: in time order, each act
            # starting from the state the one before left, and no clock moment skipped.
            ref = plan.case.ref
            if previous.at > at:
                raise DemoStoryError(f"{ref}: {act} at {at} comes before {previous.act}")
            if from_state != previous.to_state:
                raise DemoStoryError(f"{ref}: {act} from {from_state}, not {previous.to_state}")
            missed = [] if act in (Act.WARN, Act.BREACH) else sla.moments_until(plan.case, at)
            if missed:
                raise DemoStoryError(f"{ref}: {act} at {at} skips the clock moments {missed}")
        plan.events.append(
            CaseEvent(
                case=plan.case,
                seq=len(plan.events) + 1,
                at=at,
                actor=actor.user,
                actor_label=actor.label,
                act=act,
                from_state=from_state,
                to_state=plan.case.state,
                note=note,
                public=public,
                data=data or {},
            )
        )

    def handler(self, case: Case) -> _Actor:
        if case.assignee_person_id:
            return self.actor_for_person(case.assignee_person_id)
        if case.assignee_org_id:
            people = self.org_people.get(case.assignee_org_id, [])
            if people:
                return self.actor_for_person(people[0])
            assert case.assignee_org is not None
            return _Actor(case.assignee_org.name)
        return self.actor_for_person(case.owner_id)

    def clocks_until(self, plan: _Planned, until: dt.datetime) -> None:
        """The warnings and breaches the clock worker would have written before ``until``:
        the moments ``sla.moments_until`` finds, acted on as ``case_check_clocks`` acts."""
        case = plan.case
        for at, name, stage in sla.moments_until(case, until):
            case.clocks[name]["stage"] = stage
            if stage == "due":
                case.overdue = True
                case.breach_level += 1
                superior = self.superior(case, case.breach_level, at)
                if superior is not None:
                    case.supervisor = superior
                note = (
                    f"{sla.CLOCK_LABELS[name]}超时，升级至{superior.name if superior else '上级'}"
                )
                self.event(
                    plan,
                    None,
                    Act.BREACH,
                    case.state,
                    at,
                    note=note,
                    public=False,
                    data={"clock": name, "level": case.breach_level},
                )
            else:
                self.event(
                    plan,
                    None,
                    Act.WARN,
                    case.state,
                    at,
                    public=False,
                    note=f"{sla.CLOCK_LABELS[name]}{sla.STAGE_LABELS[stage]}",
                    data={"clock": name, "stage": stage},
                )

    def step(self, plan: _Planned, at: dt.datetime) -> None:
        """Let the clocks run up to ``at``: called before every act, with the case still in
        the state the act starts from (``event`` refuses an act that comes before a clock
        moment already due)."""
        self.clocks_until(plan, at)

    # ---------------------------------------------------------------- the path to a state
    def play(self, plan: _Planned, target: str, t0: dt.datetime, *, merge_into: Any) -> None:
        rng, case, now = self.rng, plan.case, self.now
        last = now - dt.timedelta(minutes=1)
        # 受理 within the accept clock (a few late), then the other acts spread over the
        # resolve clock (12 % late), all before now.
        accept_due = case.accept_due or (t0 + dt.timedelta(hours=4))
        share = rng.uniform(1.05, 1.5) if rng.random() < 0.05 else rng.uniform(0.05, 0.7)
        a0 = min(last, max(t0 + dt.timedelta(minutes=1), t0 + (accept_due - t0) * share))
        resolve_due = case.resolve_due or (t0 + dt.timedelta(days=5))
        share = rng.uniform(1.05, 1.6) if rng.random() < 0.12 else rng.uniform(0.1, 0.85)
        end = min(last, max(a0 + dt.timedelta(minutes=10), t0 + (resolve_due - t0) * share))
        marks = sorted(rng.uniform(0.02, 1.0) for _ in range(5))
        times = [a0] + [a0 + (end - a0) * m for m in marks]
        times = [min(last, t).replace(microsecond=0) for t in times]

        def at(i: int) -> dt.datetime:
            return times[min(i, len(times) - 1)]

        if target == State.REPORTED:
            self.step(plan, now)
            return
        if target == State.MERGED and merge_into is not None:
            when = min(last, t0 + dt.timedelta(minutes=rng.randint(10, 120)))
            self.step(plan, when)
            who = self.actor_for_person(case.owner_id)
            before = case.state
            case.state = State.MERGED
            case.merged_into_id = merge_into.case.pk
            case.closed_at = when
            for name in sla.CLOCKS:
                sla.stop_clock(case, name)
            target_case = merge_into.case
            self.event(
                plan,
                who,
                Act.MERGE,
                before,
                when,
                note=f"与{target_case.ref}为同一问题，已合并",
                data={"into": target_case.ref},
            )
            if case.reporter_user_id and case.reporter_user_id != target_case.reporter_user_id:
                self.supports.append(
                    CaseSupport(case=target_case, user_id=case.reporter_user_id, at=when)
                )
                target_case.support_count += 1
            return
        if target == State.REJECTED:
            self.step(plan, at(0))
            who = self.handler(case)
            reason = rng.choice(REJECT_REASONS)
            case.state, case.closed_at, case.public_note = State.REJECTED, at(0), reason
            for name in sla.CLOCKS:
                sla.stop_clock(case, name)
            self.event(plan, who, Act.REJECT, State.REPORTED, at(0), note=reason)
            return
        # 受理: by the handler; for a department without staff in the demo, the community's
        # secretary accepts it on the department's behalf (as a dispatcher may).
        self.step(plan, at(0))
        who = self.handler(case)
        if who.person_id is None and self.secretary_ids():
            who = self.actor_for_person(self.secretary_ids()[0])
        case.state, case.accepted_at = State.ACCEPTED, at(0)
        sla.stop_clock(case, "accept")
        data: dict[str, Any] = {}
        if who.person_id and case.owner_id != who.person_id:
            data = {"owner_from": case.owner_id, "owner_to": who.person_id}
            case.owner_id = who.person_id
        if not case.assignee_person_id and not case.assignee_org_id:
            case.assignee_person_id = who.person_id
        self.event(plan, who, Act.ACCEPT, State.REPORTED, at(0), data=data)
        if target == State.ACCEPTED:
            self.step(plan, now)
            return
        # 派单: community-level cases go from the owner to a community worker.
        dispatch = target == State.DISPATCHED or (
            case.level == Level.COMMUNITY and self.community_staff and rng.random() < 0.6
        )
        if dispatch and self.community_staff:
            self.step(plan, at(1))
            person_id = rng.choice(self.community_staff)
            name = self.person_names.get(person_id, "工作人员")
            by = self.actor_for_person(case.owner_id)
            before = case.state
            case.state = State.DISPATCHED
            case.assignee_person_id, case.assignee_org = person_id, None
            plan.routings.append(
                RoutingDecision(
                    case=case,
                    at=at(1),
                    level=case.level or Level.COMMUNITY,
                    person_id=person_id,
                    reason=f"{by.label}改派：由社区工作人员办理",
                    override=True,
                    decided_by=by.user,
                )
            )
            self.event(
                plan,
                by,
                Act.DISPATCH,
                before,
                at(1),
                note=f"派单至{name}",
                data={"to": name, "reason": "由社区工作人员办理"},
            )
            if target == State.DISPATCHED:
                self.step(plan, now)
                return
        # 到场处置
        self.step(plan, at(2))
        who = self.handler(case)
        before = case.state
        case.state, case.arrived_at = State.IN_PROGRESS, at(2)
        late_arrival = sla.is_late(case, "arrive", at(2))
        sla.stop_clock(case, "arrive")
        self.event(
            plan, who, Act.START, before, at(2), note="已到现场", data={"late": late_arrival}
        )
        if case.overdue and rng.random() < 0.5 and case.supervisor_id:
            self.step(plan, at(3))
            by = self.actor_for_person(case.supervisor_id)
            case.supervised = True
            self.event(
                plan,
                by,
                Act.SUPERVISE,
                case.state,
                at(3),
                note=rng.choice(SUPERVISE_NOTES),
                public=False,
            )
        # In progress: most still being handled; some reopened by a 不满意 after a first
        # resolution (the follow-up below sends them back).
        if target == State.IN_PROGRESS and ((now - t0).days < 4 or rng.random() < 0.8):
            self.step(plan, now)
            return
        if target == State.SUSPENDED:
            self.step(plan, at(3))
            reason = rng.choice(SUSPEND_REASONS)
            case.suspended_from, case.suspended_at = case.state, at(3)
            case.state = State.SUSPENDED
            self.event(
                plan,
                self.actor_for_person(case.owner_id),
                Act.SUSPEND,
                State.IN_PROGRESS,
                at(3),
                note=reason,
                data={"from": State.IN_PROGRESS},
            )
            return
        escalate = target == State.ESCALATED or (
            case.level == Level.GRID and rng.random() < 0.08 and self.departments
        )
        if escalate and self.departments:
            self.escalate(plan, at(3), finish=target != State.ESCALATED, end=at(4))
            if target == State.ESCALATED:
                self.step(plan, now)
                return
        else:
            self.step(plan, at(4))
            self.resolve(plan, at(4))
        if target == State.RESOLVED:
            return
        # 回访
        self.followup(plan, at(5), target)

    def resolve(self, plan: _Planned, when: dt.datetime) -> None:
        case = plan.case
        who = self.handler(case)
        result = self.rng.choice(next(m for m in CATEGORY_MIX if m[0] == case.category.code)[3])
        before = case.state
        case.state, case.result, case.public_note = State.RESOLVED, result, result[:500]
        case.resolved_at = when
        case.resolved_on_time = not sla.is_late(case, "resolve", when)
        for name in sla.CLOCKS:
            sla.stop_clock(case, name)
        self.event(
            plan,
            who,
            Act.RESOLVE,
            before,
            when,
            note=result,
            data={"photos": [], "on_time": case.resolved_on_time},
        )

    def escalate(
        self, plan: _Planned, when: dt.datetime, *, finish: bool, end: dt.datetime
    ) -> None:
        rng, case = self.rng, plan.case
        by = self.actor_for_person(case.owner_id)
        dept_user = self.users.get("dept")
        ours = [d for d in self.departments if d.pk in self.org_people]
        picked = {rng.choice(self.departments).pk}
        if ours and rng.random() < 0.7:
            picked.add(ours[0].pk)
        orgs = [d for d in self.departments if d.pk in picked]
        request = "需要部门协同处置：" + case.description[:40]
        due = when + dt.timedelta(minutes=_report_in_minutes(case.priority))
        self.step(plan, when)
        before = case.state
        case.state = State.ESCALATED
        names = "、".join(o.name for o in orgs)
        self.event(
            plan,
            by,
            Act.ESCALATE,
            before,
            when,
            note=request,
            data={"departments": names, "report_due": due.isoformat()},
        )
        calls = []
        for i, org in enumerate(orgs):
            call = DepartmentCall(
                case=case, organisation=org, request=request, called_by=by.user, report_due=due
            )
            call.created_at = call.updated_at = when
            calls.append(call)
            # While escalated, the call of the department with staff (the demo ``dept``
            # user's) still waits for its report-in; the others have reported in.
            if not finish and org.pk in self.org_people and dept_user is not None:
                continue
            reported = (when + (end - when) * (0.3 + 0.1 * i)).replace(microsecond=0)
            self.step(plan, reported)
            call.reported_at, call.status = reported, DepartmentCall.Status.REPORTED_IN
            call.late = reported > due
            officer = self.officer(org)
            call.reported_by = officer.user
            call.updated_at = reported
            self.event(
                plan,
                officer,
                Act.REPORT_IN,
                State.ESCALATED,
                reported,
                note=f"{org.name}已报到",
                data={"department": org.name, "done": False, "late": call.late},
            )
        results = []
        if finish:
            for i, call in enumerate(calls):
                done_at = (when + (end - when) * (0.8 + 0.05 * i)).replace(microsecond=0)
                self.step(plan, done_at)
                org = call.organisation
                result = f"已配合完成{case.category.name}处置"
                call.status, call.done_at, call.result = DepartmentCall.Status.DONE, done_at, result
                call.updated_at = done_at
                results.append(f"{org.name}：{result}")
                self.event(
                    plan,
                    self.officer(org),
                    Act.REPORT_IN,
                    State.ESCALATED,
                    done_at,
                    note=result,
                    data={"department": org.name, "done": True, "late": call.late},
                )
        plan.calls.extend(calls)
        if finish:
            case.result = "\n".join(results)
            case.public_note = case.result[:500]
            done = max(c.done_at for c in plan.calls if c.done_at)
            case.state, case.resolved_at = State.RESOLVED, done
            case.resolved_on_time = not sla.is_late(case, "resolve", done)
            for name in sla.CLOCKS:
                sla.stop_clock(case, name)
            self.event(
                plan,
                None,
                Act.PARTS_DONE,
                State.ESCALATED,
                done,
                note="各部门均已完成处置，案件办结",
            )

    def officer(self, org: Organisation) -> _Actor:
        people = self.org_people.get(org.pk, [])
        return self.actor_for_person(people[0]) if people else _Actor(org.name)

    def followup(self, plan: _Planned, when: dt.datetime, target: str) -> None:
        rng, case = self.rng, plan.case
        assert case.resolved_at is not None
        when = max(when, case.resolved_at + dt.timedelta(minutes=30))
        when = min(when, self.now - dt.timedelta(minutes=1))
        by_reporter = case.reporter_user_id is not None and case.channel == Channel.APP
        who = self.actor_for_person(case.owner_id)
        user = case.reporter_user
        if by_reporter and user is not None:
            label = user.person.name if user.person is not None else user.display_name
            who = _Actor(label, user, case.reporter_person_id)
        reopen = target == State.IN_PROGRESS or (target == State.CLOSED and rng.random() < 0.04)
        if reopen:
            comment = rng.choice(FEEDBACK_COMMENTS[Feedback.UNSATISFIED])
            case.state, case.feedback, case.feedback_at = (
                State.IN_PROGRESS,
                Feedback.UNSATISFIED,
                when,
            )
            case.reopen_count += 1
            case.resolved_at, case.resolved_on_time = None, None
            fresh = sla.plan_clocks(case, when).get("resolve")
            if fresh:
                case.clocks["resolve"] = fresh
                sla.apply_clocks(case, case.clocks)
            self.event(
                plan,
                who,
                Act.FEEDBACK,
                State.RESOLVED,
                when,
                note=comment,
                data={"rating": Feedback.UNSATISFIED, "by_reporter": by_reporter, "reopened": True},
            )
            if target == State.IN_PROGRESS:
                self.clocks_until(plan, self.now)
                return
            again = when + (self.now - when) * 0.3
            self.clocks_until(plan, again)
            self.resolve(plan, again.replace(microsecond=0))
            when = when + (self.now - when) * 0.6
            when = when.replace(microsecond=0)
        if rng.random() < 0.05:
            note = rng.choice(CLOSE_NOTES)
            case.state, case.closed_at = State.CLOSED, when
            self.event(
                plan,
                self.actor_for_person(case.owner_id),
                Act.CLOSE,
                State.RESOLVED,
                when,
                note=note,
            )
            return
        rating = _pick(rng, {Feedback.SATISFIED: 82, Feedback.BASIC: 18})
        case.feedback, case.feedback_at, case.closed_at = rating, when, when
        case.state = State.CLOSED
        self.event(
            plan,
            who,
            Act.FEEDBACK,
            State.RESOLVED,
            when,
            note=rng.choice(FEEDBACK_COMMENTS[rating]),
            data={"rating": rating, "by_reporter": by_reporter},
        )

    supports: list[CaseSupport]

    # ---------------------------------------------------------------- everything
    def build(self, count: int) -> dict[str, int]:
        rng, now = self.rng, self.now
        self.supports = []
        roster = self.build_roster()
        rules = self.build_rules()
        codes = [m[0] for m in CATEGORY_MIX if m[0] in self.categories]
        weights = [m[1] for m in CATEGORY_MIX if m[0] in self.categories]
        # Report times: the last 90 days, more on working days and in the daytime.
        times: list[dt.datetime] = []
        while len(times) < count:
            day = rng.randint(0, 89)
            minute = rng.choice((rng.randint(8 * 60, 20 * 60),) * 4 + (rng.randint(0, 1439),))
            local = clock.local(now - dt.timedelta(days=day))
            t = local.replace(hour=0, minute=0, second=0, microsecond=0)
            t += dt.timedelta(minutes=minute)
            if t < now - dt.timedelta(minutes=10):
                times.append(t)
        times.sort()
        users = self.users
        # The demo users' own cases first (fixed, whatever the draw).
        g1 = self.grids[0]
        resident = users.get("resident")
        if resident is not None and g1.pk in self.buildings_by_grid:
            rp = (resident.person_id, resident.person.name if resident.person else "")
            self.plan(
                code="property.repair",
                grid=g1,
                at=now - dt.timedelta(days=9, hours=3),
                target=State.RESOLVED,
                channel=Channel.APP,
                reporter=rp,
                reporter_user=resident,
                priority=Priority.NORMAL,
            )
            self.plan(
                code="env.garbage",
                grid=g1,
                at=now - dt.timedelta(days=40),
                target=State.CLOSED,
                channel=Channel.APP,
                reporter=rp,
                reporter_user=resident,
                priority=Priority.NORMAL,
            )
            self.plan(
                code="noise",
                grid=g1,
                at=now - dt.timedelta(hours=20),
                target=State.IN_PROGRESS,
                channel=Channel.APP,
                reporter=rp,
                reporter_user=resident,
                priority=Priority.NORMAL,
            )
        for hours in (2, 5, 26):  # waiting for grid1 to accept
            self.plan(
                code="env.litter",
                grid=g1,
                at=now - dt.timedelta(hours=hours),
                target=State.REPORTED,
                channel=Channel.HOTLINE,
                priority=Priority.NORMAL,
            )
        for t in times[: count - len(self.plans)]:
            age = (now - t).days
            target = _pick(rng, RECENT_STATES if age <= 14 else OLDER_STATES)
            grid = rng.choice(self.grids)
            code = rng.choices(codes, weights=weights)[0]
            merge_into = None
            if target == State.MERGED:
                far = now + dt.timedelta(days=1)
                earlier = [
                    p
                    for p in self.plans[-40:]
                    if p.case.grid_id == grid.pk
                    and p.case.created_at < t
                    and p.case.accepted_at is not None
                    and (p.case.resolved_at or p.case.closed_at or far) > t + dt.timedelta(hours=2)
                    and p.case.state not in (State.MERGED, State.REJECTED)
                ]
                if not earlier:
                    target = State.CLOSED
                else:
                    merge_into = earlier[-1]
                    code = merge_into.case.category.code
            self.plan(code=code, grid=grid, at=t, target=target, merge_into=merge_into)
        self.plan_missing_states(g1)
        return {**self.write(), "case_duty_shifts": roster, "case_routing_rules": rules}

    def plan_missing_states(self, grid: Place) -> None:
        """Every state is in the demo whatever the hour: the random mix of a small community
        can miss a rare state (no 已受理 case when the demo is built at 20:15 was a real run),
        so one more recent case is planned for each state the mix left out."""
        now = self.now
        for hours, state in enumerate(State.values, start=6):
            present = {p.case.state for p in self.plans}
            if state in present:
                continue
            merge_into = None
            if state == State.MERGED:
                open_ = [
                    p
                    for p in self.plans
                    if p.case.grid_id == grid.pk
                    and p.case.accepted_at is not None
                    and p.case.state in OPEN_STATES
                ]
                if not open_:
                    continue
                merge_into = open_[-1]
            code = merge_into.case.category.code if merge_into else "env.garbage"
            at = now - dt.timedelta(hours=hours)
            if merge_into is not None:
                at = max(at, merge_into.case.created_at + dt.timedelta(minutes=30))
            self.plan(code=code, grid=grid, at=at, target=state, merge_into=merge_into)
        # And every rating: a dissatisfied one comes only from a reopened case (a fifth of the
        # older in-progress ones), so plan older in-progress cases until one was reopened.
        for days in range(6, 30):
            if any(p.case.feedback == Feedback.UNSATISFIED for p in self.plans):
                break
            self.plan(
                code="env.garbage",
                grid=grid,
                at=now - dt.timedelta(days=days),
                target=State.IN_PROGRESS,
            )

    def build_roster(self) -> int:
        """值班: nights, lunch breaks and whole non-working days, for the community (its
        staff in turn) and the street (its officers), from 90 days back to 30 days ahead."""
        from tongxin.cases.worktime import is_workday

        tz = timezone.get_current_timezone()
        comm_people = [*self.secretary_ids(), *self.community_staff]
        street_people = list(
            Post.objects.active()
            .filter(place=self.street, role=Role.STREET_OFFICER)
            .values_list("person_id", flat=True)
        )
        today = clock.local_date(self.now)
        shifts = []
        for offset in range(-90, 31):
            day = today + dt.timedelta(days=offset)
            nxt = day + dt.timedelta(days=1)

            def at(d: dt.date, hh: int, mm: int) -> dt.datetime:
                return dt.datetime(d.year, d.month, d.day, hh, mm, tzinfo=tz)

            spans = [(at(day, 18, 0), at(nxt, 8, 30))]
            if is_workday(day):
                spans.append((at(day, 12, 0), at(day, 14, 0)))
            else:
                spans.append((at(day, 8, 30), at(day, 18, 0)))
            for place, people, phone in (
                (self.community, comm_people, "0712-2880110"),
                (self.street, street_people, "0712-2881234"),
            ):
                if not people or place is None:
                    continue
                for i, (start, end) in enumerate(spans):
                    person_id = people[(offset * 2 + i) % len(people)]
                    shifts.append(
                        DutyShift(
                            place=place,
                            person_id=person_id,
                            starts_at=start,
                            ends_at=end,
                            phone=phone,
                        )
                    )
        _insert(shifts)
        return len(shifts)

    def build_rules(self) -> int:
        rules = []
        grid_chief = RoutingRule(
            name="消防隐患由网格长牵头处置",
            category=self.categories.get("safety.fire_hazard"),
            place=self.community,
            level=Level.GRID,
            target_role=Role.GRID_CHIEF,
            order=10,
        )
        rules.append(grid_chief)
        company = (
            Organisation.objects.filter(
                kind=OrgKind.PROPERTY_COMPANY, places__path__startswith=self.grids[0].path
            )
            .order_by("pk")
            .first()
        )
        if company is not None:
            rules.append(
                RoutingRule(
                    name=f"{self.grids[0].name}电梯故障直接交{company.name}",
                    category=self.categories.get("property.elevator"),
                    place=self.grids[0],
                    level=Level.COMMUNITY,
                    target_org=company,
                    order=20,
                )
            )
        RoutingRule.objects.bulk_create(rules)
        return len(rules)

    def write(self) -> dict[str, int]:
        cases = [p.case for p in self.plans]
        for p in self.plans:
            p.case.updated_at = max([p.case.created_at, *(e.at for e in p.events)])
        # bulk_create sets auto_now(_add) timestamps: put the report times back after it.
        stamps = {c.pk: (c.created_at, c.updated_at) for c in cases}
        Case.objects.bulk_create(cases)
        _restore_timestamps(Case, stamps)
        for c in cases:
            c.created_at, c.updated_at = stamps[c.pk]
        events = [e for p in self.plans for e in p.events]
        _insert(events)
        _insert([r for p in self.plans for r in p.routings])
        calls = [c for p in self.plans for c in p.calls]
        call_stamps = [(c.created_at, c.updated_at) for c in calls]
        DepartmentCall.objects.bulk_create(calls)
        _restore_timestamps(
            DepartmentCall, {c.pk: s for c, s in zip(calls, call_stamps, strict=True)}
        )
        CaseSupport.objects.bulk_create(self.supports, ignore_conflicts=True)
        _reset_sequences(Case)
        return {
            "cases": len(cases),
            "case_events": len(events),
            "department_calls": len(calls),
        }


def _insert(objs: Sequence[Any]) -> None:
    """``insert_rows``, after forgetting relations set to None (insert_rows would read the
    id of the cached None)."""
    for obj in objs:
        cache = obj._state.fields_cache
        for name in [k for k, v in cache.items() if v is None]:
            del cache[name]
    insert_rows(objs)


def _report_in_minutes(priority: str) -> int:
    from django.conf import settings

    return int(settings.TONGXIN_CASE_REPORT_IN_MINUTES[priority])


def _restore_timestamps(model: Any, stamps: dict[int, tuple[dt.datetime, dt.datetime]]) -> None:
    """Set ``created_at``/``updated_at`` to the given times (bulk_create stamps them now)."""
    table = connection.ops.quote_name(model._meta.db_table)
    f_created = model._meta.get_field("created_at")
    rows = [
        (
            f_created.get_db_prep_save(created, connection),
            f_created.get_db_prep_save(updated, connection),
            pk,
        )
        for pk, (created, updated) in stamps.items()
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET created_at = %s, updated_at = %s WHERE id = %s",  # noqa: S608
            rows,
        )


def _reset_sequences(*models_: Any) -> None:
    """After rows inserted with explicit ids, move PostgreSQL's sequences past them."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


@contextlib.contextmanager
def _memoised_lookups() -> Iterator[None]:
    """Memoise, for the length of a bulk build, the lookups the services repeat for every
    case: the working-calendar overrides, the deadline rows, who is responsible for a place
    for a duty (as of the first case that asks), and the department covering a place. The
    module functions are put back afterwards."""
    from tongxin.cases import routing, worktime
    from tongxin.cases.models import CaseDeadline, WorkCalendarDay

    overrides = dict(WorkCalendarDay.objects.values_list("date", "is_workday"))
    deadlines = {(d.category_id, d.priority): d for d in CaseDeadline.objects.all()}
    responsible: dict[tuple[Any, ...], Any] = {}
    departments: dict[tuple[Any, ...], Any] = {}
    rules: list[RoutingRule] = []
    loaded: list[bool] = []
    saved = (worktime._overrides, sla.deadline_for, routing.responsible_for, routing.department_for)
    real_rules = routing._matching_rules
    real_responsible, real_department = routing.responsible_for, routing.department_for

    def cached_overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
        return {d: w for d, w in overrides.items() if start <= d <= end}

    def cached_deadline(case: Case) -> Any:
        for cat in case.category.lineage():
            if (cat.pk, case.priority) in deadlines:
                return deadlines[(cat.pk, case.priority)]
        return deadlines.get((None, case.priority))

    def cached_responsible(place: Place, *, duty: str = "general", on: Any = None) -> Any:
        key = (place.pk, duty)
        if key not in responsible:
            responsible[key] = real_responsible(place, duty=duty, on=on)
        return responsible[key]

    def cached_department(category: CaseCategory, place: Place | None) -> Any:
        key = (category.department_kind, place.path[:8] if place else "")
        if key not in departments:
            departments[key] = real_department(category, place)
        return departments[key]

    def cached_rules(case: Case, *, off_hours: bool) -> list[RoutingRule]:
        # routing._matching_rules on the rules read once (after the demo's rules exist).
        if not loaded:
            rules.extend(
                RoutingRule.objects.filter(is_active=True).select_related("place", "target_org")
            )
            loaded.append(True)
        depth = {c.pk: i for i, c in enumerate(case.category.lineage())}
        hours = ("", RoutingRule.Hours.OFF if off_hours else "working")
        out = [
            r
            for r in rules
            if (r.category_id is None or r.category_id in depth)
            and r.priority in ("", case.priority)
            and r.hours in hours
            and (r.place is None or case.place_path.startswith(r.place.path))
        ]

        def specificity(r: RoutingRule) -> tuple[int, int, int, int]:
            cat = depth[r.category_id] if r.category_id else 99
            place_depth = -len(r.place.path) if r.place is not None else 0
            return (cat, place_depth, r.order, r.pk)

        return sorted(out, key=specificity)

    worktime._overrides = cached_overrides  # type: ignore[assignment]
    routing._matching_rules = cached_rules  # type: ignore[assignment]
    sla.deadline_for = cached_deadline  # type: ignore[assignment]
    routing.responsible_for = cached_responsible  # type: ignore[assignment]
    routing.department_for = cached_department  # type: ignore[assignment]
    try:
        yield
    finally:
        (worktime._overrides, sla.deadline_for, routing.responsible_for, routing.department_for) = (
            saved
        )
        routing._matching_rules = real_rules


def build_demo_cases(
    *, seed: int = 2026, count: int = 320, now: dt.datetime | None = None
) -> dict[str, int]:
    """Fill the first community of the generated area with ``count`` cases over the last 90
    days (see the module's docstring); returns the row counts."""
    with _memoised_lookups():
        builder = _DemoBuilder(seed=seed, now=now or clock.now())
        if not builder.grids:
            return {}
        return builder.build(count)


# ------------------------------------------------------------------------------ benchmark
