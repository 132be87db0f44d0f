"""Every transition of the table, allowed and refused; policy refusals; validation refusals.

The table (``workflow.TRANSITIONS``) is iterated, so a new act or state is tested by adding a
line to ``ALLOWED`` below (the test fails until it is)."""

from __future__ import annotations

from typing import Any

import pytest

from tongxin.cases import policies, services
from tongxin.cases.models import Case, CaseEvent
from tongxin.cases.workflow import TRANSITIONS, USER_ACTS, State, TransitionRefused
from tongxin.core.errors import Forbidden, NotFound, ValidationFailed

from .support import MORNING, act, department, events, grid_b_worker, in_state, report, snapshot

LATER = MORNING.replace(hour=10)


def _spec(demo: Any, act_name: str, case: Case) -> tuple[str, dict[str, Any]]:
    """Who does ``act_name`` on ``case`` (in its current state), with which valid data."""
    state = case.state
    if act_name == "accept":
        return "grid1", {}
    if act_name == "reject":
        return "grid1", {"reason": "不属于社区受理范围"}
    if act_name == "dispatch":
        return "secretary", {"person_id": grid_b_worker(demo).pk, "reason": "B角更近"}
    if act_name == "start":
        return "grid1", {"note": "已到现场"}
    if act_name == "resolve":
        who = "secretary" if state == State.ESCALATED else "grid1"
        return who, {"result": "已处理完毕"}
    if act_name == "return":
        return "grid1", {"reason": "不是本网格的事"}
    if act_name == "suspend":
        return "secretary", {"reason": "等待业主回来"}
    if act_name == "resume":
        return "secretary", {"note": "业主已回"}
    if act_name == "supervise":
        return "secretary", {"note": "请尽快办理"}
    if act_name == "escalate":
        kind = "housing" if state == State.ESCALATED else "urban_management"
        return "secretary", {"org_ids": [department(kind).pk], "note": "请部门协助"}
    if act_name == "report_in":
        return "dept", {"note": "已到场", "result": "已拆除", "done": True}
    if act_name == "feedback":
        return "resident", {"rating": "satisfied", "comment": "很好"}
    if act_name == "close":
        return "secretary", {"note": "电话回访，群众认可"}
    if act_name == "merge":
        other = report(demo, now=MORNING, description="井盖丢了，同一个地方")
        return "secretary", {"into": other.pk}
    if act_name == "support":
        return "member", {}
    if act_name == "note":
        return "secretary", {"note": "已电话联系", "public": False}
    raise AssertionError(act_name)


ALL_STATES = list(State.values)
ALLOWED = [(a, s) for a in USER_ACTS for s in ALL_STATES if s in TRANSITIONS[a]]


def test_the_table_covers_every_user_act():
    assert set(USER_ACTS) <= set(TRANSITIONS)
    assert len(ALLOWED) > 40


@pytest.mark.django_db
@pytest.mark.parametrize(("act_name", "state"), ALLOWED, ids=[f"{a}-{s}" for a, s in ALLOWED])
def test_allowed_transition(demo, act_name, state):
    case = in_state(demo, state)
    assert case.state == state
    who, data = _spec(demo, act_name, case)
    before = CaseEvent.objects.filter(case=case).count()
    done = act(demo, who, case, act_name, now=LATER, **data)
    targets = TRANSITIONS[act_name][state]
    if act_name == "resume":
        target = State.ACCEPTED  # back to where it was suspended from
        assert target in targets
    elif act_name == "feedback":
        target = State.CLOSED  # 满意 closes
        assert target in targets
    elif act_name == "report_in":
        assert targets == {state}
        target = State.RESOLVED  # the only department called has done its part (parts_done)
    else:
        (target,) = targets
    fresh = Case.objects.get(pk=case.pk)
    assert done.state == fresh.state == target
    new = list(CaseEvent.objects.filter(case=case, seq__gt=before).order_by("seq"))
    assert new[0].act == act_name and new[0].from_state == state
    assert new[0].at == LATER


@pytest.mark.django_db
@pytest.mark.parametrize("state", ALL_STATES)
def test_refused_transitions_change_nothing(demo, state):
    case = in_state(demo, state)
    refused = [a for a in USER_ACTS if state not in TRANSITIONS[a]]
    assert refused or state == State.SUSPENDED or state == State.ESCALATED
    for act_name in refused:
        _who, data = _spec(demo, act_name, case)
        before = snapshot(case)
        for who in ("secretary", "grid1"):
            with pytest.raises(TransitionRefused) as caught:
                act(demo, who, case, act_name, now=LATER, **data)
            assert caught.value.code == "TRANSITION_NOT_ALLOWED"
            assert caught.value.status == 409
            assert "不能执行" in caught.value.message
        assert snapshot(case) == before, act_name


