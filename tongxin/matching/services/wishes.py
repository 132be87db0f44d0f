"""Writes of 微心愿: campaigns, collecting, verifying and publishing, the one-to-one claim
and the handover."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core import audit, clock
from tongxin.core.actors import Actor, as_account, person_of
from tongxin.core.errors import Forbidden, TransitionRefused
from tongxin.core.scoping import access
from tongxin.inbox.services import notify
from tongxin.people.models import Person
from tongxin.places.models import Place
from tongxin.volunteering.policies import manages_community, require_manager

from ..errors import WishLimitReached
from ..models import (
    CampaignState,
    ReceiptBy,
    VerifyMethod,
    Wish,
    WishCampaign,
    WishDisplay,
    WishState,
)
from ..policies import is_claimer, staff_over
from ..workflow import WISH_MACHINE, WishAct
from .needs import CONTACT_DAYS, NOTIFY_KIND, _choice, _field_error, _int, _text

# ---------------------------------------------------------------------------- 微心愿


def campaign_create(
    *,
    actor: Actor,
    community: Place,
    title: str,
    display: str = WishDisplay.GIVEN_NAME,
    max_value: int = 300,
    claims_per_claimer: int = 3,
    ends_on: dt.date | None = None,
) -> WishCampaign:
    require_manager(actor, community)
    with transaction.atomic():
        campaign = WishCampaign.objects.create(
            community=community,
            title=_text(title, "title", limit=100, required=True),
            display=_choice(display, "display", WishDisplay),
            max_value=_int(max_value, "max_value", low=1, high=100_000),
            claims_per_claimer=_int(claims_per_claimer, "claims_per_claimer", low=1, high=100),
            ends_on=ends_on,
        )
        audit.record(actor=actor, action="wish_campaign_create", obj=campaign)
    return campaign


def campaign_set_state(*, actor: Actor, campaign: WishCampaign, state: str) -> WishCampaign:
    require_manager(actor, campaign.community)
    with transaction.atomic():
        c = WishCampaign.objects.select_for_update().get(pk=campaign.pk)
        c.state = _choice(state, "state", CampaignState)
        c.save(update_fields=["state", "updated_at"])
        audit.record(actor=actor, action="wish_campaign_state", obj=c, detail={"state": c.state})
    return c


def wish_collect(
    *,
    actor: Actor,
    campaign: WishCampaign,
    person: Person,
    text: str,
    value: int = 0,
    given_name: str = "",
) -> Wish:
    """Collect a wish of a resident (by the grid worker, a building head over them, or the
    community's managers); it is verified before it is published."""
    if not (staff_over(actor, person.place_path) or manages_community(actor, campaign.community)):
        raise Forbidden(_("只有网格员或社区工作人员可以登记心愿"))
    if not person.place_path.startswith(campaign.community.path):
        raise _field_error("person", _("心愿人不在本社区"))
    value = _int(value, "value", low=0, high=campaign.max_value)
    with transaction.atomic():
        wish = Wish.objects.create(
            campaign=campaign,
            person=person,
            person_path=person.place_path,
            given_name=_text(given_name, "given_name", limit=20),
            text=_text(text, "text", limit=200, required=True),
            value=value,
            collected_by=as_account(actor),
        )
        audit.record(actor=actor, action="wish_collect", obj=wish, subject_person_id=person.pk)
    return wish


def _locked_wish(actor: Actor, wish_id: Any) -> Wish:
    seen = access(Wish.objects.visible_to(actor), wish_id)
    return (
        Wish.objects.select_for_update(of=("self",))
        .select_related("campaign__community", "person")
        .get(pk=seen.pk)
    )


def wish_publish(*, actor: Actor, wish_id: Any, method: str) -> Wish:
    """Verify a wish (by phone or a home visit) and publish its card."""
    with transaction.atomic():
        wish = _locked_wish(actor, wish_id)
        if not (
            staff_over(actor, wish.person_path) or manages_community(actor, wish.campaign.community)
        ):
            raise Forbidden(_("只有网格员或社区工作人员可以核实心愿"))
        WISH_MACHINE.check(WishAct.PUBLISH, wish.state)
        wish.verify_method = _choice(method, "method", VerifyMethod)
        WISH_MACHINE.move(wish, WishAct.PUBLISH)
        wish.save()
        audit.record(actor=actor, action="wish_publish", obj=wish, subject_person_id=wish.person_id)
    return wish


def wish_claim(*, actor: Actor, wish_id: Any) -> Wish:
    """Claim a published wish, one to one: the row is locked, so of many claimers at once
    exactly one finds it published; the others are refused (409)."""
    me = person_of(actor)
    if me is None:
        raise Forbidden(_("只有登记在册的居民可以认领心愿"))
    with transaction.atomic():
        wish = _locked_wish(actor, wish_id)
        if wish.campaign.state != CampaignState.RUNNING:
            raise TransitionRefused(
                _("该心愿活动当前不在认领期"), context={"campaign": wish.campaign.state}
            )
        WISH_MACHINE.check(WishAct.CLAIM, wish.state)
        if wish.person_id == me.pk or (
            me.household_id is not None and wish.person.household_id == me.household_id
        ):
            raise Forbidden(_("不能认领自己家的心愿"))
        held = Wish.objects.filter(
            campaign=wish.campaign, claimed_by_person=me, state=WishState.CLAIMED
        ).count()
        if held >= wish.campaign.claims_per_claimer:
            raise WishLimitReached(
                _("每人本次活动最多认领 {n} 个心愿").format(n=wish.campaign.claims_per_claimer)
            )
        WISH_MACHINE.move(wish, WishAct.CLAIM)
        wish.claimed_by_person = me
        wish.claimed_at = clock.now()
        wish.contact_by = clock.today() + dt.timedelta(days=CONTACT_DAYS)
        wish.save()
        audit.record(actor=actor, action="wish_claim", obj=wish, subject_person_id=wish.person_id)
        notify(
            recipients=[wish.collected_by.person if wish.collected_by.person_id else None],
            kind=NOTIFY_KIND,
            subject=_("心愿已被认领：{campaign} #{pk}").format(
                campaign=wish.campaign.title, pk=wish.pk
            ),
            topic=f"wish:{wish.pk}",
        )
    return wish


def wish_fulfil(
    *, actor: Actor, wish_id: Any, receipt_by: str, receipt_name: str = "", thanks: str = ""
) -> Wish:
    """Hand the wish over: the receipt is confirmed by the wisher or a proxy (named); no
    photo of the wisher is asked for."""
    with transaction.atomic():
        wish = _locked_wish(actor, wish_id)
        if not (
            is_claimer(actor, wish)
            or staff_over(actor, wish.person_path)
            or manages_community(actor, wish.campaign.community)
        ):
            raise Forbidden(_("只有认领人或社区工作人员可以登记圆梦"))
        WISH_MACHINE.check(WishAct.FULFIL, wish.state)
        wish.receipt_by = _choice(receipt_by, "receipt_by", ReceiptBy)
        wish.receipt_name = _text(
            receipt_name, "receipt_name", limit=50, required=wish.receipt_by == ReceiptBy.PROXY
        )
        wish.thanks = _text(thanks, "thanks", limit=200)
        WISH_MACHINE.move(wish, WishAct.FULFIL)
        wish.fulfilled_at = clock.now()
        wish.save()
        audit.record(actor=actor, action="wish_fulfil", obj=wish, subject_person_id=wish.person_id)
        notify(
            recipients=[wish.claimed_by_person],
            kind=NOTIFY_KIND,
            subject=_("心愿已圆梦，感谢您的爱心：{campaign}").format(campaign=wish.campaign.title),
            topic=f"wish:{wish.pk}",
        )
    return wish
