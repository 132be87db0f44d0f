"""Reads about cases: worklists, nearby open cases (duplicates), and the measures.

Every list starts from ``Case.objects.visible_to(user)``. The measures are plain aggregates
over a scoped queryset, grouped by grid, community, department or category, so that the
dashboards can reuse them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import clock
from tongxin.core.actors import Actor
from tongxin.core.scoping import scope_for
from tongxin.orgs.models import Organisation, Post
from tongxin.orgs.roles import ROLE_RULES, View
from tongxin.people.models import Person
from tongxin.people.selectors import home_place
from tongxin.places.geo import distance_m
from tongxin.places.models import Place

from . import config
from .models import Case, CaseCategory, DepartmentCall, Feedback, RoutingDecision
from .policies import dispatcher_paths
from .workflow import OPEN_STATES, State

VIEWS = {
    "mine": gettext_lazy("我的待办"),
    "grid": gettext_lazy("本网格"),
    "accept": gettext_lazy("待受理"),
    "dispatch": gettext_lazy("待分派"),
    "overdue": gettext_lazy("已超时"),
    "escalated": gettext_lazy("吹哨报到"),
    "reported": gettext_lazy("我反映的"),
    "all": gettext_lazy("全部"),
}


def routing_trail(case: Case) -> QuerySet[RoutingDecision]:
    """Every routing decision of a case the caller already reached through its scope."""
    return (
        RoutingDecision.objects.filter(case=case)
        .select_related("person", "organisation", "decided_by__person")
        .order_by("at", "pk")
    )


def community_staff_posts(case: Case) -> list[Post]:
    """One post per staff member of the case's community (the people a dispatcher may hand
    the case to), most senior place first."""
    community = case.place.at_or_above("community") if case.place is not None else None
    if community is None:
        return []
    staff_roles = [r for r, rule in ROLE_RULES.items() if rule.view == View.STAFF]
    posts = (
        Post.objects.active()
        .filter(place_path__startswith=community.path, role__in=staff_roles)
        .select_related("person", "place")
        .order_by("place_path", "role", "rank", "pk")
    )
    seen: set[int] = set()
    out = []
    for p in posts:
        if p.person_id not in seen:
            seen.add(p.person_id)
            out.append(p)
    return out


def cases_for(user: Actor) -> QuerySet[Case]:
    return Case.objects.visible_to(user)


def worklist(user: Actor, view: str = "mine") -> QuerySet[Case]:
    """One of the worklists (``VIEWS``) of the user, newest first (overdue first for
    ``mine``). Unknown views answer the full visible list."""
    qs = cases_for(user).select_related("category", "grid", "assignee_person", "assignee_org")
    person_id = user.person_id
    scope = scope_for(user)
    if view == "mine":
        mine = Q(assignee_person_id=person_id) if person_id else Q(pk__in=[])
        if scope.org_ids:
            mine |= Q(assignee_org_id__in=scope.org_ids)
        return qs.filter(mine, state__in=OPEN_STATES).order_by("-overdue", "resolve_due", "-pk")
    if view == "grid":
        return qs.filter(state__in=OPEN_STATES, grid__isnull=False).order_by("-pk")
    if view == "accept":
        return qs.filter(state=State.REPORTED).order_by("accept_due", "-pk")
    if view == "dispatch":
        paths = dispatcher_paths(user)
        from tongxin.core.scoping import paths_q

        return qs.filter(paths_q("place_path", paths), state=State.ACCEPTED).order_by("-pk")
    if view == "overdue":
        return qs.filter(overdue=True, state__in=OPEN_STATES).order_by("resolve_due", "-pk")
    if view == "escalated":
        called = DepartmentCall.objects.filter(organisation_id__in=scope.org_ids).values("case_id")
        return qs.filter(Q(pk__in=called) | Q(state=State.ESCALATED)).order_by("-pk")
    if view == "reported":
        return qs.filter(Q(reporter_user=user) | Q(reporter_person_id=person_id or 0)).order_by(
            "-pk"
        )
    return qs.order_by("-pk")


# The relations a list row names (``case_out``): read for the rows of the page only, once
# the page is chosen. Joined into the page query, they made PostgreSQL plan six joins (about
# 5 ms) and join every open case in scope before its top-N sort picked 20.
_ROW_PEOPLE = ("reporter_person", "assignee_person", "owner")
_ROW_PLACES = ("place", "grid")


def attach_row_relations(cases: list[Case]) -> list[Case]:
    """Give each case of a page its reporter, assignee and owner (names), place (kind) and
    grid (name), and assignee organisation (name): one query per kind of row, not a join."""
    if not cases:
        return cases
    person_ids = {getattr(c, f"{f}_id") for c in cases for f in _ROW_PEOPLE} - {None}
    place_ids = {getattr(c, f"{f}_id") for c in cases for f in _ROW_PLACES} - {None}
    org_ids = {c.assignee_org_id for c in cases} - {None}
    people = {p.pk: p for p in Person.objects.filter(pk__in=person_ids).only("name")}
    places = {p.pk: p for p in Place.objects.filter(pk__in=place_ids).only("kind", "name")}
    orgs = (
        {o.pk: o for o in Organisation.objects.filter(pk__in=org_ids).only("name")}
        if org_ids
        else {}
    )
    relations: list[tuple[Any, dict[int, Any]]] = [
        *((Case._meta.get_field(f), people) for f in _ROW_PEOPLE),
        *((Case._meta.get_field(f), places) for f in _ROW_PLACES),
        (Case._meta.get_field("assignee_org"), orgs),
    ]
    for case in cases:
        for field, rows in relations:
            key = getattr(case, field.attname)
            field.set_cached_value(case, rows.get(key) if key else None)
    return cases


def filter_cases(
    qs: QuerySet[Case],
    *,
    state: str = "",
    category: str = "",
    priority: str = "",
    q: str = "",
    grid: int | None = None,
) -> QuerySet[Case]:
    """The filters of the worklists: state, category code (and its sub-categories),
    priority, grid, and a search over the reference and the description."""
    if state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif state:
        qs = qs.filter(state=state)
    if category:
        codes = [category]
        frontier = [category]
        while frontier:
            frontier = list(
                CaseCategory.objects.filter(parent__code__in=frontier).values_list(
                    "code", flat=True
                )
            )
            codes += frontier
        qs = qs.filter(category__code__in=codes)
    if priority:
        qs = qs.filter(priority=priority)
    if grid:
        qs = qs.filter(grid_id=grid)
    q = q.strip()
    if q:
        qs = qs.filter(Q(ref__iexact=q) | Q(description__contains=q) | Q(address__contains=q))
    return qs


# What the duplicate lists show of a nearby case, and what ``Case.seen_in`` reads to decide
# whether the caller sees it (``reachable``): its 200 candidates are read with these only. A
# field left out here is read back one statement per case when ``seen_in`` touches it.
_NEAR_COLUMNS = (
    *("id", "ref", "category_id", "state", "lat", "lng", "created_at", "support_count"),
    *("description", "place_path", "grid_id"),
    *("reporter_person_id", "assignee_person_id", "owner_id", "supervisor_id", "assignee_org_id"),
)
_NEAR_CATEGORY, _NEAR_LAT, _NEAR_LNG, _NEAR_DESCRIPTION = 2, 4, 5, 8


def open_cases_near(
    *,
    category_id: int | None,
    lat: float,
    lng: float,
    radius_m: float,
    days: int,
    limit: int = 5,
    now: dt.datetime | None = None,
    text: str = "",
) -> list[Case]:
    """Open cases of a category within ``radius_m`` of a point, reported within ``days``
    days of ``now`` (by default the present; for a case, the moment it was reported, so that
    it finds both the earlier reports it repeats and the later ones repeating it), nearest
    first (a bounding box on the index, then the exact distance). With a ``text``, open cases
    of any category there whose description says the same (``suggest.similar``: at least
    ``TONGXIN_CASE_DUPLICATE_TEXT_SIMILARITY`` alike) are possible duplicates too."""
    d_lat = radius_m / 111_000
    d_lng = radius_m / (111_000 * max(0.1, math.cos(math.radians(lat))))
    now = now or clock.now()
    window = dt.timedelta(days=days)
    by_text = bool(text.strip())
    same = Q(category_id=category_id) if category_id is not None else Q(pk__in=[])
    rows = Case.objects.filter(
        Q() if by_text else same,
        state__in=OPEN_STATES,
        lat__range=(lat - d_lat, lat + d_lat),
        lng__range=(lng - d_lng, lng + d_lng),
        created_at__range=(now - window, now + window),
    ).values_list(*_NEAR_COLUMNS)[:200]
    # Up to 200 candidates are read as plain rows; only the nearest become cases.
    near = []
    wanted = None
    alike_enough = settings.TONGXIN_CASE_DUPLICATE_TEXT_SIMILARITY
    for row in rows:
        row_lat, row_lng = row[_NEAR_LAT], row[_NEAR_LNG]
        if row_lat is not None and row_lng is not None:
            d = distance_m(lat, lng, row_lat, row_lng)
            if d > radius_m:
                continue
            if by_text and row[_NEAR_CATEGORY] != category_id:
                # Another category: a duplicate only when the texts say the same.
                from .suggest import similar

                wanted = wanted or similar.meaning(text)
                alike = similar.similarity(wanted, similar.meaning(row[_NEAR_DESCRIPTION]))
                if alike < alike_enough:
                    continue
            near.append((d, row[0], row))
    near.sort(key=lambda t: (t[0], t[1]))
    by_pk = config.categories().by_pk
    out = []
    for _d, _pk, row in near[:limit]:
        value = dict(zip(_NEAR_COLUMNS, row, strict=True))
        names = [f.attname for f in Case._meta.concrete_fields if f.attname in value]
        case = Case.from_db(Case.objects.db, names, [value[n] for n in names])
        if row[_NEAR_CATEGORY] in by_pk:  # the cached category (else read when asked)
            case.category = by_pk[row[_NEAR_CATEGORY]]
        out.append(case)
    return out


def nearby_open_cases(case: Case, *, limit: int = 5) -> list[Case]:
    """Open cases of the same category near this one, reported within the window (for
    everyone: the callers narrow it with ``possible_duplicates``)."""
    if case.lat is None or case.lng is None:
        return []
    return [
        c
        for c in open_cases_near(
            category_id=case.category_id,
            lat=case.lat,
            lng=case.lng,
            radius_m=settings.TONGXIN_CASE_DUPLICATE_RADIUS_M,
            days=settings.TONGXIN_CASE_DUPLICATE_DAYS,
            limit=limit + 1,
            now=case.created_at,
            text=case.description,
        )
        if c.pk != case.pk
    ][:limit]


def reachable(user: Actor, cases: list[Case]) -> list[Case]:
    """Of ``cases``, those the user may see or say "me too" to (own community), in order:
    one query bounded by the ids asked about, never the whole scope materialised."""
    if not cases:
        return []
    # Those the scope decides from their fields need no query (a grid worker's neighbours).
    scope = scope_for(user)
    found = {c.pk for c in cases if c.seen_in(scope)}
    ids = [c.pk for c in cases if c.pk not in found]
    if ids:
        found.update(
            (
                Case.objects.visible_to(user).filter(pk__in=ids)
                | _own_community_open(user).filter(pk__in=ids)
            ).values_list("pk", flat=True)
        )
    return [c for c in cases if c.pk in found]


def possible_duplicates(user: Actor, case: Case) -> list[Case]:
    """Open cases of the same category nearby that may be the same problem, among those the
    user may see or support: the one answer for the case page, the API and the report form."""
    if case.state not in OPEN_STATES:
        return []
    return reachable(user, nearby_open_cases(case))


def _own_community_open(user: Actor) -> QuerySet[Case]:
    """The open cases of the user's own community (where a resident may say "me too")."""
    home = home_place(user) if user.person_id else None
    community = home.at_or_above("community") if home is not None else None
    if community is None:
        return Case.objects.none()
    return Case.objects.filter(place_path__prefix=community.path, state__in=OPEN_STATES)


