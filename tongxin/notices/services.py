"""Writes of notices and the daily log: publish a notice to its audience (receipts and inbox
messages in the same transaction), record that a recipient opened it, record a log entry."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core import audit, clock, taskqueue, uploads
from tongxin.core.actors import Actor, as_account, person_of
from tongxin.core.errors import DomainError, Forbidden, Problems, ValidationFailed
from tongxin.core.scoping import access
from tongxin.inbox.services import notify
from tongxin.people.models import CareKind
from tongxin.places.models import Place

from . import selectors
from .errors import NoticesCode
from .models import (
    HOLDING,
    AdoptionMethod,
    Audience,
    Booking,
    BookingStatus,
    Cadence,
    Convention,
    ConventionKind,
    Disclosure,
    DisclosureItem,
    DisclosureKind,
    LogEntry,
    LogSource,
    Notice,
    NoticeKind,
    NoticeReceipt,
    Studio,
)
from .policies import require_manager, require_publisher, require_recorder
from .workflow import BOOKING_MACHINE, DISCLOSURE_MACHINE, BookingAct, DisclosureAct

TITLE_MAX = 120
BODY_MAX = 5000


def notice_publish(
    *,
    actor: Actor,
    audience_place: Place,
    audience: str = Audience.RESIDENTS,
    title: str,
    body: str = "",
    kind: str = NoticeKind.NOTICE,
    care_tag: str = "",
    pinned: bool = False,
    valid_until: dt.date | None = None,
    issue_number: int | None = None,
    is_public: bool = False,
    attachments: Sequence[Any] = (),
) -> Notice:
    """Publish a notice from the staff over ``audience_place`` to its audience there: one
    receipt per person reached and one inbox message each, written together (all or
    nothing); the other channels carry the messages after the commit. ``attachments`` (files:
    images or PDFs) go through ``core.uploads`` in the same transaction, owned by the notice,
    so they are read by whoever may read it; a refused file publishes nothing."""
    require_publisher(actor, audience_place)
    problems = Problems()
    title = title.strip()
    if not title:
        problems.add("title", _("必填"))
    elif len(title) > TITLE_MAX:
        problems.add("title", _("标题不能超过 {n} 个字").format(n=TITLE_MAX))
    if len(body) > BODY_MAX:
        problems.add("body", _("正文不能超过 {n} 个字").format(n=BODY_MAX))
    if kind not in NoticeKind.values:
        problems.add("kind", _("未知的通知类型"))
    if audience not in Audience.values:
        problems.add("audience", _("未知的发送对象"))
    if audience == Audience.CARE_TAG and care_tag not in CareKind.values:
        problems.add("care_tag", _("请选择关爱类别"))
    if audience != Audience.CARE_TAG and care_tag:
        problems.add("care_tag", _("只有发给关爱对象时才填写关爱类别"))
    if valid_until is not None and valid_until < clock.today():
        problems.add("valid_until", _("有效期不能早于今天"))
    if is_public and audience != Audience.RESIDENTS:
        problems.add("public", _("只有发给全体居民的通知可以公开到公告栏"))
    if kind == NoticeKind.BULLETIN and not issue_number:
        problems.add("issue_number", _("简报须填写期号"))
    problems.raise_if_any()

    with transaction.atomic():
        notice = Notice.objects.create(
            place=audience_place,
            audience=audience,
            audience_place=audience_place,
            care_tag=care_tag,
            kind=kind,
            title=title,
            body=body,
            pinned=pinned,
            is_public=is_public,
            valid_until=valid_until,
            issue_number=issue_number if kind == NoticeKind.BULLETIN else None,
            published_by=as_account(actor),
        )
        people = list(
            selectors.audience_of(
                audience=audience, place=audience_place, care_tag=care_tag
            ).values_list("pk", "place_path")
        )
        NoticeReceipt.objects.bulk_create(
            [NoticeReceipt(notice=notice, person_id=pk, person_path=path) for pk, path in people]
        )
        notice.recipient_count = len(people)
        notice.save(update_fields=["recipient_count"])
        if attachments:
            _store_attachments(actor, notice, attachments)
        notify(
            recipients=[pk for pk, _path in people],
            kind="notice",
            subject=title[:120],
            body=body[:2000],
            link=f"/api/v1/notices/{notice.pk}",
            topic=f"notice:{notice.pk}",
        )
        audit.record(
            actor=actor,
            action="notice.publish",
            obj=notice,
            detail={"audience": audience, "place": audience_place.pk, "recipients": len(people)},
        )
    return notice


ATTACHMENT_PURPOSE = "notice_attachment"


def _store_attachments(actor: Actor, notice: Notice, files: Sequence[Any]) -> None:
    try:
        uploads.store_uploads(
            actor=actor, files=list(files), purpose=ATTACHMENT_PURPOSE, owner=notice
        )
    except ValidationFailed as exc:
        raise ValidationFailed(
            exc.message, fields=[{"field": "attachments", "reason": exc.message}]
        ) from None


def notice_attach(*, actor: Actor, notice: Notice, files: Sequence[Any]) -> None:
    """Add attachments to a published notice: its publishers only (the staff over its
    audience place)."""
    require_publisher(actor, notice.audience_place)
    with transaction.atomic():
        _store_attachments(actor, notice, files)
        audit.record(actor=actor, action="notice.attach", obj=notice, detail={"files": len(files)})


def notice_open(*, actor: Actor, notice: Notice) -> NoticeReceipt | None:
    """The caller opened ``notice``: their receipt is read from now on (the first opening
    counts), and the inbox message that told them of it with it. Staff who were not in the
    audience leave no receipt."""
    person = person_of(actor)
    if person is None:
        return None
    with transaction.atomic():
        receipt = (
            NoticeReceipt.objects.select_for_update()
            .filter(notice=notice, person_id=person.pk)
            .first()
        )
        if receipt is None or receipt.read_at is not None:
            return receipt
        now = clock.now()
        receipt.read_at = now
        receipt.save(update_fields=["read_at"])
        from tongxin.inbox.models import Message

        Message.objects.filter(
            recipient_id=person.pk, topic=f"notice:{notice.pk}", read_at__isnull=True
        ).update(read_at=now)
    return receipt


def log_entry_record(
    *,
    actor: Actor,
    place: Place,
    raised: str,
    met: str = "",
    done: str = "",
    follow_up: str = "",
    visitors: str = "",
    difficulties: str = "",
    requests: str = "",
    tags: str = "",
    occurred_at: dt.datetime | None = None,
    source: str = LogSource.SCRATCH,
    notice: Notice | None = None,
    case_category: str = "",
) -> LogEntry:
    """Record one entry of the daily log at a place the actor works at; with
    ``case_category``, what was raised becomes a case at that place in the same transaction
    (through the one intake, ``cases.services.case_report``)."""
    require_recorder(actor, place)
    problems = Problems()
    if not raised.strip():
        problems.add("raised", _("请填写反映的情况"))
    if len(raised) > 2000 or len(done) > 2000:
        problems.add("raised", _("内容不能超过 2000 个字"))
    if len(follow_up) > 1000:
        problems.add("follow_up", _("后续计划不能超过 1000 个字"))
    if len(difficulties) > 1000 or len(requests) > 1000:
        problems.add("difficulties", _("困难问题和意见诉求不能超过 1000 个字"))
    if len(visitors) > 200:
        problems.add("visitors", _("走访人不能超过 200 个字"))
    if len(met) > 200 or len(tags) > 200:
        problems.add("met", _("走访对象和标签不能超过 200 个字"))
    if source not in LogSource.values:
        problems.add("source", _("未知的来源"))
    now = clock.now()
    if occurred_at is not None and occurred_at > now + dt.timedelta(minutes=5):
        problems.add("occurred_at", _("时间不能晚于现在"))
    problems.raise_if_any()
    with transaction.atomic():
        entry = LogEntry.objects.create(
            author=as_account(actor),
            place=place,
            occurred_at=occurred_at or now,
            source=source,
            met=met.strip(),
            raised=raised.strip(),
            done=done.strip(),
            follow_up=follow_up.strip(),
            visitors=visitors.strip(),
            difficulties=difficulties.strip(),
            requests=requests.strip(),
            tags=tags.strip(),
            notice=notice,
        )
        if case_category:
            from tongxin.cases.models import Channel
            from tongxin.cases.services import case_report

            channel = Channel.VISIT if source == LogSource.VISIT else Channel.PATROL
            entry.case = case_report(
                actor=actor,
                category=case_category,
                description=entry.raised,
                place_id=place.pk,
                channel=channel,
            )
            entry.save(update_fields=["case"])
        audit.record(actor=actor, action="log_entry.record", obj=entry)
    return entry


# ---------------------------------------------------------------------------- 三务公开

PERIOD_FORMATS = {
    Cadence.FIXED: re.compile(r"^20\d\d$"),
    Cadence.PERIODIC: re.compile(r"^20\d\d-Q[1-4]$"),
    Cadence.IMMEDIATE: re.compile(r"^$"),
}


def disclosure_draft(
    *,
    actor: Actor,
    community: Place,
    title: str,
    body: str,
    kind: str = "",
    cadence: str = "",
    period: str = "",
    item: DisclosureItem | None = None,
) -> Disclosure:
    """Draft a disclosure of the community (its managers only). With an ``item`` of the
    disclosure list, its kind and cadence are the item's."""
    require_manager(actor, community)
    if item is not None:
        kind, cadence = item.kind, item.cadence
    problems = Problems()
    if item is not None and item.community_id != community.pk:
        problems.add("item_id", _("该事项不属于本社区的公开目录"))
    if not title.strip():
        problems.add("title", _("必填"))
    if not body.strip():
        problems.add("body", _("必填"))
    if len(title) > 120:
        problems.add("title", _("标题不能超过 {n} 个字").format(n=120))
    if len(body) > 20000:
        problems.add("body", _("正文不能超过 {n} 个字").format(n=20000))
    if kind not in DisclosureKind.values:
        problems.add("kind", _("请选择党务、居务或财务"))
    if cadence not in Cadence.values:
        problems.add("cadence", _("请选择公开方式"))
    elif not PERIOD_FORMATS[Cadence(cadence)].match(period):
        problems.add("period", _("公开期间的格式：每年为 2026，每季度为 2026-Q3，即时公开不填"))
    problems.raise_if_any()
    with transaction.atomic():
        disclosure = Disclosure.objects.create(
            community=community,
            item=item,
            kind=kind,
            cadence=cadence,
            period=period,
            title=title.strip(),
            body=body,
            created_by=as_account(actor),
        )
        audit.record(actor=actor, action="disclosure.draft", obj=disclosure)
    return disclosure


