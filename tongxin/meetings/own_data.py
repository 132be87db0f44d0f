"""What meetings hold about a person, for their right of access (我的数据): the meetings they
convened, their seats, sign-ins and apologies, and the action items they own."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tongxin.core.actors import Actor
from tongxin.people.models import Person
from tongxin.people.own_data import Item, Section

LINKED = {
    "meetings.meeting": "meetings_convened",
    "meetings.invitation": "meeting_seats",
    "meetings.attendance": "meeting_sign_ins",
    "meetings.apology": "meeting_apologies",
    "meetings.actionitem": "action_items",
}


def sections(user: Actor, person: Person) -> list[Section]:
    from .models import ActionItem, Apology, Attendance, Invitation, Meeting

    convened = Section("meetings_convened", _("召集的会议"), True)
    for m in Meeting.objects.filter(convener=person).order_by("starts_at", "id"):
        convened.records.append(
            [Item("title", _("会议"), m.title), Item("starts_at", _("时间"), m.starts_at)]
        )
    seats = Section("meeting_seats", _("受邀参加的会议"), True)
    for i in Invitation.objects.filter(person=person).select_related("meeting"):
        seats.records.append(
            [
                Item("meeting", _("会议"), i.meeting.title),
                Item("starts_at", _("时间"), i.meeting.starts_at),
            ]
        )
    signed = Section("meeting_sign_ins", _("会议签到"), True)
    for a in Attendance.objects.filter(person=person).select_related("meeting"):
        signed.records.append(
            [
                Item("meeting", _("会议"), a.meeting.title),
                Item("signed_at", _("签到时间"), a.signed_at),
                Item("method", _("签到方式"), a.get_method_display()),
            ]
        )
    apologies = Section("meeting_apologies", _("会议请假"), True)
    for p in Apology.objects.filter(person=person).select_related("meeting"):
        apologies.records.append(
            [
                Item("meeting", _("会议"), p.meeting.title),
                Item("reason", _("请假事由"), p.reason),
                Item("created_at", _("请假时间"), p.created_at),
            ]
        )
    items = Section("action_items", _("承办的决议事项"), True)
    for x in ActionItem.objects.filter(owner=person).select_related("meeting"):
        items.records.append(
            [
                Item("text", _("决议内容"), x.text),
                Item("due", _("完成期限"), x.due),
                Item("state", _("状态"), x.get_state_display()),
            ]
        )
    return [convened, seats, signed, apologies, items]