def supportable_cases(user: Actor) -> QuerySet[Case]:
    """Open cases a resident may say "me too" to: those in their own community (and any
    they can see anyway). Each branch stays an index lookup (no subquery of the scope)."""
    if not user.person_id:
        return Case.objects.none()
    either = Case.objects.visible_to(user) | _own_community_open(user)
    return either.filter(state__in=OPEN_STATES)


# ------------------------------------------------------------------------------ measures


@dataclass
class Measures:
    """The figures of one group of cases (a grid, a community, a department, a category)."""

    key: Any
    label: str
    received: int
    accepted: int
    resolved: int
    resolved_on_time: int
    followed_up: int
    satisfied: int
    avg_hours: float | None
    # Resolved at least once (including those reopened by a 不满意 since): the base of 回访率.
    resolved_once: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.resolved_on_time, self.resolved)

    @property
    def follow_up_rate(self) -> float | None:  # 回访率
        return _rate(self.followed_up, max(self.resolved_once, self.followed_up))

    @property
    def resolution_rate(self) -> float | None:  # 处理率
        return _rate(self.resolved, self.accepted)

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.satisfied, self.followed_up)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "received": self.received,
            "accepted": self.accepted,
            "resolved": self.resolved,
            "resolved_on_time": self.resolved_on_time,
            "resolved_once": self.resolved_once,
            "on_time_rate": self.on_time_rate,
            "avg_hours": self.avg_hours,
            "follow_up_rate": self.follow_up_rate,
            "resolution_rate": self.resolution_rate,
            "satisfaction_rate": self.satisfaction_rate,
        }


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _aggregate(qs: QuerySet[Case], group_by: str | None) -> list[dict[str, Any]]:
    handling = ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())
    ever_resolved = Q(resolved_at__isnull=False) | Q(state=State.CLOSED, feedback__gt="")
    figures = {
        "received": Count("pk"),
        "accepted": Count("pk", filter=Q(accepted_at__isnull=False)),
        "resolved": Count("pk", filter=ever_resolved),
        "resolved_on_time": Count("pk", filter=Q(resolved_on_time=True)),
        "resolved_once": Count("pk", filter=ever_resolved | Q(feedback__gt="")),
        "followed_up": Count("pk", filter=Q(feedback__gt="")),
        "satisfied": Count("pk", filter=Q(feedback__in=[Feedback.SATISFIED, Feedback.BASIC])),
        "avg": Avg(handling, filter=Q(resolved_at__isnull=False)),
        "handled": Count("pk", filter=Q(resolved_at__isnull=False)),
    }
    if group_by is None:
        return [qs.aggregate(**figures)]
    return list(qs.order_by().values(group_by).annotate(**figures))


