"""Every URL and every API operation, tried as every role.

The matrix below says, for each route, which roles may use it on a subject that lies in grid A
(the demo's 第1网格, inside the building head's building). Every other role must be refused:
401/403/404, or the login page for anonymous visitors. A route that is missing from the matrix
fails the test, so a new page or endpoint cannot ship without a decision about who may use it.

Lists and searches are open to every signed-in role but scoped: for those the matrix names the
roles whose answer may contain the subject, and the test checks that nobody else's does.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tongxin.alarms.tests import matrix as alarms_matrix
from tongxin.alliance.tests import matrix as alliance_matrix
from tongxin.core.errors import NotFound
from tongxin.core.tests.matrix_roles import ADMINS, PEOPLE_ROLES, ROLES, SIGNED_IN
from tongxin.deliberation.tests import matrix as deliberation_matrix
from tongxin.emap.tests import matrix as emap_matrix
from tongxin.matching.tests import matrix as matching_matrix
from tongxin.meetings.tests import matrix as meetings_matrix
from tongxin.notices.tests import matrix as notices_matrix
from tongxin.orgs.models import Organisation, Post
from tongxin.partylife.tests import matrix as partylife_matrix
from tongxin.people.models import CorrectionRequest, ImportJob, Person
from tongxin.property.tests import matrix as property_matrix
from tongxin.visits.tests import matrix as visits_matrix
from tongxin.volunteering.tests import matrix as volunteering_matrix

STAFF = frozenset({"grid1", "secretary"})  # staff whose scope covers grid A
SEES_SUBJECT = STAFF | {"building"}  # …and the building head of the subject's building
# The subject case: its reporter and the staff over it. Building heads hold no case scope.
CASE_PARTIES = STAFF | {"resident"}


@dataclass(frozen=True)
class Rule:
    """Who may use a route. ``kind``: "object" (a page about the subject: others refused),
    "list" (everyone signed in gets an answer, only ``allowed`` may see the subject in it),
    "open" (anyone, even anonymous), "signed_in" (any signed-in role)."""

    allowed: frozenset[str]
    kind: str = "object"
    method: str = "GET"
    data: dict[str, Any] = field(default_factory=dict)


MATRIX: dict[str, Rule] = {
    # Web pages.
    "workbench:home": Rule(SIGNED_IN, "signed_in"),
    "login": Rule(frozenset(ROLES), "open"),
    # The language switch and the scripts' catalogue: the login page needs both.
    "set_language": Rule(frozenset(ROLES), "open", method="POST", data={"language": "en"}),
    "javascript-catalog": Rule(frozenset(ROLES), "open"),
    # Liveness and readiness, for supervisors and load balancers: no personal data.
    "core:healthz": Rule(frozenset(ROLES), "open"),
    "core:readyz": Rule(frozenset(ROLES), "open"),
    "core:metrics": Rule(frozenset(ROLES), "open"),  # by address or token, not by role
    "logout": Rule(SIGNED_IN, "signed_in", method="POST"),
    "password_change": Rule(SIGNED_IN, "signed_in"),
    "second_factor_setup": Rule(SIGNED_IN, "signed_in"),
    "second_factor_verify": Rule(frozenset(ROLES), "open"),
    "places:browser": Rule(SIGNED_IN, "signed_in"),
    "places:detail": Rule(SEES_SUBJECT),
    "places:children": Rule(SEES_SUBJECT),
    "orgs:tree": Rule(SIGNED_IN, "signed_in"),
    "orgs:detail": Rule(SEES_SUBJECT),
    "orgs:children": Rule(SEES_SUBJECT),
    "people:list": Rule(SEES_SUBJECT, "list"),
    "people:detail": Rule(SEES_SUBJECT),
    "people:reveal": Rule(STAFF, method="POST", data={"field": "phone", "reason": "核对联系方式"}),
    "people:household": Rule(SEES_SUBJECT),
    "people:export": Rule(frozenset({"grid1", "grid2", "secretary"})),
    "people:import": Rule(frozenset({"grid1", "grid2", "secretary"})),
    "people:import_template": Rule(frozenset({"grid1", "grid2", "secretary"})),
    "people:import_job": Rule(frozenset({"grid1"})),  # the subject job was started by grid1
    "people:my_data": Rule(PEOPLE_ROLES),
    "people:my_data_json": Rule(PEOPLE_ROLES),
    "people:my_data_csv": Rule(PEOPLE_ROLES),
    "people:correction_new": Rule(PEOPLE_ROLES),
    "people:corrections": Rule(frozenset({"grid1", "grid2", "secretary"})),
    "people:correction": Rule(STAFF | {"resident"}),  # the subject request is the resident's
    "people:erase": Rule(frozenset({"secretary"})),
    "core:file": Rule(SEES_SUBJECT),
    # API operations (the route names ninja gives them).
    "api:api-root": Rule(frozenset(ROLES), "open"),
    "api:openapi-json": Rule(frozenset(ROLES), "open"),
    "api:openapi-view": Rule(frozenset(ROLES), "open"),
    "api:issue_token": Rule(frozenset(ROLES), "open", method="POST"),
    "api:list_places": Rule(SEES_SUBJECT, "list"),
    "api:get_place": Rule(SEES_SUBJECT),
    "api:list_children": Rule(SEES_SUBJECT),
    "api:get_responsible": Rule(SEES_SUBJECT),
    "api:list_persons": Rule(SEES_SUBJECT, "list"),
    "api:get_person": Rule(SEES_SUBJECT),
    "api:reveal_person_field": Rule(
        STAFF, method="POST", data={"field": "phone", "reason": "核对联系方式"}
    ),
    "api:list_households": Rule(SEES_SUBJECT, "list"),
    "api:get_household": Rule(SEES_SUBJECT),
    "api:list_organisations": Rule(SEES_SUBJECT, "list"),
    "api:get_organisation": Rule(SEES_SUBJECT),
    "api:list_posts": Rule(SEES_SUBJECT, "list"),
    # Cases API: the subject case is the resident's, in grid A, routed to grid1.
    "api:list_case_categories": Rule(SIGNED_IN, "signed_in"),
    # Without a location: 422 for those who may report, 403 for administrators.
    "api:create_case": Rule(
        PEOPLE_ROLES, method="POST", data={"category": "suggestion", "description": "矩阵测试"}
    ),
    # Category suggestion: whoever may report (a text, no personal data); admins 403.
    "api:suggest_case_categories": Rule(
        PEOPLE_ROLES, method="POST", data={"text": "楼下垃圾两天没人收"}
    ),
    "api:list_cases": Rule(CASE_PARTIES, "list"),
    "api:get_case": Rule(CASE_PARTIES),
    "api:case_action": Rule(STAFF, method="POST", data={"note": "矩阵测试备注"}),
    "api:reveal_case_phone": Rule(STAFF, method="POST", data={"reason": "回访核实"}),
    "api:case_measures": Rule(SIGNED_IN, "signed_in"),
    # Open cases near a point: those of the residents' own community (for "me too").
    "api:nearby_cases": Rule(
        frozenset({"resident", "building", "grid1", "grid2", "secretary"}), "list"
    ),
    "api:upload_files": Rule(PEOPLE_ROLES, method="POST"),  # no file: 422, admins 403
    "api:list_messages": Rule(frozenset({"grid1"}), "list"),  # the routing told grid1
    "api:read_message": Rule(frozenset({"grid1"}), method="POST"),
    "api:read_all_messages": Rule(SIGNED_IN, "signed_in", method="POST"),
    # Case pages (the same subject case).
    "cases:worklist": Rule(CASE_PARTIES, "list"),
    "cases:report": Rule(PEOPLE_ROLES),  # administrators may not report
    "cases:nearby": Rule(
        frozenset({"resident", "building", "grid1", "grid2", "secretary"}), "list"
    ),
    "cases:suggest": Rule(PEOPLE_ROLES),  # the report form's suggestions; admins 404
    "cases:detail": Rule(CASE_PARTIES),
    "cases:act": Rule(STAFF, method="POST", data={"note": "矩阵测试备注"}),
    "cases:reveal": Rule(STAFF, method="POST", data={"reason": "回访核实"}),
    # Trends (tongxin/insight): staff with a case scope, each reading only what it covers;
    # the texts behind a point show the subject case to the staff over grid A only.
    "insight:trends": Rule(frozenset({"grid1", "grid2", "secretary"})),
    "insight:texts": Rule(STAFF, "list"),
    "api:trends": Rule(frozenset({"grid1", "grid2", "secretary"})),
    "api:trend_texts": Rule(STAFF, "list"),
    # The data centre (tongxin/datacentre): figures for staff with a case scope (counts of
    # any place they may see); the records behind a figure only to those who see them all.
    "api:stats_cases": Rule(frozenset({"grid1", "grid2", "secretary"})),
    "api:stats_case_records": Rule(STAFF, "list"),
    # Its pages are for staff over a community or more (here the secretary); figures only,
    # the records behind a number through the same scope.
    "datacentre:dashboard": Rule(frozenset({"secretary"})),
    "datacentre:records": Rule(frozenset({"secretary"}), "list"),
    "datacentre:export": Rule(frozenset({"secretary"})),
    "datacentre:screen": Rule(frozenset({"secretary"})),
    "datacentre:screen_figures": Rule(frozenset({"secretary"})),
    # The monthly report (its page, PDF and Excel): the dashboards' viewers, their places.
    "datacentre:report": Rule(frozenset({"secretary"})),
    "datacentre:report_pdf": Rule(frozenset({"secretary"})),
    "datacentre:report_xlsx": Rule(frozenset({"secretary"})),
    # The open data: public (aggregates of whole months, small counts suppressed).
    "datacentre:open_index": Rule(frozenset(ROLES), "open"),
    "datacentre:open_csv": Rule(frozenset(ROLES), "open"),
    "datacentre:open_json": Rule(frozenset(ROLES), "open"),
    "datacentre:open_dictionary": Rule(frozenset(ROLES), "open"),
    # The modules' figures (visits, alarms, volunteering, needs, wishes): as the cases'; the
    # records behind a figure (tried on the subject visit) only to those who see them all
    # in the module's own scope (the care staff over grid A), else the count alone.
    "api:stats_module": Rule(frozenset({"grid1", "grid2", "secretary"})),
    "api:stats_module_records": Rule(frozenset({"grid1", "secretary"}), "list"),
    "datacentre:module_records": Rule(frozenset({"secretary"}), "list"),
    "inbox:list": Rule(frozenset({"grid1"}), "list"),  # the routing told grid1
    "inbox:open": Rule(frozenset({"grid1"})),
    "inbox:read_all": Rule(SIGNED_IN, "signed_in", method="POST"),
    # Open311 GeoReport v2: public reads (no personal data); POSTs need a partner key, not a
    # login (tested in tongxin/open311/tests).
    "open311:discovery": Rule(frozenset(ROLES), "open"),
    "open311:services": Rule(frozenset(ROLES), "open"),
    "open311:service": Rule(frozenset(ROLES), "open"),
    "open311:requests": Rule(frozenset(ROLES), "open"),
    "open311:request": Rule(frozenset(ROLES), "open"),
    "open311:token": Rule(frozenset(ROLES), "open"),
}

MATRIX.update(
    {name: Rule(*rule) for name, rule in volunteering_matrix.RULES.items()}
)  # volunteering
MATRIX.update({name: Rule(*rule) for name, rule in emap_matrix.RULES.items()})  # e-map
MATRIX.update({name: Rule(*rule) for name, rule in notices_matrix.RULES.items()})  # notices
MATRIX.update({name: Rule(*rule) for name, rule in alliance_matrix.RULES.items()})  # alliance
MATRIX.update(
    {name: Rule(*rule) for name, rule in matching_matrix.RULES.items()}
)  # service matching
MATRIX.update({name: Rule(*rule) for name, rule in meetings_matrix.RULES.items()})  # meetings
MATRIX.update({name: Rule(*rule) for name, rule in visits_matrix.RULES.items()})  # visits

MATRIX.update(
    {name: Rule(*rule) for name, rule in deliberation_matrix.RULES.items()}
)  # deliberation and votes

MATRIX.update({name: Rule(*rule) for name, rule in partylife_matrix.RULES.items()})  # party life
MATRIX.update({name: Rule(*rule) for name, rule in property_matrix.RULES.items()})  # property
MATRIX.update({name: Rule(*rule) for name, rule in alarms_matrix.RULES.items()})  # 爱心铃


def routes() -> dict[str, tuple[str, str]]:
    """Every named route outside the admin: name → (route pattern, kind of arguments)."""
    found: dict[str, tuple[str, str]] = {}

    def walk(resolver: URLResolver, prefix: str, namespace: str | None) -> None:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                if str(p.pattern).startswith("admin/"):
                    continue
                walk(p, prefix + str(p.pattern), p.namespace or namespace)
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
                found[name or prefix + str(p.pattern)] = (prefix + str(p.pattern), "")

    walk(get_resolver(), "", None)
    return found


def test_every_route_has_an_entry():
    missing = sorted(set(routes()) - set(MATRIX))
    stale = sorted(set(MATRIX) - set(routes()))
    assert missing == [], f"routes without an access decision: {missing}"
    assert stale == [], f"matrix entries for routes that no longer exist: {stale}"


@pytest.fixture
def subject(demo, django_capture_on_commit_callbacks):
    """Objects in grid A, in the building head's building, for every kind of route argument."""
    from tongxin.core import uploads

    head = demo.user("building")
    building = Post.objects.active().get(person=head.person, role="building_head").place
    resident_user = demo.user("resident")
    person = (
        Person.objects.filter(place_path__prefix=building.path, household__isnull=False)
        .exclude(pk__in=[head.person_id, resident_user.person_id])
        .exclude(household__in=[head.person.household_id, resident_user.person.household_id])
        .exclude(pk__in=Post.objects.values("person_id"))
        .order_by("id")
        .first()
    )
    assert person is not None and person.grid == demo.grid(1)
    branch = Organisation.objects.get(kind="branch", places=demo.grid(1))
    job = ImportJob.objects.create(created_by=demo.user("grid1"), filename="a.xlsx", status="done")
    correction = CorrectionRequest.objects.create(
        person=resident_user.person,
        requested_by=resident_user,
        field="occupation",
        requested_value="教师",
        note="换了工作",
    )
    upload = uploads.store_upload(
        actor=demo.user("grid1"), file=_png(), purpose="test", owner=person
    )
    head_post = Post.objects.active().get(person=head.person, role="building_head")
    return {
        "person": person,
        "building": building,
        "head_post": head_post,
        "household": person.household,
        "place": person.place,
        "org": branch,
        "job": job,
        "correction": correction,
        "upload": upload,
        **_subject_case(demo, building),
        **volunteering_matrix.subject(demo),
        **emap_matrix.subject(demo),
        **notices_matrix.subject(demo),
        **matching_matrix.subject(demo),
        **meetings_matrix.subject(demo),
        **alliance_matrix.subject(demo),
        **visits_matrix.subject(demo),
        **deliberation_matrix.subject(demo),
        **partylife_matrix.subject(demo),
        **property_matrix.subject(demo),
        **alarms_matrix.subject(demo),
    }


