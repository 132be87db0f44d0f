"""Intake (``case_report``): every channel (web form, API, hotline desk, Open311…) creates cases
here, with the same validation (every field error at once), location resolution, routing,
clocks, timeline, audit and notifications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tongxin.cases.errors import CaseCode
from tongxin.core import audit, clock, taskqueue, vault
from tongxin.core.actors import Actor, as_account, person_id_of, person_of, saved_account
from tongxin.core.errors import Code, DomainError, Forbidden, Problems
from tongxin.core.models import StoredUpload, allocate_pk
from tongxin.core.validators import validate_phone
from tongxin.people.selectors import home_place
from tongxin.places.geoindex import resolve_point
from tongxin.places.models import Place

from .. import changes, config, policies, sla
from ..models import (
    REPORTER_PHONE_CONTEXT,
    Case,
    CaseCategory,
    CaseEvent,
    Channel,
    Priority,
    RoutingDecision,
    case_ref,
)
from ..routing import route_case
from ..selectors import nearby_open_cases
from ..workflow import State
from .common import MAX_DESCRIPTION, MAX_PHOTOS, _append_first, _fail, _notify_assignee


@dataclass
class Fresh:
    """What intake wrote beside a new case, kept on it (``case.fresh``) for the answer: its
    timeline, routing decisions, photo ids and the open cases nearby (before any scope)."""

    events: list[CaseEvent]
    routings: list[RoutingDecision]
    photos: list[str]
    nearby: list[Case]


@dataclass
class Location:
    """Where a case is, resolved: the most precise place, its grid, and how it was found."""

    place: Place
    grid: Place | None
    source: str
    lat: float | None = None
    lng: float | None = None
    details: dict[str, Any] = field(default_factory=dict)


def resolve_location(
    *,
    actor: Actor | None,
    lat: float | None,
    lng: float | None,
    place_id: int | None,
    address: str,
) -> Location:
    """Resolve a map point, a place picked from the tree, or an address to a place and grid.

    A point must fall inside a grid or estate. A picked place must be one the reporter may
    browse, or their own home or one of its ancestors. An address is matched against the
    names and addresses of estates and buildings.
    """
    if (lat is None) != (lng is None):
        raise _fail("lat" if lat is None else "lng", _("经纬度须同时提供"))
    if lat is not None and lng is not None:
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise _fail("lat", _("经纬度超出范围"))
        found = resolve_point(lat, lng)
        place = found.building or found.estate or found.grid
        if place is None:
            raise _fail("lat", _("该位置不在本系统管辖的网格内，请重新选点"))
        return Location(
            place=place,
            grid=found.grid,
            source="point",
            lat=lat,
            lng=lng,
            details={
                "grid": found.grid.pk if found.grid else None,
                "estate": found.estate.pk if found.estate else None,
                "building": found.building.pk if found.building else None,
                "building_distance_m": round(found.building_distance_m, 1)
                if found.building_distance_m is not None
                else None,
            },
        )
    if place_id is not None:
        place = Place.objects.visible_to(actor).filter(pk=place_id).first()
        if place is None:
            home = home_place(actor)
            if home is not None:
                place = Place.objects.filter(
                    pk=place_id, path__in=[*home.ancestor_paths(), home.path]
                ).first()
        if place is None:
            raise _fail("place_id", _("找不到该地点，或您无权选择该地点"))
        if place.kind in ("district", "street"):
            raise _fail("place_id", _("请选择社区或更具体的地点"))
        return Location(
            place=place,
            grid=place.at_or_above("grid"),
            source="place",
            lat=place.centroid_lat,
            lng=place.centroid_lng,
        )
    address = (address or "").strip()
    if address:
        candidates = Place.objects.filter(kind__in=("building", "estate"))
        match = (
            candidates.filter(address=address).order_by("-depth", "pk").first()
            or candidates.filter(name=address).order_by("-depth", "pk").first()
        )
        if match is None:
            for length in range(len(address), 3, -1):
                piece = address[:length]
                match = (
                    candidates.filter(address__startswith=piece).order_by("-depth", "pk").first()
                )
                if match is not None:
                    break
        if match is not None:
            return Location(
                place=match,
                grid=match.at_or_above("grid"),
                source="address",
                lat=match.centroid_lat,
                lng=match.centroid_lng,
                details={"matched": match.address or match.name},
            )
        raise _fail("address", _("无法根据该地址确定位置，请在地图上选点或从地点列表中选择"))
    raise _fail("location", _("请提供位置：地图选点（lat/lng）、地点（place_id）或地址（address）"))


def _category(code: str) -> CaseCategory:
    category = config.categories().by_code.get(code)
    if category is None or not category.is_active:
        raise _fail("category", _("没有编码为“{code}”的诉求分类").format(code=code))
    return category


def _check_choice(field_name: str, value: str, choices: Any) -> str:
    if value not in choices.values:
        allowed = "、".join(f"{v}（{label}）" for v, label in choices.choices)
        raise _fail(field_name, _("取值应为以下之一：{allowed}").format(allowed=allowed))
    return value


def _attach_uploads(actor: Actor | None, upload_ids: Sequence[Any], case: Case) -> list[str]:
    """Attach the actor's own unattached uploads (photos) to the case."""
    if not upload_ids:
        return []
    if len(upload_ids) > MAX_PHOTOS:
        raise _fail("photos", _("最多上传 {max_photos} 张照片").format(max_photos=MAX_PHOTOS))
    ids = [str(u) for u in upload_ids]
    try:
        rows = list(
            StoredUpload.objects.filter(
                pk__in=ids, uploaded_by=as_account(actor), owner_type__isnull=True
            )
        )
    except Exception:  # malformed UUIDs
        rows = []
    if len(rows) != len(set(ids)):
        raise _fail("photos", _("照片不存在、已被使用或不是您上传的"))
    ct = ContentType.objects.get_for_model(Case)
    StoredUpload.objects.filter(pk__in=[r.pk for r in rows]).update(
        owner_type=ct, owner_id=str(case.pk)
    )
    return [str(r.pk) for r in rows]


