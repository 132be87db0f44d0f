"""What the eldercare alarm holds about a person, for their right of access (我的数据): the
alarm buttons registered to them, their alarms, and the alarms they were paged for or
acknowledged."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from tongxin.core.actors import Actor
from tongxin.people.models import Person
from tongxin.people.own_data import Item, Section

LINKED = {
    "alarms.device": "alarms",
    "alarms.alarm": "alarms",
    "alarms.alarmpage": "alarms",
}


def sections(user: Actor, person: Person) -> list[Section]:
    from .models import Alarm, AlarmPage, Device

    section = Section("alarms", _("爱心铃"), True)
    for d in Device.objects.filter(person=person):
        section.records.append(
            [Item("device", _("爱心铃设备"), f"{d.code} {d.get_state_display()}")]
        )
    for a in Alarm.objects.filter(Q(person=person) | Q(acked_by=person)).order_by("opened_at"):
        role = _("呼叫") if a.person_id == person.pk else _("响应")
        section.records.append(
            [Item("alarm", role, f"{a.opened_at:%Y-%m-%d %H:%M} {a.get_state_display()}")]
        )
    pages = AlarmPage.objects.filter(person=person).count()
    if pages:
        section.records.append([Item("pages", _("收到的呼叫通知"), pages)])
    return [section]
