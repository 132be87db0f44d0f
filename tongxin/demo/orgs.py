"""The demo's organisations and posts: street offices and departments, each community's party
committee and staff, grid branches, estate party groups, the 三长, centre households, in-service
party members and the self-governance and partner organisations.

``OrgBuilder`` collects the rows step by step (each step draws from the generator's random
number generator in the order the steps run) and saves them in bulk at the end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tongxin.orgs.models import Absence, DepartmentKind, Organisation, OrgKind, Post
from tongxin.orgs.roles import Role
from tongxin.people.models import MembershipStatus, PartyMembership, Person, PoliticalStatus
from tongxin.people.pinyin import name_pinyin
from tongxin.places.models import Place

from . import names
from .common import BATCH, LOCAL_REGION, STEP, age_of, seg
from .people import PeopleMixin

DEPARTMENT_NAMES = {
    "urban_management": "城管执法中队",
    "housing": "住建局房屋安全站",
    "public_security": "派出所",
    "traffic_police": "交警中队",
    "civil_affairs": "民政办",
    "market_regulation": "市场监管所",
    "health": "卫健办",
    "water": "水务公司抢修站",
    "power": "供电所",
    "gas": "燃气公司服务站",
    "human_resources": "人社服务站",
    "fire": "消防救援站",
    "ecology": "生态环境分局监测站",
}

# Each community's self-governance and partner organisations: (kind, name suffix, how many).
PARTNER_PLAN = (
    (OrgKind.RESIDENTS_COMMITTEE, "居民委员会", 1),
    (OrgKind.OWNERS_COMMITTEE, "业主委员会", 4),
    (OrgKind.SELF_MANAGEMENT, "自管委", 6),
    (OrgKind.PROPERTY_COMPANY, "物业服务有限公司", 3),
    (OrgKind.CO_BUILDING_UNIT, "共建单位", 4),
    (OrgKind.VOLUNTEER_TEAM, "志愿服务队", 5),
    (OrgKind.SOCIAL_ORG, "社会组织", 1),
    (OrgKind.STUDIO, "工作室", 1),
)
TEAM_NAMES = (
    "清洁家园志愿服务队",
    "好邻里志愿服务队",
    "治安巡逻队",
    "小小志愿者服务队",
    "文艺志愿服务队",
)
PARTNER_NAMES = (
    "孝感市妇幼保健院",
    "蓓蕾幼儿园",
    "孝感市水利局",
    "董永公园管理处",
)
ESTATE_KINDS = (OrgKind.OWNERS_COMMITTEE, OrgKind.SELF_MANAGEMENT, OrgKind.PROPERTY_COMPANY)


@dataclass
class OrgParent:
    """An organisation being built, numbering its children's tree paths."""

    org: Organisation
    children: int = 0

    def child_path(self) -> str:
        self.children += 1
        return self.org.path + seg(self.children)


def partner_name(
    kind: str, label: str, k: int, comm: Place, estates: list[Place]
) -> tuple[str, list[Place]]:
    """The name of a community's ``k``-th partner organisation of ``kind``, and what it covers."""
    if kind == OrgKind.VOLUNTEER_TEAM:
        return f"{comm.name[:-2]}{TEAM_NAMES[k]}", [comm]
    if kind == OrgKind.CO_BUILDING_UNIT:
        return f"{PARTNER_NAMES[k]}党支部", [comm]
    if kind in ESTATE_KINDS and estates:
        e = estates[(k * 7 + (0 if kind == OrgKind.OWNERS_COMMITTEE else 3)) % len(estates)]
        nm = (
            f"{e.name}{label}"
            if kind != OrgKind.PROPERTY_COMPANY
            else f"孝感{('恒信', '安居', '华中')[k]}{label}"
        )
        return nm, [e]
    return f"{comm.name}{label}", [comm]


