"""Who sees which cases: a grid worker never another grid's (in any worklist), a building
head only what they are party to, the resident what they reported, the secretary the
community, the street officer the street. And the duplicate finder."""

from __future__ import annotations

import datetime as dt

import pytest

from tongxin.cases import services
from tongxin.cases.models import Case
from tongxin.cases.selectors import VIEWS, filter_cases, supportable_cases, worklist
from tongxin.places.models import Place

from .support import MORNING, act, report

pytestmark = pytest.mark.dates


@pytest.fixture
def four(demo):
    """Cases in grids 1–4: the resident's in grid 1, patrol findings in 2, 3 and 4."""
    cases = {
        1: report(demo, description="一网格井盖"),
        2: report(demo, "grid2", grid=2, channel="patrol", description="二网格井盖"),
        3: report(demo, "secretary", grid=3, channel="patrol", description="三网格井盖"),
        4: report(demo, "grid1", grid=4, channel="patrol", description="四网格井盖"),
    }
    # Give every worklist something: one overdue, one escalated, one waiting for dispatch.
    services.case_check_clocks(case_id=cases[2].pk, now=MORNING + dt.timedelta(days=3))
    act(demo, "grid2", cases[2], "accept")
    act(demo, "grid2", cases[2], "escalate", org_ids=[_dept().pk], note="请城管")
    act(demo, "grid1", cases[1], "accept")
    return cases


def _dept():
    from .support import department

    return department()


def party_to(user, case):
    pid = user.person_id
    return (
        pid
        in (
            case.reporter_person_id,
            case.assignee_person_id,
            case.owner_id,
            case.supervisor_id,
        )
        or case.reporter_user_id == user.pk
    )


def paths(demo, *grids):
    return tuple(demo.grid(n).path for n in grids)


@pytest.mark.django_db
def test_a_grid_worker_never_sees_another_grids_cases(demo, four):
    for who, own, others in (("grid1", (1, 4), (2, 3)), ("grid2", (2, 5), (1, 3, 4))):
        user = demo.user(who)
        visible = Case.objects.visible_to(user)
        for n in own:
            if n in four:
                assert four[n] in visible
        for n in others:
            assert four[n] not in visible
        for view in VIEWS:
            for case in worklist(user, view):
                assert case.place_path.startswith(paths(demo, *own)) or party_to(user, case), (
                    who,
                    view,
                    case,
                )
            assert not {four[n].pk for n in others} & set(
                worklist(user, view).values_list("pk", flat=True)
            ), (who, view)
        assert four[others[0]] not in filter_cases(visible, q=four[others[0]].ref)


@pytest.mark.django_db
def test_the_worklists(demo, four):
    grid1, grid2, secretary = demo.user("grid1"), demo.user("grid2"), demo.user("secretary")
    assert four[1] in worklist(grid1, "mine")
    assert four[4] not in worklist(grid1, "mine")  # grid 4's A has it
    assert four[4] in worklist(grid1, "grid")
    assert four[4] in worklist(grid1, "accept")
    assert four[1] not in worklist(grid1, "accept")
    assert four[4] in worklist(grid1, "reported")
    assert list(worklist(grid1, "dispatch")) == []  # a grid worker dispatches nothing
    assert four[1] in worklist(secretary, "dispatch")
    assert four[2] in worklist(grid2, "overdue") and four[2] in worklist(secretary, "overdue")
    assert four[2] in worklist(grid2, "escalated")
    assert four[2] in worklist(demo.user("dept"), "escalated")
    assert four[1] not in worklist(demo.user("dept"), "all")


@pytest.mark.django_db
def test_the_building_head_sees_only_what_they_are_party_to(demo, four):
    building = demo.user("building")
    visible = list(Case.objects.visible_to(building))
    assert all(party_to(building, c) for c in visible)
    assert not {c.pk for c in four.values()} & {c.pk for c in visible}
    mine = report(demo, "building", description="楼道灯坏了")
    assert mine in Case.objects.visible_to(building)
    assert mine in worklist(building, "reported")


@pytest.mark.django_db
def test_the_resident_sees_what_they_reported(demo, four):
    resident = demo.user("resident")
    visible = list(Case.objects.visible_to(resident))
    assert four[1] in visible
    assert all(party_to(resident, c) for c in visible)
    assert four[2] not in visible
    # "me too" reaches the open cases of their community, nothing further.
    community = Place.objects.get(kind="community")
    assert four[2] in supportable_cases(resident)
    assert all(c.place_path.startswith(community.path) for c in supportable_cases(resident))