def _seconds(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value) / 1_000_000  # SQLite answers microseconds


def _hours(value: Any) -> float | None:
    seconds = _seconds(value)
    return None if seconds is None else round(seconds / 3600, 1)


def _measures(row: dict[str, Any], key: Any, label: str) -> Measures:
    return Measures(
        key=key,
        label=label,
        received=row["received"],
        accepted=row["accepted"],
        resolved=row["resolved"],
        resolved_on_time=row["resolved_on_time"],
        followed_up=row["followed_up"],
        satisfied=row["satisfied"],
        avg_hours=_hours(row["avg"]),
        resolved_once=row["resolved_once"],
    )


def measures(
    user: Actor,
    *,
    by: str = "total",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    under: Place | None = None,
) -> list[Measures]:
    """The measures of the cases the user may see, received in [since, until), in total or
    grouped ``by`` grid, community, department or category."""
    qs = cases_for(user).exclude(state=State.MERGED)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    if under is not None:
        qs = qs.filter(place_path__prefix=under.path)
    if by == "total":
        return [_measures(_aggregate(qs, None)[0], None, _("合计"))]
    if by == "grid":
        rows = _aggregate(qs.filter(grid__isnull=False), "grid_id")
        names = dict(
            Place.objects.filter(pk__in=[r["grid_id"] for r in rows]).values_list("pk", "name")
        )
        return [_measures(r, r["grid_id"], names.get(r["grid_id"], "")) for r in rows]
    if by == "category":
        rows = _aggregate(qs, "category_id")
        names = dict(CaseCategory.objects.values_list("pk", "name"))
        return [_measures(r, r["category_id"], names.get(r["category_id"], "")) for r in rows]
    if by == "department":
        return _department_measures(qs)
    if by == "community":
        # Communities sit at one depth of the tree: group by that prefix of the path.
        sample = Place.objects.filter(kind="community").values_list("path", flat=True).first()
        if sample is None:
            return []
        prefix = Substr("place_path", 1, len(sample))
        rows = _aggregate(qs.annotate(community_path=prefix), "community_path")
        names = dict(
            Place.objects.filter(
                path__in=[r["community_path"] for r in rows], kind="community"
            ).values_list("path", "name")
        )
        return [
            _measures(r, r["community_path"], names[r["community_path"]])
            for r in rows
            if r["community_path"] in names
        ]
    raise ValueError(f"unknown grouping {by!r}")


