"""Reads of visits: the visitor's due list (by urgency, then by route), one task, the measures
(due, on time, late, missed by rule, grid, tag or role per month), the residents with no contact
for longest, and a resident's care timeline. Every read goes through ``visible_to``."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tongxin.core import clock
from tongxin.core.actors import Actor, person_id_of
from tongxin.orgs.models import Post
from tongxin.orgs.roles import Duty
from tongxin.orgs.selectors import responsible_for
from tongxin.people.models import CareKind, Person
from tongxin.places.models import Place

from .models import (
    CareSchedule,
    Pair,
    PairHelper,
    TaskState,
    VisitRecord,
    VisitTask,
)


def open_tasks(actor: Actor, *, mine: bool = True) -> QuerySet[VisitTask]:
    qs = VisitTask.objects.visible_to(actor).filter(state=TaskState.OPEN)
    if mine:
        me = person_id_of(actor)
        qs = qs.filter(Q(assignee_id=me) | Q(escalated_to_id=me))
    return qs


def _anchor(actor: Actor) -> tuple[float, float] | None:
    """Where the visitor starts from: the place of their first post in force that has a
    centre (a grid worker's grid)."""
    me = person_id_of(actor)
    post = (
        Post.objects.active()
        .filter(person_id=me, place__centroid_lat__isnull=False)
        .select_related("place")
        .order_by("pk")
        .first()
    )
    if post is None or post.place is None:
        return None
    return (post.place.centroid_lat or 0.0, post.place.centroid_lng or 0.0)


@dataclass
class DueItem:
    task: VisitTask
    overdue: bool
    urgency: int  # 0 overdue, 1 due today, 2 later
    distance: float | None


@dataclass(frozen=True)
class _Ranked:
    pk: int
    overdue: bool
    urgency: int
    distance: float | None


class DueList:
    """The whole due list in its order, paged: ranked once on a few columns of every open
    visit (the route order needs them all), and only the visits of the page asked for read in
    full. Counts and slices as a queryset does, so ``Paginator`` and ``api_support.paginate``
    page it; ``tally`` is how many are overdue, due today and later in the whole list."""

    def __init__(self, ranked: list[_Ranked]) -> None:
        self.ranked = ranked
        self.tally = {0: 0, 1: 0, 2: 0}
        for r in ranked:
            self.tally[r.urgency] += 1

    def count(self) -> int:
        return len(self.ranked)

    def __len__(self) -> int:
        return len(self.ranked)

    def items(self, ranked: list[_Ranked]) -> list[DueItem]:
        """The visits ``ranked`` read in full (their resident and rule), in that order."""
        tasks = VisitTask.objects.select_related("person", "rule").in_bulk([r.pk for r in ranked])
        return [
            DueItem(tasks[r.pk], r.overdue, r.urgency, r.distance) for r in ranked if r.pk in tasks
        ]

    def __getitem__(self, index: slice) -> list[DueItem]:
        if not isinstance(index, slice):
            raise TypeError("a due list is read a page at a time")
        return self.items(self.ranked[index])


def due_list(actor: Actor, *, mine: bool = True, q: str = "") -> DueList:
    """Open visits, most urgent first (overdue, due today, later by day), then nearest first
    along the way from the visitor's post: the phone list, every visit of it, to be paged.
    ``q``: part of the resident's name. A fixed number of queries, whatever the page."""
    now = clock.now()
    today_end = clock.start_of_day(clock.today() + dt.timedelta(days=1))
    qs = open_tasks(actor, mine=mine)
    if q:
        qs = qs.filter(person__name__contains=q)
    rows = list(qs.values_list("pk", "due_by", "place_path"))
    anchor = _anchor(actor) if rows else None
    buildings = _building_centres(list({path for _pk, _due, path in rows})) if anchor else {}
    keyed = []
    for pk, due_by, path in rows:
        urgency = 0 if due_by < now else 1 if due_by < today_end else 2
        centre = _deepest(buildings, path)
        distance = _km(anchor, centre) if anchor and centre else None
        key = (
            urgency,
            clock.local(due_by).date() if urgency == 2 else dt.date.min,
            distance if distance is not None else math.inf,
            due_by,
            pk,
        )
        keyed.append((key, _Ranked(pk, due_by < now, urgency, distance)))
    keyed.sort(key=lambda k: k[0])
    return DueList([r for _key, r in keyed])


def _prefixes(path: str) -> list[str]:
    step = Place.steplen
    return [path[:n] for n in range(step, len(path) + 1, step)]


def _building_centres(paths: list[str]) -> dict[str, tuple[float, float]]:
    """The centres of every place above the tasks' residents (a dwelling has none, its
    building has)."""
    prefixes = {p for path in paths for p in _prefixes(path)}
    rows = Place.objects.filter(path__in=prefixes, centroid_lat__isnull=False).values_list(
        "path", "centroid_lat", "centroid_lng"
    )
    return {path: (lat, lng) for path, lat, lng in rows}


def _deepest(centres: dict[str, tuple[float, float]], path: str) -> tuple[float, float] | None:
    for p in reversed(_prefixes(path)):
        if p in centres:
            return centres[p]
    return None


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat = math.radians((a[0] + b[0]) / 2)
    dx = (b[1] - a[1]) * 111.32 * math.cos(lat)
    dy = (b[0] - a[0]) * 110.57
    return math.hypot(dx, dy)


def _month(month: str | None) -> tuple[dt.datetime, dt.datetime, str]:
    if month:
        year, mon = (int(x) for x in month.split("-"))
        first = dt.date(year, mon, 1)
    else:
        first = clock.today().replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return clock.start_of_day(first), clock.start_of_day(nxt), first.strftime("%Y-%m")


def measures(actor: Actor, *, by: str = "grid", month: str | None = None) -> dict[str, Any]:
    """The visits that fell due in ``month`` (YYYY-MM) within the actor's care scope, by
    ``by`` (grid, rule, tag or role): due, done on time, done late, missed, still open, and
    the rate done on time."""
    from django.db.models import Count, F

    start, end, label = _month(month)
    now = clock.now()
    tasks = VisitTask.objects.visible_to(actor).filter(due_by__gte=start, due_by__lt=end)
    key_field, name_field = {
        "grid": ("grid_id", "grid__name"),
        "rule": ("rule_id", "rule__name"),
        "tag": ("rule__care_kind", "rule__care_kind"),
        "role": ("rule__role", "rule__role"),
    }[by]
    done = Q(state=TaskState.DONE)
    counted = (
        tasks.values(key_field, name_field)
        .annotate(
            due=Count("pk"),
            on_time=Count("pk", filter=done & Q(done_at__lte=F("due_by"))),
            late=Count("pk", filter=done & Q(done_at__gt=F("due_by"))),
            missed=Count("pk", filter=Q(state=TaskState.MISSED)),
            open=Count("pk", filter=Q(state=TaskState.OPEN)),
            overdue=Count("pk", filter=Q(state=TaskState.OPEN, due_by__lt=now)),
        )
        .order_by(key_field)
    )
    labels = _labels(by)
    items = []
    for row in counted:
        key = row[key_field]
        name = labels(row[name_field]) if by in ("tag", "role") else row[name_field]
        rate = round(100 * row["on_time"] / row["due"], 1) if row["due"] else 0.0
        items.append(
            {
                "key": str(key or ""),
                "label": str(name or ""),
                **{k: row[k] for k in ("due", "on_time", "late", "missed", "open", "overdue")},
                "rate": rate,
            }
        )
    items.sort(key=lambda r: r["label"])
    return {"month": label, "by": by, "items": items}


def coverage(actor: Actor, *, by: str = "tag", month: str | None = None) -> dict[str, Any]:
    """Coverage in ``month`` (YYYY-MM) within the actor's care scope, by care ``tag`` or
    ``grid``: the residents holding a tag at some time in the month, how many had any contact
    recorded (``contacted``) and a home visit (``home``), and the rate contacted — the measure
    of the 100 % monthly visit of specially vulnerable elderly. A resident is counted once per
    row (several tags: once in each tag's row, once in their grid's)."""
    from django.db.models import Count

    from tongxin.people.models import CareTag

    from .models import Method

    start, end, label = _month(month)
    first, last = clock.local(start).date(), clock.local(end).date() - dt.timedelta(days=1)
    tags = CareTag.objects.visible_to(actor).filter(
        Q(start_date__isnull=True) | Q(start_date__lte=last),
        Q(end_date__isnull=True) | Q(end_date__gte=first),
        person__is_active=True,
    )
    records = VisitRecord.objects.visible_to(actor).filter(
        visited_at__gte=start, visited_at__lt=end
    )
    key_field, name_field = {
        "tag": ("kind", "kind"),
        "grid": ("person__grid_id", "person__grid__name"),
    }[by]
    rows = (
        tags.values(key_field, name_field)
        .annotate(
            residents=Count("person", distinct=True),
            contacted=Count(
                "person",
                distinct=True,
                filter=Q(person__in=records.values("person_id")),
            ),
            home=Count(
                "person",
                distinct=True,
                filter=Q(person__in=records.filter(method=Method.HOME).values("person_id")),
            ),
        )
        .order_by(key_field)
    )
    kinds = dict(CareKind.choices)
    items = []
    for row in rows:
        key = row[key_field]
        name = str(kinds.get(key, key)) if by == "tag" else row[name_field]
        n = row["residents"]
        items.append(
            {
                "key": str(key or ""),
                "label": str(name or ""),
                "residents": n,
                "contacted": row["contacted"],
                "home": row["home"],
                "rate": round(100 * row["contacted"] / n, 1) if n else 0.0,
            }
        )
    items.sort(key=lambda r: r["label"])
    return {"month": label, "by": by, "items": items}


def _labels(by: str) -> Callable[[Any], str]:
    """The label of a tag or role key (grids and rules carry their names from the join)."""
    from tongxin.orgs.roles import Role

    if by == "tag":
        kinds = dict(CareKind.choices)
        return lambda k: str(kinds[k]) if k in kinds else _("按风险等级")
    roles = dict(Role.choices)
    return lambda k: str(roles.get(k, k))


def longest_without_contact(actor: Actor, *, limit: int = 10) -> list[CareSchedule]:
    """The cared-for residents nobody has contacted for longest (never first)."""
    return list(
        CareSchedule.objects.visible_to(actor)
        .select_related("person", "grid")
        .order_by("last_contact_at", "pk")[:limit]
    )


def timeline(actor: Actor, person: Any) -> list[dict[str, Any]]:
    """A resident's care timeline, newest first: visits, the cases reported about or by them,
    their household's needs — each as the actor may see it."""
    from tongxin.cases.models import Case
    from tongxin.matching.models import Need

    out: list[dict[str, Any]] = []
    for r in VisitRecord.objects.visible_to(actor).filter(person=person).select_related("visitor"):
        out.append(
            {
                "at": r.visited_at,
                "kind": "visit",
                "label": _("{method}：{visitor}").format(
                    method=r.get_method_display(), visitor=r.visitor.name
                ),
                "text": r.notes,
                "obj": r,
            }
        )
    out_of_visits = VisitRecord.objects.filter(person=person, case__isnull=False)
    cases = Case.objects.visible_to(actor).filter(
        Q(reporter_person=person) | Q(pk__in=out_of_visits.values("case_id"))
    )
    for c in cases.select_related("category").order_by("-created_at")[:50]:
        out.append(
            {
                "at": c.created_at,
                "kind": "case",
                "label": _("案件 {ref}").format(ref=c.ref),
                "text": c.category.name,
                "obj": c,
            }
        )
    if person.household_id:
        needs = Need.objects.visible_to(actor).filter(household_id=person.household_id)
        for n in needs.order_by("-created_at")[:50]:
            out.append(
                {
                    "at": n.created_at,
                    "kind": "need",
                    "label": _("需求：{kind}").format(kind=n.get_kind_display()),
                    "text": n.description,
                    "obj": n,
                }
            )
    out.sort(key=lambda e: e["at"], reverse=True)
    return out


@dataclass
class VisitDesk:
    """The visits section of a workbench: what I owe (overdue, today, later), my 天天敲门 pairs
    nobody has answered yet today, and, for care staff, this month's visit rate by grid and the
    residents with no contact for longest."""

    overdue: int = 0
    today: int = 0
    later: int = 0
    pairs_waiting: int = 0
    month: dict[str, Any] | None = None
    longest: list[CareSchedule] | None = None

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.today or self.later or self.pairs_waiting or self.month)


