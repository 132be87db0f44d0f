"""Where a case goes: routing rules first, then the default through the posts.

The default: the case's category says its level. Grid-level cases go to whoever is responsible
for the grid for the category's duty (A, B when A is away, then up the chain: 依次递补);
community-level ones to the community's responsible person; department-level ones to the
department of the category's kind that covers the place. Off hours, emergencies go to whoever
is on the duty roster (值班) of the community, then of the street. Every answer carries its
reason, which the case keeps (``RoutingDecision``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from tongxin.core import clock
from tongxin.orgs.models import Absence, Organisation, OrgKind, Post
from tongxin.orgs.selectors import responsible_for
from tongxin.places.models import Place

from . import config
from .models import Case, CaseCategory, DutyShift, Level, Priority, RoutingRule
from .worktime import is_working_time

LEVEL_KINDS = ["grid", "community", "street", "district"]


@dataclass
class Route:
    """A routing answer: the level, who (a person and/or an organisation), and why."""

    level: str
    person: Any = None  # Person
    organisation: Organisation | None = None
    rule: RoutingRule | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return "；".join(self.reasons)


def level_place(place: Place | None, kind: str) -> Place | None:
    """The ancestor (or self) of ``place`` of the given kind."""
    return place.at_or_above(kind) if place is not None else None


def _matching_rules(case: Case, *, off_hours: bool) -> list[RoutingRule]:
    lineage = case.category.lineage()
    depth = {c.pk: i for i, c in enumerate(lineage)}
    hours = ("", RoutingRule.Hours.OFF if off_hours else "working")
    out = [
        rule
        for rule in config.routing_rules()  # the active rules, cached per process
        if (rule.category_id is None or rule.category_id in depth)
        and rule.priority in ("", case.priority)
        and rule.hours in hours
        and (rule.place is None or case.place_path.startswith(rule.place.path))
    ]

    def specificity(r: RoutingRule) -> tuple[int, int, int, int]:
        cat = depth[r.category_id] if r.category_id else 99
        place_depth = -len(r.place.path) if r.place is not None else 0
        return (cat, place_depth, r.order, r.pk)

    return sorted(out, key=specificity)


def _on_duty(place: Place | None, at: dt.datetime) -> DutyShift | None:
    """Who is on the duty roster at ``at`` for the case's community, else its street."""
    for kind in ("community", "street"):
        scope = level_place(place, kind)
        if scope is None:
            continue
        shift = (
            DutyShift.objects.filter(place=scope, starts_at__lte=at, ends_at__gt=at)
            .select_related("person")
            .order_by("starts_at", "pk")
            .first()
        )
        if shift is not None:
            return shift
    return None


def _holder(place: Place, role: str, on: dt.date) -> Any:
    """The first holder of ``role`` at ``place`` who is not away (A, then B)."""
    posts = sorted(
        Post.objects.active(on).filter(place=place, role=role).select_related("person"),
        key=lambda p: ({"A": 0, "B": 1}.get(p.rank, 2), p.pk),
    )
    away = set(
        Absence.objects.filter(
            person_id__in=[p.person_id for p in posts], start_date__lte=on, end_date__gte=on
        ).values_list("person_id", flat=True)
    )
    return next((p.person for p in posts if p.person_id not in away), None)


def department_for(category: CaseCategory, place: Place | None) -> Organisation | None:
    """The active department of the category's kind covering the place (nearest first)."""
    if not category.department_kind or place is None:
        return None
    paths = [*place.ancestor_paths(), place.path]
    candidates = (
        Organisation.objects.filter(
            kind=OrgKind.DEPARTMENT,
            department_kind=category.department_kind,
            is_active=True,
            places__path__in=paths,
        )
        .distinct()
        .order_by("pk")
    )
    best, best_depth = None, -1
    for org in candidates.prefetch_related("places"):
        depth = max((len(p.path) for p in org.places.all() if p.path in paths), default=-1)
        if depth > best_depth:
            best, best_depth = org, depth
    return best


