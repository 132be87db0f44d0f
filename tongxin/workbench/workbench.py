"""Reads for the workbench home: what each role sees first when they sign in.

A user may hold several posts (a grid worker who is also the B角 of another grid, a resident
who is a unit head), so the home page is made of sections, one per kind of post, plus their
own household. Every number counts only rows the user may see (``visible_to``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.models import AdminDuty
from tongxin.core import clock
from tongxin.core.actors import Actor, as_account
from tongxin.core.i18n import StrOrLazy
from tongxin.core.scoping import scope_for
from tongxin.meetings.selectors import MeetingDesk
from tongxin.meetings.selectors import desk_for as meeting_desk_for
from tongxin.orgs.models import Post
from tongxin.orgs.panels import (
    DutyLine,
    Numbers,
    duty_lines,
    numbers_for,
    visible_posts_at,
)
from tongxin.orgs.roles import ROLE_RULES, Role, View
from tongxin.orgs.scopes import active_posts
from tongxin.people.display import (
    address_label,
    address_labels,
    ancestors_map,
    openable_person_ids,
)
from tongxin.people.models import Household, Person, Relation
from tongxin.places.models import Place
from tongxin.visits.selectors import VisitDesk
from tongxin.visits.selectors import desk_for as visit_desk_for

GRID_ROLES = {Role.GRID_WORKER, Role.GRID_CHIEF}
OVERVIEW_KINDS = {"district", "street", "community"}
NEIGHBOURS_SHOWN = 12

ADMIN_DESKS: dict[str, StrOrLazy] = {
    AdminDuty.SYSTEM: gettext_lazy("维护账号、地点、组织、职务和责任链规则等基础数据。"),
    AdminDuty.SECURITY: gettext_lazy("管理账号的启用与停用、数据授权和登录安全策略。"),
    AdminDuty.AUDIT: gettext_lazy("查阅审计日志：谁在何时查看或修改了哪些数据。"),
}


@dataclass
class Overview:
    """For street and community staff: the areas they oversee and their numbers."""

    places: list[Place]
    numbers: Numbers
    grids: list[Place]


@dataclass
class GridCard:
    grid: Place
    post: Post
    numbers: Numbers
    estates: int
    posts: list[Post]
    openable: set[int]
    duties: list[DutyLine]


@dataclass
class NeighbourRow:
    household: Household
    label: str
    head: str
    members: int


@dataclass
class NeighbourCard:
    place: Place
    post: Post
    label: str
    numbers: Numbers
    rows: list[NeighbourRow]


@dataclass
class HomeCard:
    household: Household | None
    label: str
    members: list[Person]
    contacts: list[DutyLine]


@dataclass
class Workbench:
    admin_duty: str = ""
    admin_duty_label: str = ""
    admin_desk: str = ""
    posts: list[Post] = field(default_factory=list)
    overview: Overview | None = None
    grids: list[GridCard] = field(default_factory=list)
    neighbourhoods: list[NeighbourCard] = field(default_factory=list)
    home: HomeCard | None = None
    cases: CaseDesk | None = None
    # The meeting section: my open action items (决议事项), my next meetings.
    meetings: MeetingDesk | None = None
    # The visits section (走访): what I owe, my daily knocks, the visit rate of my area.
    visits: VisitDesk | None = None
    # Years whose holiday arrangement (节假日与调休) nobody has confirmed: the working-day
    # clocks only estimate them. Shown to the system admin and to community dispatchers.
    calendar_years: list[int] = field(default_factory=list)

    @property
    def is_admin(self) -> bool:
        return bool(self.admin_duty)


def workbench_for(user: Actor) -> Workbench:
    from tongxin.cases import policies as case_policies
    from tongxin.cases.worktime import unconfirmed_years

    if user.admin_duty:
        # Back-office accounts see no personal data at all (三权分立): just where to go.
        return Workbench(
            admin_duty=user.admin_duty,
            admin_duty_label=as_account(user).get_admin_duty_display(),
            admin_desk=str(ADMIN_DESKS.get(user.admin_duty, "")),
            calendar_years=(
                unconfirmed_years(clock.today()) if user.admin_duty == AdminDuty.SYSTEM else []
            ),
        )
    posts = active_posts(user)
    wb = Workbench(posts=posts)
    scope = scope_for(user)

    overview_places = [
        p.place
        for p in posts
        if p.place is not None
        and p.place.kind in OVERVIEW_KINDS
        and ROLE_RULES.get(p.role)
        and ROLE_RULES[p.role].view == View.STAFF
    ]
    if overview_places or (scope.person_paths and not posts):
        # Staff of a community or street, or someone who was granted an area explicitly.
        roots = list(Place.objects.filter(path__in=scope.place_paths).order_by("path"))
        wb.overview = Overview(
            places=roots,
            numbers=numbers_for(user),
            grids=list(Place.objects.visible_to(user).filter(kind="grid").order_by("path")),
        )

    seen: set[int] = set()
    for post in posts:
        if post.role in GRID_ROLES and post.place is not None and post.place_id not in seen:
            seen.add(post.place_id)
            wb.grids.append(_grid_card(user, post))

    neighbour_posts = [
        p
        for p in posts
        if p.place is not None
        and ROLE_RULES.get(p.role)
        and ROLE_RULES[p.role].view == View.NEIGHBOUR
        and p.place_id not in seen
    ]
    for post in neighbour_posts:
        seen.add(post.place_id)
        wb.neighbourhoods.append(_neighbour_card(user, post))

    if user.person_id:
        wb.home = _home_card(user)
    wb.cases = case_desk(user, wb)
    wb.meetings = meeting_desk_for(user)
    wb.visits = visit_desk_for(user)
    if wb.overview is not None and case_policies.dispatcher_paths(user):
        wb.calendar_years = unconfirmed_years(clock.today())
    return wb


def _grid_card(user: Actor, post: Post) -> GridCard:
    grid = post.place
    assert grid is not None  # only posts held at a place get a card
    posts = visible_posts_at(user, grid)
    return GridCard(
        grid=grid,
        post=post,
        numbers=numbers_for(user, grid),
        estates=Place.objects.visible_to(user)
        .filter(path__prefix=grid.path, kind="estate")
        .count(),
        posts=posts,
        openable=openable_person_ids(user, (p.person for p in posts)),
        duties=duty_lines(grid),
    )


def _neighbour_card(user: Actor, post: Post) -> NeighbourCard:
    place = post.place
    assert place is not None  # only posts held at a place get a card
    households = list(
        Household.objects.visible_to(user)
        .filter(place_path__prefix=place.path)
        .select_related("dwelling")
        .order_by("place_path", "id")[:NEIGHBOURS_SHOWN]
    )
    members: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for hh_id, name, relation in (
        Person.objects.visible_to(user)
        .filter(household_id__in=[h.pk for h in households], is_active=True)
        .values_list("household_id", "name", "relation")
    ):
        members[hh_id].append((name, relation))
    labels = address_labels([h.dwelling for h in households] + [place])
    rows = [
        NeighbourRow(
            household=h,
            label=labels[h.dwelling.pk],
            head=next((n for n, r in members[h.pk] if r == Relation.HEAD), ""),
            members=len(members[h.pk]),
        )
        for h in households
    ]
    return NeighbourCard(
        place=place,
        post=post,
        label=labels[place.pk],
        numbers=Numbers(
            residents=Person.objects.visible_to(user)
            .filter(place_path__prefix=place.path, is_active=True)
            .count(),
            households=Household.objects.visible_to(user)
            .filter(place_path__prefix=place.path)
            .count(),
            care_persons=None,
        ),
        rows=rows,
    )


def _home_card(user: Actor) -> HomeCard | None:
    person = (
        Person.objects.visible_to(user)
        .select_related("household__dwelling", "place")
        .filter(pk=user.person_id)
        .first()
    )
    if person is None:
        return None
    household = person.household
    if household is None:
        # Staff anchored to their community, in-service members: no home here.
        return None
    dwelling = household.dwelling
    members = list(
        Person.objects.visible_to(user).filter(household=household, is_active=True).order_by("id")
    )
    members.sort(key=lambda m: (m.relation != Relation.HEAD, m.pk))
    return HomeCard(
        household=household,
        label=address_label(dwelling, ancestors_map([dwelling])[dwelling.pk]),
        members=members,
        contacts=duty_lines(dwelling),
    )


# ------------------------------------------------------------------------------ cases


@dataclass
class CaseCount:
    """One worklist's number, linking to it."""

    view: str
    label: str
    count: int
    alert: bool = False  # shown in red when not zero