def case_report(
    *,
    actor: Actor | None,
    category: str,
    description: str,
    priority: str = Priority.NORMAL,
    channel: str = Channel.APP,
    lat: float | None = None,
    lng: float | None = None,
    place_id: int | None = None,
    address: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    anonymous: bool = False,
    photos: Sequence[Any] = (),
    answers: dict[str, Any] | None = None,
    idempotency_key: str = "",
    now: dt.datetime | None = None,
) -> Case:
    """Take in a case from any channel: validate, resolve the location, route, start the
    clocks, attach the photos, write the timeline and the audit row, and notify the
    assignee. Nothing is written when anything is refused.

    ``idempotency_key`` (a signed-in reporter's ``Idempotency-Key``): the same key from the
    same account answers with the case it filed first (``case.replayed`` True), whatever
    happened to that first answer; the key reused for another report is refused
    (``IDEMPOTENCY_KEY_REUSED``). Costs nothing when the key is new: the insert's unique
    constraint finds the twin."""
    if not policies.may_report(actor) and channel != Channel.OPEN311:
        raise Forbidden(_("当前账号不能上报诉求"), code=CaseCode.REPORT_FORBIDDEN)
    now = now or clock.now()
    # Every field error at once (the page, the API and Open311 show them all).
    problems = Problems()
    if not (category or "").strip():
        problems.add("category", _("请选择诉求分类"))
        cat = None
    else:
        cat = problems.check(_category, category)
    description = (description or "").strip()
    if not description:
        problems.add("description", _("请描述问题"))
    elif len(description) > MAX_DESCRIPTION:
        problems.add(
            "description",
            _("问题描述不能超过 {max_chars} 个字").format(max_chars=MAX_DESCRIPTION),
        )
    problems.check(_check_choice, "priority", priority, Priority)
    problems.check(_check_choice, "channel", channel, Channel)
    reporter_phone = (reporter_phone or "").strip()
    if reporter_phone:
        try:
            validate_phone(reporter_phone)
        except Exception:
            problems.add("reporter_phone", _("联系电话格式不正确"))
    reporter_name = (reporter_name or "").strip()
    if len(reporter_name) > 50:
        problems.add("reporter_name", _("姓名不能超过 50 个字"))
    if len(photos) > MAX_PHOTOS:
        problems.add("photos", _("最多上传 {max_photos} 张照片").format(max_photos=MAX_PHOTOS))
    idempotency_key = (idempotency_key or "").strip()
    if len(idempotency_key) > 80:
        problems.add("header.Idempotency-Key", _("不能超过 80 个字符"))
    location = problems.check(
        resolve_location, actor=actor, lat=lat, lng=lng, place_id=place_id, address=address
    )
    problems.raise_if_any()
    assert cat is not None and location is not None

    reporter_person = None
    person_id = person_id_of(actor)
    on_behalf = bool(reporter_name or reporter_phone) and channel not in (Channel.APP,)
    if person_id and not on_behalf:
        reporter_person = person_of(actor)  # the account's own person, read once

    def write() -> Case:
        with transaction.atomic():
            # The key is taken first so that the row goes in once, reference and all.
            pk = allocate_pk(Case)
            case = Case(
                pk=pk,
                ref=case_ref(now, pk),
                created_at=now,
                category=cat,
                priority=priority,
                channel=channel,
                state=State.REPORTED,
                description=description,
                answers=answers or {},
                reporter_user=saved_account(actor),
                reporter_person=reporter_person,
                reporter_name=reporter_name,
                anonymous=anonymous,
                lat=location.lat,
                lng=location.lng,
                address=(address or "").strip()[:200] or location.place.address,
                place=location.place,
                place_path=location.place.path,
                grid=location.grid,
                location_source=location.source,
                resolution=location.details,
                idempotency_key=idempotency_key if saved_account(actor) else "",
            )
            if reporter_phone:
                case.reporter_phone_cipher = vault.encrypt(
                    reporter_phone, context=REPORTER_PHONE_CONTEXT
                )
                case.reporter_phone_masked = vault.mask_phone(reporter_phone)
            sla.apply_clocks(case, sla.plan_clocks(case, now))
            # Routed before the insert, so the case is written once with its assignee and owner.
            route = route_case(case, now=now)
            routing = changes.routed(case, route, at=now)
            # 首问责任制: the first staff member who receives the case owns it. A staff member
            # who reports at a place they handle (a patrol finding) received it first.
            if policies.is_staff_over(actor, case) and person_id:
                case.owner = person_of(actor)
            else:
                case.owner = route.person
            case.save(force_insert=True)
            attached = _attach_uploads(actor, photos, case)
            reported = changes.report(case, channel=channel, photos=attached)
            nearby = nearby_open_cases(case)
            routing.data["possible_duplicates"] = [c.pk for c in nearby]
            events = _append_first(case, [(reported, actor), (routing, None)], at=now)
            audit.record(
                actor=saved_account(actor),
                action="case_report",
                obj=case,
                subject_person_id=reporter_person.pk if reporter_person else None,
                detail={"channel": channel, "category": cat.code},
            )
            _notify_assignee(
                case, subject=_("新诉求待受理：{name}（{ref}）").format(name=cat.name, ref=case.ref)
            )
            sla.schedule(case)
            # The clock checks and the deliveries go in with the case, in its transaction.
            taskqueue.flush()
        # What the answer needs is in hand: the API builds it from this, not from the database.
        case.fresh = Fresh(
            events=events,
            routings=[routing.routing] if routing.routing is not None else [],
            photos=attached,
            nearby=nearby,
        )
        return case

    account = saved_account(actor)
    if not idempotency_key or account is None:
        return write()
    try:
        return write()
    except IntegrityError:
        # The unique (account, key) pair: this report was filed before (or by a twin request
        # a moment ago). Everything this attempt wrote went with its transaction.
        first = Case.objects.filter(reporter_user=account, idempotency_key=idempotency_key).first()
        if first is None:
            raise
        if first.category_id != cat.pk or first.description != description:
            raise DomainError(
                _("该 Idempotency-Key 已用于另一件诉求的上报"),
                code=Code.IDEMPOTENCY_KEY_REUSED,
            ) from None
        first.replayed = True
        return first
