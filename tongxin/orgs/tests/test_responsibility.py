"""五级负责, 依次递补: who is responsible for a place for a duty on a day, and why."""

import datetime as dt

import pytest

from tongxin.core import clock
from tongxin.orgs.models import Absence, Post
from tongxin.orgs.roles import Duty, Role
from tongxin.orgs.selectors import responsible_for
from tongxin.people.services import PersonData, person_create
from tongxin.places.services import place_create

pytestmark = pytest.mark.dates


@pytest.fixture
def tree(db):
    """A small tree of its own: street → community → grid → estate → building → unit → dwelling."""
    made = {}
    parent = None
    for kind, name in (
        ("street", "测试街道"),
        ("community", "测试社区"),
        ("grid", "测试网格"),
        ("estate", "测试小区"),
        ("building", "1栋"),
        ("unit", "1单元"),
        ("dwelling", "101室"),
    ):
        parent = place_create(actor=None, parent=parent, kind=kind, code=f"T-{kind}", name=name)
        made[kind] = parent
    return made


def person(name: str):
    return person_create(actor=None, data=PersonData(name=name))


def hold(p, role, place, rank="", start=None, end=None):
    return Post.objects.create(
        person=p,
        role=role,
        place=place,
        rank=rank,
        start_date=start or clock.today() - dt.timedelta(days=30),
        end_date=end,
    )


def away(p, days=3):
    return Absence.objects.create(
        person=p,
        start_date=clock.today() - dt.timedelta(days=1),
        end_date=clock.today() + dt.timedelta(days=days),
        reason="请假",
    )


def test_nearest_level_holder_is_responsible(tree):
    head = person("楼长甲")
    hold(head, Role.BUILDING_HEAD, tree["building"])
    hold(person("网格员甲"), Role.GRID_WORKER, tree["grid"], rank="A")
    r = responsible_for(tree["dwelling"], duty=Duty.GENERAL)
    assert r.person == head
    assert r.trail[-1] == "由1栋楼栋长楼长甲负责"
    # The empty levels below are named in the trail, in walking order.
    assert r.trail[:2] == ["101室党员中心户空缺", "1单元单元长空缺"]


def test_a_then_b_then_next_level(tree):
    a, b, chief, secretary = person("甲"), person("乙"), person("丙"), person("丁")
    hold(a, Role.GRID_WORKER, tree["grid"], rank="A")
    hold(b, Role.GRID_WORKER, tree["grid"], rank="B")
    hold(chief, Role.GRID_CHIEF, tree["grid"])
    hold(secretary, Role.SECRETARY, tree["community"])
    assert responsible_for(tree["grid"]).person == a
    away(a)
    r = responsible_for(tree["grid"])
    assert r.person == b
    assert "测试网格网格员(A角)甲不在岗" in r.reason
    assert "请假" not in r.reason  # the reason for an absence is not shown
    away(b)
    assert responsible_for(tree["grid"]).person == chief
    away(chief)
    r = responsible_for(tree["grid"])
    assert r.person == secretary
    assert r.post.place == tree["community"]


def test_ended_and_future_posts_do_not_count(tree):
    old, future, b = person("老"), person("新"), person("乙")
    hold(old, Role.GRID_WORKER, tree["grid"], rank="A", end=clock.today() - dt.timedelta(days=1))
    hold(
        future, Role.GRID_WORKER, tree["grid"], rank="A", start=clock.today() + dt.timedelta(days=5)
    )
    hold(b, Role.GRID_WORKER, tree["grid"], rank="B")
    assert responsible_for(tree["grid"]).person == b
    # On the day the future post starts, A is back in charge.
    assert responsible_for(tree["grid"], on=clock.today() + dt.timedelta(days=5)).person == future
    # And on a day in the past, the old holder was.
    assert responsible_for(tree["grid"], on=clock.today() - dt.timedelta(days=2)).person == old


def test_absence_outside_its_dates_does_not_matter(tree):
    a = person("甲")
    hold(a, Role.GRID_WORKER, tree["grid"], rank="A")
    away(a, days=2)
    assert responsible_for(tree["grid"]).person != a
    assert responsible_for(tree["grid"], on=clock.today() + dt.timedelta(days=3)).person == a


def test_nobody_anywhere_says_so(tree):
    r = responsible_for(tree["dwelling"], duty=Duty.PARTY)
    assert r.post is None and r.person is None
    assert r.trail[-1] == "责任链上无人可以履职"


def test_duties_follow_their_own_chains(tree):
    leader, head = person("组长"), person("楼长")
    hold(leader, Role.GROUP_LEADER, tree["building"])
    hold(head, Role.BUILDING_HEAD, tree["building"])
    assert responsible_for(tree["building"], duty=Duty.PARTY).person == leader
    assert responsible_for(tree["building"], duty=Duty.GENERAL).person == head


def test_demo_grid_with_worker_on_leave_falls_to_b(demo):
    """In the demo, grid 3's A worker is on leave: the B worker of the pair answers."""
    grid3 = demo.grid(3)
    r = responsible_for(grid3)
    assert r.post.rank == "B" and r.post.place == grid3
    assert "不在岗" in r.reason and "产假" not in r.reason


def test_query_count_does_not_grow_with_depth(tree, django_assert_max_num_queries):
    hold(person("书记"), Role.SECRETARY, tree["community"])
    with django_assert_max_num_queries(5):
        r = responsible_for(tree["dwelling"])
    assert r.person.name == "书记"