@dataclass
class GridCases:
    grid: Place
    open: int
    overdue: int


@dataclass
class CaseDesk:
    """The cases part of the workbench: worklist counts for everyone who handles cases, per
    grid open/overdue numbers for grid workers, and for community and street staff the
    measures per grid, this month and all time."""

    counts: list[CaseCount] = field(default_factory=list)
    grids: list[GridCases] = field(default_factory=list)
    month: list[Any] = field(default_factory=list)
    month_total: Any = None
    all_time: list[Any] = field(default_factory=list)
    all_total: Any = None
    month_label: str = ""
    reported_open: int | None = None


def case_desk(user: Actor, wb: Workbench) -> CaseDesk | None:
    """What the workbench shows about cases (``None`` for back-office accounts)."""
    from django.db.models import Count, Q

    from tongxin.cases import policies as case_policies
    from tongxin.cases import selectors as case_selectors
    from tongxin.cases.workflow import OPEN_STATES

    if user.admin_duty:
        return None
    scope = scope_for(user)
    staff = bool(scope.case_paths)
    dispatcher = bool(case_policies.dispatcher_paths(user))
    desk = CaseDesk()

    wanted: list[tuple[str, str, bool]] = []
    if staff or scope.org_ids:
        wanted.append(("mine", _("我的待办"), False))
    if staff:
        wanted.append(("accept", _("待受理"), True))
    if dispatcher:
        wanted.append(("dispatch", _("待分派"), False))
    if staff or scope.org_ids:
        wanted.append(("overdue", _("已超时"), True))
    if dispatcher or scope.org_ids:
        wanted.append(("escalated", _("吹哨报到"), False))
    reporter = case_policies.may_report(user)
    # Every worklist's size in one query: each is a subquery of the same visible cases.
    figures: dict[str, Any] = {
        view: Count("pk", filter=Q(pk__in=case_selectors.worklist(user, view).values("pk")))
        for view, _label, _alert in wanted
    }
    if reporter:
        figures["reported"] = Count(
            "pk",
            filter=Q(pk__in=case_selectors.worklist(user, "reported").values("pk"))
            & Q(state__in=OPEN_STATES),
        )
    numbers = case_selectors.cases_for(user).aggregate(**figures) if figures else {}
    desk.counts = [
        CaseCount(view=view, label=label, count=numbers[view], alert=alert and numbers[view] > 0)
        for view, label, alert in wanted
    ]
    if reporter:
        desk.reported_open = numbers["reported"]

    for card in wb.grids:
        in_grid = case_selectors.cases_for(user).filter(grid=card.grid, state__in=OPEN_STATES)
        desk.grids.append(
            GridCases(
                grid=card.grid,
                open=in_grid.count(),
                overdue=in_grid.filter(overdue=True).count(),
            )
        )

    if wb.overview is not None and staff:
        now = clock.local()
        start = clock.start_of_day(now.date().replace(day=1))
        desk.month_label = _("{year}年{month}月").format(year=now.year, month=now.month)
        desk.month = case_selectors.measures(user, by="grid", since=start)
        desk.month_total = case_selectors.measures(user, since=start)[0]
        desk.all_time = case_selectors.measures(user, by="grid")
        desk.all_total = case_selectors.measures(user)[0]
        order = {g.pk: i for i, g in enumerate(wb.overview.grids)}
        for rows in (desk.month, desk.all_time):
            rows.sort(key=lambda m: (order.get(m.key, 1_000_000), m.label))

    if not desk.counts and not desk.grids and desk.reported_open is None:
        return None
    return desk
