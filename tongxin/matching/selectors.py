"""Reads of service matching: the lists (always through ``visible_to``), what a need's or a
wish's card shows to whom, and the ranked suggestions of resources for a need.

A card never shows the resident's name, household or dwelling to someone who is not a party,
the staff over it, a manager or (once claimed) its claimer; a wish card shows only what its
campaign allows (the given name, or nothing), whoever looks, until the wish is theirs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from tongxin.core import clock
from tongxin.core.actors import Actor, person_of
from tongxin.core.errors import Forbidden
from tongxin.core.scoping import access
from tongxin.people.display import address_labels
from tongxin.volunteering.policies import manages_community

from .errors import MatchingCode
from .models import (
    KIND_SKILLS,
    Donation,
    FundRecord,
    Need,
    NeedKind,
    NeedState,
    Resource,
    Station,
    Wish,
    WishCampaign,
    WishDisplay,
    WishState,
)
from .policies import is_claimer, may_act, sees_private, staff_over
from .workflow import NEED_MACHINE, PUBLIC_ACTS, NeedAct

# ---------------------------------------------------------------------------- needs


def needs_for(user: Actor, *, state: str | None = None, mine: bool = False) -> QuerySet[Need]:
    """The needs the user may see, the carried-over (priority) ones first.

    The place, the resident and the claimer are fetched for the page after it is cut (one
    query each by key), not joined: joined, the planner hashes the places and persons tables
    before it sorts and cuts the page (bench/matching.py: 9 ms of a 24 ms board)."""
    qs = (
        Need.objects.visible_to(user)
        .select_related("community")
        .prefetch_related("place", "person", "claimed_by_person", "claimed_by_org")
    )
    if state:
        qs = qs.filter(state=state)
    if mine:
        me = person_of(user)
        q = Q(posted_by_id=user.pk)
        if me is not None:
            q |= Q(person_id=me.pk) | Q(claimed_by_person_id=me.pk)
        qs = qs.filter(q)
    return qs.order_by("-priority", "-id")


def access_need(user: Actor, pk: Any) -> Need:
    return access(
        Need.objects.visible_to(user).select_related(
            "community", "place", "person", "claimed_by_person", "claimed_by_org"
        ),
        pk,
    )


def need_cards(needs: list[Need], user: Actor) -> list[dict[str, Any]]:
    """The cards of a page of needs; the addresses of the private ones read at once (one
    ancestors query for the page, not one per card)."""
    private = [n for n in needs if sees_private(user, n)]
    labels = address_labels([n.place for n in private]) if private else {}
    shown = {n.pk for n in private}
    return [need_card(n, user, private=n.pk in shown, addresses=labels) for n in needs]


def need_card(
    need: Need,
    user: Actor,
    *,
    detail: bool = False,
    private: bool | None = None,
    addresses: dict[int, str] | None = None,
) -> dict[str, Any]:
    """What the user sees of a need: the card for everyone who may see it, the resident's
    name, the address and the claim's particulars only for those who serve or oversee it.
    ``private`` and ``addresses``: already worked out for a page (``need_cards``)."""
    if private is None:
        private = sees_private(user, need)
    out: dict[str, Any] = {
        "id": need.pk,
        "kind": need.kind,
        "kind_label": need.get_kind_display(),
        "description": need.description,
        "urgency": need.urgency,
        "urgency_label": need.get_urgency_display(),
        "state": need.state,
        "state_label": need.get_state_display(),
        "community": need.community_id,
        "round": need.round,
        "priority": need.priority,
        "wanted_on": need.wanted_on,
        "estimated_value": need.estimated_value,
        "listed_until": need.listed_until,
        "created_at": need.created_at,
        "claimed": need.claimed_by_person_id is not None or need.claimed_by_org_id is not None,
        "rating": need.rating,
        "private": private,
        "resident": None,
        "address": None,
        "claimer": None,
        "contact_by": None,
        "minutes": None,
        "points": None,
        "verify_method": None,
        "acts": [a for a in NEED_MACHINE.acts_from(need.state) if a in PUBLIC_ACTS],
        "events": None,
    }
    if private:
        out.update(
            {
                "resident": need.person.name if need.person_id and need.person else None,
                "address": (
                    addresses if addresses is not None else address_labels([need.place])
                ).get(need.place_id, ""),
                "claimer": need.claimer_label or None,
                "contact_by": need.contact_by,
                "minutes": need.minutes,
                "points": need.points,
                "verify_method": need.verify_method or None,
            }
        )
    if detail:
        out["acts"] = [a for a in out["acts"] if may_act(user, need, a)]
        if private:
            acts = {"post": _("提交"), **dict(NeedAct.choices)}
            states = dict(NeedState.choices)
            out["events"] = [
                {
                    "act": e.act,
                    "act_label": acts.get(e.act, e.act),
                    "from_state": e.from_state,
                    "to_state": e.to_state,
                    "to_state_label": states.get(e.to_state, e.to_state),
                    "note": e.note,
                    "at": e.at,
                }
                for e in need.events.all()
            ]
    return out


# ---------------------------------------------------------------------------- suggestions


@dataclass
class Suggestion:
    """One ranked resource for a need, with the reasons of its score."""

    resource: Resource
    score: int = 0
    reasons: list[str] = field(default_factory=list)


def _month_start(today: dt.date) -> dt.date:
    return today.replace(day=1)


SUGGESTION_FIELDS = (
    "id", "community_id", "kind", "need_kinds", "skills", "hours_per_month", "is_active",
    "employer", "person_id", "organisation_id", "area_id", "person__name", "person__grid_id",
    "person__grid__path", "organisation__name", "area__path",
)  # fmt: skip


def suggestions(user: Actor, need: Need, *, limit: int = 10) -> list[Suggestion]:
    """Rank the active resources of the need's community: kind, skills, distance (same grid,
    area served), capacity left this month and past ratings; each point of the score has a
    reason in words. For the staff over the need and the community's managers."""
    if not (staff_over(user, need.place_path) or manages_community(user, need.community)):
        raise Forbidden(_("只有社区工作人员可以查看推荐"), code=MatchingCode.NOT_NEED_PARTY)
    resources = list(
        Resource.objects.filter(community_id=need.community_id, is_active=True)
        .select_related("person__grid", "organisation", "area")
        # Only what the ranking and the answer read: not the persons' ciphers and times.
        .only(*SUGGESTION_FIELDS)
        .order_by("id")
    )
    if not resources:
        return []
    month = _month_start(clock.today())
    served_person: dict[int, int] = defaultdict(int)
    served_org: dict[int, int] = defaultdict(int)
    rated_person: dict[int, tuple[float, int]] = {}
    rated_org: dict[int, tuple[float, int]] = {}
    base = Need.objects.filter(community_id=need.community_id)
    for row in (
        base.filter(
            Q(state__in=[NeedState.CLAIMED, NeedState.IN_PROGRESS])
            | Q(
                state__in=[NeedState.DONE, NeedState.RATED, NeedState.CLOSED],
                claimed_at__date__gte=month,
            )
        )
        .values("claimed_by_person_id", "claimed_by_org_id", "state")
        .annotate(minutes=Sum("minutes"), n=Count("id"))
    ):
        # An open claim is counted as an hour of the month's capacity.
        used = row["minutes"] or 0
        if row["state"] in (NeedState.CLAIMED, NeedState.IN_PROGRESS):
            used += 60 * row["n"]
        if row["claimed_by_person_id"]:
            served_person[row["claimed_by_person_id"]] += used
        elif row["claimed_by_org_id"]:
            served_org[row["claimed_by_org_id"]] += used
    for row in (
        base.filter(rating__isnull=False)
        .values("claimed_by_person_id", "claimed_by_org_id")
        .annotate(avg=Avg("rating"), n=Count("id"))
    ):
        if row["claimed_by_person_id"]:
            rated_person[row["claimed_by_person_id"]] = (float(row["avg"]), row["n"])
        elif row["claimed_by_org_id"]:
            rated_org[row["claimed_by_org_id"]] = (float(row["avg"]), row["n"])

    wanted: set[str] = set(KIND_SKILLS.get(NeedKind(need.kind), ()))
    # The fixed reasons translated once, not once per resource.
    serves, same_grid, covered, full = (
        _("服务类别相符"), _("同一网格"), _("服务范围覆盖"), _("本月服务时长已满")
    )  # fmt: skip
    ranked: list[Suggestion] = []
    for r in resources:
        s = Suggestion(r)
        if need.kind in (r.need_kinds or []):
            s.score += 40
            s.reasons.append(serves)
        skills = sorted(wanted & set(r.skills or []))
        if skills:
            s.score += min(30, 10 * len(skills))
            s.reasons.append(_("技能：{skills}").format(skills="、".join(skills)))
        grid = r.person.grid if r.person_id and r.person and r.person.grid_id else None
        if grid is not None and need.place_path.startswith(grid.path):
            s.score += 15
            s.reasons.append(same_grid)
        elif r.area_id and r.area and need.place_path.startswith(r.area.path):
            s.score += 10
            s.reasons.append(covered)
        used = served_org[r.organisation_id] if r.organisation_id else served_person[r.person_id]
        left = r.hours_per_month * 60 - used
        if left > 0:
            s.score += min(20, left // 30)
            s.reasons.append(_("本月剩余约 {hours} 小时").format(hours=left // 60))
        else:
            s.score -= 50
            s.reasons.append(full)
        rated = (
            rated_org.get(r.organisation_id)
            if r.organisation_id
            else rated_person.get(r.person_id or 0)
        )
        if rated:
            avg, n = rated
            s.score += int((avg - 3) * 5)
            s.reasons.append(_("以往评分 {avg:.1f}（{n} 次）").format(avg=avg, n=n))
        ranked.append(s)
    ranked.sort(key=lambda s: (-s.score, s.resource.pk))
    return ranked[:limit]


def suggestion_out(s: Suggestion) -> dict[str, Any]:
    r = s.resource
    return {
        "resource": r.pk,
        "kind": r.kind,
        "kind_label": r.get_kind_display(),
        "name": r.label,
        "skills": list(r.skills or []),
        "hours_per_month": r.hours_per_month,
        "score": s.score,
        "reasons": s.reasons,
    }


def resources_for(user: Actor) -> QuerySet[Resource]:
    return (
        Resource.objects.visible_to(user).select_related("person", "organisation").order_by("-id")
    )


def resource_out(r: Resource) -> dict[str, Any]:
    return {
        "id": r.pk,
        "kind": r.kind,
        "kind_label": r.get_kind_display(),
        "name": r.label,
        "community": r.community_id,
        "need_kinds": list(r.need_kinds or []),
        "skills": list(r.skills or []),
        "hours_per_month": r.hours_per_month,
        "employer": r.employer,
        "is_active": r.is_active,
    }


# ---------------------------------------------------------------------------- 微心愿


def campaigns_for(user: Actor) -> QuerySet[WishCampaign]:
    return WishCampaign.objects.visible_to(user).select_related("community").order_by("-id")


def campaign_out(c: WishCampaign) -> dict[str, Any]:
    return {
        "id": c.pk,
        "title": c.title,
        "community": c.community_id,
        "display": c.display,
        "state": c.state,
        "state_label": c.get_state_display(),
        "max_value": c.max_value,
        "claims_per_claimer": c.claims_per_claimer,
        "ends_on": c.ends_on,
    }


def wishes_for(user: Actor, *, campaign: int | None = None) -> QuerySet[Wish]:
    qs = Wish.objects.visible_to(user).select_related("campaign", "person", "claimed_by_person")
    if campaign is not None:
        qs = qs.filter(campaign_id=campaign)
    return qs.order_by("campaign_id", "id")


def access_wish(user: Actor, pk: Any) -> Wish:
    return access(
        Wish.objects.visible_to(user).select_related(
            "campaign__community", "person__place", "claimed_by_person"
        ),
        pk,
    )


def wish_sees_private(user: Actor, wish: Wish) -> bool:
    """The staff over the wisher, the campaign's managers, the wisher's household and, once
    the wish is theirs, its claimer see who and where; everyone else sees the card."""
    from tongxin.core.scoping import scope_for

    return (
        staff_over(user, wish.person_path)
        or manages_community(user, wish.campaign.community)
        or wish.person_id in scope_for(user).person_ids
        or (wish.state != WishState.PUBLISHED and is_claimer(user, wish))
    )


def wish_card(wish: Wish, user: Actor, *, private: bool | None = None) -> dict[str, Any]:
    if private is None:
        private = wish_sees_private(user, wish)
    shown = wish.given_name if wish.campaign.display == WishDisplay.GIVEN_NAME else ""
    me = person_of(user)
    out: dict[str, Any] = {
        "id": wish.pk,
        "campaign": wish.campaign_id,
        "name": shown or None,
        "text": wish.text,
        "value": wish.value,
        "state": wish.state,
        "state_label": wish.get_state_display(),
        "mine": me is not None and wish.claimed_by_person_id == me.pk,
        "resident": None,
        "address": None,
        "claimer": None,
        "contact_by": None,
        "receipt_by": None,
        "thanks": wish.thanks or None,
    }
    if private:
        out.update(
            {
                "resident": wish.person.name,
                "address": address_labels([wish.person.place]).get(wish.person.place_id or 0, ""),
                "claimer": wish.claimed_by_person.name if wish.claimed_by_person else None,
                "contact_by": wish.contact_by,
                "receipt_by": wish.receipt_by or None,
            }
        )
    return out


# ---------------------------------------------------------------------------- 邻里互助站


def stations_for(user: Actor) -> QuerySet[Station]:
    return Station.objects.visible_to(user).select_related("community").order_by("id")


def station_out(station: Station, *, stock: bool = False) -> dict[str, Any]:
    return {
        "id": station.pk,
        "name": station.name,
        "address": station.address,
        "community": station.community_id,
        "is_active": station.is_active,
        "stock": (
            [
                {"item": s.item, "quantity": s.quantity}
                for s in station.stock.filter(quantity__gt=0).order_by("item")
            ]
            if stock
            else None
        ),
    }


def donors_of_month(station: Station, year: int, month: int) -> list[dict[str, Any]]:
    """The month's donor list (公示): each donor with what they gave, for the managers."""
    start = dt.date(year, month, 1)
    end = dt.date(year + (month == 12), month % 12 + 1, 1)
    rows: dict[str, dict[str, Any]] = {}
    for d in Donation.objects.filter(
        station=station,
        at__gte=clock.start_of_day(start),
        at__lt=clock.start_of_day(end),
    ).order_by("at", "id"):
        row = rows.setdefault(d.donor_name, {"donor": d.donor_name, "count": 0, "items": []})
        row["count"] += 1
        row["items"].append({"item": d.item, "quantity": d.quantity})
    return list(rows.values())


def fund_summary(community: Any, *, latest: int = 50) -> dict[str, Any]:
    """The 互助基金 of a community: balance in fen and the latest movements, for its managers."""
    from tongxin.volunteering import ledger

    fund = ledger.fund_account(community)
    records = (
        FundRecord.objects.filter(community=community)
        .select_related("household")
        .order_by("-at", "-id")[:latest]
    )
    return {
        "community": community.pk,
        "balance": fund.balance,
        "records": [
            {
                "id": r.pk,
                "kind": r.kind,
                "kind_label": r.get_kind_display(),
                "amount": r.amount,
                "donor_name": r.donor_name or None,
                "household": r.household.code if r.household_id and r.household else None,
                "reason": r.reason,
                "transaction": r.tx_id,
                "at": r.at,
            }
            for r in records
        ],
    }