def _by_level(route: Route, case: Case, level: str, on: dt.date) -> Route:
    category = case.category
    if level == Level.DEPARTMENT:
        dept = department_for(category, case.place)
        if dept is not None:
            route.level = Level.DEPARTMENT
            route.organisation = dept
            route.reasons.append(
                _("分类“{name}”由职能部门处置：{department}").format(
                    name=category.name, department=dept.name
                )
            )
            return route
        route.reasons.append(
            _("未找到覆盖该地点的{department_kind}部门").format(
                department_kind=category.get_department_kind_display()
            )
        )
        level = Level.COMMUNITY
    kind = "grid" if level == Level.GRID else "community"
    # The grid intake resolved is in hand; other levels are read from the place tree.
    anchor = case.grid if kind == "grid" and case.grid_id else level_place(case.place, kind)
    if anchor is None and kind == "grid":
        route.reasons.append(_("该位置不在任何网格内，转社区分拨"))
        anchor, kind = level_place(case.place, "community"), "community"
    if anchor is None:
        anchor = level_place(case.place, "street")
        kind = "street"
    if anchor is None:
        route.level = Level.COMMUNITY
        route.reasons.append(_("未能确定负责的社区"))
        return route
    who = responsible_for(anchor, duty=category.duty, on=on)
    route.level = Level.GRID if kind == "grid" else Level.COMMUNITY
    route.person = who.person
    route.reasons.append(
        _("分类“{name}”由{place}处置：{reason}").format(
            name=category.name, place=anchor.name, reason=who.reason
        )
    )
    return route


def route_case(case: Case, *, now: dt.datetime | None = None) -> Route:
    """Decide where ``case`` goes now. Reads only; the caller stores the decision."""
    now = now or clock.now()
    on = clock.local_date(now)
    off_hours = not is_working_time(now)
    route = Route(level=case.category.level)

    if case.priority == Priority.EMERGENCY and off_hours:
        shift = _on_duty(case.place, now)
        if shift is not None:
            route.level = Level.ROSTER
            route.person = shift.person
            route.reasons.append(
                _("非工作时间的紧急事项，交{place}值班人员{person}").format(
                    place=shift.place.name, person=shift.person.name
                )
            )
            return route
        route.reasons.append(_("非工作时间的紧急事项，但值班表上此刻无人，按常规分拨"))

    for rule in _matching_rules(case, off_hours=off_hours):
        route.rule = rule
        if rule.target_org_id:
            route.level = rule.level
            route.organisation = rule.target_org
            route.reasons.append(
                _("按分拨规则“{name}”交{target_org}").format(
                    name=rule.name, target_org=rule.target_org
                )
            )
            return route
        if rule.target_role:
            kind = "grid" if rule.level == Level.GRID else "community"
            anchor = level_place(case.place, kind)
            person = _holder(anchor, rule.target_role, on) if anchor else None
            if person is not None:
                route.level = rule.level
                route.person = person
                route.reasons.append(
                    _("按分拨规则“{name}”交{place}的{role}{person}").format(
                        name=rule.name,
                        place=anchor,
                        role=rule.get_target_role_display(),
                        person=person.name,
                    )
                )
                return route
            route.reasons.append(_("分拨规则“{name}”指定的职务无人在岗").format(name=rule.name))
            continue
        route.reasons.append(
            _("按分拨规则“{name}”由{level}处置").format(
                name=rule.name, level=rule.get_level_display()
            )
        )
        return _by_level(route, case, rule.level, on)

    return _by_level(route, case, case.category.level, on)


def superior_for(case: Case, steps: int, *, on: dt.date | None = None) -> Any:
    """Who is ``steps`` levels above the case's handling level on its duty chain (the
    grid's superior is the community, the community's the street): breach escalation."""
    on = on or clock.today()
    start = 0 if case.level in ("", Level.GRID) else 1
    for index in range(min(start + steps, len(LEVEL_KINDS) - 1), 0, -1):
        anchor = level_place(case.place, LEVEL_KINDS[index])
        if anchor is None:
            continue
        who = responsible_for(anchor, duty=case.category.duty, on=on)
        if who.person is not None:
            return who.person
    return None
