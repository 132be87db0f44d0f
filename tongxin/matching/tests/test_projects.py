"""项目清单: every act in every state (allowed and refused), the needs a project takes in,
milestones (overdue by the clock), money exact through the ledger (raise, spend, overspend
refused; the ledger check passes; balance = raised − spent), the close-off record, and
scoping (another community's project is 404; a resident's public face never shows needs)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.utils import timezone

from tongxin.core.errors import Forbidden, NotFound, TransitionRefused, ValidationFailed
from tongxin.matching import project_selectors, services
from tongxin.matching.errors import MilestonesOpen, ProjectFundsShort
from tongxin.matching.models import (
    Milestone,
    NeedState,
    Project,
    ProjectMoney,
    ProjectState,
)
from tongxin.matching.workflow import PROJECT_MACHINE, ProjectAct
from tongxin.orgs.models import Organisation, OrgKind
from tongxin.places.models import Place
from tongxin.volunteering import ledger
from tongxin.volunteering.models import AccountKind

S = ProjectState


def _unit(world):
    unit = Organisation.objects.filter(
        kind=OrgKind.CO_BUILDING_UNIT, places=world.community
    ).first()
    assert unit is not None
    return unit


def _project(world, *, needs=(), budget=500_000, **kw):
    return services.project_create(
        actor=world.user("secretary"),
        community=world.community,
        title=kw.pop("title", "三无小区车棚改造"),
        description="为居民加装车棚与充电桩",
        owners=[_unit(world)],
        budget=budget,
        needs=needs,
        **kw,
    )


def _act(world, project, act, by="secretary", **data):
    return services.project_act(actor=world.user(by), project_id=project.pk, act=act, data=data)


def _in_state(world, state):
    p = _project(world)
    path = {
        S.PROPOSED: [],
        S.APPROVED: ["approve"],
        S.RUNNING: ["approve", "start"],
        S.CLOSED: ["approve", "start", "close"],
        S.CANCELLED: ["cancel"],
    }[state]
    for act in path:
        _act(world, p, act, summary="完成", outcome="achieved", reason="取消")
    p.refresh_from_db()
    assert p.state == state
    return p


def _do(world, p, act):
    """One act on the project by the secretary, with valid data."""
    sec = world.user("secretary")
    if act in ("approve", "start", "close", "cancel"):
        return _act(world, p, act, summary="完成", outcome="achieved", reason="取消", waiver="")
    if act == "add_need":
        need = world.need()
        world.act(need, "verify", "grid1", method="visit")
        return services.project_add_needs(actor=sec, project_id=p.pk, needs=[need])
    if act == "add_milestone":
        return services.milestone_add(actor=sec, project_id=p.pk, title="验收", due_on="2099-01-01")
    if act == "complete_milestone":
        m = Milestone.objects.create(project=p, title="x", due_on=dt.date(2099, 1, 1))
        return services.milestone_complete(
            actor=sec, project_id=p.pk, milestone_id=m.pk, evidence="验收单"
        )
    if act == "raise":
        return services.project_raise(actor=sec, project_id=p.pk, amount=100, contributor="某单位")
    if act == "spend":
        services.project_raise(actor=sec, project_id=p.pk, amount=100, contributor="某单位")
        return services.project_spend(
            actor=sec, project_id=p.pk, amount=100, purpose="材料", receipt_no="NO.1"
        )
    raise AssertionError(act)


@pytest.mark.parametrize("state", list(S.values))
@pytest.mark.parametrize("act", list(ProjectAct.values))
def test_every_act_in_every_state(world, state, act):
    p = _in_state(world, state)
    if act == "spend" and state == S.APPROVED:
        # Raising is allowed here, the spend itself is refused.
        services.project_raise(
            actor=world.user("secretary"), project_id=p.pk, amount=100, contributor="某单位"
        )
        with pytest.raises(TransitionRefused):
            services.project_spend(
                actor=world.user("secretary"),
                project_id=p.pk,
                amount=100,
                purpose="材料",
                receipt_no="1",
            )
        return
    if PROJECT_MACHINE.allowed(act, state):
        _do(world, p, act)
        p.refresh_from_db()
        assert p.state in PROJECT_MACHINE.targets(act, state)
    else:
        with pytest.raises(TransitionRefused) as refused:
            _do(world, p, act)
        assert refused.value.status == 409
        p.refresh_from_db()
        assert p.state == state


def test_only_the_communitys_managers_act(world):
    p = _project(world)
    for who in ("grid1", "resident"):
        with pytest.raises((Forbidden, NotFound)):
            _act(world, p, "approve", by=who)
    with pytest.raises(Forbidden):
        services.project_create(
            actor=world.user("grid1"),
            community=world.community,
            title="x",
            owners=[_unit(world)],
        )


def test_unknown_act_and_bad_fields_are_422(world):
    p = _project(world)
    with pytest.raises(ValidationFailed) as bad:
        _act(world, p, "explode")
    assert bad.value.code == "UNKNOWN_ACTION"
    with pytest.raises(ValidationFailed):
        services.project_create(
            actor=world.user("secretary"), community=world.community, title="", owners=[]
        )
    with pytest.raises(ValidationFailed):
        _project(world, budget=-1)
    with pytest.raises(ValidationFailed):
        _project(world, starts_on="2027-05-01", ends_on="2027-04-01")


def test_needs_go_into_the_project_and_close_with_it(world):
    a, b = world.listed(), world.need(kind="service", description="楼道需要加装扶手")
    world.act(b, "verify", "grid1", method="phone")
    p = _project(world, needs=[a, b])
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.state == b.state == NeedState.IN_PROJECT
    # Off the list: a member no longer finds it to claim.
    with pytest.raises(NotFound):
        world.act(a, "claim", "member")
    # A need in a project cannot join another one.
    with pytest.raises(TransitionRefused):
        _project(world, needs=[a])
    _act(world, p, "approve")
    _act(world, p, "start")
    _act(world, p, "close", summary="车棚建成", outcome="achieved", beneficiaries=120)
    a.refresh_from_db()
    assert a.state == NeedState.CLOSED
    assert a.events.filter(act="settle").exists()


def test_a_posted_need_cannot_join_and_cancel_returns_the_needs(world):
    posted = world.need()
    with pytest.raises(TransitionRefused):
        _project(world, needs=[posted], title="不该留下的项目")
    assert not Project.objects.filter(title="不该留下的项目").exists()  # nothing written
    listed = world.listed()
    p = _project(world, needs=[listed])
    with pytest.raises(ValidationFailed):
        _act(world, p, "cancel")  # a reason is required
    _act(world, p, "cancel", reason="单位资金未落实")
    listed.refresh_from_db()
    assert listed.state == NeedState.VERIFIED


def test_money_is_exact_through_the_ledger(world):
    sec = world.user("secretary")
    p = _in_state(world, S.RUNNING)
    unit = _unit(world)
    services.project_raise(actor=sec, project_id=p.pk, amount=300_000, organisation=unit)
    services.project_raise(actor=sec, project_id=p.pk, amount=12_345, contributor="居民张先生")
    services.project_spend(
        actor=sec, project_id=p.pk, amount=200_001, purpose="车棚材料", receipt_no="FP-001"
    )
    with pytest.raises(ProjectFundsShort) as short:
        services.project_spend(
            actor=sec, project_id=p.pk, amount=112_345, purpose="超支", receipt_no="FP-002"
        )
    assert short.value.status == 409
    assert short.value.context["balance"] == 112_344
    services.project_spend(
        actor=sec, project_id=p.pk, amount=112_344, purpose="人工", receipt_no="FP-003"
    )
    p.refresh_from_db()
    p.account.refresh_from_db()
    assert (p.raised, p.spent, p.balance) == (312_345, 312_345, 0)
    assert p.account.balance == 0 == ledger.recompute_balance(p.account)
    assert p.account.kind == AccountKind.PROJECT
    rows = ProjectMoney.objects.filter(project=p)
    assert rows.count() == 4
    assert rows.get(contributor=unit.name).organisation_id == unit.pk
    assert ledger.check_ledger() == []
    with pytest.raises(ValidationFailed):
        services.project_spend(actor=sec, project_id=p.pk, amount=1, purpose="", receipt_no="1")
    with pytest.raises(ValidationFailed):
        services.project_spend(actor=sec, project_id=p.pk, amount=1, purpose="x", receipt_no="")
    with pytest.raises(ValidationFailed):
        services.project_raise(actor=sec, project_id=p.pk, amount=0, contributor="x")
    with pytest.raises(ValidationFailed):
        services.project_raise(actor=sec, project_id=p.pk, amount=10)  # who gave?


def test_close_is_refused_while_milestones_are_open_unless_waived(world):
    sec = world.user("secretary")
    p = _in_state(world, S.RUNNING)
    m1 = services.milestone_add(actor=sec, project_id=p.pk, title="设计方案", due_on="2099-01-01")
    services.milestone_add(actor=sec, project_id=p.pk, title="竣工验收", due_on="2099-02-01")
    services.milestone_complete(actor=sec, project_id=p.pk, milestone_id=m1.pk, evidence="方案")
    with pytest.raises(TransitionRefused):  # done once
        services.milestone_complete(actor=sec, project_id=p.pk, milestone_id=m1.pk, evidence="x")
    with pytest.raises(MilestonesOpen) as still:
        _act(world, p, "close", summary="完成", outcome="partial")
    assert still.value.context["open"] == ["竣工验收"]
    _act(world, p, "close", summary="完成", outcome="partial", waiver="验收推迟到明年")
    p.refresh_from_db()
    assert p.state == S.CLOSED and p.waiver == "验收推迟到明年" and p.closed_by == sec
    with pytest.raises(ValidationFailed):
        q = _in_state(world, S.RUNNING)
        _act(world, q, "close", summary="完成", outcome="perfect")


@pytest.mark.dates
def test_a_milestone_is_overdue_by_the_clock(world):
    at = timezone.make_aware(dt.datetime(2027, 3, 1, 9, 0))
    with time_machine.travel(at, tick=False):
        p = _in_state(world, S.RUNNING)
        m = services.milestone_add(
            actor=world.user("secretary"), project_id=p.pk, title="开工", due_on="2027-03-01"
        )
        assert not m.overdue
    with time_machine.travel(at + dt.timedelta(days=1), tick=False):
        m.refresh_from_db()
        assert m.overdue
        row = project_selectors.projects_for(world.user("secretary")).get(pk=p.pk)
        assert row.m_overdue == 1
    with time_machine.travel(at + dt.timedelta(days=2), tick=False):
        services.milestone_complete(
            actor=world.user("secretary"), project_id=p.pk, milestone_id=m.pk, evidence="照片"
        )
        m.refresh_from_db()
        assert not m.overdue


def _other_community_project(world):
    street = Place.objects.get_parent(world.community)
    other = Place.objects.add_child(
        street, {"kind": "community", "code": "TEST-OTHER-COMM", "name": "别的社区"}
    )
    return Project.objects.create(
        community=other,
        title="别社区的项目",
        state=S.RUNNING,
        account=ledger.new_project_account(other),
        proposed_by=world.user("sysadmin"),
    )


def test_another_communitys_project_is_404(world, demo):
    other = _other_community_project(world)
    for who in ("secretary", "grid1", "resident"):
        with pytest.raises(NotFound):
            project_selectors.access_project(world.user(who), other.pk)
        assert demo.api(who).get(f"/api/v1/projects/{other.pk}").status_code == 404
        assert demo.client(who).get(f"/matching/projects/{other.pk}/").status_code == 404
    with pytest.raises(NotFound):
        services.project_raise(
            actor=world.user("secretary"), project_id=other.pk, amount=1, contributor="x"
        )


def test_a_residents_public_face_never_shows_needs(world, demo):
    need = world.listed(description="秘密需求内容：独居老人家中漏水")
    p = _project(world, needs=[need])
    # A proposal is not public yet.
    assert demo.api("resident").get(f"/api/v1/projects/{p.pk}").status_code == 404
    _act(world, p, "approve")
    services.project_raise(
        actor=world.user("secretary"), project_id=p.pk, amount=5000, contributor="张三"
    )
    body = demo.api("building").get(f"/api/v1/projects/{p.pk}").json()
    assert body["title"] == "三无小区车棚改造" and body["raised"] == 5000
    assert body["needs"] is None and body["money"] is None and body["needs_count"] == 1
    assert "秘密需求" not in json.dumps(body, ensure_ascii=False)
    assert "张三" not in json.dumps(body, ensure_ascii=False)
    page = demo.client("building").get(f"/matching/projects/{p.pk}/").content.decode()
    assert "秘密需求" not in page and "张三" not in page
    # The community's secretary sees the books and the need.
    full = demo.api("secretary").get(f"/api/v1/projects/{p.pk}").json()
    assert full["needs"][0]["id"] == need.pk and full["money"][0]["contributor"] == "张三"
    # The grid worker reads it; the need shows as far as they may see it.
    grid = demo.api("grid1").get(f"/api/v1/projects/{p.pk}").json()
    assert grid["books"] is True and grid["acts"] == []


def test_api_round_trip(world, demo):
    api = demo.api("secretary")
    unit = _unit(world)
    need = world.listed()
    r = api.post(
        "/api/v1/projects",
        {
            "title": "楼道灯加装",
            "owners": [unit.pk],
            "budget": 80000,
            "needs": [need.pk],
            "ends_on": "2099-06-30",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    assert r.json()["state"] == "proposed"
    for act in ("approve", "start"):
        r = api.post(f"/api/v1/projects/{pid}/actions/{act}", {}, content_type="application/json")
        assert r.status_code == 200, r.content
    r = api.post(f"/api/v1/projects/{pid}/actions/approve", {}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "TRANSITION_NOT_ALLOWED"
    r = api.post(
        f"/api/v1/projects/{pid}/milestones",
        {"title": "采购灯具", "due_on": "2099-01-01"},
        content_type="application/json",
    )
    assert r.status_code == 201
    mid = r.json()["id"]
    r = api.post(
        f"/api/v1/projects/{pid}/milestones/{mid}/done",
        {"evidence": "采购单 CG-7"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["done_at"]
    r = api.post(
        f"/api/v1/projects/{pid}/funds/in",
        {"amount": 60000, "organisation": unit.pk},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["balance"] == 60000
    r = api.post(
        f"/api/v1/projects/{pid}/funds/out",
        {"amount": 60001, "purpose": "灯具", "receipt_no": "FP-9"},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["code"] == "PROJECT_FUNDS_SHORT"
    r = api.post(
        f"/api/v1/projects/{pid}/funds/out",
        {"amount": 60000, "purpose": "灯具", "receipt_no": "FP-9"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["balance"] == 0
    r = api.post(
        f"/api/v1/projects/{pid}/actions/close",
        {"summary": "全部楼道灯已装好", "outcome": "achieved", "beneficiaries": 300},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["state"] == "closed"
    listed = api.get("/api/v1/projects?state=closed").json()
    assert pid in [p["id"] for p in listed["items"]]
    assert api.get("/api/v1/projects?state=nonsense").status_code == 422
    assert ledger.check_ledger() == []


def test_pages_and_export(world, demo):
    p = _in_state(world, S.RUNNING)
    sec = demo.client("secretary")
    board = sec.get("/matching/projects/")
    assert board.status_code == 200 and f'data-project="{p.pk}"' in board.content.decode()
    assert sec.get("/matching/projects/new/").status_code == 200
    r = sec.post(
        f"/matching/projects/{p.pk}/funds/",
        {"kind": "raise", "amount": "1,234.56", "contributor": "爱心商户"},
    )
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.raised == 123_456
    r = sec.post(
        f"/matching/projects/{p.pk}/funds/",
        {"kind": "spend", "amount": "2000", "purpose": "材料", "receipt_no": "1"},
    )
    p.refresh_from_db()
    assert p.spent == 0  # refused, shown as a message
    r = sec.post(
        f"/matching/projects/{p.pk}/milestones/", {"title": "开工", "due_on": "2099-01-01"}
    )
    assert p.milestones.count() == 1
    csv = sec.get("/matching/projects.csv")
    assert csv.status_code == 200
    text = csv.content.decode("utf-8-sig")
    assert "三无小区车棚改造" in text and "1234.56" in text
    assert demo.client("grid1").get("/matching/projects.csv").status_code == 403


def test_the_board_reads_a_fixed_number_of_statements(world, demo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = demo.client("secretary")
    api = demo.api("secretary")
    client.get("/matching/projects/")  # warm the per-process caches
    api.get("/api/v1/projects")

    def count(path, c):
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(path).status_code == 200
        return len(ctx.captured_queries)

    before = (count("/matching/projects/", client), count("/api/v1/projects", api))
    for i in range(5):
        _project(world, title=f"项目{i}")
    after = (count("/matching/projects/", client), count("/api/v1/projects", api))
    assert after == before, (before, after)
