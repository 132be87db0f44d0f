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

Each case is a ``demo.timeline.Timeline``: every act goes through the planning functions of
``tongxin.cases.changes`` that ``case_act`` uses, so no field, state move or event text is
written here. The words are in ``demo.case_words``, the bulk writing in ``demo.case_rows``;
``demo.cases_bulk`` loads millions of cases the same way for the benchmarks.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db.models import Max
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.cases import changes, sla
from tongxin.cases.models import (
    REPORTER_PHONE_CONTEXT,
    Case,
    CaseCategory,
    CaseSupport,
    Channel,
    DepartmentCall,
    DutyShift,
    Feedback,
    Level,
    Priority,
    RoutingRule,
    case_ref,
)
from tongxin.cases.routing import Route, route_case, superior_for
from tongxin.cases.workflow import OPEN_STATES, State
from tongxin.cases.worktime import is_working_time
from tongxin.core import clock, vault
from tongxin.demo.case_rows import (
    insert,
    memoised_lookups,
    report_in_minutes,
    reset_sequences,
    restore_timestamps,
)
from tongxin.demo.case_words import (
    CATEGORY_MIX,
    CLOSE_NOTES,
    FEEDBACK_COMMENTS,
    GIVEN,
    OLDER_STATES,
    RECENT_STATES,
    REJECT_REASONS,
    SUPERVISE_NOTES,
    SURNAMES,
    SUSPEND_REASONS,
    mobile_number,
    pick,
)
from tongxin.demo.timeline import Timeline, Who
from tongxin.orgs.models import Organisation, OrgKind, Post
from tongxin.orgs.roles import Role
from tongxin.people.models import Person
from tongxin.places.models import Place