def _subject_case(demo, building):
    """A case reported by the resident on a point in the building head's building (grid A,
    routed to grid1), and the message that told grid1 about it."""
    from tongxin.cases import services
    from tongxin.inbox.models import Message

    case = services.case_report(
        actor=demo.user("resident"),
        category="env.garbage",
        description="楼下垃圾堆积三天没人清运",
        lat=building.centroid_lat,
        lng=building.centroid_lng,
    )
    assert case.grid == demo.grid(1) and case.assignee_person == demo.user("grid1").person
    message = Message.objects.get(recipient=demo.user("grid1").person, topic=f"case:{case.pk}")
    return {"case": case, "message": message}


def _png():
    from tongxin.core.testing import png_upload

    return png_upload("a.png", size=(8, 8))


# Path arguments that are words, not objects (the act of an action route).
PATH_WORDS = {
    "action": "note",
    "act": "note",
    # Open311 GeoReport: a format suffix, a service code, a request id and a token.
    "fmt": "json",
    "code": "municipal.manhole",
    "request_id": "SQ0",
    "token": "0" * 32,
    "source": "visits",  # the data centre's modules
}
ARGUMENTS = {
    "case_id": "case",
    "message_id": "message",
    "pk": None,
    "person_id": "person",
    "household_id": "household",
    "place_id": "place",
    "org_id": "org",
    "job_id": "job",
}
ROUTE_SUBJECT = {
    "places:detail": "place",
    "places:children": "place",
    "orgs:detail": "org",
    "orgs:children": "org",
    "people:detail": "person",
    "people:reveal": "person",
    "people:household": "household",
    "people:erase": "person",
    "people:correction": "correction",
    "core:file": "upload",
    "people:import_job": "job",
    "cases:detail": "case",
    "cases:act": "case",
    "cases:reveal": "case",
    "inbox:open": "message",
}