def desk_for(actor: Actor) -> VisitDesk | None:
    from django.db.models import Count

    from tongxin.core.scoping import scope_for

    from .models import Knock

    me = person_id_of(actor)
    if me is None:
        return None
    now = clock.now()
    today_end = clock.start_of_day(clock.today() + dt.timedelta(days=1))
    counts = open_tasks(actor).aggregate(
        overdue=Count("pk", filter=Q(due_by__lt=now)),
        today=Count("pk", filter=Q(due_by__gte=now, due_by__lt=today_end)),
        later=Count("pk", filter=Q(due_by__gte=today_end)),
    )
    answered = Knock.objects.visible_to(actor).filter(day=clock.today(), answered=True)
    mine = PairHelper.objects.visible_to(actor).filter(person_id=me).values("pair_id")
    waiting = (
        Pair.objects.visible_to(actor)
        .filter(active=True, pk__in=mine)
        .exclude(pk__in=answered.values("pair_id"))
        .count()
    )
    desk = VisitDesk(pairs_waiting=waiting, **counts)
    if scope_for(actor).care_paths:
        desk.month = measures(actor, by="grid")
        desk.longest = longest_without_contact(actor, limit=5)
    return None if desk.empty else desk


# ---------------------------------------------------------------------------- 天天敲门
# Later apps (the eldercare alarm) add the people to tell after the grid worker:
# fn(pair) -> list of (person or None, reason).
ALARMS: list[Callable[[Pair], list[tuple[Any, str]]]] = []


