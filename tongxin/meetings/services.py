"""Writes of the meeting mechanism: convene, act, sign in, apologise, resolve, track.

Each write validates, checks the policy, locks the meeting (or item), writes, appends an audit
row and notifies through the inbox, inside one transaction (notifications go out after it
commits). Meetings and items are reached through ``visible_to``: out of scope is 404.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core import audit, clock, tokens, uploads
from tongxin.core.actors import Actor, as_account, person_of
from tongxin.core.errors import Code, Forbidden, NotFound, ValidationFailed
from tongxin.core.models import StoredUpload
from tongxin.core.scoping import access
from tongxin.inbox.services import notify
from tongxin.orgs.models import Organisation, Post
from tongxin.people.models import Person
from tongxin.places.models import Place

from . import policies, selectors
from .errors import (
    AlreadySignedIn,
    MeetingNotHeld,
    MinutesRequired,
    NotInvited,
    SignInClosed,
    SignInTokenInvalid,
)
from .models import (
    ActionItem,
    ActionState,
    AgendaItem,
    Apology,
    Attendance,
    Invitation,
    InviteeKind,
    Meeting,
    MeetingState,
    SignInMethod,
)
from .workflow import ACTION_MACHINE, MEETING_MACHINE, ActionAct, MeetingAct

NOTIFY_KIND = "meeting"
MAX_AGENDA_ITEMS = 30
MAX_INVITEES = 500
# How long a QR code's token is honoured, and when the meeting page shows a fresh one.
SIGNIN_TOKEN_TTL = dt.timedelta(minutes=10)
SIGNIN_TOKEN_RENEW = dt.timedelta(minutes=3)
OPEN_FOR_SIGNIN = (MeetingState.PLANNED, MeetingState.HELD)
RESOLUTION_STATES = (MeetingState.HELD, MeetingState.MINUTED)


def _link(meeting: Meeting) -> str:
    return f"/meetings/{meeting.pk}/"


def _person_ids_of_invitations(invs: Iterable[Invitation]) -> set[int]:
    """The people an invitation reaches today: the person, the post's holder, the unit's
    post holders."""
    ids: set[int] = set()
    post_ids, unit_ids = [], []
    for inv in invs:
        if inv.kind == InviteeKind.PERSON and inv.person_id:
            ids.add(inv.person_id)
        elif inv.kind == InviteeKind.POST and inv.post_id:
            post_ids.append(inv.post_id)
        elif inv.organisation_id:
            unit_ids.append(inv.organisation_id)
    if post_ids:
        ids |= set(
            Post.objects.active().filter(pk__in=post_ids).values_list("person_id", flat=True)
        )
    if unit_ids:
        ids |= set(
            Post.objects.active()
            .filter(organisation_id__in=unit_ids)
            .values_list("person_id", flat=True)
        )
    return ids


# ------------------------------------------------------------------------ convening


def _resolve_invitees(actor: Actor, invitees: Sequence[Mapping[str, Any]]) -> list[Invitation]:
    if len(invitees) > MAX_INVITEES:
        raise ValidationFailed(
            _("受邀方最多 {n} 个").format(n=MAX_INVITEES),
            fields=[{"field": "invitees", "reason": _("受邀方过多")}],
        )
    wanted: dict[str, list[tuple[int, int]]] = {"person": [], "post": [], "unit": []}
    problems = []
    for i, item in enumerate(invitees):
        kind = str(item.get("kind", ""))
        try:
            pk = int(item.get("id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            problems.append({"field": f"invitees[{i}].id", "reason": _("应为编号")})
            continue
        if kind not in wanted:
            problems.append(
                {"field": f"invitees[{i}].kind", "reason": _("取值应为：person、post、unit")}
            )
            continue
        wanted[kind].append((i, pk))
    found = {
        "person": set(
            Person.objects.visible_to(actor)
            .filter(pk__in=[pk for _i, pk in wanted["person"]])
            .values_list("pk", flat=True)
        ),
        "post": set(
            Post.objects.visible_to(actor)
            .active()
            .filter(pk__in=[pk for _i, pk in wanted["post"]])
            .values_list("pk", flat=True)
        ),
        "unit": set(
            Organisation.objects.visible_to(actor)
            .filter(pk__in=[pk for _i, pk in wanted["unit"]])
            .values_list("pk", flat=True)
        ),
    }
    invitations: list[Invitation] = []
    seen: set[tuple[str, int]] = set()
    for kind, rows in wanted.items():
        for i, pk in rows:
            if pk not in found[kind]:
                problems.append({"field": f"invitees[{i}].id", "reason": _("找不到该受邀方")})
                continue
            if (kind, pk) in seen:
                continue
            seen.add((kind, pk))
            inv = Invitation(kind=kind)
            if kind == "person":
                inv.person_id = pk
            elif kind == "post":
                inv.post_id = pk
            else:
                inv.organisation_id = pk
            invitations.append(inv)
    if problems:
        raise ValidationFailed(_("受邀方有误"), fields=problems)
    return invitations


def _clean_agenda(agenda: Sequence[Any]) -> list[str]:
    items = [str(a).strip() for a in agenda if str(a).strip()]
    if not items:
        raise ValidationFailed(
            _("请至少填写一项议程"), fields=[{"field": "agenda", "reason": _("不能为空")}]
        )
    if len(items) > MAX_AGENDA_ITEMS:
        raise ValidationFailed(
            _("议程最多 {n} 项").format(n=MAX_AGENDA_ITEMS),
            fields=[{"field": "agenda", "reason": _("议程过多")}],
        )
    too_long = [i for i, t in enumerate(items) if len(t) > 300]
    if too_long:
        raise ValidationFailed(
            _("每项议程最多 300 字"),
            fields=[{"field": f"agenda[{i}]", "reason": _("过长")} for i in too_long],
        )
    return items


def meeting_convene(
    *,
    actor: Actor,
    kind: str,
    organisation_id: int | None,
    starts_at: dt.datetime,
    agenda: Sequence[Any],
    title: str = "",
    ends_at: dt.datetime | None = None,
    place_id: int | None = None,
    place_text: str = "",
    online_url: str = "",
    invitees: Sequence[Mapping[str, Any]] = (),
    is_election: bool = False,
) -> Meeting:
    """Convene a meeting of ``kind`` for the organisation; its invitees are told."""
    convener = person_of(actor)
    if convener is None:
        raise Forbidden(_("您的账号未关联人员，不能召集会议"), code=Code.ACTION_FORBIDDEN)
    kinds = selectors.kinds()
    meeting_kind = kinds.get(kind)
    if meeting_kind is None or not meeting_kind.is_active:
        raise ValidationFailed(
            _("未知的会议类型：{kind}").format(kind=kind),
            fields=[{"field": "kind", "reason": _("取值应为：") + "、".join(sorted(kinds))}],
        )
    if organisation_id is None:
        # The caller's own organisation: the first (highest) they are an officer of.
        paths = sorted(policies.officer_paths(actor))
        if not paths:
            raise Forbidden(_("只有组织负责人可以召集会议"), code=Code.ACTION_FORBIDDEN)
        organisation = Organisation.objects.visible_to(actor).filter(path=paths[0]).first()
        if organisation is None:
            raise NotFound()
    else:
        organisation = access(Organisation.objects.visible_to(actor), organisation_id)
    if not policies.may_convene(actor, organisation):
        raise Forbidden(_("只有本组织或上级组织的负责人可以召集会议"), code=Code.ACTION_FORBIDDEN)
    items = _clean_agenda(agenda)
    if starts_at.tzinfo is None:
        starts_at = clock.local(starts_at)
    if ends_at is not None:
        if ends_at.tzinfo is None:
            ends_at = clock.local(ends_at)
        if ends_at <= starts_at:
            raise ValidationFailed(
                _("结束时间应晚于开始时间"),
                fields=[{"field": "ends_at", "reason": _("应晚于开始时间")}],
            )
    place = None
    if place_id is not None:
        place = access(Place.objects.visible_to(actor), place_id)
    title = (title or "").strip() or f"{organisation.name}{meeting_kind.label}"
    if len(title) > 120:
        raise ValidationFailed(
            _("会议名称最多 120 字"), fields=[{"field": "title", "reason": _("过长")}]
        )
    if meeting_kind.online and not online_url and not place and not place_text:
        raise ValidationFailed(
            _("线上会议请填写会议链接"),
            fields=[{"field": "online_url", "reason": _("不能为空")}],
        )
    invitations = _resolve_invitees(actor, invitees)
    with transaction.atomic():
        meeting = Meeting.objects.create(
            kind=meeting_kind,
            organisation=organisation,
            title=title,
            starts_at=starts_at,
            ends_at=ends_at,
            place=place,
            place_text=place_text.strip()[:200],
            online_url=online_url.strip(),
            is_election=is_election,
            convener=convener,
            created_by=as_account(actor),
        )
        AgendaItem.objects.bulk_create(
            AgendaItem(meeting=meeting, position=i + 1, text=t) for i, t in enumerate(items)
        )
        for inv in invitations:
            inv.meeting = meeting
        Invitation.objects.bulk_create(invitations)
        audit.record(
            actor=actor,
            action="meeting_convene",
            obj=meeting,
            detail={"kind": kind, "organisation": organisation.pk, "invitees": len(invitations)},
        )
        local = clock.local(starts_at)
        notify(
            recipients=_person_ids_of_invitations(invitations) - {convener.pk},
            kind=NOTIFY_KIND,
            subject=_("会议通知：{title}").format(title=title),
            body=_("{when}，{where}").format(
                when=local.strftime("%Y-%m-%d %H:%M"),
                where=meeting.where or meeting.online_url or _("地点另行通知"),
            ),
            link=_link(meeting),
            topic=f"meeting:{meeting.pk}",
        )
    return meeting


def _locked(actor: Actor, meeting_id: Any) -> Meeting:
    seen = access(Meeting.objects.visible_to(actor), meeting_id)
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("kind", "organisation")
        .get(pk=seen.pk)
    )


def meeting_act(
    *, actor: Actor, meeting_id: Any, act: str, data: Mapping[str, Any] | None = None
) -> Meeting:
    """Hold, minute (``minutes``), close or cancel (``reason``) a meeting."""
    data = data or {}
    with transaction.atomic():
        meeting = _locked(actor, meeting_id)
        policies.require_run(actor, meeting)
        if not MEETING_MACHINE.knows(act):
            raise ValidationFailed(
                _("未知的操作：{act}").format(act=act),
                code=Code.UNKNOWN_ACTION,
                fields=[{"field": "act", "reason": _("取值应为：") + "、".join(MeetingAct.values)}],
            )
        frm = meeting.state
        MEETING_MACHINE.check(act, frm)
        fields = ["state"]
        if act == MeetingAct.MINUTE:
            minutes = str(data.get("minutes") or "").strip()
            if not minutes:
                raise MinutesRequired(
                    _("请填写会议纪要"), fields=[{"field": "minutes", "reason": _("不能为空")}]
                )
            if len(minutes) > 20000:
                raise ValidationFailed(
                    _("会议纪要最多 20000 字"), fields=[{"field": "minutes", "reason": _("过长")}]
                )
            meeting.minutes = minutes
            fields.append("minutes")
        elif act == MeetingAct.CANCEL:
            meeting.cancel_reason = str(data.get("reason") or "").strip()[:200]
            fields.append("cancel_reason")
        MEETING_MACHINE.move(meeting, act)
        meeting.save(update_fields=fields)
        audit.record(
            actor=actor,
            action=f"meeting_{act}",
            obj=meeting,
            detail={"from": frm, "to": meeting.state},
        )
        if act == MeetingAct.CANCEL:
            notify(
                recipients=_person_ids_of_invitations(meeting.invitations.all()),
                kind=NOTIFY_KIND,
                subject=_("会议取消：{title}").format(title=meeting.title),
                body=meeting.cancel_reason,
                link=_link(meeting),
                topic=f"meeting:{meeting.pk}",
            )
    return meeting


# ------------------------------------------------------------------------ sign-in


def signin_token(*, actor: Actor, meeting_id: Any) -> Meeting:
    """The meeting with a QR token valid for a while yet (minted anew when it is about to
    expire); only whoever runs the meeting sees or mints it."""
    meeting = access(Meeting.objects.visible_to(actor), meeting_id)
    policies.require_run(actor, meeting)
    now = clock.now()
    if (
        meeting.signin_token
        and meeting.signin_expires_at is not None
        and meeting.signin_expires_at - now > SIGNIN_TOKEN_RENEW
    ):
        return meeting
    if meeting.state not in OPEN_FOR_SIGNIN:
        return meeting
    with transaction.atomic():
        meeting = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("kind")
            .get(pk=meeting.pk)
        )
        meeting.signin_token = tokens.mint(24)
        meeting.signin_expires_at = now + SIGNIN_TOKEN_TTL
        meeting.save(update_fields=["signin_token", "signin_expires_at"])
    return meeting


def _token_ok(meeting: Meeting, token: str) -> bool:
    if not token or not meeting.signin_token or meeting.signin_expires_at is None:
        return False
    if meeting.signin_expires_at <= clock.now():
        return False
    return hmac.compare_digest(meeting.signin_token.encode(), token.encode())


def meeting_sign_in(
    *, actor: Actor, meeting_id: Any, token: str = "", person_id: int | None = None
) -> Attendance:
    """Sign a person in: the caller themself with the QR code's token, or the secretary
    (whoever runs the meeting) naming an invitee. Signing in twice returns the first."""
    me = person_of(actor)
    with transaction.atomic():
        meeting = _locked(actor, meeting_id)
        by_secretary = person_id is not None and (me is None or person_id != me.pk)
        runner = policies.may_run(actor, meeting)
        if by_secretary:
            policies.require_run(actor, meeting)
            assert person_id is not None
            who = person_id
        else:
            if me is None:
                raise NotInvited(_("您的账号未关联人员"))
            who = me.pk
            # An online meeting (微会议) is joined from its page by the invitee themself:
            # remote attendance needs no QR code from the room.
            remote = meeting.kind.online and not token
            if not runner and not remote and not _token_ok(meeting, token):
                raise SignInTokenInvalid(_("签到码无效或已过期，请重新扫描会场的二维码"))
        if meeting.state not in OPEN_FOR_SIGNIN:
            raise SignInClosed(_("会议{state}，不能签到").format(state=meeting.get_state_display()))
        existing = Attendance.objects.filter(meeting=meeting, person_id=who).first()
        if existing is not None:
            return existing
        invitation = selectors.invitation_for(meeting, who)
        if invitation is None:
            raise NotInvited(
                _("不在本次会议的受邀名单中"),
                fields=[{"field": "person_id", "reason": _("未受邀")}] if by_secretary else None,
            )
        attendance = Attendance.objects.create(
            meeting=meeting,
            invitation=invitation,
            person_id=who,
            method=(
                SignInMethod.SECRETARY
                if by_secretary
                else SignInMethod.ONLINE
                if meeting.kind.online and not token
                else SignInMethod.QR
            ),
            recorded_by=as_account(actor),
        )
        audit.record(
            actor=actor,
            action="meeting_sign_in",
            obj=meeting,
            subject_person_id=who,
            detail={"method": attendance.method, "invitation": invitation.pk},
        )
    return attendance


def meeting_apology(
    *, actor: Actor, meeting_id: Any, reason: str, person_id: int | None = None
) -> Apology:
    """An invitee's apology with its reason (the secretary may record one for an invitee).
    Sending it again replaces the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("请填写请假事由"), fields=[{"field": "reason", "reason": _("不能为空")}]
        )
    if len(reason) > 200:
        raise ValidationFailed(
            _("请假事由最多 200 字"), fields=[{"field": "reason", "reason": _("过长")}]
        )
    me = person_of(actor)
    with transaction.atomic():
        meeting = _locked(actor, meeting_id)
        by_secretary = person_id is not None and (me is None or person_id != me.pk)
        if by_secretary:
            policies.require_run(actor, meeting)
            assert person_id is not None
            who = person_id
        else:
            if me is None:
                raise NotInvited(_("您的账号未关联人员"))
            who = me.pk
        if meeting.state not in OPEN_FOR_SIGNIN:
            raise SignInClosed(_("会议{state}，不能请假").format(state=meeting.get_state_display()))
        invitation = selectors.invitation_for(meeting, who)
        if invitation is None:
            raise NotInvited(_("不在本次会议的受邀名单中"))
        if Attendance.objects.filter(invitation=invitation).exists():
            raise AlreadySignedIn(_("已签到，无需请假"))
        apology, _created = Apology.objects.update_or_create(
            invitation=invitation,
            defaults={"meeting": meeting, "person_id": who, "reason": reason},
        )
        audit.record(
            actor=actor,
            action="meeting_apology",
            obj=meeting,
            subject_person_id=who,
            detail={"invitation": invitation.pk},
        )
        notify(
            recipients=[meeting.convener_id] if meeting.convener_id != who else [],
            kind=NOTIFY_KIND,
            subject=_("会议请假：{title}").format(title=meeting.title),
            body=reason,
            link=_link(meeting),
            topic=f"meeting:{meeting.pk}",
        )
    return apology


