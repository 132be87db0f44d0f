"""微心愿: cards show only what the campaign allows, claiming is one to one (and limited per
claimer), fulfilment needs a receipt by the wisher or a named proxy."""

from __future__ import annotations

import pytest

from tongxin.core.errors import Forbidden, TransitionRefused, ValidationFailed
from tongxin.matching import services
from tongxin.matching.errors import WishLimitReached
from tongxin.matching.models import WishState


def test_the_card_shows_the_given_name_only_and_nothing_private(world):
    campaign = world.campaign()
    wish = world.wish(campaign, given_name="小明")
    wisher = wish.person
    r = world.demo.api("member").get("/api/v1/wishes", {"campaign": campaign.pk})
    assert r.status_code == 200
    body = r.content.decode()
    card = next(i for i in r.json()["items"] if i["id"] == wish.pk)
    assert card["name"] == "小明" and card["resident"] is None and card["address"] is None
    assert wisher.name not in body
    assert (wisher.place.name if wisher.place else "@@") not in body


def test_a_campaign_may_show_nothing_of_the_wisher(world):
    campaign = world.campaign(display="nothing")
    wish = world.wish(campaign, given_name="小红")
    card = world.demo.api("member").get(f"/api/v1/wishes?campaign={campaign.pk}").json()
    item = next(i for i in card["items"] if i["id"] == wish.pk)
    assert item["name"] is None


def test_unpublished_wishes_are_not_on_the_wall(world):
    campaign = world.campaign()
    wish = world.wish(campaign, publish=False)
    ids = [i["id"] for i in world.demo.api("member").get("/api/v1/wishes").json()["items"]]
    assert wish.pk not in ids
    # The grid worker who collected it sees it, with who and where.
    staff = world.demo.api("grid1").get("/api/v1/wishes").json()["items"]
    mine = next(i for i in staff if i["id"] == wish.pk)
    assert mine["resident"] == wish.person.name


def test_claiming_is_one_to_one(world):
    campaign = world.campaign()
    wish = world.wish(campaign)
    r = world.demo.api("member").post(f"/api/v1/wishes/{wish.pk}/claim")
    assert r.status_code == 200 and r.json()["state"] == "claimed" and r.json()["mine"] is True
    # The claimer now sees who and where, to contact the family.
    assert r.json()["resident"] == wish.person.name
    again = world.demo.api("secretary").post(f"/api/v1/wishes/{wish.pk}/claim")
    assert again.status_code == 409 and again.json()["code"] == "TRANSITION_NOT_ALLOWED"
    # Still on the wall for everyone else, as claimed, and still without identity.
    items = world.demo.api("resident").get("/api/v1/wishes").json()["items"]
    card = next(i for i in items if i["id"] == wish.pk)
    assert card["state"] == "claimed" and card["resident"] is None and card["mine"] is False


def test_claims_per_claimer_are_limited(world):
    campaign = world.campaign(claims_per_claimer=1)
    first, second = world.wish(campaign, n=0), world.wish(campaign, n=1)
    services.wish_claim(actor=world.user("member"), wish_id=first.pk)
    with pytest.raises(WishLimitReached) as refused:
        services.wish_claim(actor=world.user("member"), wish_id=second.pk)
    assert refused.value.status == 409


def test_a_campaign_not_running_takes_no_claims(world):
    campaign = world.campaign()
    wish = world.wish(campaign)
    services.campaign_set_state(actor=world.user("secretary"), campaign=campaign, state="closed")
    with pytest.raises(TransitionRefused):
        services.wish_claim(actor=world.user("member"), wish_id=wish.pk)


def test_fulfil_needs_a_receipt(world):
    campaign = world.campaign()
    wish = world.wish(campaign)
    services.wish_claim(actor=world.user("member"), wish_id=wish.pk)
    api = world.demo.api("member")
    r = api.post(
        f"/api/v1/wishes/{wish.pk}/fulfil", {"receipt_by": "proxy"}, content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "receipt_name"
    r = api.post(
        f"/api/v1/wishes/{wish.pk}/fulfil",
        {"receipt_by": "proxy", "receipt_name": "孩子奶奶", "thanks": "谢谢叔叔"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["state"] == "fulfilled"
    wish.refresh_from_db()
    assert wish.state == WishState.FULFILLED and wish.fulfilled_at is not None
    with pytest.raises(TransitionRefused):
        services.wish_fulfil(actor=world.user("member"), wish_id=wish.pk, receipt_by="wisher")


def test_only_the_claimer_or_staff_fulfil(world):
    campaign = world.campaign()
    wish = world.wish(campaign)
    services.wish_claim(actor=world.user("member"), wish_id=wish.pk)
    r = world.demo.api("resident").post(
        f"/api/v1/wishes/{wish.pk}/fulfil",
        {"receipt_by": "wisher"},
        content_type="application/json",
    )
    assert r.status_code in (403, 404)


def test_collecting_is_for_the_staff_and_within_the_campaigns_limit(world):
    campaign = world.campaign(max_value=300)
    with pytest.raises(Forbidden):
        services.wish_collect(
            actor=world.user("resident"), campaign=campaign, person=world.wisher(), text="书包"
        )
    with pytest.raises(ValidationFailed):
        services.wish_collect(
            actor=world.user("grid1"),
            campaign=campaign,
            person=world.wisher(),
            text="一台电脑",
            value=3000,
        )
    r = world.demo.api("grid1").post(
        f"/api/v1/wish-campaigns/{campaign.pk}/wishes",
        {"person": world.wisher().pk, "text": "一双运动鞋", "value": 150, "given_name": "小刚"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["state"] == "collected"
    r = world.demo.api("grid2").post(
        f"/api/v1/wish-campaigns/{campaign.pk}/wishes",
        {"person": world.wisher().pk, "text": "一双运动鞋"},
        content_type="application/json",
    )
    assert r.status_code == 404  # grid 2's worker cannot reach a grid-1 resident


def test_a_wisher_cannot_claim_their_own_wish(world):
    campaign = world.campaign()
    wish = world.wish(campaign)
    from tongxin.accounts.models import User

    user = User.objects.create(username="wisher", person=wish.person)
    with pytest.raises(Forbidden):
        services.wish_claim(actor=user, wish_id=wish.pk)
