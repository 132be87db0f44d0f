"""Routing: the grid's A, B when A is away or gone, up the chain when both are; departments
for department-level categories; routing rules; the duty roster off hours; overrides."""

from __future__ import annotations

import datetime as dt

import pytest

from tongxin.cases.models import CaseCategory, DutyShift, Level, RoutingDecision, RoutingRule
from tongxin.cases.workflow import State
from tongxin.orgs.models import Absence, Post
from tongxin.places.models import Place

from .support import MORNING, act, at, department, grid_b_worker, report

DAY = MORNING.date()


@pytest.fixture(autouse=True)
def _no_demo_roster_or_rules(db):
    """Each test sets up the roster and rules it is about (the demo has its own)."""
    DutyShift.objects.all().delete()
    RoutingRule.objects.all().delete()


def grid_post(demo, n=1, rank="A"):
    return Post.objects.get(place=demo.grid(n), role="grid_worker", rank=rank)


def away(person, day=DAY):
    Absence.objects.create(
        person=person, start_date=day - dt.timedelta(days=1), end_date=day + dt.timedelta(days=3)
    )


def decision(case):
    return RoutingDecision.objects.filter(case=case).order_by("at", "pk").last()


def community():
    return Place.objects.get(kind="community")


def street():
    return Place.objects.get(kind="street")


@pytest.mark.django_db
def test_default_goes_to_the_grid_a(demo):
    case = report(demo)
    a = grid_post(demo).person
    assert case.level == Level.GRID
    assert case.assignee_person == a and case.assignee_org is None
    assert case.owner == a  # 首问责任人: the first to receive it
    d = decision(case)
    assert d.person == a and not d.override and d.rule is None
    assert "第1网格" in d.reason and a.name in d.reason
    assert "(A角)" in d.reason


@pytest.mark.django_db
def test_a_absent_goes_to_b(demo):
    away(grid_post(demo).person)
    case = report(demo)
    b = grid_b_worker(demo)
    assert case.assignee_person == b
    reason = decision(case).reason
    assert "不在岗" in reason and b.name in reason
    # The reason for the absence stays private; only that the holder is away.
    assert "请假" not in reason


@pytest.mark.django_db
def test_a_post_ended_goes_to_b(demo):
    Post.objects.filter(pk=grid_post(demo).pk).update(end_date=DAY - dt.timedelta(days=1))
    case = report(demo)
    assert case.assignee_person == grid_b_worker(demo)


@pytest.mark.django_db
def test_a_post_ending_today_still_counts(demo):
    a = grid_post(demo)
    Post.objects.filter(pk=a.pk).update(end_date=DAY)
    assert report(demo).assignee_person == a.person


@pytest.mark.django_db
def test_both_away_goes_up_the_chain(demo):
    away(grid_post(demo, rank="A").person)
    away(grid_post(demo, rank="B").person)
    chief = Post.objects.get(place=demo.grid(1), role="grid_chief").person
    case = report(demo)
    assert case.assignee_person == chief and case.level == Level.GRID
    assert chief.name in decision(case).reason
    # and with the grid chief away too, the community's secretary
    away(chief)
    secretary = demo.user("secretary").person
    case = report(demo, description="又一个井盖没了")
    assert case.assignee_person == secretary
    assert "文化路社区" in decision(case).reason


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "kind"),
    [("traffic", "traffic_police"), ("illegal_build", "urban_management")],
)
def test_department_categories_go_to_the_streets_department(demo, code, kind):
    case = report(demo, category=code, description="小区门口乱停车堵住消防通道")
    dept = department(kind)
    assert case.level == Level.DEPARTMENT
    assert case.assignee_org == dept and case.assignee_person is None
    assert dept.name in decision(case).reason


@pytest.mark.django_db
def test_department_category_without_a_department_falls_back_to_the_community(demo):
    department("traffic_police").__class__.objects.filter(department_kind="traffic_police").update(
        is_active=False
    )
    case = report(demo, category="traffic", description="乱停车")
    assert case.level == Level.COMMUNITY
    assert case.assignee_person == demo.user("secretary").person
    assert "未找到" in decision(case).reason