# A module's parameter names mean its own subjects on its own routes: two modules may give one
# name to different subjects (the alliance's objection_id is a scorecard objection, party
# life's a nomination objection). The route's own module decides; on a route outside both the
# name is ambiguous and url_for refuses it. (Taking the last module's meaning everywhere built
# the alliance's URL from party life's row: the two tables' ids coincide on SQLite and part on
# PostgreSQL as the worker's sequences advance, so the row failed there now and then.)
AMBIGUOUS = "<ambiguous>"
ROUTE_ARGUMENTS: dict[str, dict[str, str]] = {}


def _arguments_of(module: Any) -> None:
    for name in module.RULES:
        ROUTE_ARGUMENTS[name] = module.ARGUMENTS
    for param, key in module.ARGUMENTS.items():
        ARGUMENTS[param] = key if ARGUMENTS.get(param, key) == key else AMBIGUOUS


_arguments_of(volunteering_matrix)
_arguments_of(emap_matrix)
_arguments_of(notices_matrix)
PATH_WORDS.update(emap_matrix.PATH_WORDS)
PATH_WORDS.update(matching_matrix.PATH_WORDS)
_arguments_of(matching_matrix)
_arguments_of(meetings_matrix)
PATH_WORDS.update(meetings_matrix.PATH_WORDS)
_arguments_of(alliance_matrix)
_arguments_of(visits_matrix)
PATH_WORDS.update(alliance_matrix.PATH_WORDS)
_arguments_of(deliberation_matrix)
_arguments_of(partylife_matrix)
_arguments_of(property_matrix)
PATH_WORDS.update(property_matrix.PATH_WORDS)
_arguments_of(alarms_matrix)
ROUTE_SUBJECT.update(emap_matrix.ROUTE_SUBJECT)