# ------------------------------------------------------------------------------ the demo


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
        self.staff = {p.pk: p for p in Person.objects.filter(pk__in=self.community_staff)}
        self.org_people: dict[int, list[int]] = {}
        for p in posts.filter(organisation__in=self.departments):
            self.org_people.setdefault(p.organisation_id, []).append(p.person_id)
        self.route_memo: dict[tuple[Any, ...], Route] = {}
        self.superior_memo: dict[tuple[Any, ...], Any] = {}
        self.plans: list[Timeline] = []
        first_id = (Case.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.next_id = first_id

    # ---------------------------------------------------------------- helpers
    def actor_for_person(self, person_id: int | None) -> Who:
        if person_id is None:
            return Who("系统")
        user = self.user_of_person.get(person_id)
        return Who(self.person_names.get(person_id, "工作人员"), user, person_id)

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
        merge_into: Timeline | None = None,
    ) -> Timeline:
        rng = self.rng
        cat = self.categories[code]
        mix = next(m for m in CATEGORY_MIX if m[0] == code)
        building = rng.choice(self.buildings_by_grid[grid.pk] or [grid])
        if merge_into is not None and merge_into.case.place is not None:
            building = merge_into.case.place
        priority = priority or (
            Priority.EMERGENCY
            if code == "emergency"
            else pick(rng, {Priority.URGENT: 1, Priority.NORMAL: 9})
        )
        workers = self.grid_workers.get(grid.pk, [])
        if not channel:
            channel = pick(
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
        reporter_actor = Who("系统")
        if channel == Channel.APP:
            pid, name = reporter or rng.choice(self.residents_by_grid.get(grid.pk) or [(0, "")])
            case.reporter_person_id = pid or None
            case.reporter_user = reporter_user or self.user_of_person.get(pid)
            reporter_actor = Who(name, case.reporter_user, pid)
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
                phone = mobile_number(rng)
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
        routed = changes.routed(case, route, at=at)
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
        plan = Timeline(case, self.superior)
        plan.add(reporter_actor, changes.report(case, channel=channel), at)
        plan.add(None, routed, at)
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

    def handler(self, case: Case) -> Who:
        if case.assignee_person_id:
            return self.actor_for_person(case.assignee_person_id)
        if case.assignee_org_id:
            people = self.org_people.get(case.assignee_org_id, [])
            if people:
                return self.actor_for_person(people[0])
            assert case.assignee_org is not None
            return Who(case.assignee_org.name)
        return self.actor_for_person(case.owner_id)

    # ---------------------------------------------------------------- the path to a state
    def play(self, plan: Timeline, target: str, t0: dt.datetime, *, merge_into: Any) -> None:
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
            plan.clocks_until(now)
            return
        if target == State.MERGED and merge_into is not None:
            when = min(last, t0 + dt.timedelta(minutes=rng.randint(10, 120)))
            who = self.actor_for_person(case.owner_id)
            target_case = merge_into.case
            change = plan.act(who, when, changes.merge, into=target_case)
            if change.supporter_id is not None:
                self.supports.append(
                    CaseSupport(case=target_case, user_id=change.supporter_id, at=when)
                )
                target_case.support_count += 1
            return
        if target == State.REJECTED:
            reason = rng.choice(REJECT_REASONS)
            plan.act(self.handler(case), at(0), changes.reject, reason=reason)
            return
        # 受理: by the handler; for a department without staff in the demo, the community's
        # secretary accepts it on the department's behalf (as a dispatcher may).
        who = self.handler(case)
        if who.person_id is None and self.secretary_ids():
            who = self.actor_for_person(self.secretary_ids()[0])
        plan.act(who, at(0), changes.accept, by=who.person_id)
        if target == State.ACCEPTED:
            plan.clocks_until(now)
            return
        # 派单: community-level cases go from the owner to a community worker.
        dispatch = target == State.DISPATCHED or (
            case.level == Level.COMMUNITY and self.community_staff and rng.random() < 0.6
        )
        if dispatch and self.community_staff:
            person = self.staff[rng.choice(self.community_staff)]
            by = self.actor_for_person(case.owner_id)
            plan.act(
                by,
                at(1),
                changes.dispatch,
                route=Route(level=case.level or Level.COMMUNITY, person=person),
                by=by.user,
                by_label=by.label,
                reason="由社区工作人员办理",
            )
            if target == State.DISPATCHED:
                plan.clocks_until(now)
                return
        # 到场处置
        plan.act(self.handler(case), at(2), changes.start, note="已到现场")
        if case.overdue and rng.random() < 0.5 and case.supervisor_id:
            plan.clocks_until(at(3))  # a breach by then names the supervisor
            by = self.actor_for_person(case.supervisor_id)
            plan.act(by, at(3), changes.supervise, note=rng.choice(SUPERVISE_NOTES))
        # In progress: most still being handled; some reopened by a 不满意 after a first
        # resolution (the follow-up below sends them back).
        if target == State.IN_PROGRESS and ((now - t0).days < 4 or rng.random() < 0.8):
            plan.clocks_until(now)
            return
        if target == State.SUSPENDED:
            reason = rng.choice(SUSPEND_REASONS)
            by = self.actor_for_person(case.owner_id)
            plan.act(by, at(3), changes.suspend, reason=reason)
            return
        escalate = target == State.ESCALATED or (
            case.level == Level.GRID and rng.random() < 0.08 and self.departments
        )
        if escalate and self.departments:
            self.escalate(plan, at(3), finish=target != State.ESCALATED, end=at(4))
            if target == State.ESCALATED:
                plan.clocks_until(now)
                return
        else:
            self.resolve(plan, at(4))
        if target == State.RESOLVED:
            return
        # 回访
        self.followup(plan, at(5), target)

    def resolve(self, plan: Timeline, when: dt.datetime) -> None:
        case = plan.case
        result = self.rng.choice(next(m for m in CATEGORY_MIX if m[0] == case.category.code)[3])
        plan.act(self.handler(case), when, changes.resolve, result=result)

    def escalate(
        self, plan: Timeline, when: dt.datetime, *, finish: bool, end: dt.datetime
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
        due = when + dt.timedelta(minutes=report_in_minutes(case.priority))
        calls = plan.act(
            by,
            when,
            changes.escalate,
            organisations=orgs,
            request=request,
            due=due,
            by=by.user,
        ).calls
        for i, call in enumerate(calls):
            # While escalated, the call of the department with staff (the demo ``dept``
            # user's) still waits for its report-in; the others have reported in.
            if not finish and call.organisation_id in self.org_people and dept_user is not None:
                continue
            reported = (when + (end - when) * (0.3 + 0.1 * i)).replace(microsecond=0)
            officer = self.officer(call.organisation)
            plan.act(officer, reported, changes.report_in, call=call, by=officer.user)
        if not finish:
            return
        for i, call in enumerate(calls):
            done_at = (when + (end - when) * (0.8 + 0.05 * i)).replace(microsecond=0)
            officer = self.officer(call.organisation)
            result = f"已配合完成{case.category.name}处置"
            plan.act(
                officer,
                done_at,
                changes.report_in,
                call=call,
                by=officer.user,
                done=True,
                result=result,
            )
        done = max(c.done_at for c in calls if c.done_at)
        plan.act(None, done, changes.parts_done, calls=calls)

    def officer(self, org: Organisation) -> Who:
        people = self.org_people.get(org.pk, [])
        return self.actor_for_person(people[0]) if people else Who(org.name)

    def followup(self, plan: Timeline, when: dt.datetime, target: str) -> None:
        rng, case = self.rng, plan.case
        assert case.resolved_at is not None
        when = max(when, case.resolved_at + dt.timedelta(minutes=30))
        when = min(when, self.now - dt.timedelta(minutes=1))
        by_reporter = case.reporter_user_id is not None and case.channel == Channel.APP
        who = self.actor_for_person(case.owner_id)
        user = case.reporter_user
        if by_reporter and user is not None:
            label = user.person.name if user.person is not None else user.display_name
            who = Who(label, user, case.reporter_person_id)
        reopen = target == State.IN_PROGRESS or (target == State.CLOSED and rng.random() < 0.04)
        if reopen:
            comment = rng.choice(FEEDBACK_COMMENTS[Feedback.UNSATISFIED])
            plan.act(
                who,
                when,
                changes.feedback,
                rating=Feedback.UNSATISFIED,
                comment=comment,
                by_reporter=by_reporter,
            )
            if target == State.IN_PROGRESS:
                plan.clocks_until(self.now)
                return
            again = (when + (self.now - when) * 0.3).replace(microsecond=0)
            self.resolve(plan, again)
            when = when + (self.now - when) * 0.6
            when = when.replace(microsecond=0)
        if rng.random() < 0.05:
            note = rng.choice(CLOSE_NOTES)
            plan.act(self.actor_for_person(case.owner_id), when, changes.close, note=note)
            return
        rating = pick(rng, {Feedback.SATISFIED: 82, Feedback.BASIC: 18})
        comment = rng.choice(FEEDBACK_COMMENTS[rating])
        plan.act(
            who,
            when,
            changes.feedback,
            rating=rating,
            comment=comment,
            by_reporter=by_reporter,
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
            target = pick(rng, RECENT_STATES if age <= 14 else OLDER_STATES)
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
        insert(shifts)
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
        restore_timestamps(Case, stamps)
        for c in cases:
            c.created_at, c.updated_at = stamps[c.pk]
        events = [e for p in self.plans for e in p.events]
        insert(events)
        insert([r for p in self.plans for r in p.routings])
        calls = [c for p in self.plans for c in p.calls]
        call_stamps = [(c.created_at, c.updated_at) for c in calls]
        DepartmentCall.objects.bulk_create(calls)
        restore_timestamps(
            DepartmentCall, {c.pk: s for c, s in zip(calls, call_stamps, strict=True)}
        )
        CaseSupport.objects.bulk_create(self.supports, ignore_conflicts=True)
        reset_sequences(Case)
        return {
            "cases": len(cases),
            "case_events": len(events),
            "department_calls": len(calls),
        }


# seed → the moment the demo's story of that seed ends (its "now", to the minute), for the
# checks that the fields agree with the clocks as they stood then: a deadline that passes
# while a long test session runs is not the story's.
STORY_ENDS: dict[int, dt.datetime] = {}


def build_demo_cases(
    *, seed: int = 2026, count: int = 320, now: dt.datetime | None = None
) -> dict[str, int]:
    """Fill the first community of the generated area with ``count`` cases over the last 90
    days (see the module's docstring); returns the row counts."""
    with memoised_lookups():
        builder = _DemoBuilder(seed=seed, now=now or clock.now())
        STORY_ENDS[seed] = builder.now
        if not builder.grids:
            return {}
        return builder.build(count)