@pytest.mark.django_db
def test_the_department_user_sees_and_handles_a_case_routed_to_it(demo):
    case = report(demo, category="illegal_build", description="楼顶违章搭建")
    act(demo, "dept", case, "accept")
    case = act(demo, "dept", case, "start", note="已到现场")
    assert case.state == State.IN_PROGRESS


@pytest.mark.django_db
def test_a_rule_overrides_the_default(demo):
    garbage = CaseCategory.objects.get(code="env.garbage")
    rule = RoutingRule.objects.create(
        name="文化路社区垃圾清运交社区工作者",
        category=garbage.parent,  # env and its sub-categories
        place=community(),
        hours=RoutingRule.Hours.WORKING,
        level=Level.COMMUNITY,
        target_role="community_worker",
    )
    worker = (
        Post.objects.filter(place=community(), role="community_worker").order_by("pk").first()
    ).person
    case = report(demo, category="env.garbage", description="垃圾三天没人清运")
    assert case.assignee_person == worker and case.level == Level.COMMUNITY
    d = decision(case)
    assert d.rule == rule and rule.name in d.reason
    # Off hours the rule does not apply: the default (the grid) does.
    night = report(demo, category="env.garbage", description="垃圾没清", now=at(2026, 10, 20, 22))
    assert night.assignee_person == grid_post(demo).person and decision(night).rule is None
    # Another category is untouched.
    assert report(demo, category="noise").assignee_person == grid_post(demo).person


@pytest.mark.django_db
def test_the_most_specific_rule_wins(demo):
    env = CaseCategory.objects.get(code="env")
    garbage = CaseCategory.objects.get(code="env.garbage")
    property_company = department("urban_management")
    RoutingRule.objects.create(name="环境类归社区", category=env, level=Level.COMMUNITY)
    specific = RoutingRule.objects.create(
        name="垃圾清运归城管",
        category=garbage,
        place=demo.grid(1),
        level=Level.DEPARTMENT,
        target_org=property_company,
    )
    case = report(demo, category="env.garbage", description="垃圾清运")
    assert case.assignee_org == property_company and decision(case).rule == specific
    case = report(demo, category="env.litter", description="楼道杂物")
    assert case.level == Level.COMMUNITY
    # 环境卫生 runs on the sanitation chain: at the community, its committee member first.
    member = Post.objects.filter(place=community(), role="committee_member").order_by("pk")[0]
    assert case.assignee_person == member.person
    # An inactive rule is ignored.
    RoutingRule.objects.update(is_active=False)
    assert report(demo, category="env.garbage").assignee_person == grid_post(demo).person


@pytest.mark.django_db
def test_a_rule_whose_role_is_vacant_falls_through(demo):
    RoutingRule.objects.create(
        name="井盖交物管员",
        category=CaseCategory.objects.get(code="municipal.manhole"),
        level=Level.COMMUNITY,
        target_role="property_officer",
    )
    case = report(demo)
    assert case.assignee_person == grid_post(demo).person
    assert "无人在岗" in decision(case).reason


@pytest.mark.django_db
def test_dispatcher_override_is_recorded(demo):
    case = report(demo)
    b = grid_b_worker(demo)
    case = act(demo, "secretary", case, "dispatch", person_id=b.pk, reason="A角在开会，B角就近")
    assert case.assignee_person == b and case.state == State.REPORTED
    decisions = list(RoutingDecision.objects.filter(case=case).order_by("at", "pk"))
    assert [d.override for d in decisions] == [False, True]
    last = decisions[-1]
    assert last.person == b and last.decided_by == demo.user("secretary")
    assert "A角在开会，B角就近" in last.reason
    # The new assignee accepts and takes over as 首问责任人.
    b_user = b.user if hasattr(b, "user") else None
    if b_user is not None:
        case = act(demo, b_user, case, "accept")
        assert case.owner == b
    # An override to a department.
    case = act(demo, "secretary", case, "dispatch", org_id=department().pk, reason="属城管职责")
    assert case.assignee_org == department() and case.level == Level.DEPARTMENT
    assert decision(case).override and decision(case).organisation == department()


