"""API of service matching (``/api/v1/needs``, ``/resources``, ``/wish-campaigns``,
``/wishes``, ``/stations``, ``/mutual-fund``; ``/projects`` in ``api_projects``). Thin:
parse, authorise, call a service or a selector, answer.

Every act on a need is ``POST /needs/{id}/actions/{act}``: 404 out of sight, 409
``TRANSITION_NOT_ALLOWED`` when the need's state does not allow it, 403 ``NOT_NEED_PARTY``
when the caller may not do it, 422 for a bad field or an unknown act.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from tongxin.core.actors import Actor, person_of
from tongxin.core.api_support import caller, paginate
from tongxin.core.errors import Forbidden, ValidationFailed
from tongxin.core.i18n import lazy_str
from tongxin.core.ratelimit import hit
from tongxin.core.scoping import access
from tongxin.orgs.models import Organisation
from tongxin.people.models import Household, Person
from tongxin.places.models import Place
from tongxin.volunteering.models import community_of_path
from tongxin.volunteering.policies import managed_communities

from . import selectors, services
from .models import Station, StationFamily
from .policies import require_collector
from .schemas import (
    CampaignIn,
    CampaignOut,
    CampaignPage,
    DistributionIn,
    DistributionOut,
    DonationIn,
    DonationOut,
    DonorsOut,
    FamilyIn,
    FamilyOut,
    FulfilIn,
    FundDonationIn,
    FundHelpIn,
    FundOut,
    NeedActIn,
    NeedIn,
    NeedOut,
    NeedPage,
    NeedRevealIn,
    NeedRevealOut,
    PublishIn,
    ResourceIn,
    ResourceOut,
    ResourcePage,
    StationIn,
    StationOut,
    StationPage,
    SuggestionsOut,
    WishIn,
    WishOut,
    WishPage,
)

router = Router(tags=["matching"])


def _home_community(user: Actor) -> Place:
    person = person_of(user)
    community = community_of_path(person.place_path) if person and person.place_path else None
    if community is None:
        raise Forbidden(_("您不属于任何社区"))
    return community


# ---------------------------------------------------------------------------- needs


@router.post("/needs", response={201: NeedOut}, summary=lazy_str("提交需求（点单）"))
def create_need(request: HttpRequest, payload: NeedIn) -> Any:
    """Post a need for the caller, or for a household the caller may see (``household_id``):
    201 with the need (state ``posted``)."""
    user = caller(request)
    household = None
    if payload.household_id is not None:
        household = access(
            Household.objects.visible_to(user).select_related("dwelling"), payload.household_id
        )
    need = services.need_post(
        actor=user,
        kind=payload.kind,
        description=payload.description,
        urgency=payload.urgency,
        household=household,
        wanted_on=payload.wanted_on,
        estimated_value=payload.estimated_value,
    )
    return Status(201, selectors.need_card(selectors.access_need(user, need.pk), user))


@router.get("/needs", response=NeedPage, summary=lazy_str("需求清单"))
def list_needs(
    request: HttpRequest, state: str | None = None, mine: bool = False, page: int = 1
) -> Any:
    """The needs the caller may see (their grid's for a grid worker, the community's for its
    staff, their own, the listed ones of their community as cards); ``mine``: posted by or
    for the caller, or claimed by them."""
    user = caller(request)
    sl = paginate(selectors.needs_for(user, state=state, mine=mine), page)
    return sl.answer(selectors.need_cards(list(sl.items), user))


@router.get("/needs/{need_id}", response=NeedOut, summary=lazy_str("需求详情"))
def get_need(request: HttpRequest, need_id: int) -> Any:
    user = caller(request)
    return selectors.need_card(selectors.access_need(user, need_id), user, detail=True)


@router.post(
    "/needs/{need_id}/actions/{need_act}",
    response=NeedOut,
    summary=lazy_str("办理需求：核实、发布、派单、接单、开始、完成、评价、销号、撤回"),
)
def need_action(
    request: HttpRequest, need_id: int, need_act: str, payload: NeedActIn | None = None
) -> Any:
    user = caller(request)
    data = payload.dict(exclude_none=True) if payload is not None else {}
    need = services.need_act(actor=user, need_id=need_id, act=need_act, data=data)
    return selectors.need_card(selectors.access_need(user, need.pk), user, detail=True)


@router.get("/needs/{need_id}/suggestions", response=SuggestionsOut, summary=lazy_str("推荐资源"))
def need_suggestions(request: HttpRequest, need_id: int) -> Any:
    """Resources of the need's community ranked by kind, skills, distance, capacity left this
    month and past ratings, each with its ``reasons``; for the staff over the need."""
    user = caller(request)
    need = selectors.access_need(user, need_id)
    return {"items": [selectors.suggestion_out(s) for s in selectors.suggestions(user, need)]}


@router.post(
    "/needs/{need_id}/reveal-phone",
    response=NeedRevealOut,
    summary=lazy_str("查看需求人完整电话（认领后，须说明事由，全程留痕）"),
)
def reveal_need_phone(request: HttpRequest, need_id: int, payload: NeedRevealIn) -> Any:
    """The resident's full phone number, for the need's claimer while the need is claimed or
    in progress (and the staff over the resident): through people's audited reveal, with a
    ``reason`` of at least 4 characters, limited per user like every reveal. 403 before the
    claim or after the work, 404 out of sight."""
    user = caller(request)
    counted = hit("reveal", request, key="user")
    if not counted.allowed:
        return counted.response(request)
    return {"phone": services.need_reveal_phone(actor=user, need_id=need_id, reason=payload.reason)}


# ---------------------------------------------------------------------------- resources


@router.post("/resources", response={201: ResourceOut}, summary=lazy_str("登记资源"))
def create_resource(request: HttpRequest, payload: ResourceIn) -> Any:
    """Offer the caller's own service, or (the community's managers) a unit's."""
    user = caller(request)
    if person_of(user) is None:
        raise Forbidden(_("只有登记在册的居民可以登记资源"))
    if payload.community is not None:
        community = access(Place.objects.visible_to(user), payload.community)
        if community.kind != "community":
            raise ValidationFailed(
                _("请选择社区"), fields=[{"field": "community", "reason": _("应为社区")}]
            )
    else:
        community = _home_community(user)
    org = None
    if payload.organisation is not None:
        org = access(Organisation.objects.visible_to(user), payload.organisation)
    r = services.resource_register(
        actor=user,
        kind=payload.kind,
        community=community,
        organisation=org,
        need_kinds=payload.need_kinds,
        skills=payload.skills,
        hours_per_month=payload.hours_per_month,
        employer=payload.employer,
    )
    return Status(201, selectors.resource_out(r))