def register_alarm(fn: Callable[[Pair], list[tuple[Any, str]]]) -> None:
    if fn not in ALARMS:
        ALARMS.append(fn)


def helpers_for(person: Person | int) -> list[Person]:
    """The helpers paired with ``person``, in the order they are asked (the first knocks, the
    next is told when nobody answered), across their active pairs, each once."""
    pid: int = person if isinstance(person, int) else person.pk
    rows = (
        PairHelper.objects.filter(pair__person_id=pid, pair__active=True)
        .select_related("person")
        .order_by("pair_id", "order", "id")
    )
    seen: dict[int, Person] = {}
    for row in rows:
        seen.setdefault(row.person_id, row.person)
    return list(seen.values())


def escalation_chain(pair: Pair, on: dt.date) -> list[tuple[Any, str]]:
    """Whom to tell, in order, when nobody answered: the next helpers, the building head, the
    grid worker, then the alarm chains."""
    chain: list[tuple[Any, str]] = []
    for h in list(pair.helpers.select_related("person"))[1:]:
        chain.append((h.person, str(h.get_kind_display())))
    place = pair.person.place
    if place is not None:
        levels = {p.kind: p for p in [place, *place.ancestors_list()]}
        building = levels.get("building")
        if building is not None:
            who = responsible_for(building, duty=Duty.GENERAL, on=on)
            chain.append((who.person, _("楼栋长")))
        grid = levels.get("grid")
        if grid is not None:
            who = responsible_for(grid, duty=Duty.CARE, on=on)
            chain.append((who.person, _("网格员")))
    for alarm in ALARMS:
        chain.extend(alarm(pair))
    out: list[tuple[Any, str]] = []
    seen: set[int] = set()
    for person, reason in chain:
        if person is None or person.pk in seen:
            continue
        seen.add(person.pk)
        out.append((person, reason))
    return out