def disclosure_act(*, actor: Actor, disclosure_id: int, act: str, note: str = "") -> Disclosure:
    """Move a disclosure through its machine: submit, approve or reject (the committee's
    decision, with its note: the meeting that decided), publish (only once approved)."""
    with transaction.atomic():
        disclosure = access(
            Disclosure.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("community")
            .order_by("pk"),
            disclosure_id,
        )
        require_manager(actor, disclosure.community)
        DISCLOSURE_MACHINE.targets(act, disclosure.status)  # UNKNOWN_ACTION before the note
        if act in (DisclosureAct.APPROVE, DisclosureAct.REJECT) and not note.strip():
            raise ValidationFailed(
                _("请填写审核意见（如两委会议的日期）"),
                fields=[{"field": "note", "reason": _("必填")}],
            )
        DISCLOSURE_MACHINE.move(disclosure, act)
        fields = ["status"]
        if act in (DisclosureAct.APPROVE, DisclosureAct.REJECT):
            disclosure.approved_by = as_account(actor) if act == DisclosureAct.APPROVE else None
            disclosure.approval_note = note.strip()[:300]
            fields += ["approved_by", "approval_note"]
        if act == DisclosureAct.PUBLISH:
            disclosure.published_at = clock.now()
            fields.append("published_at")
        disclosure.save(update_fields=fields)
        audit.record(
            actor=actor, action=f"disclosure.{act}", obj=disclosure, detail={"note": note[:300]}
        )
    return disclosure