# ------------------------------------------------------------------------------ policy


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "act_name", "data"),
    [
        ("resident", "accept", {}),
        ("resident", "reject", {"reason": "x"}),
        ("resident", "dispatch", {"person_id": 0}),
        ("resident", "supervise", {"note": "快点"}),
        ("resident", "support", {}),  # the reporter cannot "me too" their own case
        ("grid1", "supervise", {"note": "督办"}),  # a grid worker is no dispatcher
        ("dept", "accept", {}),  # a department does not see it at all
    ],
)
def test_policy_refusals_on_a_reported_case(demo, who, act_name, data):
    case = in_state(demo, State.REPORTED)
    before = snapshot(case)
    expected = NotFound if who == "dept" else Forbidden
    with pytest.raises(expected) as caught:
        act(demo, who, case, act_name, now=LATER, **data)
    if expected is Forbidden:
        assert caught.value.code == "ACTION_FORBIDDEN" and caught.value.status == 403
    assert snapshot(case) == before


@pytest.mark.django_db
def test_a_called_department_may_report_in_but_not_handle(demo):
    case = in_state(demo, State.ESCALATED)
    before = snapshot(case)
    for act_name, data in (("accept", {}), ("resolve", {"result": "x"}), ("close", {"note": "x"})):
        with pytest.raises((Forbidden, TransitionRefused)):
            act(demo, "dept", case, act_name, now=LATER, **data)
    with pytest.raises(Forbidden):
        act(demo, "dept", case, "resolve", now=LATER, result="部门自行办结")
    assert snapshot(case) == before
    with pytest.raises(Forbidden):
        act(demo, "grid1", case, "report_in", now=LATER, note="网格员不是被叫的部门")
    assert snapshot(case) == before
    dept = demo.user("dept")
    assert set(policies.allowed_acts(dept, case)) == {"report_in", "note"}


@pytest.mark.django_db
def test_out_of_sight_is_not_found(demo):
    case = in_state(demo, State.REPORTED)
    before = snapshot(case)
    for who in ("grid2", "building", "sysadmin", "secadmin", "auditor"):
        with pytest.raises(NotFound):
            act(demo, who, case, "accept", now=LATER)
    assert snapshot(case) == before


@pytest.mark.django_db
def test_administrators_never_act(demo):
    case = in_state(demo, State.IN_PROGRESS)
    for who in ("sysadmin", "secadmin", "auditor"):
        user = demo.user(who)
        assert user.admin_duty
        assert not [a for a in USER_ACTS if policies.may(user, case, a)]
        assert policies.allowed_acts(user, case) == []
        with pytest.raises(Forbidden):
            services.case_report(
                actor=user, category="env", description="x", **_point(demo), now=MORNING
            )


def _point(demo):
    grid = demo.grid(1)
    return {"lat": grid.centroid_lat, "lng": grid.centroid_lng}


@pytest.mark.django_db
def test_allowed_acts_follow_state_and_role(demo):
    case = in_state(demo, State.REPORTED)
    assert set(policies.allowed_acts(demo.user("grid1"), case)) >= {"accept", "reject", "return"}
    assert policies.allowed_acts(demo.user("resident"), case) == []
    assert "support" in policies.allowed_acts(demo.user("member"), case)
    case = act(demo, "grid1", case, "accept", now=LATER)
    assert "start" in policies.allowed_acts(demo.user("grid1"), case)
    assert "accept" not in policies.allowed_acts(demo.user("grid1"), case)


# ------------------------------------------------------------------------------ validation


# Stands for a resident who holds no post in force: which person that is depends on the day
# the demo was generated (person 1 holds a post on some days), so it is looked up.
NOT_STAFF = "a person without a post"

