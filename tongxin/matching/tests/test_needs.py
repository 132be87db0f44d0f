"""Needs: every act in every state (allowed and refused), the whole path with points through
the ledger, suggestions with reasons, claim expiry and carry-over under a frozen clock, bad
input, and scoping (another grid's need is 404; a claimer sees no address before claiming)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from tongxin.core import clock
from tongxin.core.errors import Forbidden, NotFound, TransitionRefused, ValidationFailed
from tongxin.inbox.models import Message
from tongxin.matching import services
from tongxin.matching.models import Need, NeedEvent, NeedState
from tongxin.matching.workflow import NEED_MACHINE, PUBLIC_ACTS, NeedAct
from tongxin.volunteering import ledger

# Who does each act when it is allowed, and with what.
ACTORS = {
    NeedAct.VERIFY: ("grid1", {"method": "phone"}),
    NeedAct.PUBLISH: ("secretary", {}),
    NeedAct.DISPATCH: ("secretary", {}),  # the resource is added in the test
    NeedAct.CLAIM: ("member", {}),
    NeedAct.START: ("member", {}),
    NeedAct.COMPLETE: ("member", {"minutes": 90, "proof": "更换了阀芯"}),
    NeedAct.RATE: ("resident", {"rating": 5, "comment": "很及时"}),
    NeedAct.CLOSE: ("secretary", {}),
    NeedAct.WITHDRAW: ("resident", {"reason": "已自行解决"}),
}
CLAIMED_STATES = {NeedState.CLAIMED, NeedState.IN_PROGRESS, NeedState.DONE, NeedState.RATED}


def _put_in(world: Any, state: str) -> Need:
    """A need of the resident, set straight into ``state`` (with a claim by ``member`` where
    the state has one) — a test fixture, not a way the services ever move a need."""
    need = world.need()
    fields: dict[str, Any] = {"state": state}
    if state in CLAIMED_STATES:
        fields.update(
            claimed_by_person=world.user("member").person,
            claimed_at=clock.now(),
            contact_by=dt.date(2099, 1, 1),
        )
    if state == NeedState.LISTED:
        fields["listed_until"] = dt.date(2099, 1, 1)
    Need.objects.filter(pk=need.pk).update(**fields)
    need.refresh_from_db()
    return need


CASES = [(act, state) for act in PUBLIC_ACTS for state in NeedState.values]


@pytest.mark.parametrize(("act", "state"), CASES, ids=[f"{a}-{s}" for a, s in CASES])
def test_every_act_in_every_state(world, act, state):
    need = _put_in(world, state)
    who, data = ACTORS[act]
    data = dict(data)
    if act == NeedAct.DISPATCH:
        data["resource"] = world.resource().pk
    if NEED_MACHINE.allowed(act, state):
        after = services.need_act(actor=world.user(who), need_id=need.pk, act=act, data=data)
        assert after.state == NEED_MACHINE.check(act, state)
        event = NeedEvent.objects.filter(need=need).order_by("-id").first()
        assert (event.act, event.from_state, event.to_state) == (act, state, after.state)
    else:
        # The secretary sees every need of the community: a refusal is the machine's, 409.
        with pytest.raises(TransitionRefused) as refused:
            services.need_act(actor=world.user("secretary"), need_id=need.pk, act=act, data=data)
        assert refused.value.status == 409
        assert refused.value.context == {"state": state, "action": act}
        need.refresh_from_db()
        assert need.state == state


def test_the_whole_path_through_the_api_earns_points(world):
    member = world.user("member")
    account = ledger.person_account(member.person, community=world.community)
    before = account.balance
    resident = world.demo.api("resident")
    r = resident.post(
        "/api/v1/needs",
        {"kind": "repair", "description": "卫生间灯不亮", "urgency": "urgent"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    need = r.json()
    assert need["state"] == "posted" and need["private"] is True
    pk = need["id"]

    def act(who: str, name: str, **body: Any) -> Any:
        answer = world.demo.api(who).post(
            f"/api/v1/needs/{pk}/actions/{name}", body, content_type="application/json"
        )
        assert answer.status_code == 200, (name, answer.content)
        return answer.json()

    assert act("grid1", "verify", method="visit")["verify_method"] == "visit"
    assert act("secretary", "publish")["state"] == "listed"
    claimed = act("member", "claim")
    assert claimed["state"] == "claimed" and claimed["private"] is True
    assert claimed["contact_by"] is not None
    act("member", "start")
    done = act("member", "complete", minutes=120, proof="更换灯管")
    assert done["state"] == "done" and done["points"] > 0
    rated = act("resident", "rate", rating=4, comment="师傅很耐心")
    assert rated["state"] == "rated" and rated["rating"] == 4
    assert act("secretary", "close")["state"] == "closed"

    account.refresh_from_db()
    assert account.balance == before + done["points"]
    assert ledger.check_ledger() == []
    assert Message.objects.filter(recipient=world.user("resident").person, topic=f"need:{pk}")
    events = world.demo.api("resident").get(f"/api/v1/needs/{pk}").json()["events"]
    assert [e["act"] for e in events] == [
        "post",
        "verify",
        "publish",
        "claim",
        "start",
        "complete",
        "rate",
        "close",
    ]


def test_a_unit_claim_earns_the_units_points(world):
    from tongxin.orgs.models import Post

    post = Post.objects.active().filter(person=world.user("secretary").person).first()
    org = post.organisation
    need = world.listed()
    world.act(need, "claim", "secretary", organisation=org.pk)
    world.act(need, "start", "secretary")
    done = world.act(need, "complete", "secretary", minutes=60)
    assert done.claimed_by_org == org and done.points > 0
    assert ledger.organisation_account(org, community=world.community).balance >= done.points
    assert ledger.check_ledger() == []


def test_suggestions_rank_with_reasons_and_dispatch(world):
    fit = world.resource("member", need_kinds=["repair"], skills=["维修"], hours_per_month=8)
    other = world.resource(
        "grid2", kind="member", need_kinds=["tutoring"], skills=["教育辅导"], hours_per_month=2
    )
    need = world.need()
    world.act(need, "verify", "grid1", method="phone")
    r = world.demo.api("secretary").get(f"/api/v1/needs/{need.pk}/suggestions")
    assert r.status_code == 200
    items = r.json()["items"]
    ids = [i["resource"] for i in items]
    assert ids.index(fit.pk) < ids.index(other.pk)
    top = next(i for i in items if i["resource"] == fit.pk)
    assert top["score"] == items[0]["score"]  # among the best (the demo offers alike)
    assert "服务类别相符" in top["reasons"] and any("维修" in x for x in top["reasons"])
    # The resident may not read the community's resource list.
    assert world.demo.api("resident").get(f"/api/v1/needs/{need.pk}/suggestions").status_code == 403
    after = world.act(need, "dispatch", "secretary", resource=fit.pk)
    assert after.state == NeedState.CLAIMED and after.claimed_by_person == fit.person


@pytest.mark.dates
@pytest.mark.parametrize(
    "claimed_on",
    [dt.datetime(2026, 12, 31, 23, 30), dt.datetime(2027, 2, 6, 10, 0)],  # 除夕 2027: Feb 5
    ids=["new-years-eve", "spring-festival"],
)
def test_a_stale_claim_returns_to_the_pool_and_the_community_is_told(world, claimed_on):
    at = timezone.make_aware(claimed_on)
    with time_machine.travel(at, tick=False):
        need = world.listed()
        world.act(need, "claim", "member")
        need.refresh_from_db()
        assert need.contact_by == at.date() + dt.timedelta(days=7)
    # On the contact-by day itself the claim stands (the demo's own needs may move).
    with time_machine.travel(at + dt.timedelta(days=7), tick=False):
        services.needs_sweep()
        need.refresh_from_db()
        assert need.state == NeedState.CLAIMED
    with time_machine.travel(at + dt.timedelta(days=8), tick=False):
        told_before = Message.objects.filter(topic=f"need:{need.pk}").count()
        assert services.needs_sweep() >= 1
        assert services.needs_sweep() == 0  # idempotent
    need.refresh_from_db()
    assert need.state == NeedState.LISTED and need.claimed_by_person is None
    assert NeedEvent.objects.filter(need=need, act="release").count() == 1
    told = Message.objects.filter(topic=f"need:{need.pk}").count() - told_before
    assert told >= 1  # the community's responsible person (and the former claimer)


@pytest.mark.dates
def test_an_expired_listing_carries_into_the_next_round_with_priority(world):
    at = timezone.make_aware(dt.datetime(2027, 1, 31, 9, 0))  # a month's end
    with time_machine.travel(at, tick=False):
        old = world.listed(description="独居老人需要每周陪伴聊天", kind="companionship")
        fresh = world.listed()
    with time_machine.travel(at + dt.timedelta(days=31), tick=False):
        assert services.needs_sweep() >= 2
        old.refresh_from_db()
        assert old.state == NeedState.EXPIRED
        again = world.act(old, "publish", "secretary")
        assert (again.state, again.round, again.priority) == (NeedState.LISTED, 2, True)
    listed = world.demo.api("secretary").get("/api/v1/needs", {"state": "listed"}).json()
    ids = [i["id"] for i in listed["items"]]
    assert ids[0] == old.pk and fresh.pk not in ids


def test_another_grids_need_is_not_found(world):
    need = world.need()
    assert world.demo.api("grid1").get(f"/api/v1/needs/{need.pk}").status_code == 200
    for who in ("grid2", "dept", "building", "sysadmin"):
        assert world.demo.api(who).get(f"/api/v1/needs/{need.pk}").status_code == 404, who
    assert need.pk not in [
        i["id"] for i in world.demo.api("grid2").get("/api/v1/needs").json()["items"]
    ]
    with pytest.raises(NotFound):
        services.need_act(
            actor=world.user("grid2"), need_id=need.pk, act="verify", data={"method": "phone"}
        )


def test_a_claimer_sees_no_address_before_claiming(world):
    need = world.listed()
    member = world.demo.api("member")
    card = member.get(f"/api/v1/needs/{need.pk}").json()
    assert card["private"] is False
    assert card["resident"] is None and card["address"] is None
    body = member.get("/api/v1/needs", {"state": "listed"}).content.decode()
    resident = world.user("resident").person
    assert resident.name not in body
    after = member.post(f"/api/v1/needs/{need.pk}/actions/claim", content_type="application/json")
    assert after.status_code == 200
    assert after.json()["private"] is True and after.json()["address"]


def test_bad_input_is_a_clear_4xx_and_writes_nothing(world):
    api = world.demo.api("resident")
    for body, field in (
        ({"kind": "nonsense", "description": "x"}, "kind"),
        ({"kind": "repair", "description": "   "}, "description"),
        ({"kind": "repair", "description": "x", "urgency": "now"}, "urgency"),
        ({"kind": "repair", "description": "x", "estimated_value": -5}, "estimated_value"),
    ):
        r = api.post("/api/v1/needs", body, content_type="application/json")
        assert r.status_code == 422, body
        assert r.json()["fields"][0]["field"] == field
    need = world.need()
    grid1 = world.demo.api("grid1")
    url = f"/api/v1/needs/{need.pk}/actions"
    assert grid1.post(f"{url}/verify", {}, content_type="application/json").status_code == 422
    assert grid1.post(f"{url}/fly", {}, content_type="application/json").json()["code"] == (
        "UNKNOWN_ACTION"
    )
    assert grid1.post(f"{url}/release", {}, content_type="application/json").status_code == 403
    refused = api.post(f"{url}/verify", {"method": "phone"}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "NOT_NEED_PARTY"
    world.act(need, "verify", "grid1", method="phone")
    world.act(need, "publish", "secretary")
    world.act(need, "claim", "member")
    world.act(need, "start", "member")
    m = world.demo.api("member")
    for minutes in (0, 5000, "lots"):
        r = m.post(f"{url}/complete", {"minutes": minutes}, content_type="application/json")
        assert r.status_code == 422, minutes
    need.refresh_from_db()
    assert need.state == NeedState.IN_PROGRESS and need.award_tx is None
    world.act(need, "complete", "member", minutes=30)
    r = api.post(f"{url}/rate", {"rating": 7}, content_type="application/json")
    assert r.status_code == 422
    need.refresh_from_db()
    assert need.state == NeedState.DONE and need.rating is None
    with pytest.raises(TransitionRefused):
        world.act(need, "claim", "secretary")


def test_a_resident_may_not_claim_their_own_need(world):
    need = world.listed()
    with pytest.raises(Forbidden):
        world.act(need, "claim", "resident")


def test_administrators_may_not_post(world):
    r = world.demo.api("sysadmin").post(
        "/api/v1/needs", {"kind": "repair", "description": "x"}, content_type="application/json"
    )
    assert r.status_code == 403


def test_a_building_head_posts_for_a_household_of_their_building(world):
    from tongxin.orgs.models import Post
    from tongxin.people.models import Household

    head = world.user("building")
    building = Post.objects.active().get(person=head.person, role="building_head").place
    household = (
        Household.objects.filter(place_path__startswith=building.path)
        .exclude(pk=head.person.household_id)
        .order_by("id")
        .first()
    )
    r = world.demo.api("building").post(
        "/api/v1/needs",
        {
            "kind": "home_help",
            "description": "老人行动不便，需要代买药品",
            "household_id": household.pk,
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    need = Need.objects.get(pk=r.json()["id"])
    assert need.place_id == household.dwelling_id and need.household_id == household.pk
    other = Household.objects.exclude(place_path__startswith=building.path).order_by("id").first()
    r = world.demo.api("building").post(
        "/api/v1/needs",
        {"kind": "home_help", "description": "x", "household_id": other.pk},
        content_type="application/json",
    )
    assert r.status_code == 404


def test_validation_failed_is_422():
    assert ValidationFailed("x").status == 422