# ---------------------------------------------------------------------------- appointments

REMIND_BEFORE = dt.timedelta(hours=24)


class SlotFull(DomainError):
    code = NoticesCode.SLOT_FULL
    status = 409


class AlreadyBooked(DomainError):
    code = NoticesCode.ALREADY_BOOKED
    status = 409


def booking_create(
    *, actor: Actor, studio: Studio, starts_at: dt.datetime, topic: str = ""
) -> Booking:
    """Book one place in a slot of ``studio`` for the caller. The slot must be one of the
    studio's, at least ``lead_hours`` and at most ``ahead_days`` ahead; the studio row is
    locked while the places are counted, so two residents never take the last place twice."""
    person = person_of(actor)
    if person is None:
        raise Forbidden(_("只有居民可以预约"))
    starts_at = clock.local(starts_at)
    now = clock.now()
    problems = Problems()
    if len(topic) > 200:
        problems.add("topic", _("事由不能超过 200 个字"))
    if starts_at not in selectors.slot_starts(studio, starts_at.date()):
        problems.add("starts_at", _("不是该工作室的预约时段"))
    elif starts_at < now + dt.timedelta(hours=studio.lead_hours):
        problems.add("starts_at", _("请至少提前 {n} 小时预约").format(n=studio.lead_hours))
    elif starts_at.date() > clock.today() + dt.timedelta(days=studio.ahead_days):
        problems.add("starts_at", _("最多提前 {n} 天预约").format(n=studio.ahead_days))
    if problems.fields:
        raise ValidationFailed(
            problems.fields[0]["reason"], code=NoticesCode.SLOT_NOT_BOOKABLE, fields=problems.fields
        )
    with transaction.atomic():
        # The studio's row is the slot's lock: bookings of one studio are counted one at a time.
        Studio.objects.select_for_update().filter(pk=studio.pk).order_by("pk").first()
        holding = Booking.objects.filter(studio=studio, starts_at=starts_at, status__in=HOLDING)
        if holding.filter(person=person).exists():
            raise AlreadyBooked(_("您已预约该时段"))
        taken = holding.count()
        if taken >= studio.capacity:
            raise SlotFull(_("该时段已约满"), context={"capacity": studio.capacity, "taken": taken})
        booking = Booking.objects.create(
            studio=studio, person=person, starts_at=starts_at, topic=topic.strip()
        )
        audit.record(actor=actor, action="booking.create", obj=booking)
        from .tasks import remind_booking

        remind_at = starts_at - REMIND_BEFORE
        taskqueue.defer(
            remind_booking, booking.pk, run_after=remind_at if remind_at > now else None
        )
    return booking


