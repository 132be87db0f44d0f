"""Agreements: each commitment is done only as far as the records in the other modules say."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tongxin.alliance import services
from tongxin.alliance.selectors import progress
from tongxin.core import clock
from tongxin.core.errors import Forbidden, ValidationFailed

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def done(agreement):
    return {i.commitment.kind: i.done for i in progress.of_agreement(agreement).items}


def test_commitments_are_done_only_by_real_records(ally):
    """The demo's units have records of their own this year: what this test adds is counted
    on top of them (and nothing else is)."""
    year = clock.today().year
    unit = ally.units[0]
    agreement = services.agreement_save(
        actor=ally.manager,
        membership=unit,
        year=year,
        items=[
            {"kind": "activities", "text": "每季度开展共建活动", "target": 100},
            {"kind": "projects", "text": "办结群众需求", "target": 1},
            {"kind": "hours", "text": "在职党员服务", "target": "1000"},
        ],
    )
    services.agreement_sign(actor=ally.manager, agreement=agreement, signed_on=clock.today())
    base = done(agreement)

    def added():
        return {k: v - base[k] for k, v in done(agreement).items()}

    assert added() == {"activities": 0, "projects": 0, "hours": 0}
    # An activity of the unit this year counts; one of last year, or of another unit, not.
    ally.activity(unit, clock.today())
    ally.activity(unit, dt.date(year - 1, 6, 1))
    ally.activity(ally.units[1], clock.today())
    assert added()["activities"] == 1
    ally.activity(unit, dt.date(year, 1, 1))
    assert added()["activities"] == 2
    p = progress.of_agreement(agreement)
    acts = next(i for i in p.items if i.commitment.kind == "activities")
    assert acts.done == base["activities"] + 2 and not acts.met
    assert {r.evidence.model for r in acts.items} == {"volunteering.activity"}

    # The unit claims a need through its liaison and completes it: a project done.
    ally.unit_need(unit)
    assert added()["projects"] == 1
    # Hours are the unit's in-service members' service: the unit's own claim adds none.
    assert added()["hours"] == 0
    member = services.in_service_link(
        actor=ally.manager, membership=unit, person=ally.user("member").person
    )
    assert member.unit_id == unit.unit_id
    # Linked, the member's confirmed service this year counts for the unit (the demo's).
    linked = done(agreement)["hours"]
    from tongxin.matching import services as matching

    need = matching.need_post(actor=ally.user("resident"), kind="repair", description="修水管")
    act = matching.need_act
    act(actor=ally.user("grid1"), need_id=need.pk, act="verify", data={"method": "visit"})
    act(actor=ally.manager, need_id=need.pk, act="publish", data={})
    for step, data in (("claim", {}), ("start", {}), ("complete", {"minutes": 45, "proof": "好"})):
        act(actor=ally.user("member"), need_id=need.pk, act=step, data=data)
    assert done(agreement)["hours"] == linked + Decimal("0.75")
    got = done(agreement)
    targets = {"activities": Decimal(100), "projects": Decimal(1), "hours": Decimal(1000)}
    shares = sum(min(got[k], t) / t for k, t in targets.items())
    assert progress.of_agreement(agreement).rate == int(shares * 100 / 3)


def test_a_signed_agreement_is_not_rewritten_and_bad_items_are_named(ally):
    year = clock.today().year
    with pytest.raises(ValidationFailed) as exc:
        services.agreement_save(
            actor=ally.manager,
            membership=ally.units[0],
            year=year,
            items=[{"kind": "magic", "text": "", "target": "-1"}],
        )
    assert {f["field"] for f in exc.value.fields} == {
        "items[0].kind",
        "items[0].text",
        "items[0].target",
    }
    agreement = services.agreement_save(
        actor=ally.manager,
        membership=ally.units[0],
        year=year,
        items=[{"kind": "wishes", "text": "认领微心愿", "target": 5}],
    )
    services.agreement_sign(actor=ally.manager, agreement=agreement, signed_on=clock.today())
    with pytest.raises(Forbidden):
        services.agreement_save(
            actor=ally.manager,
            membership=ally.units[0],
            year=year,
            items=[{"kind": "wishes", "text": "改", "target": 1}],
        )


def test_only_a_manager_of_the_place_keeps_agreements(ally):
    with pytest.raises(Forbidden):
        services.agreement_save(
            actor=ally.user("member"),
            membership=ally.units[0],
            year=clock.today().year,
            items=[{"kind": "wishes", "text": "认领微心愿", "target": 5}],
        )