def _trend_point(subject: dict[str, Any]) -> dict[str, Any]:
    """The subject case's point on the trend: its category in the week it was reported."""
    from tongxin.core import clock
    from tongxin.insight.trends import week_of

    case = subject["case"]
    week = week_of(clock.local_date(case.created_at))
    return {"topic": case.category.code, "week": week.isoformat()}


def _stats_row(subject: dict[str, Any]) -> dict[str, Any]:
    """The subject case's row of the stats: its grid, category and day."""
    from tongxin.core import clock

    case = subject["case"]
    day = clock.local_date(case.created_at).isoformat()
    return {
        "grid": case.grid_id,
        "category": case.category.code,
        "day": day,
        "from": day,
        "to": day,
    }


def _visit_row(subject: dict[str, Any]) -> dict[str, Any]:
    """The subject visit's row of the visits' figures: due, its grid and day."""
    from django.db.models import Q

    from tongxin.core import clock
    from tongxin.visits.models import VisitTask

    task = subject["visit_task"]
    day = clock.local_date(task.due_by)
    # The page the subject is on (the records come 50 a page, by due time then id).
    before = (
        VisitTask.objects.exclude(state="cancelled")
        .filter(grid_id=task.grid_id, due_by__gte=clock.start_of_day(day))
        .filter(Q(due_by__lt=task.due_by) | Q(due_by=task.due_by, pk__lt=task.pk))
        .count()
    )
    iso = day.isoformat()
    return {
        "figure": "due",
        "grid": task.grid_id,
        "day": iso,
        "from": iso,
        "to": iso,
        "page": before // 50 + 1,
    }