def booking_act(*, actor: Actor, booking_id: int, act: str) -> Booking:
    """Cancel (the resident or the studio's managers), mark attended or a no-show (the
    managers, once the slot has begun)."""
    with transaction.atomic():
        booking = access(
            Booking.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("studio__community")
            .order_by("pk"),
            booking_id,
        )
        BOOKING_MACHINE.targets(act, booking.status)  # UNKNOWN_ACTION first
        own = booking.person_id == getattr(person_of(actor), "pk", None)
        if not (act == BookingAct.CANCEL and own):
            require_manager(actor, booking.studio.community)
        if act in (BookingAct.ATTEND, BookingAct.NO_SHOW) and booking.starts_at > clock.now():
            raise ValidationFailed(
                _("时段开始后才能登记到场或爽约"),
                fields=[{"field": "act", "reason": _("时段尚未开始")}],
            )
        BOOKING_MACHINE.move(booking, act)
        booking.save(update_fields=["status"])
        audit.record(actor=actor, action=f"booking.{act}", obj=booking)
    return booking


def booking_remind(*, booking_id: int) -> bool:
    """The reminder the day before (from the task worker): only a booking still held."""
    booking = (
        Booking.objects.select_related("studio")
        .filter(pk=booking_id, status=BookingStatus.BOOKED)
        .first()
    )
    if booking is None:
        return False
    when = clock.local(booking.starts_at)
    notify(
        recipients=[booking.person_id],
        kind="booking",
        subject=_("预约提醒：{studio}").format(studio=booking.studio.name),
        body=_("您预约了 {when:%m-%d %H:%M}，地点：{where}").format(
            when=when, where=booking.studio.location
        ),
        topic=f"booking:{booking.pk}",
    )
    return True