@router.get("/resources", response=ResourcePage, summary=lazy_str("资源清单"))
def list_resources(request: HttpRequest, page: int = 1) -> Any:
    sl = paginate(selectors.resources_for(caller(request)), page)
    return sl.answer([selectors.resource_out(r) for r in sl.items])


# ---------------------------------------------------------------------------- 微心愿


@router.get("/wish-campaigns", response=CampaignPage, summary=lazy_str("微心愿活动"))
def list_wish_campaigns(request: HttpRequest, page: int = 1) -> Any:
    sl = paginate(selectors.campaigns_for(caller(request)), page)
    return sl.answer([selectors.campaign_out(c) for c in sl.items])


@router.post("/wish-campaigns", response={201: CampaignOut}, summary=lazy_str("发起微心愿活动"))
def create_wish_campaign(request: HttpRequest, payload: CampaignIn) -> Any:
    """For the community's managers; ``community`` may be left out by one who manages one."""
    user = caller(request)
    managed = managed_communities(user)
    if payload.community is not None:
        community = managed.filter(pk=payload.community).first()
    else:
        community = managed.order_by("path").first()
    if community is None:
        raise Forbidden(_("只有社区工作人员可以发起微心愿活动"))
    c = services.campaign_create(
        actor=user,
        community=community,
        title=payload.title,
        display=payload.display,
        max_value=payload.max_value,
        claims_per_claimer=payload.claims_per_claimer,
        ends_on=payload.ends_on,
    )
    if payload.state != c.state:
        c = services.campaign_set_state(actor=user, campaign=c, state=payload.state)
    return Status(201, selectors.campaign_out(c))


@router.post(
    "/wish-campaigns/{campaign_id}/wishes",
    response={201: WishOut},
    summary=lazy_str("登记心愿"),
)
def collect_wish(request: HttpRequest, campaign_id: int, payload: WishIn) -> Any:
    """A grid worker or the community's staff records a resident's wish (to be verified)."""
    user = caller(request)
    campaign = access(selectors.campaigns_for(user).select_related("community"), campaign_id)
    require_collector(user, campaign.community)
    if payload.person is None:
        raise ValidationFailed(_("请选择心愿人"), fields=[{"field": "person", "reason": _("必填")}])
    person = access(Person.objects.visible_to(user), payload.person)
    wish = services.wish_collect(
        actor=user,
        campaign=campaign,
        person=person,
        text=payload.text,
        value=payload.value,
        given_name=payload.given_name,
    )
    return Status(201, selectors.wish_card(selectors.access_wish(user, wish.pk), user))


