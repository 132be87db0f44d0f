"""API of notices and the daily log (``/api/v1/notices``, ``/api/v1/log-entries``). Thin:
parse, authorise, call a service or a selector, answer."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from tongxin.core import clock
from tongxin.core.actors import Actor, person_of
from tongxin.core.api_support import caller, paginate
from tongxin.core.errors import NotFound, ValidationFailed
from tongxin.core.i18n import lazy_str
from tongxin.core.scoping import access
from tongxin.places.models import Place

from . import selectors, services
from .models import (
    Audience,
    Booking,
    Convention,
    Disclosure,
    LogEntry,
    Notice,
    ServiceGuide,
    Studio,
)
from .policies import (
    managed_community,
    own_workplace,
    require_manager,
    require_publisher,
    require_staff,
)
from .schemas import (
    AdoptionIn,
    AttachmentsOut,
    BookingActIn,
    BookingIn,
    BookingOut,
    CalendarOut,
    ContactCardOut,
    ConventionIn,
    ConventionOut,
    ConventionPage,
    DayListOut,
    DisclosureActIn,
    DisclosureIn,
    DisclosureOut,
    DisclosurePage,
    GuideOut,
    GuidePage,
    LogEntryIn,
    LogEntryOut,
    LogEntryPage,
    NoticeIn,
    NoticeOut,
    NoticePage,
    ReceiptsOut,
    SlotsOut,
    StudioPage,
)

router = Router(tags=["notices"])


def attachment_out(u: Any) -> dict[str, Any]:
    return {
        "id": str(u.pk),
        "name": u.original_name,
        "kind": u.kind,
        "size": u.size,
        "url": reverse("core:file", args=[u.pk]),
    }


def notice_out(
    n: Notice, read_at: dt.datetime | None = None, attachments: list[Any] | None = None
) -> dict[str, Any]:
    return {
        "attachments": [attachment_out(u) for u in attachments or []],
        "id": n.pk,
        "title": n.title,
        "body": n.body,
        "kind": n.kind,
        "kind_label": n.get_kind_display(),
        "audience": n.audience,
        "audience_label": n.get_audience_display(),
        "audience_place": n.audience_place_id,
        "audience_place_name": n.audience_place.name,
        "care_tag": n.care_tag,
        "pinned": n.pinned,
        "public": n.is_public,
        "issue_number": n.issue_number,
        "valid_until": n.valid_until,
        "published_at": n.published_at,
        "recipient_count": n.recipient_count,
        "read_at": read_at,
    }


def log_entry_out(e: LogEntry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "place": e.place_id,
        "place_name": e.place.name,
        "occurred_at": e.occurred_at,
        "source": e.source,
        "source_label": e.get_source_display(),
        "met": e.met,
        "visitors": e.visitors,
        "raised": e.raised,
        "difficulties": e.difficulties,
        "requests": e.requests,
        "done": e.done,
        "follow_up": e.follow_up,
        "tags": e.tags,
        "author": e.author.username,
        "notice": e.notice_id,
        "case": e.case_id,
    }


def access_place(user: Actor, pk: int) -> Place:
    return access(Place.objects.visible_to(user), pk)


def plausible_day(day: dt.date | None, field: str) -> dt.date | None:
    """A day a person means (years 2000–2100): far dates are refused, not computed with."""
    if day is not None and not 2000 <= day.year <= 2100:
        reason = _("日期应在 2000 到 2100 年之间")
        raise ValidationFailed(reason, fields=[{"field": field, "reason": reason}])
    return day


def workplace(user: Actor, pk: int | None) -> Place:
    """The place named, within the caller's view (404 otherwise), or their own workplace."""
    return own_workplace(user) if pk is None else access_place(user, pk)


def access_notice(user: Actor, pk: int) -> Notice:
    return access(Notice.objects.visible_to(user).select_related("audience_place"), pk)


# ---------------------------------------------------------------------------- notices


