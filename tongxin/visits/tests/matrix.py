"""Visits' rows of the access matrix (tongxin/core/tests/test_access_matrix.py) and the subject
objects they are tried on: a resident living alone in the building head's building (grid A),
whose monthly visit falls to grid1 (the grid worker the chain names), paired for 天天敲门 with the
building head and grid1.

- the visit (its page, the API's task, recording it): the care staff over grid A (grid1,
  secretary); everyone else 404 (the building head and grid2 included: records never leave the
  care scope);
- my visits (page and API): the one who owes it (grid1); the printed sheet of my visits: anyone
  signed in (their own visits only; an empty sheet for those who owe none);
- the board and its export: care staff anywhere (grid1, grid2, secretary); others 403;
- the pairs and the knock: the pair's helpers (building, grid1) and the care staff (secretary);
- a resident's care timeline: the care staff over the resident (grid1, secretary);
- a resident's risk tier: the care staff over the resident (grid1, secretary) — on the
  matrix's subject person, who holds no care tag: 422 for them, 404 for everyone else;
- a resident's reported event (a hospital admission): the care staff over the resident (grid1,
  secretary) — on the matrix's subject person: 201 for them, 404 for everyone else;
- the measures and the coverage: anyone signed in (numbers of their own scope only).
"""

from __future__ import annotations

from typing import Any

from tongxin.core.tests.matrix_roles import SIGNED_IN

CARE = frozenset({"grid1", "secretary"})
CARE_ANYWHERE = frozenset({"grid1", "grid2", "secretary"})
PAIR = frozenset({"building", "grid1", "secretary"})

# name → (allowed, kind, method, data)
RULES: dict[str, tuple[frozenset[str], str, str, dict[str, Any]]] = {
    "visits:due": (frozenset({"grid1"}), "list", "GET", {}),
    "visits:task": (CARE, "object", "GET", {}),
    "visits:sheet": (SIGNED_IN, "signed_in", "GET", {}),
    "visits:board": (CARE_ANYWHERE, "object", "GET", {}),
    "visits:export": (CARE_ANYWHERE, "object", "GET", {}),
    "visits:pairs": (PAIR, "list", "GET", {}),
    "visits:knock": (PAIR, "object", "POST", {"answered": "1"}),
    "visits:timeline": (CARE, "object", "GET", {}),
    "visits:event": (CARE, "object", "POST", {"trigger": "hospital"}),
    "api:visits_due": (frozenset({"grid1"}), "list", "GET", {}),
    "api:visits_measures": (SIGNED_IN, "signed_in", "GET", {}),
    "api:visits_coverage": (SIGNED_IN, "signed_in", "GET", {}),
    "api:get_visit": (CARE, "object", "GET", {}),
    "api:record_visit": (CARE, "object", "POST", {"method": "home", "notes": "矩阵走访"}),
    "api:set_tier": (CARE, "object", "POST", {"risk_tier": "key"}),
    "api:report_event": (CARE, "object", "POST", {"trigger": "hospital"}),
    "api:list_pairs": (PAIR, "list", "GET", {}),
    "api:knock": (PAIR, "object", "POST", {"answered": True}),
}

ARGUMENTS = {"task_id": "visit_task", "pair_id": "visit_pair"}


def subject(demo: Any) -> dict[str, Any]:
    from tongxin.visits import services
    from tongxin.visits.models import VisitTask
    from tongxin.visits.tests.helpers import fresh, head_building, tag

    (person,) = fresh(demo, under=head_building(demo), n=1, skip=9)
    tag(person, "living_alone")
    services.plan(persons=[person])
    task = VisitTask.objects.get(person=person, rule__code="elderly-living_alone")
    assert task.assignee_id == demo.user("grid1").person_id, task.assign_reason
    pair = services.pair_create(
        person=person,
        helpers=[
            (demo.user("building").person, "building_head"),
            (demo.user("grid1").person, "grid_worker"),
        ],
    )
    return {"visit_task": task, "visit_pair": pair}


def marker(name: str, s: dict[str, Any]) -> str:
    if name == "visits:due":
        return f'data-task="{s["visit_task"].pk}"'
    if name == "visits:pairs":
        return f'data-pair="{s["visit_pair"].pk}"'
    if name == "api:list_pairs":
        return f'"id": {s["visit_pair"].pk}, "person"'
    return f'"id": {s["visit_task"].pk}, "person"'


def list_query(name: str, s: dict[str, Any]) -> dict[str, Any]:
    if name in ("visits:due", "api:visits_due"):
        # The list is paged: the subject's name finds their visit on the first page.
        return {"q": s["visit_task"].person.name}
    return {}