@router.get("/wishes", response=WishPage, summary=lazy_str("心愿墙"))
def list_wishes(request: HttpRequest, campaign: int | None = None, page: int = 1) -> Any:
    """The wish wall: published cards of the caller's community show only what the campaign
    allows (the given name, or nothing); never the address, ID, care tag or full name."""
    user = caller(request)
    sl = paginate(selectors.wishes_for(user, campaign=campaign), page)
    return sl.answer([selectors.wish_card(w, user) for w in sl.items])


@router.post("/wishes/{wish_id}/publish", response=WishOut, summary=lazy_str("核实并发布心愿"))
def publish_wish(request: HttpRequest, wish_id: int, payload: PublishIn) -> Any:
    user = caller(request)
    wish = services.wish_publish(actor=user, wish_id=wish_id, method=payload.method)
    return selectors.wish_card(selectors.access_wish(user, wish.pk), user)


@router.post("/wishes/{wish_id}/claim", response=WishOut, summary=lazy_str("认领心愿"))
def claim_wish(request: HttpRequest, wish_id: int) -> Any:
    """One to one: 409 ``TRANSITION_NOT_ALLOWED`` when someone else was first, 409
    ``WISH_LIMIT_REACHED`` past the campaign's limit per claimer."""
    user = caller(request)
    wish = services.wish_claim(actor=user, wish_id=wish_id)
    return selectors.wish_card(selectors.access_wish(user, wish.pk), user)


@router.post("/wishes/{wish_id}/fulfil", response=WishOut, summary=lazy_str("圆梦签收"))
def fulfil_wish(request: HttpRequest, wish_id: int, payload: FulfilIn) -> Any:
    user = caller(request)
    wish = services.wish_fulfil(
        actor=user,
        wish_id=wish_id,
        receipt_by=payload.receipt_by,
        receipt_name=payload.receipt_name,
        thanks=payload.thanks,
    )
    return selectors.wish_card(selectors.access_wish(user, wish.pk), user)


# ---------------------------------------------------------------------------- 邻里互助站


def _managed(user: Actor, community_id: int | None) -> Place:
    """The community the caller manages (the one given, or their only one); 403 otherwise."""
    managed = managed_communities(user)
    community = (
        managed.filter(pk=community_id).first()
        if community_id is not None
        else managed.order_by("path").first()
    )
    if community is None:
        raise Forbidden(_("只有社区工作人员可以办理"))
    return community


def _station(user: Actor, station_id: int) -> Station:
    return access(selectors.stations_for(user), station_id)


def _require_station_manager(user: Actor, station: Station) -> None:
    from tongxin.volunteering.policies import require_manager

    require_manager(user, station.community)


@router.get("/stations", response=StationPage, summary=lazy_str("邻里互助站"))
def list_stations(request: HttpRequest, page: int = 1) -> Any:
    sl = paginate(selectors.stations_for(caller(request)), page)
    return sl.answer([selectors.station_out(s) for s in sl.items])


@router.post("/stations", response={201: StationOut}, summary=lazy_str("设立互助站"))
def create_station(request: HttpRequest, payload: StationIn) -> Any:
    user = caller(request)
    community = _managed(user, payload.community)
    station = services.station_create(
        actor=user, community=community, name=payload.name, address=payload.address
    )
    return Status(201, selectors.station_out(station, stock=True))


@router.get("/stations/{station_id}", response=StationOut, summary=lazy_str("互助站库存"))
def get_station(request: HttpRequest, station_id: int) -> Any:
    """The station and its stock (items held, more than none)."""
    return selectors.station_out(_station(caller(request), station_id), stock=True)


@router.post(
    "/stations/{station_id}/donations",
    response={201: DonationOut},
    summary=lazy_str("接收捐赠物品"),
)
def receive_donation(request: HttpRequest, station_id: int, payload: DonationIn) -> Any:
    """Goods in: 422 ``DONATION_REFUSED`` with the rule's reason (medicine; food with under
    six months' shelf life or without a date)."""
    user = caller(request)
    station = _station(user, station_id)
    _require_station_manager(user, station)
    d = services.donation_receive(
        actor=user,
        station=station,
        donor_name=payload.donor_name,
        category=payload.category,
        item=payload.item,
        quantity=payload.quantity,
        condition=payload.condition,
        best_before=payload.best_before,
    )
    return Status(
        201,
        {
            "id": d.pk,
            "donor_name": d.donor_name,
            "category": d.category,
            "item": d.item,
            "quantity": d.quantity,
            "at": d.at,
        },
    )