@router.post("/notices", response={201: NoticeOut}, summary=lazy_str("发布通知"))
def create_notice(request: HttpRequest, payload: NoticeIn) -> Any:
    """Publish a notice to an audience under ``audience.place_id`` (staff of that place; 403
    ``NOT_PUBLISHER`` otherwise): everyone there, ``care_tag``, ``members`` or ``staff``."""
    user = caller(request)
    a = payload.audience
    if a.care_tag:
        audience = Audience.CARE_TAG
    elif a.members:
        audience = Audience.MEMBERS
    elif a.staff:
        audience = Audience.STAFF
    else:
        audience = Audience.RESIDENTS
    notice = services.notice_publish(
        actor=user,
        audience_place=workplace(user, a.place_id),
        audience=audience,
        care_tag=a.care_tag,
        title=payload.title,
        body=payload.body,
        kind=payload.kind,
        pinned=payload.pinned,
        valid_until=payload.valid_until,
        issue_number=payload.issue_number,
        is_public=payload.public,
    )
    return Status(201, notice_out(notice, attachments=[]))


@router.get("/notices", response=NoticePage, summary=lazy_str("通知公告"))
def list_notices(request: HttpRequest, mine: bool = False, page: int = 1) -> Any:
    """With ``mine=1`` the valid notices that reached the caller (pinned first); otherwise
    every notice the caller may see (staff: those to the places they work at)."""
    user = caller(request)
    sl = paginate(selectors.notices_for(user, mine=mine), page)
    read = selectors.read_at_of(user, [n.pk for n in sl.items])
    files = selectors.attachments_of(list(sl.items))
    return sl.answer([notice_out(n, read.get(n.pk), files.get(n.pk)) for n in sl.items])


@router.get("/notices/{notice_id}", response=NoticeOut, summary=lazy_str("查看通知"))
def get_notice(request: HttpRequest, notice_id: int) -> Any:
    """One notice; opening it records the caller's read receipt."""
    user = caller(request)
    notice = access_notice(user, notice_id)
    receipt = services.notice_open(actor=user, notice=notice)
    files = selectors.attachments_of([notice])[notice.pk]
    return notice_out(notice, receipt.read_at if receipt else None, files)


@router.post(
    "/notices/{notice_id}/attachments",
    response={201: AttachmentsOut},
    summary=lazy_str("上传通知附件"),
)
def attach_to_notice(
    request: HttpRequest,
    notice_id: int,
    file: list[UploadedFile] = File(None),  # noqa: B008
) -> Any:
    """Attach files (multipart field ``file``, repeated: JPEG, PNG, WebP or PDF, the limits of
    ``core.uploads``) to a notice; its publishers only (403 ``NOT_PUBLISHER``). Whoever may
    read the notice may read them."""
    user = caller(request)
    notice = access_notice(user, notice_id)
    require_publisher(user, notice.audience_place)
    files = list(file or [])
    if not files:
        reason = _("请选择要上传的文件。")
        raise ValidationFailed(reason, fields=[{"field": "file", "reason": reason}])
    services.notice_attach(actor=user, notice=notice, files=files)
    return Status(
        201, {"items": [attachment_out(u) for u in selectors.attachments_of([notice])[notice.pk]]}
    )