# ---------------------------------------------------------------------------- conventions

CONVENTION_PLACE_KINDS = {
    ConventionKind.RESIDENTS: frozenset({"community"}),
    ConventionKind.STAIRWELL: frozenset({"building", "unit"}),
}


def convention_draft(
    *,
    actor: Actor,
    place: Place,
    kind: str,
    title: str,
    text: str,
    version: str = "1",
) -> Convention:
    """Draft a convention for a community (居民公约) or a building or unit (楼道公约), by the
    staff of the place. It is shown to residents once its adoption is recorded."""
    require_publisher(actor, place)
    problems = Problems()
    if kind not in ConventionKind.values:
        problems.add("kind", _("请选择居民公约或楼道公约"))
    elif place.kind not in CONVENTION_PLACE_KINDS[ConventionKind(kind)]:
        problems.add(
            "place_id",
            _("居民公约适用于社区")
            if kind == ConventionKind.RESIDENTS
            else _("楼道公约适用于楼栋或单元"),
        )
    title, version = title.strip(), version.strip()
    if not title:
        problems.add("title", _("必填"))
    elif len(title) > 120:
        problems.add("title", _("标题不能超过 {n} 个字").format(n=120))
    if not text.strip():
        problems.add("text", _("必填"))
    elif len(text) > 20000:
        problems.add("text", _("正文不能超过 {n} 个字").format(n=20000))
    if not version:
        problems.add("version", _("必填"))
    elif len(version) > 20:
        problems.add("version", _("版本不能超过 {n} 个字").format(n=20))
    problems.raise_if_any()
    with transaction.atomic():
        convention = Convention.objects.create(
            kind=kind,
            place=place,
            title=title,
            text=text.strip(),
            version=version,
            created_by=as_account(actor),
        )
        audit.record(actor=actor, action="convention.draft", obj=convention)
    return convention


def convention_adopt(
    *,
    actor: Actor,
    convention_id: int,
    adopted_on: dt.date,
    method: str,
    votes_for: int | None = None,
    votes_against: int | None = None,
    votes_abstain: int | None = None,
    deliberation_ref: str = "",
) -> Convention:
    """Record how a convention was adopted (a residents' or representatives' meeting, or a
    vote, with its counts): from then on it is in force and its residents read it. A vote
    needs its counts, and more for than against; an adoption is recorded once."""
    with transaction.atomic():
        convention = access(
            Convention.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("place")
            .order_by("pk"),
            convention_id,
        )
        require_publisher(actor, convention.place)
        problems = Problems()
        if convention.adopted_on is not None:
            problems.add("adopted_on", _("该公约已登记通过，不能重复登记"))
        if method not in AdoptionMethod.values:
            problems.add("method", _("请选择通过方式"))
        if adopted_on > clock.today():
            problems.add("adopted_on", _("通过日期不能晚于今天"))
        elif adopted_on.year < 2000:
            problems.add("adopted_on", _("日期应在 2000 到 2100 年之间"))
        counts = (votes_for, votes_against, votes_abstain)
        if any(c is not None and not 0 <= c <= 100000 for c in counts):
            problems.add("votes_for", _("票数应在 0 到 100000 之间"))
        elif method == AdoptionMethod.VOTE and (votes_for is None or votes_against is None):
            problems.add("votes_for", _("投票通过须填写赞成和反对票数"))
        elif votes_for is not None and votes_against is not None and votes_for <= votes_against:
            problems.add("votes_for", _("赞成票须多于反对票，公约才算通过"))
        if len(deliberation_ref) > 200:
            problems.add("deliberation_ref", _("议事记录不能超过 {n} 个字").format(n=200))
        problems.raise_if_any()
        convention.adopted_on = adopted_on
        convention.adoption_method = method
        convention.votes_for = votes_for
        convention.votes_against = votes_against
        convention.votes_abstain = votes_abstain
        convention.deliberation_ref = deliberation_ref.strip()
        convention.recorded_by = as_account(actor)
        convention.save()
        audit.record(
            actor=actor,
            action="convention.adopt",
            obj=convention,
            detail={"method": method, "for": votes_for, "against": votes_against},
        )
    return convention