@router.get("/stations/{station_id}/donors", response=DonorsOut, summary=lazy_str("月度捐赠名单"))
def station_donors(request: HttpRequest, station_id: int, month: str = "") -> Any:
    """The month's donors (``month`` = YYYY-MM, this month by default), for the managers."""
    from tongxin.core import clock

    user = caller(request)
    station = _station(user, station_id)
    _require_station_manager(user, station)
    month = month or clock.this_month()
    try:
        year, mon = (int(x) for x in month.split("-"))
        if not (2000 <= year <= 2100 and 1 <= mon <= 12):
            raise ValueError(month)
    except ValueError:
        raise ValidationFailed(
            _("月份格式应为 YYYY-MM"), fields=[{"field": "month", "reason": _("格式错误")}]
        ) from None
    return {
        "month": f"{year:04d}-{mon:02d}",
        "items": selectors.donors_of_month(station, year, mon),
    }


@router.post(
    "/stations/{station_id}/families", response={201: FamilyOut}, summary=lazy_str("登记受助家庭")
)
def register_family(request: HttpRequest, station_id: int, payload: FamilyIn) -> Any:
    user = caller(request)
    station = _station(user, station_id)
    _require_station_manager(user, station)
    if payload.household_id is None:
        raise ValidationFailed(
            _("请选择家庭"), fields=[{"field": "household_id", "reason": _("必填")}]
        )
    household = access(Household.objects.visible_to(user), payload.household_id)
    f = services.family_register(
        actor=user, station=station, household=household, note=payload.note
    )
    return Status(
        201,
        {
            "id": f.pk,
            "station": f.station_id,
            "household": f.household_id,
            "is_active": f.is_active,
        },
    )


@router.post(
    "/stations/{station_id}/distributions",
    response={201: DistributionOut},
    summary=lazy_str("发放物品"),
)
def give_goods(request: HttpRequest, station_id: int, payload: DistributionIn) -> Any:
    """Goods out to a registered family: 409 ``STOCK_SHORT`` when the station holds less."""
    user = caller(request)
    station = _station(user, station_id)
    _require_station_manager(user, station)
    if payload.family is None:
        raise ValidationFailed(_("请选择家庭"), fields=[{"field": "family", "reason": _("必填")}])
    family = access(StationFamily.objects.visible_to(user), payload.family)
    g = services.distribution_give(
        actor=user, station=station, family=family, item=payload.item, quantity=payload.quantity
    )
    return Status(
        201,
        {"id": g.pk, "family": g.family_id, "item": g.item, "quantity": g.quantity, "at": g.at},
    )


@router.get("/mutual-fund", response=FundOut, summary=lazy_str("邻里互助基金"))
def get_fund(request: HttpRequest, community: int | None = None) -> Any:
    """The fund's balance (fen) and its latest movements, for the community's managers."""
    user = caller(request)
    return selectors.fund_summary(_managed(user, community))


@router.post("/mutual-fund/donations", response={201: FundOut}, summary=lazy_str("互助基金捐款"))
def donate_to_fund(request: HttpRequest, payload: FundDonationIn) -> Any:
    user = caller(request)
    community = _managed(user, payload.community)
    services.fund_donate(
        actor=user,
        community=community,
        amount=payload.amount,
        donor_name=payload.donor_name,
        reason=payload.reason,
    )
    return Status(201, selectors.fund_summary(community))


@router.post("/mutual-fund/help", response={201: FundOut}, summary=lazy_str("互助基金帮扶"))
def help_from_fund(request: HttpRequest, payload: FundHelpIn) -> Any:
    """Help a household from the fund: 409 ``FUND_SHORT`` when it holds less."""
    user = caller(request)
    community = _managed(user, payload.community)
    if payload.household_id is None:
        raise ValidationFailed(
            _("请选择家庭"), fields=[{"field": "household_id", "reason": _("必填")}]
        )
    household = access(Household.objects.visible_to(user), payload.household_id)
    services.fund_help(
        actor=user,
        community=community,
        amount=payload.amount,
        household=household,
        reason=payload.reason,
    )
    return Status(201, selectors.fund_summary(community))


# 项目清单 (``api_projects``): its routes join this router.
from .api_projects import router as projects_router  # noqa: E402

router.add_router("", projects_router)