@pytest.mark.django_db
def test_the_secretary_sees_the_community_and_the_street_the_street(demo, four):
    community = Place.objects.get(kind="community")
    street = Place.objects.get(kind="street")
    for who, root in (("secretary", community), ("street", street)):
        visible = Case.objects.visible_to(demo.user(who))
        assert set(four.values()) <= set(visible)
        assert not visible.exclude(place_path__startswith=root.path).exists()
    assert Case.objects.visible_to(demo.user("sysadmin")).count() == 0
    assert Case.objects.visible_to(demo.user("auditor")).count() == 0


# ------------------------------------------------------------------------------ duplicates


@pytest.mark.django_db
def test_the_duplicate_finder(demo):
    grid = demo.grid(1)
    first = report(demo, description="井盖缺失")
    near = report(
        demo,
        "building",
        lat=grid.centroid_lat + 0.0003,  # about 33 m north
        lng=grid.centroid_lng,
        description="门口井盖没了",
        now=MORNING + dt.timedelta(hours=2),
    )
    assert first in services.nearby_open_cases(near)
    assert near in services.nearby_open_cases(first)  # the later report shows on the first
    # The intake recorded it for the dispatcher.
    route = near.events.get(act="route")
    assert first.pk in route.data["possible_duplicates"]
    other_category = report(demo, category="noise", description="装修噪音")
    assert first not in services.nearby_open_cases(other_category)
    far_grid = demo.grid(5)
    far = report(demo, "grid2", grid=5, channel="patrol", description="远处井盖")
    assert far_grid.pk == far.grid_id
    assert first not in services.nearby_open_cases(far)
    # Long after (beyond the window) it is no longer a likely duplicate.
    later = report(demo, description="井盖又没了", now=MORNING + dt.timedelta(days=30))
    assert first not in services.nearby_open_cases(later)
    # A closed case is no duplicate.
    act(demo, "grid1", first, "reject", reason="已处理")
    assert first not in services.nearby_open_cases(near)


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["grid1", "secretary", "street", "dept", "resident"])
def test_one_policy_decides_the_internal_view_in_lists_and_pages(demo, username):
    """A list's cheap answer (calls read once for the page) is the page's answer."""
    from tongxin.cases import policies
    from tongxin.cases.api import viewer_of
    from tongxin.cases.selectors import cases_for

    user = demo.user(username)
    cases = list(cases_for(user).order_by("-pk")[:40])
    called = policies.called_case_ids(user, [c.pk for c in cases])
    for case in cases:
        assert viewer_of(user, case, called=case.pk in called) == viewer_of(user, case)


@pytest.mark.parametrize(
    "username", ["resident", "building", "grid1", "grid2", "secretary", "dept"]
)
def test_seen_in_agrees_with_scope_q(demo, four, username):
    """``Case.seen_in`` (the scope decided from a case's fields, which spares intake and the
    duplicate offer a query) says what ``visible_to`` says, for every case and role, the
    department called in on a case included."""
    from tongxin.core.scoping import scope_for

    user = demo.user(username)
    scope = scope_for(user)
    visible = set(Case.objects.visible_to(user).values_list("pk", flat=True))
    assert visible or username == "building", username  # building heads: no case scope
    decided = {c.pk: c.seen_in(scope) for c in Case.objects.all()}
    assert None not in decided.values()  # the demo's called-in lists are short
    assert {pk for pk, seen in decided.items() if seen} == visible


def test_a_department_called_in_on_many_cases_is_answered_by_the_database(demo, four, monkeypatch):
    """When a department was called in on more cases than a scope keeps in memory, the
    fields cannot decide (``seen_in`` is None) and the lists ask the database: the called-in
    case is still reached, and shown to the department as one it works on."""
    from tongxin.cases import models
    from tongxin.cases.selectors import reachable
    from tongxin.core.scoping import scope_for

    monkeypatch.setattr(models, "CALLED_INLINE", 0)
    dept = demo.user("dept")
    called = four[2]
    assert called.seen_in(scope_for(dept)) is None
    assert reachable(dept, [called]) == [called]
    listed = demo.api("dept").get("/api/v1/cases", {"view": "escalated"}).json()
    row = next(c for c in listed["items"] if c["id"] == called.pk)
    assert row["owner"]  # the internal view: a department called in sees who owns it