@router.get(
    "/notices/{notice_id}/attachments/{upload_id}",
    response={200: None},
    summary=lazy_str("下载通知附件"),
)
def get_notice_attachment(request: HttpRequest, notice_id: int, upload_id: str) -> HttpResponse:
    """One attachment's bytes, for whoever may read the notice (404 otherwise)."""
    from tongxin.core import uploads

    notice = access_notice(caller(request), notice_id)
    upload = next(
        (u for u in selectors.attachments_of([notice])[notice.pk] if str(u.pk) == upload_id),
        None,
    )
    if upload is None:
        raise NotFound()
    response = FileResponse(
        uploads.open_upload(upload),
        content_type=uploads.CONTENT_TYPES[upload.kind],
        as_attachment=True,
        filename=upload.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response  # type: ignore[return-value]


@router.get("/notices/{notice_id}/receipts", response=ReceiptsOut, summary=lazy_str("阅读回执"))
def notice_receipts(request: HttpRequest, notice_id: int) -> Any:
    """How many of the audience the caller looks after have read the notice, and who has not
    (name and address, for the door-to-door follow-up). Staff only."""
    user = caller(request)
    notice = access_notice(user, notice_id)
    require_staff(user)
    r = selectors.receipts_of(user, notice)
    groups = [
        {
            "building": g.building,
            "unit": g.unit,
            "count": g.count,
            "people": [p["id"] for p in g.people],
        }
        for g in selectors.unread_by_building(user, notice)
    ]
    return {
        "read": r.read,
        "unread": r.unread,
        "unread_people": r.unread_people,
        "groups": groups,
    }


# ---------------------------------------------------------------------------- the daily log


@router.post("/log-entries", response={201: LogEntryOut}, summary=lazy_str("记录民情日志"))
def create_log_entry(request: HttpRequest, payload: LogEntryIn) -> Any:
    """Record an entry of the daily log at a place the caller works at (403
    ``NOT_RECORDER`` otherwise)."""
    user = caller(request)
    notice = access_notice(user, payload.notice_id) if payload.notice_id else None
    entry = services.log_entry_record(
        actor=user,
        place=workplace(user, payload.place_id),
        raised=payload.raised,
        met=payload.met,
        done=payload.done,
        follow_up=payload.follow_up,
        visitors=payload.visitors,
        difficulties=payload.difficulties,
        requests=payload.requests,
        tags=payload.tags,
        occurred_at=payload.occurred_at,
        source=payload.source,
        notice=notice,
        case_category=payload.case_category,
    )
    return Status(201, log_entry_out(entry))


@router.get("/log-entries", response=LogEntryPage, summary=lazy_str("民情日志"))
def list_log_entries(
    request: HttpRequest,
    place_id: int | None = None,
    from_: Annotated[dt.date | None, Query(alias="from")] = None,
    to: dt.date | None = None,
    q: str = "",
    tag: str = "",
    page: int = 1,
) -> Any:
    """The log entries the caller may read (staff: their places'; everyone: their own),
    newest first; ``place_id`` (its subtree), ``from``/``to`` (local days), ``q`` (words in
    any field), ``tag``."""
    user = caller(request)
    place = access_place(user, place_id) if place_id is not None else None
    qs = selectors.log_entries_for(
        user,
        place=place,
        since=plausible_day(from_, "from"),
        until=plausible_day(to, "to"),
        text=q[:100],
        tag=tag[:50],
    )
    sl = paginate(qs, page)
    return sl.answer([log_entry_out(e) for e in sl.items])


# ---------------------------------------------------------------------------- the contact card


def card_place(user: Actor, dwelling_id: int | None) -> Place:
    """The place named (within the caller's view, 404 otherwise) or the caller's home."""
    if dwelling_id is not None:
        return access_place(user, dwelling_id)
    person = person_of(user)
    if person is None or not person.place_id:
        raise NotFound()
    return Place.objects.get(pk=person.place_id)


@router.get("/contact-card", response=ContactCardOut, summary=lazy_str("便民服务卡"))
def contact_card(request: HttpRequest, dwelling_id: int | None = None) -> Any:
    """The contact card of the caller's own home, or of ``dwelling_id`` (any place the caller
    may browse: staff and the building's officers): posts with a public contact only."""
    user = caller(request)
    return selectors.card_for(card_place(user, dwelling_id)).as_dict()


# ---------------------------------------------------------------------------- 三务公开


def disclosure_out(d: Disclosure) -> dict[str, Any]:
    return {
        "id": d.pk,
        "community": d.community_id,
        "item": d.item_id,
        "kind": d.kind,
        "kind_label": d.get_kind_display(),
        "cadence": d.cadence,
        "cadence_label": d.get_cadence_display(),
        "period": d.period,
        "title": d.title,
        "body": d.body,
        "status": d.status,
        "status_label": d.get_status_display(),
        "approval_note": d.approval_note,
        "published_at": d.published_at,
    }


def community_of(user: Actor, pk: int | None) -> Place:
    """The community named (within the caller's view, 404 otherwise) or the caller's own."""
    if pk is None:
        return managed_community(user)
    place = access_place(user, pk)
    if place.kind != "community":
        raise NotFound()
    return place


@router.post("/disclosures", response={201: DisclosureOut}, summary=lazy_str("起草三务公开"))
def create_disclosure(request: HttpRequest, payload: DisclosureIn) -> Any:
    """Draft a disclosure (党务, 居务, 财务); the community's managers only (403
    ``NOT_COMMUNITY_MANAGER``). It is published only after the committee approves it."""
    user = caller(request)
    community = community_of(user, payload.community_id)
    item = None
    if payload.item_id is not None:
        item = selectors.disclosure_item(community, payload.item_id)
    d = services.disclosure_draft(
        actor=user,
        community=community,
        item=item,
        kind=payload.kind,
        cadence=payload.cadence,
        period=payload.period,
        title=payload.title,
        body=payload.body,
    )
    return Status(201, disclosure_out(d))


@router.get("/disclosures", response=DisclosurePage, summary=lazy_str("三务公开"))
def list_disclosures(request: HttpRequest, community_id: int | None = None, page: int = 1) -> Any:
    """The published disclosures of the caller's community; its managers see the drafts and
    those awaiting approval too."""
    user = caller(request)
    community = access_place(user, community_id) if community_id is not None else None
    sl = paginate(selectors.disclosures_for(user, community=community), page)
    return sl.answer([disclosure_out(d) for d in sl.items])


@router.post(
    "/disclosures/{disclosure_id}/act", response=DisclosureOut, summary=lazy_str("审核与公开")
)
def act_on_disclosure(request: HttpRequest, disclosure_id: int, payload: DisclosureActIn) -> Any:
    """``submit``, ``approve`` / ``reject`` (with ``note``: the committee meeting that
    decided), ``publish`` (only once approved: 409 ``TRANSITION_NOT_ALLOWED`` before)."""
    user = caller(request)
    d = services.disclosure_act(
        actor=user, disclosure_id=disclosure_id, act=payload.act, note=payload.note
    )
    return disclosure_out(d)


@router.get("/disclosures/calendar", response=CalendarOut, summary=lazy_str("公开日历"))
def disclosure_calendar(
    request: HttpRequest, community_id: int | None = None, year: int | None = None
) -> Any:
    """What the community's disclosure list asks for in ``year`` (this year by default), and
    what is published, due, overdue or still to come. Managers only."""
    user = caller(request)
    community = community_of(user, community_id)
    require_manager(user, community)
    year = year or clock.today().year
    if not 2000 <= year <= 2100:
        reason = _("年份应在 2000 到 2100 之间")
        raise ValidationFailed(reason, fields=[{"field": "year", "reason": reason}])
    entries = selectors.disclosure_calendar(community, year)
    return {
        "community": community.pk,
        "year": year,
        "overdue": sum(e.status == "overdue" for e in entries),
        "entries": [
            {
                "item": e.item.pk,
                "title": e.item.title,
                "kind": e.item.kind,
                "cadence": e.item.cadence,
                "period": e.period,
                "opens": e.opens,
                "deadline": e.deadline,
                "status": e.status,
                "disclosure": e.disclosure_id,
                "draft_status": e.draft_status,
            }
            for e in entries
        ],
    }


# ---------------------------------------------------------------------------- the service guide


def guide_out(g: ServiceGuide) -> dict[str, Any]:
    return {
        "id": g.pk,
        "code": g.code,
        "title": g.title,
        "category": g.category,
        "conditions": g.conditions,
        "materials": [str(m) for m in g.materials or []],
        "steps": [str(m) for m in g.steps or []],
        "where": g.where,
        "hours": g.hours,
        "responsible_role": g.responsible_role,
        "responsible_role_label": g.get_responsible_role_display() if g.responsible_role else "",
        "forms": [
            {"name": str(f.get("name", "")), "url": str(f.get("url", ""))}
            for f in g.forms or []
            if isinstance(f, dict)
        ],
    }


@router.get("/service-guide", response=GuidePage, summary=lazy_str("办事指南"))
def list_services(request: HttpRequest, q: str = "", category: str = "", page: int = 1) -> Any:
    """The service guide of the caller's community (民生政策一窗通), searchable by words."""
    user = caller(request)
    sl = paginate(selectors.guide_for(user, text=q[:100], category=category[:40]), page)
    return sl.answer([guide_out(g) for g in sl.items])


@router.get("/service-guide/{service_id}", response=GuideOut, summary=lazy_str("办事指南详情"))
def get_service(request: HttpRequest, service_id: int) -> Any:
    user = caller(request)
    return guide_out(access(ServiceGuide.objects.visible_to(user), service_id))


# ---------------------------------------------------------------------------- appointments


def studio_out(s: Studio, *, rate: float | None = None) -> dict[str, Any]:
    return {
        "id": s.pk,
        "community": s.community_id,
        "kind": s.kind,
        "kind_label": s.get_kind_display(),
        "name": s.name,
        "location": s.location,
        "description": s.description,
        "slot_minutes": s.slot_minutes,
        "capacity": s.capacity,
        "ahead_days": s.ahead_days,
        "lead_hours": s.lead_hours,
        "no_show_rate": rate,
    }


def booking_out(b: Booking) -> dict[str, Any]:
    return {
        "id": b.pk,
        "studio": b.studio_id,
        "studio_name": b.studio.name,
        "starts_at": b.starts_at,
        "topic": b.topic,
        "status": b.status,
        "status_label": b.get_status_display(),
        "name": b.person.name,
    }


def access_studio(user: Actor, pk: int) -> Studio:
    return access(Studio.objects.visible_to(user).filter(is_active=True), pk)


@router.get("/studios", response=StudioPage, summary=lazy_str("工作室与服务窗口"))
def list_studios(request: HttpRequest, page: int = 1) -> Any:
    """The studios (书记工作室, 专业工作室) and service windows of the caller's community."""
    user = caller(request)
    qs = Studio.objects.visible_to(user).filter(is_active=True).order_by("kind", "pk")
    sl = paginate(qs, page)
    return sl.answer([studio_out(s) for s in sl.items])


@router.get("/studios/{studio_id}/slots", response=SlotsOut, summary=lazy_str("可预约时段"))
def studio_slots(request: HttpRequest, studio_id: int, date: dt.date | None = None) -> Any:
    """The slots of a day (today by default) with their free places."""
    studio = access_studio(caller(request), studio_id)
    day = plausible_day(date, "date") or clock.today()
    return {
        "studio": studio.pk,
        "date": day,
        "slots": [
            {"starts_at": s.starts_at, "capacity": s.capacity, "taken": s.taken, "free": s.free}
            for s in selectors.slots_of(studio, day)
        ],
    }


@router.post("/studios/{studio_id}/bookings", response={201: BookingOut}, summary=lazy_str("预约"))
def book_studio(request: HttpRequest, studio_id: int, payload: BookingIn) -> Any:
    """Book a place in a slot: 201; 409 ``SLOT_FULL`` or ``ALREADY_BOOKED``; 422
    ``SLOT_NOT_BOOKABLE`` for a time that is not a slot, too soon or too far ahead."""
    user = caller(request)
    booking = services.booking_create(
        actor=user,
        studio=access_studio(user, studio_id),
        starts_at=payload.starts_at,
        topic=payload.topic,
    )
    return Status(201, booking_out(booking))


@router.get("/studios/{studio_id}/day", response=DayListOut, summary=lazy_str("当日预约"))
def studio_day_list(request: HttpRequest, studio_id: int, date: dt.date | None = None) -> Any:
    """The studio's day list and its no-show rate over 90 days: its community's managers."""
    user = caller(request)
    studio = access_studio(user, studio_id)
    require_manager(user, studio.community)
    day = plausible_day(date, "date") or clock.today()
    return {
        "studio": studio.pk,
        "date": day,
        "bookings": [booking_out(b) for b in selectors.studio_day(user, studio, day)],
        "no_show_rate": selectors.no_show_rate(studio),
    }


@router.post("/bookings/{booking_id}/act", response=BookingOut, summary=lazy_str("办理预约"))
def act_on_booking(request: HttpRequest, booking_id: int, payload: BookingActIn) -> Any:
    """``cancel`` (the resident, the managers), ``attend`` or ``no_show`` (the managers,
    once the slot has begun)."""
    user = caller(request)
    b = services.booking_act(actor=user, booking_id=booking_id, act=payload.act)
    return booking_out(b)


# ---------------------------------------------------------------------------- conventions


def convention_out(c: Convention) -> dict[str, Any]:
    return {
        "id": c.pk,
        "kind": c.kind,
        "kind_label": c.get_kind_display(),
        "place": c.place_id,
        "place_name": c.place.name,
        "title": c.title,
        "text": c.text,
        "version": c.version,
        "adopted": c.is_adopted,
        "adopted_on": c.adopted_on,
        "adoption_method": c.adoption_method,
        "adoption_method_label": c.get_adoption_method_display() if c.adoption_method else "",
        "votes_for": c.votes_for,
        "votes_against": c.votes_against,
        "votes_abstain": c.votes_abstain,
        "deliberation_ref": c.deliberation_ref,
    }


def _adopt(user: Actor, convention_id: int, a: AdoptionIn) -> Convention:
    return services.convention_adopt(
        actor=user,
        convention_id=convention_id,
        adopted_on=plausible_day(a.adopted_on, "adopted_on") or a.adopted_on,
        method=a.method,
        votes_for=a.votes_for,
        votes_against=a.votes_against,
        votes_abstain=a.votes_abstain,
        deliberation_ref=a.deliberation_ref,
    )


@router.get("/conventions", response=ConventionPage, summary=lazy_str("居民公约与楼道公约"))
def list_conventions(request: HttpRequest, place_id: int | None = None, page: int = 1) -> Any:
    """The conventions the caller may read: a resident the adopted ones of their community
    and building; staff those of their places, drafts too. ``place_id``: under a place."""
    user = caller(request)
    place = access_place(user, place_id) if place_id is not None else None
    sl = paginate(selectors.conventions_for(user, place=place), page)
    return sl.answer([convention_out(c) for c in sl.items])


@router.post("/conventions", response={201: ConventionOut}, summary=lazy_str("起草公约"))
def create_convention(request: HttpRequest, payload: ConventionIn) -> Any:
    """Draft a convention (the staff of the place: 403 ``NOT_PUBLISHER``; ``place_id`` by
    default the widest place the caller works at); with ``adoption`` its adoption is
    recorded in the same request (all or nothing)."""
    from django.db import transaction

    user = caller(request)
    place = workplace(user, payload.place_id)
    with transaction.atomic():
        c = services.convention_draft(
            actor=user,
            place=place,
            kind=payload.kind,
            title=payload.title,
            text=payload.text,
            version=payload.version,
        )
        if payload.adoption is not None:
            c = _adopt(user, c.pk, payload.adoption)
    return Status(201, convention_out(c))


@router.get("/conventions/{convention_id}", response=ConventionOut, summary=lazy_str("查看公约"))
def get_convention(request: HttpRequest, convention_id: int) -> Any:
    return convention_out(access(selectors.conventions_for(caller(request)), convention_id))


@router.post(
    "/conventions/{convention_id}/adopt", response=ConventionOut, summary=lazy_str("登记公约通过")
)
def adopt_convention(request: HttpRequest, convention_id: int, payload: AdoptionIn) -> Any:
    """Record the adoption of a draft (once): date, method, counts, the deliberation."""
    return convention_out(_adopt(caller(request), convention_id, payload))