class OrgBuilder:
    """Builds the organisations and posts of the generator's places and residents."""

    def __init__(self, gen: PeopleMixin) -> None:
        self.gen = gen
        self.rng = gen.rng
        self.built = gen.built
        self.orgs: list[Organisation] = []
        self.coverage: list[tuple[Organisation, Place]] = []
        self.posts: list[Post] = []
        self.memberships: list[PartyMembership] = []
        self.absences: list[Absence] = []
        self.party_members: list[Person] = []
        self.new_staff: list[Person] = []
        self.demo_people: dict[str, Person] = {}
        self.adults_by_building: dict[str, list[Person]] = {}
        self.grids_by_comm: dict[str, list[Place]] = {}
        self.estates_by_grid: dict[str, list[Place]] = {}
        self.buildings_by_estate: dict[str, list[Place]] = {}
        self.units_by_building: dict[str, list[Place]] = {}
        self.members_by_estate: dict[str, list[Person]] = {}

    def run(self) -> None:
        self.party_members_among_residents()
        self.index_places()
        for s_i, street in enumerate(self.built.streets):
            self.street_office(s_i, street)
        self.save()

    # ------------------------------------------------------------------ rows
    def org(
        self,
        path: str,
        kind: str,
        code: str,
        name: str,
        covers: list[Place],
        numchild: int = 0,
        **extra: Any,
    ) -> Organisation:
        o = Organisation(
            path=path,
            depth=len(path) // STEP,
            numchild=numchild,
            kind=kind,
            code=code,
            name=name,
            **extra,
        )
        self.orgs.append(o)
        self.coverage.extend((o, p) for p in covers)
        return o

    def staff(self, name_gender: str, age: int, anchor: Place) -> Person:
        """A new person who works at ``anchor`` (not one of its residents)."""
        gen = self.gen
        p = Person(grid_id=None)
        name = gen._name(name_gender)
        birth = gen._birth(age)
        full, initials = name_pinyin(name)
        p.name, p.name_pinyin, p.name_initials = name, full, initials
        p.gender, p.birth_date = name_gender, birth
        p.place, p.place_path = anchor, anchor.path
        p.occupation, p.employer = "社区工作者", ""
        gen._seal(p, gen._id_number(LOCAL_REGION, birth, name_gender), gen._phone())
        self.new_staff.append(p)
        return p

    def post(
        self,
        person: Person,
        role: str,
        place: Place | None,
        o: Organisation | None = None,
        rank: str = "",
        public: bool = True,
        years: int = 4,
    ) -> Post:
        start = self.gen.history_from - dt.timedelta(days=self.rng.randint(60, 365 * years))
        pt = Post(
            person=person,
            role=role,
            place=place,
            organisation=o,
            rank=rank,
            public_contact=public,
            public_phone=self.work_phone(role) if public else "",
            start_date=start,
            place_path=place.path if place else "",
        )
        self.posts.append(pt)
        return pt

    def work_phone(self, role: str) -> str:
        """The work phone a staff post publishes (电话公开): the community's duty landline for
        its leaders, a work mobile for the grid workers; counted, not drawn, so that the
        random draws of the rest of the demo stay as they were."""
        n = len(self.posts)
        if role in (Role.GRID_WORKER, Role.GRID_CHIEF):
            return f"1557120{n % 10000:04d}"
        if role in (Role.SECRETARY, Role.DIRECTOR, Role.PROPERTY_OFFICER):
            return f"0712-286{n % 10000:04d}"
        return ""

    # ------------------------------------------------------------------ steps
    def party_members_among_residents(self) -> None:
        """Party members among residents (~4.5% of adults); they become centre households etc.

        Residents are also indexed by building, to pick the 三长 and party posts from.
        """
        rng, today = self.rng, self.gen.today
        residents = [p for _hh, ms in self.gen.all_persons() for p in ms]
        for p in residents:
            if age_of(p, today) >= 25:
                self.adults_by_building.setdefault(p.place_path[: -2 * STEP], []).append(p)
        for p in residents:
            age = age_of(p, today)
            if age >= 22 and rng.random() < 0.040:
                p.political_status = (
                    PoliticalStatus.CPC_PROBATIONARY
                    if rng.random() < 0.03
                    else PoliticalStatus.CPC_MEMBER
                )
                self.party_members.append(p)

    def index_places(self) -> None:
        b = self.built
        for g in b.grids:
            self.grids_by_comm.setdefault(g.path[:-STEP], []).append(g)
        for e in b.estates:
            self.estates_by_grid.setdefault(e.path[:-STEP], []).append(e)
        for bl in b.buildings:
            self.buildings_by_estate.setdefault(bl.path[:-STEP], []).append(bl)
        for u in b.units:
            self.units_by_building.setdefault(u.path[:-STEP], []).append(u)
        estate_path = STEP * (self.gen._grid_depth() + 1)
        for p in self.party_members:
            self.members_by_estate.setdefault(p.place_path[:estate_path], []).append(p)

    def street_office(self, s_i: int, street: Place) -> None:
        """The street office, its departments, and each of its communities."""
        comms = [c for c in self.built.communities if c.path.startswith(street.path)]
        depts = list(DepartmentKind)
        street_org = self.org(
            seg(s_i + 1),
            OrgKind.STREET_OFFICE,
            f"O{street.code}",
            f"{street.name}党工委办事处",
            [street],
            numchild=len(comms) + len(depts),
            phone="0712-2881234",
        )
        officer = self.staff("M", 45, street)
        self.post(officer, Role.STREET_OFFICER, street, street_org)
        if s_i == 0:
            self.demo_people["street"] = officer
        office = OrgParent(street_org)
        self.departments(office, street, depts, first_street=s_i == 0)
        for comm in comms:
            self.community(office, comm)
        street_org.numchild = office.children

    def departments(
        self, office: OrgParent, street: Place, depts: list[DepartmentKind], *, first_street: bool
    ) -> None:
        for dk in depts:
            d = self.org(
                office.child_path(),
                OrgKind.DEPARTMENT,
                f"O{street.code}-{dk.value}",
                f"{street.name[:2]}{DEPARTMENT_NAMES[dk.value]}",
                [street],
                department_kind=dk.value,
                phone=f"0712-28{self.rng.randint(10000, 99999)}",
            )
            if first_street and dk == DepartmentKind.URBAN_MANAGEMENT:
                dept_officer = self.staff("M", 38, street)
                self.post(dept_officer, Role.DEPARTMENT_OFFICER, None, d, public=True)
                self.demo_people["dept"] = dept_officer

    def community(self, office: OrgParent, comm: Place) -> None:
        """A community's party committee, its staff and everything organised under it."""
        cpath = office.child_path()
        grids = self.grids_by_comm.get(comm.path, [])
        comm_members = [p for p in self.party_members if p.place_path.startswith(comm.path)]
        committee = OrgParent(
            self.org(cpath, OrgKind.PARTY_COMMITTEE, f"O{comm.code}", f"{comm.name}大党委", [comm])
        )
        committee_members, workers = self.committee_staff(comm, committee.org, grids)
        self.grid_worker_posts(comm, committee.org, grids, workers, committee_members)
        self.community_workers(comm, committee.org, grids, workers)
        for grid in grids:
            self.grid_branch(committee, grid, comm_members, first_grid=grid.pk == grids[0].pk)
        self.centre_households(comm_members)
        self.in_service_members(committee, comm)
        self.partner_orgs(committee, comm, grids)
        committee.org.numchild = committee.children

    def committee_staff(
        self, comm: Place, committee: Organisation, grids: list[Place]
    ) -> tuple[list[Person], list[Person]]:
        """The secretary (also director), deputy, five committee members and a worker a grid."""
        rng = self.rng
        secretary = self.staff("F", 48, comm)
        self.post(secretary, Role.SECRETARY, comm, committee)
        self.post(secretary, Role.DIRECTOR, comm, committee)
        deputy = self.staff("M", 41, comm)
        self.post(deputy, Role.DEPUTY_SECRETARY, comm, committee)
        if comm.pk == self.built.communities[0].pk:
            self.demo_people["secretary"] = secretary
        committee_members = []
        for _ in range(5):
            cm = self.staff(rng.choice("MF"), rng.randint(30, 55), comm)
            committee_members.append(cm)
            self.post(cm, Role.COMMITTEE_MEMBER, comm, committee)
        workers = []
        for _grid in grids:
            w = self.staff(rng.choice("MF"), rng.randint(25, 45), comm)
            workers.append(w)
        return committee_members, workers

    def grid_worker_posts(
        self,
        comm: Place,
        committee: Organisation,
        grids: list[Place],
        workers: list[Person],
        committee_members: list[Person],
    ) -> None:
        """Each grid's A角 and B角 grid workers and its grid chief (a committee member)."""
        for g_i, grid in enumerate(grids):
            self.post(workers[g_i], Role.GRID_WORKER, grid, committee, rank="A")
            if len(grids) > 1:
                # AB角 in pairs across the community (grid 1 with grid 4, 2 with 5…),
                # so neighbouring grids' workers do not see each other's residents.
                shift = len(grids) // 2 if len(grids) >= 4 else 1
                self.post(
                    workers[(g_i + shift) % len(grids)],
                    Role.GRID_WORKER,
                    grid,
                    committee,
                    rank="B",
                )
            self.post(
                committee_members[g_i % len(committee_members)],
                Role.GRID_CHIEF,
                grid,
                committee,
            )
            if comm.pk == self.built.communities[0].pk and g_i < 2:
                self.demo_people[f"grid{g_i + 1}"] = workers[g_i]

    def community_workers(
        self, comm: Place, committee: Organisation, grids: list[Place], workers: list[Person]
    ) -> None:
        """Two community workers, and one grid worker on leave (so the B角 stands in)."""
        rng, today = self.rng, self.gen.today
        for _ in range(2):
            cw = self.staff(rng.choice("MF"), rng.randint(25, 50), comm)
            self.post(cw, Role.COMMUNITY_WORKER, comm, committee)
        # One grid worker on leave now, so the B角 stands in (AB角 in action).
        if len(grids) >= 3:
            self.absences.append(
                Absence(
                    person=workers[2],
                    start_date=today - dt.timedelta(days=3),
                    end_date=today + dt.timedelta(days=120),
                    reason="产假",
                )
            )

    def grid_branch(
        self, committee: OrgParent, grid: Place, comm_members: list[Person], *, first_grid: bool
    ) -> None:
        """A grid's party branch, its secretary and a party group per estate."""
        branch = OrgParent(
            self.org(
                committee.child_path(),
                OrgKind.BRANCH,
                f"O{grid.code}",
                f"{grid.name}党支部",
                [grid],
            )
        )
        grid_members = [p for p in comm_members if p.place_path.startswith(grid.path)]
        if grid_members:
            self.post(self.rng.choice(grid_members), Role.BRANCH_SECRETARY, grid, branch.org)
        for estate in self.estates_by_grid.get(grid.path, []):
            self.estate_group(branch, estate, first_grid=first_grid)
        branch.org.numchild = branch.children

    def estate_group(self, branch: OrgParent, estate: Place, *, first_grid: bool) -> None:
        """An estate's party group, its leader and members, the 小区长 and the buildings' posts."""
        rng = self.rng
        group = self.org(
            branch.child_path(),
            OrgKind.PARTY_GROUP,
            f"O{estate.code}",
            f"{estate.name}党小组",
            [estate],
        )
        e_members = self.members_by_estate.get(estate.path, [])
        buildings = self.buildings_by_estate.get(estate.path, [])
        adults = [p for bl in buildings for p in self.adults_by_building.get(bl.path, [])]
        leader_pool = e_members or adults
        if leader_pool:
            self.post(rng.choice(leader_pool), Role.GROUP_LEADER, estate, group)
        if adults:
            self.post(rng.choice(adults), Role.ESTATE_HEAD, estate, None)
        for m in e_members:
            self.memberships.append(
                PartyMembership(
                    person=m,
                    organisation=group,
                    status=(
                        MembershipStatus.PROBATIONARY
                        if m.political_status == PoliticalStatus.CPC_PROBATIONARY
                        else MembershipStatus.FULL
                    ),
                    joined_date=self.gen._joined(m.birth_date),
                )
            )
        for bl in buildings:
            self.building_posts(bl, first_grid=first_grid)

    def building_posts(self, bl: Place, *, first_grid: bool) -> None:
        """A building's 楼栋长 (some away), sanitation and security officers and 单元长."""
        rng, today = self.rng, self.gen.today
        bl_adults = self.adults_by_building.get(bl.path, [])
        if bl_adults and rng.random() < 0.972:
            head = rng.choice(bl_adults)
            self.post(head, Role.BUILDING_HEAD, bl, None)
            if rng.random() < 0.05:
                self.absences.append(
                    Absence(
                        person=head,
                        start_date=today - dt.timedelta(days=2),
                        end_date=today + dt.timedelta(days=120),
                        reason="外出就医",
                    )
                )
            if "building" not in self.demo_people and first_grid:
                self.demo_people["building"] = head
        if bl_adults and rng.random() < 0.3:
            self.post(rng.choice(bl_adults), Role.SANITATION_OFFICER, bl, None)
        if bl_adults and rng.random() < 0.3:
            self.post(rng.choice(bl_adults), Role.SECURITY_OFFICER, bl, None)
        for u in self.units_by_building.get(bl.path, []):
            u_adults = [p for p in bl_adults if p.place_path.startswith(u.path)]
            if u_adults:
                self.post(rng.choice(u_adults), Role.UNIT_HEAD, u, None)

    def centre_households(self, comm_members: list[Person]) -> None:
        """Centre households (党员中心户): ~403 in 文化路, most resident members' homes."""
        for m in comm_members:
            if self.rng.random() < 0.97:
                self.post(m, Role.CENTRE_HOUSEHOLD, m.place, None, public=True)

    def in_service_members(self, committee: OrgParent, comm: Place) -> None:
        """In-service members registered here (双报到), anchored to the community."""
        rng, gen = self.rng, self.gen
        general = self.org(
            committee.child_path(),
            OrgKind.GENERAL_BRANCH,
            f"O{comm.code}-ZH",
            f"{comm.name}综合党支部",
            [comm],
        )
        for _ in range(rng.randint(20, 40) if gen.scale == "district" else 150):
            m = self.staff(rng.choice("MF"), rng.randint(26, 58), comm)
            m.occupation = "在职党员"
            m.employer = rng.choice(names.EMPLOYERS)
            m.political_status = PoliticalStatus.CPC_MEMBER
            self.memberships.append(
                PartyMembership(
                    person=m,
                    organisation=general,
                    status=MembershipStatus.FULL,
                    joined_date=gen._joined(m.birth_date),
                    in_service=True,
                    service_employer=m.employer,
                    registered_community=comm,
                    registered_date=gen.today - dt.timedelta(days=rng.randint(30, 900)),
                )
            )

    def partner_orgs(self, committee: OrgParent, comm: Place, grids: list[Place]) -> None:
        """Self-governance and partner organisations (no random draws)."""
        estates = [e for g in grids for e in self.estates_by_grid.get(g.path, [])]
        for kind, label, count in PARTNER_PLAN:
            for k in range(count):
                nm, covers = partner_name(kind, label, k, comm, estates)
                self.org(
                    committee.child_path(),
                    kind,
                    f"O{comm.code}-{kind[:4]}{k + 1}",
                    nm,
                    covers,
                )

    # ------------------------------------------------------------------ saving
    def save(self) -> None:
        for i in range(0, len(self.new_staff), BATCH):
            Person.objects.bulk_create(self.new_staff[i : i + BATCH])
        # Residents whose political status changed: one UPDATE per status and batch of ids.
        # (bulk_update's CASE WHEN id=… per row took a minute on PostgreSQL at the district
        # scale: every row of a batch is tested against every branch.)
        ids_by_status: dict[str, list[int]] = {}
        for p in self.party_members:
            ids_by_status.setdefault(p.political_status, []).append(p.pk)
        for status, ids in ids_by_status.items():
            for i in range(0, len(ids), BATCH):
                Person.objects.filter(pk__in=ids[i : i + BATCH]).update(political_status=status)
        for i in range(0, len(self.orgs), BATCH):
            Organisation.objects.bulk_create(self.orgs[i : i + BATCH])
        through = Organisation.places.through
        through.objects.bulk_create(
            [through(organisation_id=o.pk, place_id=p.pk) for o, p in self.coverage],
            batch_size=BATCH,
        )
        for pt in self.posts:
            pt.person_id = pt.person.pk
            pt.organisation_id = pt.organisation.pk if pt.organisation else None
        Post.objects.bulk_create(self.posts, batch_size=BATCH)
        for ms in self.memberships:
            ms.person_id = ms.person.pk
            ms.organisation_id = ms.organisation.pk
        PartyMembership.objects.bulk_create(self.memberships, batch_size=BATCH)
        for a in self.absences:
            a.person_id = a.person.pk
        Absence.objects.bulk_create(self.absences, batch_size=BATCH)
        first_comm = self.built.communities[0].path
        first_comm_members = [p for p in self.party_members if p.place_path.startswith(first_comm)]
        if first_comm_members:
            self.demo_people["member"] = first_comm_members[len(first_comm_members) // 2]