# ------------------------------------------------------------------------ resolutions


def resolution_add(
    *,
    actor: Actor,
    meeting_id: Any,
    text: str,
    owner_person_id: int | None = None,
    due: dt.date | None = None,
) -> ActionItem:
    """A resolution of a held meeting becomes an action item of its owner (the convener
    when none is named), who is told."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(
            _("请填写决议内容"), fields=[{"field": "text", "reason": _("不能为空")}]
        )
    if len(text) > 500:
        raise ValidationFailed(
            _("决议内容最多 500 字"), fields=[{"field": "text", "reason": _("过长")}]
        )
    with transaction.atomic():
        meeting = _locked(actor, meeting_id)
        policies.require_run(actor, meeting)
        if meeting.state not in RESOLUTION_STATES:
            raise MeetingNotHeld(
                _("会议{state}，不能登记决议").format(state=meeting.get_state_display())
            )
        if due is not None and due < meeting.local_day:
            raise ValidationFailed(
                _("完成期限不能早于会议日期"),
                fields=[{"field": "due", "reason": _("早于会议日期")}],
            )
        owner_id = owner_person_id if owner_person_id is not None else meeting.convener_id
        if owner_id != meeting.convener_id and not (
            Person.objects.visible_to(actor).filter(pk=owner_id).exists()
            or selectors.invitation_for(meeting, owner_id) is not None
        ):
            raise ValidationFailed(
                _("找不到该责任人"),
                fields=[{"field": "owner_person_id", "reason": _("找不到该人员")}],
            )
        item = ActionItem.objects.create(meeting=meeting, text=text, owner_id=owner_id, due=due)
        audit.record(
            actor=actor,
            action="meeting_resolution",
            obj=item,
            subject_person_id=owner_id,
            detail={"meeting": meeting.pk, "due": due},
        )
        notify(
            recipients=[owner_id],
            kind=NOTIFY_KIND,
            subject=_("会议决议交办：{text}").format(text=text[:40]),
            body=_("来自{title}，期限 {due}").format(
                title=meeting.title, due=due.isoformat() if due else _("未定")
            ),
            link="/meetings/actions/",
            topic=f"action:{item.pk}",
        )
    return item


def action_item_act(*, actor: Actor, item_id: Any, act: str, note: str = "") -> ActionItem:
    """Complete (the owner or the meeting's runner), cancel or reopen (the runner) an item."""
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationFailed(
            _("办理说明最多 500 字"), fields=[{"field": "note", "reason": _("过长")}]
        )
    with transaction.atomic():
        seen = access(ActionItem.objects.visible_to(actor), item_id)
        item = (
            ActionItem.objects.select_for_update(of=("self",))
            .select_related("meeting")
            .get(pk=seen.pk)
        )
        if not ACTION_MACHINE.knows(act):
            raise ValidationFailed(
                _("未知的操作：{act}").format(act=act),
                code=Code.UNKNOWN_ACTION,
                fields=[{"field": "act", "reason": _("取值应为：") + "、".join(ActionAct.values)}],
            )
        frm = item.state
        ACTION_MACHINE.check(act, frm)
        if not policies.may_act_on_item(actor, item, act):
            raise Forbidden(_("只有责任人或会议召集方可以办理"), code=Code.ACTION_FORBIDDEN)
        if act == ActionAct.CANCEL and not note:
            raise ValidationFailed(
                _("撤销须说明原因"), fields=[{"field": "note", "reason": _("不能为空")}]
            )
        ACTION_MACHINE.move(item, act)
        item.note = note
        item.closed_at = None if item.state == ActionState.OPEN else clock.now()
        item.save(update_fields=["state", "note", "closed_at"])
        audit.record(
            actor=actor,
            action=f"action_item_{act}",
            obj=item,
            subject_person_id=item.owner_id,
            detail={"from": frm, "to": item.state},
        )
        me = person_of(actor)
        told = item.meeting.convener_id if act == ActionAct.COMPLETE else item.owner_id
        if me is None or told != me.pk:
            subject = {
                ActionAct.COMPLETE: _("决议事项已办结：{text}"),
                ActionAct.CANCEL: _("决议事项已撤销：{text}"),
                ActionAct.REOPEN: _("决议事项已重新打开：{text}"),
            }[ActionAct(act)]
            notify(
                recipients=[told],
                kind=NOTIFY_KIND,
                subject=subject.format(text=item.text[:40]),
                body=note,
                link=_link(item.meeting),
                topic=f"action:{item.pk}",
            )
    return item


# ------------------------------------------------------------------------ attachments


def attach_files(*, actor: Actor, meeting_id: Any, files: Sequence[Any]) -> list[StoredUpload]:
    """Attach files (photos of the sign-in sheet, the materials) to a meeting."""
    meeting = access(Meeting.objects.visible_to(actor), meeting_id)
    policies.require_run(actor, meeting)
    if meeting.state == MeetingState.CANCELLED:
        raise SignInClosed(_("会议已取消"))
    return uploads.store_uploads(actor=actor, files=files, purpose="meeting_file", owner=meeting)