@pytest.mark.django_db
def test_return_not_mine_sends_it_up(demo):
    case = report(demo)
    case = act(demo, "grid1", case, "return", reason="这是物业的事，请社区协调")
    assert case.state == State.REPORTED
    assert case.assignee_person == demo.user("secretary").person
    assert case.owner == demo.user("secretary").person
    assert decision(case).override and "物业" in decision(case).reason


# ------------------------------------------------------------------------------ duty roster


def shift(place, person, start, hours=12):
    return DutyShift.objects.create(
        place=place, person=person, starts_at=start, ends_at=start + dt.timedelta(hours=hours)
    )


def deputy():
    return Post.objects.get(role="deputy_secretary").person


@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment",
    [at(2026, 10, 20, 23), at(2026, 10, 25, 23), at(2026, 10, 25, 10)],
    ids=["tuesday-night", "sunday-night", "sunday-morning"],
)
def test_emergency_off_hours_goes_to_the_roster(demo, moment):
    on_duty = deputy()
    shift(community(), on_duty, moment - dt.timedelta(hours=2))
    shift(street(), demo.user("street").person, moment - dt.timedelta(hours=2))
    case = report(
        demo, category="emergency", priority="emergency", description="楼道起火冒烟", now=moment
    )
    assert case.level == Level.ROSTER
    assert case.assignee_person == on_duty
    assert "值班" in decision(case).reason and on_duty.name in decision(case).reason
    # The one on duty can act on it.
    from tongxin.accounts.models import User

    user = User.objects.filter(person=on_duty).first()
    if user is not None:
        assert act(demo, user, case, "accept", now=moment).state == State.ACCEPTED


@pytest.mark.django_db
def test_the_street_roster_when_the_community_has_none(demo):
    moment = at(2026, 10, 20, 23)
    shift(street(), demo.user("street").person, moment - dt.timedelta(hours=1))
    # A community shift that has ended does not count.
    shift(community(), deputy(), moment - dt.timedelta(hours=14))
    case = report(
        demo, category="emergency", priority="emergency", description="燃气泄漏", now=moment
    )
    assert case.level == Level.ROSTER
    assert case.assignee_person == demo.user("street").person


@pytest.mark.django_db
def test_emergency_in_working_hours_goes_to_the_grid(demo):
    moment = at(2026, 10, 20, 10)
    shift(community(), deputy(), moment - dt.timedelta(hours=2))
    case = report(
        demo, category="emergency", priority="emergency", description="楼道起火", now=moment
    )
    assert case.level == Level.GRID
    assert case.assignee_person == grid_post(demo).person
    # A make-up working day (调休, Saturday 2026-10-10) is working time too.
    makeup = at(2026, 10, 10, 10)
    shift(community(), deputy(), makeup - dt.timedelta(hours=2))
    case = report(demo, category="emergency", priority="emergency", description="起火", now=makeup)
    assert case.level == Level.GRID


@pytest.mark.django_db
def test_a_normal_case_off_hours_is_not_for_the_roster(demo):
    moment = at(2026, 10, 20, 23)
    shift(community(), deputy(), moment - dt.timedelta(hours=2))
    case = report(demo, category="emergency", priority="normal", description="路灯坏了", now=moment)
    assert case.level == Level.GRID


@pytest.mark.django_db
def test_emergency_off_hours_without_a_shift_falls_back_and_says_so(demo):
    moment = at(2026, 10, 20, 23)
    case = report(
        demo, category="emergency", priority="emergency", description="楼道起火", now=moment
    )
    assert case.level == Level.GRID
    assert case.assignee_person == grid_post(demo).person
    assert "值班表上此刻无人" in decision(case).reason
