"""A claimer sees the resident's phone only after claiming, through people's one audited reveal
(issue 15): while the need is claimed or in progress, never the ID number, not before the
claim nor after the work; everyone else is refused or does not see the need at all."""

from __future__ import annotations

from typing import Any

from tongxin.core import vault
from tongxin.core.models import AuditEvent
from tongxin.matching.models import NeedState
from tongxin.people.models import Person
from tongxin.people.policies import can_reveal

REASON = "上门维修前电话约时间"


def reveal(world: Any, who: str, need: Any, reason: str = REASON) -> Any:
    return world.demo.api(who).post(
        f"/api/v1/needs/{need.pk}/reveal-phone",
        {"reason": reason},
        content_type="application/json",
    )


def reveals_by(world: Any, who: str, result: str) -> int:
    return AuditEvent.objects.filter(
        action="pii_reveal",
        actor_id=world.user(who).pk,
        subject_person_id=world.user("resident").person_id,
        result=result,
    ).count()


def resident_phone(world: Any) -> str:
    person = Person.objects.get(pk=world.user("resident").person_id)
    return vault.decrypt(person.phone_cipher, context="person.phone") if person.phone_cipher else ""


def test_the_claimer_sees_the_phone_after_claiming_with_one_audit_row(world):
    need = world.listed()
    before = reveal(world, "member", need)
    assert before.status_code == 403
    assert reveals_by(world, "member", "denied") == 1  # the refusal is audited too
    world.act(need, "claim", "member")
    r = reveal(world, "member", need)
    assert r.status_code == 200, r.content
    assert r.json() == {"phone": resident_phone(world)}
    assert reveals_by(world, "member", "ok") == 1
    event = AuditEvent.objects.filter(action="pii_reveal", actor_id=world.user("member").pk).last()
    assert event.detail == {"field": "phone", "reason": REASON}
    world.act(need, "start", "member")
    assert reveal(world, "member", need).status_code == 200
    assert reveals_by(world, "member", "ok") == 2


def test_never_the_id_number_nor_the_person_page(world):
    need = world.listed()
    world.act(need, "claim", "member")
    member, resident = world.user("member"), world.user("resident").person
    assert can_reveal(member, resident, "phone")
    assert not can_reveal(member, resident, "id_number")
    assert not can_reveal(member, resident)  # the person page offers no reveal
    # The person stays out of the claimer's sight: people's own reveal endpoint is 404.
    r = world.demo.api("member").post(
        f"/api/v1/persons/{resident.pk}/reveal",
        {"field": "id_number", "reason": REASON},
        content_type="application/json",
    )
    assert r.status_code == 404


def test_not_after_the_work_is_done_or_the_need_withdrawn(world):
    done = world.listed()
    world.act(done, "claim", "member")
    world.act(done, "start", "member")
    world.act(done, "complete", "member", minutes=30)
    assert reveal(world, "member", done).status_code == 403
    withdrawn = world.listed(description="阳台晾衣架坏了")
    world.act(withdrawn, "claim", "member")
    world.act(withdrawn, "withdraw", "resident", reason="已自行解决")
    withdrawn.refresh_from_db()
    assert withdrawn.state == NeedState.WITHDRAWN
    assert reveal(world, "member", withdrawn).status_code == 403
    assert reveals_by(world, "member", "ok") == 0


def test_others_are_refused_or_do_not_see_the_need(world):
    need = world.listed()
    world.act(need, "claim", "member")
    for who in ("grid2", "building"):
        r = reveal(world, who, need)
        assert r.status_code == 404, who
        assert r.json()["code"] == "NOT_FOUND"
    # The staff over the resident may, as on the person page.
    assert reveal(world, "grid1", need).status_code == 200


def test_a_reason_is_required_and_reveals_are_rate_limited(world, settings):
    settings.TONGXIN_RATE_LIMITS = {**settings.TONGXIN_RATE_LIMITS, "reveal": "2/h"}
    need = world.listed()
    world.act(need, "claim", "member")
    short = reveal(world, "member", need, reason="打")
    assert short.status_code == 422 and short.json()["fields"][0]["field"] == "reason"
    assert reveal(world, "member", need).status_code == 200
    third = reveal(world, "member", need)
    assert third.status_code == 429 and third["Retry-After"]
    assert reveals_by(world, "member", "ok") == 1