def url_for(name: str, pattern: str, subject: dict[str, Any]) -> str:
    def arg(m: re.Match[str]) -> str:
        param = m.group(1).split(":")[-1]
        if param in PATH_WORDS:
            return PATH_WORDS[param]
        key = ROUTE_ARGUMENTS.get(name, {}).get(param) or ARGUMENTS.get(param)
        assert key != AMBIGUOUS, f"{name}: {param} means different subjects in two modules"
        return str(subject[key or ROUTE_SUBJECT[name]].pk)

    return "/" + re.sub(r"<([^>]+)>", arg, pattern)


def client_for(demo, role: str) -> Client:
    if role == "anonymous":
        return Client()
    return demo.client(role)


def refused(role: str, response: Any) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    location = response.get("Location", "")
    return role == "anonymous" and response.status_code == 302 and "/login/" in location


def subject_marker(name: str, subject: dict[str, Any]) -> str:
    if name in emap_matrix.RULES:
        return emap_matrix.marker(name, subject)
    if name in matching_matrix.RULES:
        return matching_matrix.marker(name, subject)
    if name in meetings_matrix.RULES:
        return meetings_matrix.marker(name, subject)
    if name in alliance_matrix.RULES:
        return alliance_matrix.marker(name, subject)
    if name in visits_matrix.RULES:
        return visits_matrix.marker(name, subject)
    if name in deliberation_matrix.RULES:
        return deliberation_matrix.marker(name, subject)
    if name in partylife_matrix.RULES:
        return partylife_matrix.marker(name, subject)
    if name in property_matrix.RULES:
        return property_matrix.marker(name, subject)
    if name in alarms_matrix.RULES:
        return alarms_matrix.marker(name, subject)
    if name in ("api:list_cases", "api:nearby_cases"):
        return f'"id": {subject["case"].pk},'
    if name == "cases:worklist":
        return f'href="/cases/{subject["case"].pk}/"'
    if name == "cases:nearby":
        return f'data-case="{subject["case"].pk}"'
    if name == "insight:texts":
        return f'data-kind="case" data-id="{subject["case"].pk}"'
    if name == "datacentre:records":
        return f'data-case="{subject["case"].pk}"'
    if name == "datacentre:module_records":
        return f'data-record="{subject["visit_task"].pk}"'
    if name == "api:stats_module_records":
        return f'{{"id": {subject["visit_task"].pk}}}'
    if name == "api:stats_case_records":
        return f'"id": {subject["case"].pk}, "ref"'
    if name == "api:trend_texts":
        return f'"id": {subject["case"].pk}, "ref"'
    if name == "inbox:list":
        return f'href="/inbox/{subject["message"].pk}/"'
    if name == "api:list_messages":
        return f'"id": {subject["message"].pk},'
    if name == "api:list_places":
        return f'"id": {subject["building"].pk}, "kind": "building"'
    if name == "api:list_posts":
        return f'"id": {subject["head_post"].pk}, "role": "building_head"'
    if name == "api:list_organisations":
        return f'"id": {subject["org"].pk},'
    if name.startswith("api:"):
        key = {"api:list_persons": "person", "api:list_households": "household"}[name]
        return f'"id": {subject[key].pk},'
    return f"/people/{subject['person'].pk}/"