VALIDATION = [
    (State.REPORTED, "grid1", "reject", {}, "reason"),
    (State.REPORTED, "grid1", "reject", {"reason": "   "}, "reason"),
    (State.IN_PROGRESS, "grid1", "return", {}, "reason"),
    (State.IN_PROGRESS, "secretary", "suspend", {"reason": ""}, "reason"),
    (State.IN_PROGRESS, "grid1", "resolve", {}, "result"),
    (State.IN_PROGRESS, "grid1", "resolve", {"result": 5}, "result"),
    (State.RESOLVED, "resident", "feedback", {"rating": "great"}, "rating"),
    (State.RESOLVED, "resident", "feedback", {}, "rating"),
    (State.ACCEPTED, "secretary", "dispatch", {}, "person_id"),
    (State.ACCEPTED, "secretary", "dispatch", {"person_id": 1, "org_id": 2}, "person_id"),
    (State.ACCEPTED, "secretary", "dispatch", {"person_id": "abc"}, "person_id"),
    (State.ACCEPTED, "secretary", "dispatch", {"person_id": NOT_STAFF}, "person_id"),
    (State.ACCEPTED, "secretary", "dispatch", {"org_id": 999999}, "org_id"),
    (State.ACCEPTED, "secretary", "escalate", {"org_ids": [], "note": "x"}, "org_ids"),
    (State.ACCEPTED, "secretary", "escalate", {"org_ids": ["x"], "note": "x"}, "org_ids"),
    (State.ACCEPTED, "secretary", "supervise", {}, "note"),
    (State.RESOLVED, "secretary", "close", {}, "note"),
    (State.ACCEPTED, "secretary", "merge", {}, "into"),
    (State.ACCEPTED, "secretary", "note", {"note": ""}, "note"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "who", "act_name", "data", "field"),
    VALIDATION,
    ids=[f"{v[2]}-{v[4]}-{i}" for i, v in enumerate(VALIDATION)],
)
def test_validation_refusals_write_nothing(demo, state, who, act_name, data, field):
    if data.get("person_id") == NOT_STAFF:
        from tongxin.orgs.models import Post
        from tongxin.people.models import Person

        holders = Post.objects.active().values("person_id")
        data = {"person_id": Person.objects.exclude(pk__in=holders).order_by("pk")[0].pk}
    case = in_state(demo, state)
    before = snapshot(case)
    with pytest.raises(ValidationFailed) as caught:
        act(demo, who, case, act_name, now=LATER, **data)
    error = caught.value
    assert error.status == 422
    assert [d["field"] for d in error.fields] == [field]
    reason = error.fields[0]["reason"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reason), reason
    assert snapshot(case) == before


@pytest.mark.django_db
def test_escalating_to_a_non_department_is_refused(demo):
    from tongxin.orgs.models import Organisation

    case = in_state(demo, State.ACCEPTED)
    committee = Organisation.objects.get(kind="party_committee")
    before = snapshot(case)
    with pytest.raises(ValidationFailed) as caught:
        act(demo, "secretary", case, "escalate", now=LATER, org_ids=[committee.pk], note="x")
    assert caught.value.fields[0]["field"] == "org_ids"
    with pytest.raises(ValidationFailed):
        act(demo, "secretary", case, "escalate", now=LATER, org_ids=[department().pk])  # no note
    assert snapshot(case) == before


@pytest.mark.django_db
def test_unknown_act_is_refused(demo):
    case = in_state(demo, State.REPORTED)
    with pytest.raises(ValidationFailed) as caught:
        act(demo, "grid1", case, "explode", now=LATER)
    assert caught.value.code == "UNKNOWN_ACTION"
    for system_act in ("warn", "breach", "parts_done", "report", "route"):
        with pytest.raises(ValidationFailed):
            act(demo, "secretary", case, system_act, now=LATER)
    assert events(case) == ["report", "route"]


@pytest.mark.django_db
def test_intake_validation_writes_nothing(demo):
    resident = demo.user("resident")
    count = Case.objects.count()
    bad = [
        ({"category": "env", "description": "  "}, "description"),
        ({"category": "nope", "description": "x"}, "category"),
        ({"category": "env", "description": "x", "priority": "asap"}, "priority"),
        ({"category": "env", "description": "x", "channel": "pigeon"}, "channel"),
        ({"category": "env", "description": "x", "lat": 30.9}, "lng"),
        ({"category": "env", "description": "x", "lat": 95.0, "lng": 113.9}, "lat"),
        ({"category": "env", "description": "x", "lat": 10.0, "lng": 10.0}, "lat"),
        ({"category": "env", "description": "x"}, "location"),
        ({"category": "env", "description": "x", "address": "火星基地"}, "address"),
        ({"category": "env", "description": "x", "place_id": 999999}, "place_id"),
        (
            {"category": "env", "description": "x", "reporter_phone": "123", **_point(demo)},
            "reporter_phone",
        ),
        (
            {"category": "env", "description": "x", "photos": ["not-a-uuid"], **_point(demo)},
            "photos",
        ),
    ]
    for kwargs, field in bad:
        with pytest.raises(ValidationFailed) as caught:
            services.case_report(actor=resident, now=MORNING, **kwargs)
        assert caught.value.fields[0]["field"] == field, kwargs
    assert Case.objects.count() == count