_COUNTS = (
    "received",
    "accepted",
    "resolved",
    "resolved_on_time",
    "resolved_once",
    "followed_up",
    "satisfied",
)


def _department_measures(qs: QuerySet[Case]) -> list[Measures]:
    """Per department: the cases routed or dispatched to it (``assignee_org``) and those it
    was called in on (吹哨), each case once per department."""
    from tongxin.orgs.models import Organisation, OrgKind

    called = _aggregate(qs.filter(calls__isnull=False), "calls__organisation_id")
    own_call = DepartmentCall.objects.filter(
        case=OuterRef("pk"), organisation=OuterRef("assignee_org")
    )
    assigned = _aggregate(
        qs.filter(assignee_org__kind=OrgKind.DEPARTMENT).exclude(Exists(own_call)),
        "assignee_org_id",
    )
    merged: dict[int, dict[str, Any]] = {}
    for key, rows in (("calls__organisation_id", called), ("assignee_org_id", assigned)):
        for row in rows:
            org_id = row[key]
            into = merged.setdefault(
                org_id, {**dict.fromkeys(_COUNTS, 0), "seconds": 0.0, "handled": 0}
            )
            for name in _COUNTS:
                into[name] += row[name]
            seconds = _seconds(row["avg"])
            if seconds is not None and row["handled"]:
                into["seconds"] += seconds * row["handled"]
                into["handled"] += row["handled"]
    names = dict(Organisation.objects.filter(pk__in=list(merged)).values_list("pk", "name"))
    out = []
    for org_id in sorted(merged, key=lambda pk: names.get(pk, "")):
        row = merged[org_id]
        measure = _measures({**row, "avg": None}, org_id, names.get(org_id, ""))
        if row["handled"]:
            measure.avg_hours = round(row["seconds"] / row["handled"] / 3600, 1)
        out.append(measure)
    return out