LIST_QUERY = {
    "people:list": lambda s: {"q": s["person"].name},
    "api:list_persons": lambda s: {"search": s["person"].name},
    "api:list_places": lambda s: {"kind": "building"},
    "api:list_households": lambda s: {},
    "api:list_organisations": lambda s: {"kind": "branch"},
    "api:list_posts": lambda s: {"role": "building_head"},
    "api:list_cases": lambda s: {"view": "all"},
    "api:nearby_cases": lambda s: {
        "category": s["case"].category.code,
        "lat": s["case"].lat,
        "lng": s["case"].lng,
    },
    "api:list_messages": lambda s: {},
    "cases:worklist": lambda s: {"view": "all"},
    "cases:nearby": lambda s: {
        "category": s["case"].category.code,
        "lat": s["case"].lat,
        "lng": s["case"].lng,
    },
    "inbox:list": lambda s: {},
    "insight:texts": lambda s: _trend_point(s),
    "api:trend_texts": lambda s: _trend_point(s),
    "api:stats_case_records": lambda s: _stats_row(s),
    "datacentre:records": lambda s: _stats_row(s),
    "api:stats_module_records": lambda s: _visit_row(s),
    "datacentre:module_records": lambda s: _visit_row(s),
}
LIST_QUERY.update(
    {
        name: (lambda s, n=name: emap_matrix.list_query(n, s))
        for name in ("api:geo_layer", "api:geo_search")
    }
)
LIST_QUERY.update(
    {
        name: (lambda s, n=name: alliance_matrix.list_query(n, s))
        for name, rule in alliance_matrix.RULES.items()
        if rule[1] == "list"
    }
)
LIST_QUERY.update(
    {
        name: (lambda s, n=name: matching_matrix.list_query(n, s))
        for name, rule in matching_matrix.RULES.items()
        if rule[1] == "list"
    }
)
LIST_QUERY.update(
    {
        name: (lambda s, n=name: visits_matrix.list_query(n, s))
        for name, rule in visits_matrix.RULES.items()
        if rule[1] == "list"
    }
)
LIST_QUERY.update(
    {
        name: (lambda s, n=name: deliberation_matrix.list_query(n, s))
        for name, rule in deliberation_matrix.RULES.items()
        if rule[1] == "list"
    }
)
LIST_QUERY.update(
    {
        name: (lambda s, n=name: partylife_matrix.list_query(n, s))
        for name, rule in partylife_matrix.RULES.items()
        if rule[1] == "list"
    }
)
LIST_QUERY.update(
    {
        name: (lambda s, n=name: property_matrix.list_query(n, s))
        for name, rule in property_matrix.RULES.items()
        if rule[1] == "list"
    }
)
LIST_QUERY.update(
    {
        name: (lambda s, n=name: alarms_matrix.list_query(n, s))
        for name, rule in alarms_matrix.RULES.items()
        if rule[1] == "list"
    }
)
LIST_QUERY.update(
    {
        name: (lambda s, n=name: meetings_matrix.list_query(n, s))
        for name, rule in meetings_matrix.RULES.items()
        if rule[1] == "list"
    }
)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_route_as_every_role(demo, subject, name):
    rule = MATRIX[name]
    pattern = routes()[name][0]
    url = url_for(name, pattern, subject)
    unexpected = []
    for role in ROLES:
        client = client_for(demo, role)
        if rule.method == "POST":
            if name.startswith("api:"):
                response = client.post(
                    url, data=json.dumps(rule.data or {}), content_type="application/json"
                )
            else:
                response = client.post(url, rule.data)
        elif rule.kind == "list":
            response = client.get(url, LIST_QUERY[name](subject))
        else:
            response = client.get(url)
        if response.status_code >= 500:
            unexpected.append(f"{role}: server error {response.status_code}")
            continue
        if rule.kind == "open":
            continue
        if rule.kind in ("signed_in", "list"):
            if role == "anonymous":
                if not refused(role, response):
                    unexpected.append(f"anonymous got {response.status_code}")
                continue
            if refused(role, response) and rule.kind == "signed_in":
                unexpected.append(f"{role} refused ({response.status_code})")
            if rule.kind == "list":
                marker = subject_marker(name, subject)
                body = response.content.decode()
                if marker and marker in body and role not in rule.allowed:
                    unexpected.append(f"{role} sees the subject in the list")
                # The other way round, so that a marker that can never match fails loudly.
                if marker and marker not in body and role in rule.allowed:
                    unexpected.append(f"{role} does not see the subject in the list")
            continue
        if role in rule.allowed and refused(role, response):
            unexpected.append(f"{role} refused ({response.status_code}), should be allowed")
        if role not in rule.allowed and not refused(role, response):
            unexpected.append(f"{role} allowed ({response.status_code}), should be refused")
    assert unexpected == [], f"{name} {url}: {unexpected}"


def test_admin_site_is_for_admins_only(demo):
    for role in ROLES:
        response = client_for(demo, role).get("/admin/")
        if role in ADMINS:
            assert response.status_code == 200, role
        else:
            assert response.status_code == 302 and "/admin/login/" in response["Location"], role


def test_not_found_error_is_what_refusal_looks_like():
    assert NotFound().status == 404
